//! `httpbench`: each example against a hand-written bot on the same framework.
//!
//! For each framework, runs the SDK's echo example and the hand-written echo bot
//! (`serde_json::Value`, token `==`, `json!` reply) one after the other under the same load —
//! genuine deliveries only, a fixed number of keep-alive connections, a warm-up, then a
//! measured run — and prints requests/s, p50 and p99 of both and their ratios as a markdown
//! table. Every answer is checked; exits 1 if any was wrong or missing.
//!
//! ```text
//! cargo run --release -p channeltalk-webhook-bench --bin httpbench -- --build
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook_bench::load::{LoadConfig, LoadReport, run};
use channeltalk_webhook_bench::mix::{Kind, Mix, Weights};
use channeltalk_webhook_bench::parse_duration;
use channeltalk_webhook_bench::process::{
    self, BUILD_EXAMPLES, BUILD_HANDWRITTEN, ProcessError, ServerProcess, machine_summary,
};
use channeltalk_webhook_bench::report::{Table, format_count, format_duration, ratio};
use clap::Parser;

/// A framework: its name, the SDK example and the hand-written bot.
struct Pair {
    framework: &'static str,
    sdk: &'static str,
    handwritten: &'static str,
}

const PAIRS: [Pair; 4] = [
    Pair {
        framework: "hyper",
        sdk: "core-direct",
        handwritten: "handwritten-hyper",
    },
    Pair {
        framework: "actix-web",
        sdk: "echo-actix",
        handwritten: "handwritten-actix",
    },
    Pair {
        framework: "warp",
        sdk: "echo-warp",
        handwritten: "handwritten-warp",
    },
    Pair {
        framework: "axum",
        sdk: "echo-axum",
        handwritten: "handwritten-axum",
    },
];

/// The throughput targets (see `docs/benchmarks.md`).
const MIN_RPS_RATIO: f64 = 0.95;
const MAX_P99_RATIO: f64 = 1.10;

/// HTTP benchmark: each SDK example against a hand-written bot on the same framework.
#[derive(Debug, Parser)]
#[command(name = "httpbench")]
struct Args {
    /// Connections sending at the same time.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured time per server and round (15s, 500ms, 1m).
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    duration: Duration,
    /// Unmeasured load before each measured run.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    warmup: Duration,
    /// Rounds; odd rounds run the hand-written bot first, so 2 rounds cancel order effects.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Only this framework (repeatable).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["hyper", "actix-web", "warp", "axum"]))]
    only: Vec<String>,
    /// How long one request may take before it counts as a transport error.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// The directory holding the release binaries (default: target/release).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Build the examples and the hand-written bots in release mode first.
    #[arg(long)]
    build: bool,
    /// Threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let threads = args.client_threads;
    channeltalk_webhook_bench::process::run_tool("httpbench", threads, main_async(args))
}

/// Both sides of one framework.
#[derive(Default)]
struct Result2 {
    sdk: LoadReport,
    handwritten: LoadReport,
    /// Server CPU time during the measured runs.
    sdk_cpu: Duration,
    handwritten_cpu: Duration,
}

/// Server CPU time per answered request, in µs.
fn cpu_per_request(cpu: Duration, report: &LoadReport) -> String {
    if report.requests == 0 {
        return "?".to_owned();
    }
    format!("{:.1} µs", cpu.as_secs_f64() * 1e6 / report.requests as f64)
}

async fn main_async(args: Args) -> Result<bool, ProcessError> {
    if args.build {
        process::build(BUILD_EXAMPLES)?;
        process::build(BUILD_HANDWRITTEN)?;
    }
    let bin_dir = args
        .bin_dir
        .clone()
        .unwrap_or_else(process::default_bin_dir);
    let pairs: Vec<&Pair> = PAIRS
        .iter()
        .filter(|p| args.only.is_empty() || args.only.iter().any(|o| o == p.framework))
        .collect();
    let mut binaries = Vec::new();
    for pair in &pairs {
        binaries.push((
            process::locate(&bin_dir, pair.sdk, BUILD_EXAMPLES)?,
            process::locate(&bin_dir, pair.handwritten, BUILD_HANDWRITTEN)?,
        ));
    }
    let token = "httpbench-0123456789abcdef";
    let mix = Arc::new(
        Mix::new(token, Weights::VALID_ONLY).map_err(|error| ProcessError::Io {
            what: "building the request mix".into(),
            source: std::io::Error::other(error),
        })?,
    );
    let log_dir = std::env::temp_dir().join("channeltalk-webhook-httpbench");
    let machine = machine_summary();

    let mut results = Vec::new();
    for (pair, (sdk_binary, handwritten_binary)) in pairs.iter().zip(&binaries) {
        let mut result = Result2::default();
        for round in 0..args.rounds.max(1) {
            let sdk_first = round % 2 == 0;
            for sdk in [sdk_first, !sdk_first] {
                let (name, binary) = if sdk {
                    (pair.sdk, sdk_binary)
                } else {
                    (pair.handwritten, handwritten_binary)
                };
                let (report, cpu) = measure(&args, name, binary, token, &mix, &log_dir).await?;
                eprintln!(
                    "{name} (round {}): {} requests, {:.0}/s, server CPU {}/request, p50 {}, p99 {}, {} wrong, {} transport errors",
                    round + 1,
                    report.requests,
                    report.rps(),
                    cpu_per_request(cpu, &report),
                    format_duration(report.latency.p50()),
                    format_duration(report.latency.p99()),
                    report.wrong_answers,
                    report.transport_errors
                );
                let (side, side_cpu) = if sdk {
                    (&mut result.sdk, &mut result.sdk_cpu)
                } else {
                    (&mut result.handwritten, &mut result.handwritten_cpu)
                };
                side.merge(&report);
                *side_cpu += cpu;
            }
        }
        results.push((*pair, result));
    }
    let sizes: Vec<usize> = mix
        .probes(Kind::Valid)
        .iter()
        .map(|p| p.body.len())
        .collect();
    print_report(&args, &machine, &sizes, &results);
    Ok(results
        .iter()
        .all(|(_, r)| r.sdk.is_clean() && r.handwritten.is_clean()))
}

