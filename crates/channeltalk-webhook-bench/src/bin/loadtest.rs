//! `loadtest`: every example server under a hostile mix.
//!
//! For each example (`core-direct`, `echo-actix`, `echo-warp`, `echo-axum`), starts its
//! release binary, sends 70 % genuine deliveries, 10 % wrong tokens, 10 % malformed bodies and
//! 10 % bodies over 1 MiB at a fixed concurrency for a fixed time, checks every answer, and
//! reads the server's memory before, during, right after and some seconds after the run.
//! Exits 1 if any answer was wrong or any request got no answer, 2 if it could not run.
//!
//! ```text
//! cargo build --release -p core-direct -p echo-actix -p echo-warp -p echo-axum
//! cargo run --release -p channeltalk-webhook-bench --bin loadtest -- --concurrency 64 --duration 30s
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use channeltalk_webhook_bench::load::{LoadConfig, LoadReport, run};
use channeltalk_webhook_bench::mix::{BODY_LIMIT, Kind, Mix, Weights};
use channeltalk_webhook_bench::parse_duration;
use channeltalk_webhook_bench::process::{
    self, BUILD_EXAMPLES, ProcessError, ServerProcess, machine_summary,
};
use channeltalk_webhook_bench::report::{Table, format_count, format_duration, format_kib};
use clap::Parser;

const EXAMPLES: [&str; 4] = ["core-direct", "echo-actix", "echo-warp", "echo-axum"];

/// Load test of the example servers: a mix of valid, wrong-token, malformed and oversized
/// requests at a fixed concurrency, every answer checked, memory watched.
#[derive(Debug, Parser)]
#[command(name = "loadtest")]
struct Args {
    /// Connections sending at the same time.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// How long each example is loaded (30s, 500ms, 2m).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    duration: Duration,
    /// Only this example (repeatable).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(EXAMPLES))]
    only: Vec<String>,
    /// How long the server is left idle after the run before its memory is read again.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    idle: Duration,
    /// How long one request may take before it counts as a transport error.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// The directory holding the release binaries (default: target/release).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Build the examples in release mode first.
    #[arg(long)]
    build: bool,
    /// Threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
}

/// What one example did.
struct Outcome {
    name: &'static str,
    report: LoadReport,
    rss_before: Option<u64>,
    /// At 25 %, 50 % and 75 % of the run.
    rss_quarters: [Option<u64>; 3],
    rss_peak: Option<u64>,
    rss_end: Option<u64>,
    rss_idle: Option<u64>,
    cpu: Option<Duration>,
    survived: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let threads = args.client_threads;
    channeltalk_webhook_bench::process::run_tool("loadtest", threads, main_async(args))
}

