//! Checks that the webhook token never leaks: into logs, answers or `Debug` output.
//!
//! Each test binary that uses [`capture_log`] gets one global `tracing` subscriber that records
//! everything (TRACE, spans, and `log` records through `tracing-log`) from every thread.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use channeltalk_webhook::bytes::Bytes;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::faults::{contains_secret, secret_leaks};
use crate::matrix::Contract;
use channeltalk_webhook::Receiver;
use channeltalk_webhook::testing::block_on;

fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let installed = tracing_subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || Sink(Arc::clone(&sink)))
            .try_init();
        assert!(
            installed.is_ok(),
            "another global subscriber is installed in this test binary"
        );
        log
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (once per process); call it before starting a server.
pub fn capture_log() {
    log();
}

/// Everything logged so far in this process (installs the capture if needed).
pub fn captured_log() -> String {
    String::from_utf8_lossy(&log().lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
}

/// The receiver's `Debug` (both forms) and the messages of the rejections that a near-miss
/// token and a body made of the token give never show `token`.
pub fn assert_debug_keeps_the_secret(receiver: &Receiver, token: &str) {
    let query = format!("token={token}");
    // The token minus its last character (not byte: a token may end in `é`).
    let shorter = token
        .char_indices()
        .last()
        .map_or("", |(last, _)| &token[..last]);
    let near_miss = format!("token={shorter}");
    let wrong = receiver.begin("POST", Some(&near_miss), None).err();
    let malformed = block_on(receiver.accept(Bytes::copy_from_slice(token.as_bytes()))).err();
    let shown = format!(
        "{receiver:?} {receiver:#?} {wrong:?} {} {malformed:?} {} {:?}",
        wrong.as_ref().map(ToString::to_string).unwrap_or_default(),
        malformed
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        receiver.begin("POST", Some(&query), None),
    );
    assert!(!contains_secret(shown.as_bytes(), token), "{shown}");
}

/// The captured log came from a server (the core's refusals are in it) and no line shows
/// `token`.
pub fn assert_log_keeps_the_secret(token: &str) {
    assert_text_log_keeps_the_secret(&captured_log(), token);
}

/// [`assert_log_keeps_the_secret`] over a log read elsewhere (an example process's output).
#[track_caller]
pub fn assert_text_log_keeps_the_secret(log: &str, token: &str) {
    assert!(
        log.contains("refused a webhook request: bad token"),
        "the server's log was not captured:\n{log}"
    );
    let leaking: Vec<&str> = log
        .lines()
        .filter(|line| contains_secret(line.as_bytes(), token))
        .collect();
    assert!(
        leaking.is_empty(),
        "{} log lines show the token:\n{}",
        leaking.len(),
        leaking.join("\n")
    );
}

/// Runs [`secret_leaks`] (every request of the matrix, and requests built to make a server
/// repeat the token) against the server at `addr` following `contract`: no answer may show
/// the token. Statuses are the matrix's business ([`Contract::assert_matrix`]). Blocking.
pub fn assert_answers_keep_the_secret(addr: SocketAddr, contract: &Contract) {
    let leaks = secret_leaks(addr, contract);
    assert!(
        leaks.is_empty(),
        "answers showing the token:\n{}",
        leaks.join("\n")
    );
}

/// The token of [`fault_receiver`]: distinctive, so that any copy of it in a log or an answer
/// is found.
pub const FAULT_TOKEN: &str = "tok-5ecr3t-XYZ";

/// A receiver for [`assert_faults`], with [`FAULT_TOKEN`]: starts capturing the log (call it
/// before starting the server) and checks that the receiver's `Debug` and its refusals do not
/// show the token.
pub fn fault_receiver() -> Receiver {
    capture_log();
    let receiver =
        Receiver::new(channeltalk_webhook::WebhookToken::new(FAULT_TOKEN).expect("a valid token"));
    assert_debug_keeps_the_secret(&receiver, FAULT_TOKEN);
    receiver
}

/// The fault checks every mount of every adapter passes, over real HTTP, against a server at
/// `addr` serving `gate.handler()` at `/webhook` with [`fault_receiver`]:
///
/// 1. a handler still waiting does not block other deliveries
///    ([`check_slow_handler_does_not_block`](crate::faults::check_slow_handler_does_not_block));
/// 2. no answer shows the token ([`assert_answers_keep_the_secret`]);
/// 3. no line of the captured log shows it ([`assert_log_keeps_the_secret`]).
///
/// Blocking: call it from `spawn_blocking` or a plain thread.
#[track_caller]
pub fn assert_faults(addr: SocketAddr, gate: &crate::faults::Gate) {
    let contract = Contract::echo(FAULT_TOKEN);
    if let Err(failure) = crate::faults::check_slow_handler_does_not_block(addr, &contract, gate) {
        panic!("slow handler: {failure}");
    }
    assert_answers_keep_the_secret(addr, &contract);
    assert_log_keeps_the_secret(FAULT_TOKEN);
}
