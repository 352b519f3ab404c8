//! The token check, the SDK against hand-written comparisons, on three queries:
//!
//! - `typical`: `token=<32 hex>`, what Channel sends;
//! - `with_params`: the token among several other parameters;
//! - `percent_encoded`: a token with reserved characters (`/+=&é`), percent-encoded.
//!
//! Ways:
//! - `sdk`: `WebhookToken::verify_query(Some(query))`: percent-decodes, finds the single
//!   `token` parameter among any others, refuses a repeated one, compares in constant time;
//! - `hand_format_eq`: `query == format!("token={t}")`, what many hand-rolled receivers do
//!   (allocates per request; wrong for `with_params` and `percent_encoded`: it refuses them);
//! - `hand_split_find`: `query.split('&').find_map(|p| p.strip_prefix("token=")) == Some(t)`
//!   (no decoding, not constant time; wrong for `percent_encoded`).
//!
//! Run: `cargo bench -p channeltalk-webhook --bench token`. Compare ratios within one run.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use channeltalk_webhook::WebhookToken;
use criterion::{Criterion, criterion_group, criterion_main};

const HEX_TOKEN: &str = "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e";
const ODD_TOKEN: &str = "3f9a1c7e/5b2d+4f6a=8c0e&1b3dé";

fn hand_format_eq(query: Option<&str>, token: &str) -> bool {
    query == Some(format!("token={token}").as_str())
}

fn hand_split_find(query: Option<&str>, token: &str) -> bool {
    query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        == Some(token)
}

fn token(c: &mut Criterion) {
    let with_params = format!("utm_source=channel&v=5&token={HEX_TOKEN}&retry=0&ts=1726560000123");
    let cases: [(&str, &str, String, [bool; 2]); 3] = [
        (
            "typical",
            HEX_TOKEN,
            format!("token={HEX_TOKEN}"),
            [true, true],
        ),
        ("with_params", HEX_TOKEN, with_params, [false, true]),
        (
            "percent_encoded",
            ODD_TOKEN,
            "token=3f9a1c7e%2F5b2d%2B4f6a%3D8c0e%261b3d%C3%A9".to_owned(),
            [false, false],
        ),
    ];
    for (name, secret, query, [format_ok, split_ok]) in cases {
        let sdk = WebhookToken::new(secret).expect("a valid token");
        assert_eq!(sdk.verify_query(Some(&query)), Ok(()), "{name}");
        assert_eq!(hand_format_eq(Some(&query), secret), format_ok, "{name}");
        assert_eq!(hand_split_find(Some(&query), secret), split_ok, "{name}");

        let mut group = c.benchmark_group(format!("token/{name}"));
        group.bench_function("sdk", |b| {
            b.iter(|| sdk.verify_query(black_box(Some(query.as_str()))))
        });
        group.bench_function("hand_format_eq", |b| {
            b.iter(|| hand_format_eq(black_box(Some(query.as_str())), black_box(secret)))
        });
        group.bench_function("hand_split_find", |b| {
            b.iter(|| hand_split_find(black_box(Some(query.as_str())), black_box(secret)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = token
}
criterion_main!(benches);