async fn main_async(args: Args) -> Result<bool, ProcessError> {
    if args.build {
        process::build(BUILD_EXAMPLES)?;
    }
    let bin_dir = args
        .bin_dir
        .clone()
        .unwrap_or_else(process::default_bin_dir);
    let selected: Vec<&'static str> = EXAMPLES
        .into_iter()
        .filter(|name| args.only.is_empty() || args.only.iter().any(|o| o == name))
        .collect();
    // Every binary is located before anything starts.
    let binaries = selected
        .iter()
        .map(|name| process::locate(&bin_dir, name, BUILD_EXAMPLES))
        .collect::<Result<Vec<_>, _>>()?;
    let token = format!(
        "loadtest-{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let mix = Arc::new(
        Mix::new(&token, Weights::LOADTEST).map_err(|error| ProcessError::Io {
            what: "building the request mix".into(),
            source: std::io::Error::other(error),
        })?,
    );
    let log_dir = std::env::temp_dir().join("channeltalk-webhook-loadtest");
    let machine = machine_summary();

    let mut outcomes = Vec::new();
    for (name, binary) in selected.iter().copied().zip(&binaries) {
        eprintln!(
            "{name}: starting {} (load {} for {:?} at concurrency {})",
            binary.display(),
            process::load_average(),
            args.duration,
            args.concurrency
        );
        let mut server = ServerProcess::spawn(name, binary, &token, &log_dir)?;
        server.wait_ready(Duration::from_secs(10)).await?;
        let rss_before = server.rss_kib();

        // Memory samples every 250 ms while the load runs.
        let sampling = Arc::new(AtomicBool::new(true));
        let sampler = {
            let (pid, sampling) = (server.pid(), Arc::clone(&sampling));
            tokio::spawn(async move {
                let started = Instant::now();
                let mut samples = Vec::new();
                while sampling.load(Ordering::Relaxed) {
                    if let Some(kib) = process::rss_of(pid) {
                        samples.push((started.elapsed(), kib));
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                samples
            })
        };
        let mut config = LoadConfig::new(server.addr(), args.concurrency, args.duration);
        config.timeout = args.timeout;
        let cpu_before = server.cpu_time();
        let report = run(&config, Arc::clone(&mix)).await;
        let cpu = server
            .cpu_time()
            .zip(cpu_before)
            .map(|(after, before)| after.saturating_sub(before));
        sampling.store(false, Ordering::Relaxed);
        let rss_end = server.rss_kib();
        let samples = sampler.await.unwrap_or_default();
        let rss_quarters = [1, 2, 3].map(|quarter| {
            let at = args.duration * quarter / 4;
            samples
                .iter()
                .find(|(sampled, _)| *sampled >= at)
                .map(|&(_, kib)| kib)
        });
        let rss_peak = samples.iter().map(|&(_, kib)| kib).max();
        tokio::time::sleep(args.idle).await;
        let rss_idle = server.rss_kib();
        let survived = match server.check_alive() {
            Ok(()) => true,
            Err(error) => {
                eprintln!("{name}: {error}");
                false
            }
        };
        eprintln!(
            "{name}: {} requests, {:.0}/s, p99 {}, {} wrong, {} transport errors; log {}",
            report.requests,
            report.rps(),
            format_duration(report.latency.p99()),
            report.wrong_answers,
            report.transport_errors,
            server.log().display()
        );
        server.stop();
        outcomes.push(Outcome {
            name,
            report,
            rss_before,
            rss_quarters,
            rss_peak,
            rss_end,
            rss_idle,
            cpu,
            survived,
        });
    }

    print_report(&args, &machine, &outcomes);
    Ok(outcomes.iter().all(|o| o.survived && o.report.is_clean()))
}

fn print_report(args: &Args, machine: &str, outcomes: &[Outcome]) {
    println!("machine: {machine}");
    println!("load average after: {}", process::load_average());
    println!(
        "load: {} connections for {:?} per example; mix 70 % valid deliveries, 10 % wrong \
         token, 10 % malformed, 10 % oversized (> {} bytes, with Content-Length)\n",
        args.concurrency, args.duration, BODY_LIMIT
    );
    let mut table = Table::new([
        "example",
        "requests",
        "req/s",
        "p50",
        "p99",
        "max",
        "wrong answers",
        "transport errors",
        "reconnects",
        "idle closes",
        "server CPU/req",
    ]);
    for o in outcomes {
        let r = &o.report;
        table.row([
            o.name.to_owned(),
            format_count(r.requests),
            format_count(r.rps().round() as u64),
            format_duration(r.latency.p50()),
            format_duration(r.latency.p99()),
            format_duration(r.latency.max()),
            r.wrong_answers.to_string(),
            r.transport_errors.to_string(),
            format_count(r.reconnects),
            format_count(r.idle_closes),
            match o.cpu {
                Some(cpu) if r.requests > 0 => {
                    format!("{:.1} µs", cpu.as_secs_f64() * 1e6 / r.requests as f64)
                }
                _ => "?".to_owned(),
            },
        ]);
    }
    println!("{}", table.to_markdown());

    let mut kinds = Table::new(
        std::iter::once("right answers / sent".to_owned())
            .chain(Kind::ALL.iter().map(|k| k.name().to_owned())),
    );
    for o in outcomes {
        let r = &o.report;
        let cells = Kind::ALL.iter().map(|k| {
            format!(
                "{} / {}",
                format_count(r.right[k.index()]),
                format_count(r.sent[k.index()])
            )
        });
        kinds.row(std::iter::once(o.name.to_owned()).chain(cells));
    }
    println!("{}", kinds.to_markdown());

    let mut memory = Table::new([
        "example".to_owned(),
        "RSS before".to_owned(),
        "at 25 %".to_owned(),
        "at 50 %".to_owned(),
        "at 75 %".to_owned(),
        "end of run".to_owned(),
        format!("after {:?} idle", args.idle),
        "peak".to_owned(),
        "end − 50 %".to_owned(),
    ]);
    for o in outcomes {
        let growth = match (o.rss_end, o.rss_quarters[1]) {
            (Some(end), Some(mid)) => format!("{:+} KiB", end as i64 - mid as i64),
            _ => "?".to_owned(),
        };
        memory.row([
            o.name.to_owned(),
            format_kib(o.rss_before),
            format_kib(o.rss_quarters[0]),
            format_kib(o.rss_quarters[1]),
            format_kib(o.rss_quarters[2]),
            format_kib(o.rss_end),
            format_kib(o.rss_idle),
            format_kib(o.rss_peak),
            growth,
        ]);
    }
    println!("{}", memory.to_markdown());

    for o in outcomes {
        if !o.survived {
            println!("{}: the server exited during the run", o.name);
        }
        for sample in &o.report.samples {
            println!("{}: {sample}", o.name);
        }
    }
    let clean = outcomes.iter().all(|o| o.survived && o.report.is_clean());
    println!(
        "{}",
        if clean {
            "result: every request got its expected answer"
        } else {
            "result: FAILED (see above)"
        }
    );
}
