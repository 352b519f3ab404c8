//! `loadgen`: the load generator alone, against a server you started (for profiling).
//!
//! ```text
//! CHANNEL_WEBHOOK_TOKEN=t0k3n PORT=8080 target/release/echo-warp &
//! target/release/loadgen --addr 127.0.0.1:8080 --token t0k3n --mix valid --duration 10s
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook_bench::load::{LoadConfig, run};
use channeltalk_webhook_bench::mix::{Kind, Mix, Weights};
use channeltalk_webhook_bench::parse_duration;
use channeltalk_webhook_bench::report::{format_count, format_duration};
use clap::{Parser, ValueEnum};

/// Which requests to send.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum MixChoice {
    /// Genuine deliveries only (the HTTP benchmark's load).
    Valid,
    /// 70 % valid, 10 % wrong token, 10 % malformed, 10 % oversized (the load test's).
    Loadtest,
}

/// Load a running echo server at a fixed concurrency and print what it answered.
#[derive(Debug, Parser)]
#[command(name = "loadgen")]
struct Args {
    /// The server's address.
    #[arg(long)]
    addr: SocketAddr,
    /// The server's webhook token.
    #[arg(long)]
    token: String,
    /// Which requests to send.
    #[arg(long, value_enum, default_value_t = MixChoice::Valid)]
    mix: MixChoice,
    /// Connections sending at the same time.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How long to send (10s, 500ms, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let weights = match args.mix {
        MixChoice::Valid => Weights::VALID_ONLY,
        MixChoice::Loadtest => Weights::LOADTEST,
    };
    let mix = match Mix::new(&args.token, weights) {
        Ok(mix) => Arc::new(mix),
        Err(error) => {
            eprintln!("loadgen: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("loadgen: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let config = LoadConfig::new(args.addr, args.concurrency, args.duration);
    let report = runtime.block_on(run(&config, mix));
    println!(
        "{} requests in {:.2} s: {:.0}/s, p50 {}, p99 {}, max {}; {} wrong answers, {} transport errors",
        format_count(report.requests),
        report.elapsed.as_secs_f64(),
        report.rps(),
        format_duration(report.latency.p50()),
        format_duration(report.latency.p99()),
        format_duration(report.latency.max()),
        report.wrong_answers,
        report.transport_errors
    );
    for kind in Kind::ALL {
        println!(
            "  {kind}: {} right of {} sent",
            report.right[kind.index()],
            report.sent[kind.index()]
        );
    }
    for sample in &report.samples {
        println!("  {sample}");
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
