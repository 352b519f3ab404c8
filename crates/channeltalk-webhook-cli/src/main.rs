//! `channeltalk-webhook`: parses the command line and prints; the logic is in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use channeltalk_webhook_cli::{Cli, Command, run_send, run_webhooks, sample_json};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sample(args) => {
            println!("{}", sample_json(&args.event));
            ExitCode::SUCCESS
        }
        Command::Webhooks(args) => match run_webhooks(&args) {
            Ok(output) => {
                print!("{output}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(error.exit_code())
            }
        },
        Command::Send(args) => {
            let ansi = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
            let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
            ExitCode::from(run_send(&args, &mut out, &mut err, ansi))
        }
    }
}
