//! `channeltalk-webhook`: parses the command line and prints; the logic is in the library.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use channeltalk_webhook_cli::{
    Cli, Command, EXIT_ERROR, Outgoing, Verdict, render_delivery, run_webhooks, sample_json,
};
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
            let result = Outgoing::from_args(&args).and_then(|outgoing| {
                print!("{}", outgoing.preamble());
                // Shown before a possibly slow answer; a failed flush only delays it.
                std::io::stdout().flush().ok();
                outgoing.send()
            });
            match result {
                Ok(delivery) => {
                    print!("{}", render_delivery(&delivery, ansi));
                    ExitCode::from(Verdict::of(&delivery.view()).exit_code())
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::from(EXIT_ERROR)
                }
            }
        }
    }
}
