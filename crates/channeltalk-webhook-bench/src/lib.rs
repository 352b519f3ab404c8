#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Load test and HTTP benchmark of the `channeltalk-webhook` example servers (not published).
//!
//! - [`load`]: a load generator — keep-alive HTTP/1.1 connections ([`client`]) at a fixed
//!   concurrency, one tokio task each, a bounded duration, every answer checked ([`check`]) and every
//!   latency recorded ([`report::Latency`]).
//! - [`mix`]: what it sends: genuine deliveries, wrong tokens, malformed and oversized bodies,
//!   in set proportions, each with the answer it must get.
//! - [`handwritten`]: the benchmark's baseline, echo bots written the way bots in the wild are
//!   (`serde_json::Value`, token `==`, a JSON reply), one per framework.
//! - [`process`]: starting the release binaries of the servers and reading their memory.
//!
//! The binaries: `loadtest` (every example under a hostile mix, memory before and
//! after), `httpbench` (each example against its hand-written twin), `loadgen` (the
//! load alone, against a server you started) and `handwritten-{hyper,actix,warp,axum}`. See `docs/reliability.md` and
//! `docs/benchmarks.md` for how to run them and their figures.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use channeltalk_webhook_bench::load::{LoadConfig, run};
//! use channeltalk_webhook_bench::mix::{Mix, Weights};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // An echo server started with CHANNEL_WEBHOOK_TOKEN=s3cr3t PORT=8080.
//!     let mix = Arc::new(Mix::new("s3cr3t", Weights::LOADTEST)?);
//!     let config = LoadConfig::new("127.0.0.1:8080".parse()?, 64, Duration::from_secs(30));
//!     let report = run(&config, mix).await;
//!     println!(
//!         "{} requests, {:.0}/s, p99 {:?}, {} wrong, {} transport errors",
//!         report.requests,
//!         report.rps(),
//!         report.latency.p99(),
//!         report.wrong_answers,
//!         report.transport_errors
//!     );
//!     Ok(())
//! }
//! ```

pub mod check;
pub mod client;
pub mod handwritten;
pub mod load;
pub mod mix;
pub mod process;
pub mod report;

use std::time::Duration;

/// Parses a duration for the command line: `30s`, `500ms`, `2m` or plain seconds (`15`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(split) => text.split_at(split),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (try 30s, 500ms, 2m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| format!("{text:?}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("3h").is_err());
    }
}