/// Starts `binary`, warms it up, measures it, stops it; returns what the load saw and the
/// server's CPU time during the measured run. Wrong answers and transport errors of the
/// warm-up are counted in the result.
async fn measure(
    args: &Args,
    name: &str,
    binary: &std::path::Path,
    token: &str,
    mix: &Arc<Mix>,
    log_dir: &std::path::Path,
) -> Result<(LoadReport, Duration), ProcessError> {
    let mut server = ServerProcess::spawn(name, binary, token, log_dir)?;
    server.wait_ready(Duration::from_secs(10)).await?;
    let mut config = LoadConfig::new(server.addr(), args.concurrency, args.warmup);
    config.timeout = args.timeout;
    let warmup = run(&config, Arc::clone(mix)).await;
    config.duration = args.duration;
    let cpu_before = server.cpu_time();
    let mut report = run(&config, Arc::clone(mix)).await;
    let cpu = match (cpu_before, server.cpu_time()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => Duration::ZERO,
    };
    report.wrong_answers += warmup.wrong_answers;
    report.transport_errors += warmup.transport_errors;
    for sample in warmup.samples {
        report.samples.push(format!("warm-up: {sample}"));
    }
    server.check_alive()?;
    server.stop();
    Ok((report, cpu))
}

fn print_report(args: &Args, machine: &str, sizes: &[usize], results: &[(&Pair, Result2)]) {
    println!("machine: {machine}");
    println!("load average after: {}", process::load_average());
    println!(
        "load: genuine deliveries only ({} message bodies, {} to {} bytes), {} keep-alive \
         connections, {:?} warm-up then {:?} measured per server and round, {} round(s)\n",
        sizes.len(),
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0),
        args.concurrency,
        args.warmup,
        args.duration,
        args.rounds.max(1)
    );
    let mut table = Table::new([
        "framework",
        "SDK req/s",
        "hand-written req/s",
        "req/s ratio",
        "SDK p50",
        "hand-written p50",
        "SDK p99",
        "hand-written p99",
        "p99 ratio",
        "SDK CPU/req",
        "hand-written CPU/req",
        "targets",
    ]);
    let mut clean = true;
    for (pair, result) in results {
        let (sdk, hand) = (&result.sdk, &result.handwritten);
        let rps_ratio = ratio(sdk.rps(), hand.rps());
        let p99_ratio = ratio(
            sdk.latency.p99().as_secs_f64(),
            hand.latency.p99().as_secs_f64(),
        );
        let met = rps_ratio >= MIN_RPS_RATIO && p99_ratio <= MAX_P99_RATIO;
        table.row([
            format!("{} ({} vs {})", pair.framework, pair.sdk, pair.handwritten),
            format_count(sdk.rps().round() as u64),
            format_count(hand.rps().round() as u64),
            format!("{rps_ratio:.2}×"),
            format_duration(sdk.latency.p50()),
            format_duration(hand.latency.p50()),
            format_duration(sdk.latency.p99()),
            format_duration(hand.latency.p99()),
            format!("{p99_ratio:.2}×"),
            cpu_per_request(result.sdk_cpu, sdk),
            cpu_per_request(result.handwritten_cpu, hand),
            if met { "met" } else { "missed" }.to_owned(),
        ]);
        clean &= sdk.is_clean() && hand.is_clean();
    }
    println!("{}", table.to_markdown());
    println!(
        "targets: req/s ratio ≥ {MIN_RPS_RATIO:.2}×, p99 ratio ≤ {MAX_P99_RATIO:.2}× (SDK / hand-written); \
         CPU/req: the server's CPU time (all threads) during the measured runs per request answered"
    );
    for (pair, result) in results {
        for (side, report) in [
            (pair.sdk, &result.sdk),
            (pair.handwritten, &result.handwritten),
        ] {
            for sample in &report.samples {
                println!("{side}: {sample}");
            }
        }
    }
    println!(
        "{}",
        if clean {
            "answers: every request got its expected quick reply"
        } else {
            "answers: FAILED (wrong answers or transport errors, see above)"
        }
    );
}
