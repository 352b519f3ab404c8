//! Parsing a delivery three ways, side by side, for two bodies:
//!
//! - `sdk`: [`channeltalk_webhook::Event::parse`] (typed entity and refers, raw body kept);
//! - `value`: `serde_json::from_slice::<serde_json::Value>`, what hand-rolled receivers do;
//! - `minimal`: a hand-written `#[derive(Deserialize)]` struct with only the fields a bot reads.
//!
//! The `handler/…` groups measure the work a typical handler triggers: parse, the receiver's bot
//! check and the message's `text()` (`sdk`), against the minimal struct doing the same
//! (`minimal`).
//!
//! Bodies are `bytes::Bytes`, as adapters hand them over: the clone passed to the SDK is a
//! reference-count bump, not a copy.
//!
//! Run: `cargo bench -p channeltalk-webhook --bench parse`. Compare ratios within one run.
#![allow(missing_docs)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use common::MinimalEvent;

fn parse(c: &mut Criterion) {
    for (name, body) in common::bodies() {
        common::check(&body);
        let mut group = c.benchmark_group(format!("parse/{name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("sdk", |b| {
            b.iter(|| channeltalk_webhook::Event::parse(black_box(&body).clone()))
        });
        group.bench_function("value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)))
        });
        group.bench_function("minimal", |b| {
            b.iter(|| serde_json::from_slice::<MinimalEvent>(black_box(&body)))
        });
        group.finish();

        let mut group = c.benchmark_group(format!("handler/{name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("sdk", |b| {
            b.iter(|| common::sdk_handler_work(black_box(&body)))
        });
        group.bench_function("minimal", |b| {
            b.iter(|| common::minimal_handler_work(black_box(&body)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = parse
}
criterion_main!(benches);
