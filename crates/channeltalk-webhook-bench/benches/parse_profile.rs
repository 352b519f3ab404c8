//! A plain driver for instruction counts: parses one body one way in a loop, for
//! `valgrind --tool=callgrind` (criterion's adaptive loop would make the counts vary).
//!
//! ```text
//! cargo bench -p channeltalk-webhook --bench parse_profile --no-run   # prints the binary path
//! valgrind --tool=callgrind --toggle-collect='*parse_profile::measured*' \
//!     <binary> <sdk|value|minimal|sdk_handler|minimal_handler> <spec_event|large_event> <iterations>
//! ```
//!
//! Only `measured` (the loop) is counted; divide the total by the iteration count.
//! With other arguments (as `cargo bench` runs it) every combination runs once, as a smoke test.
#![allow(missing_docs)]

mod common;

use std::hint::black_box;

use bytes::Bytes;

use common::MinimalEvent;

#[derive(Clone, Copy, Debug)]
enum Way {
    Sdk,
    Value,
    Minimal,
    /// Parse + bot check + `text()`.
    SdkHandler,
    /// The same with the minimal struct.
    MinimalHandler,
}

#[inline(never)]
fn measured(way: Way, body: &Bytes, iterations: u64) -> usize {
    let mut ok = 0;
    for _ in 0..iterations {
        let body = black_box(body);
        let parsed = match way {
            Way::Sdk => channeltalk_webhook::Event::parse(body.clone()).is_ok(),
            Way::Value => serde_json::from_slice::<serde_json::Value>(body).is_ok(),
            Way::Minimal => serde_json::from_slice::<MinimalEvent>(body).is_ok(),
            Way::SdkHandler => common::sdk_handler_work(body) > 0,
            Way::MinimalHandler => common::minimal_handler_work(body) > 0,
        };
        ok += usize::from(black_box(parsed));
    }
    ok
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bodies = common::bodies();
    // `<sdk|value|minimal> <body> <iterations>`; anything else (`cargo bench` passes `--bench`
    // and any filter) runs every combination once, as a smoke test.
    let profiled = match args.as_slice() {
        [way, name, iterations] => {
            let way = match way.as_str() {
                "sdk" => Some(Way::Sdk),
                "value" => Some(Way::Value),
                "minimal" => Some(Way::Minimal),
                "sdk_handler" => Some(Way::SdkHandler),
                "minimal_handler" => Some(Way::MinimalHandler),
                _ => None,
            };
            way.map(|way| {
                let iterations: u64 = iterations.parse().expect("iterations: a number");
                (vec![way], vec![name.as_str()], iterations)
            })
        }
        _ => None,
    };
    let (ways, names, iterations) = profiled.unwrap_or_else(|| {
        (
            vec![
                Way::Sdk,
                Way::Value,
                Way::Minimal,
                Way::SdkHandler,
                Way::MinimalHandler,
            ],
            bodies.iter().map(|(name, _)| *name).collect(),
            1,
        )
    });
    for name in names {
        let (_, body) = bodies
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("unknown body {name:?}: spec_event or large_event"));
        common::check(body);
        for &way in &ways {
            let ok = measured(way, body, iterations);
            assert_eq!(ok as u64, iterations, "{way:?} failed on {name}");
            println!("{way:?} {name} ({} bytes) x{iterations}: ok", body.len());
        }
    }
}
