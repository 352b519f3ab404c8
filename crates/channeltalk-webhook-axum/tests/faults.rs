//! Faults and secrets against a real axum server (`axum::serve` on 127.0.0.1:0) (issue 6): a
//! handler that is still waiting does not block other deliveries, and the token shows up in no
//! log line, no answer and no `Debug` output.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::routing::post;
use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::testing::{
    Gate, check_slow_handler_does_not_block, contains_secret, run_echo_matrix, secret_leaks,
};
use channeltalk_webhook::{DEFAULT_BODY_LIMIT, Handler, Receiver, WebhookToken};
use channeltalk_webhook_axum::{Webhook, WebhookReply, router};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Distinctive, so that any copy of it in a log or an answer is found.
const TOKEN: &str = "tok-5ecr3t-XYZ";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

async fn start(app: Router) -> SocketAddr {
    captured_log();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn check_slow(addr: SocketAddr, gate: Gate) {
    tokio::task::spawn_blocking(move || {
        check_slow_handler_does_not_block(addr, "/webhook", TOKEN, &gate)
    })
    .await
    .unwrap()
    .unwrap();
}

/// On a current-thread runtime: the server has one thread, which the held request must not take.
#[tokio::test]
async fn a_slow_handler_mounted_with_router_does_not_block_other_deliveries() {
    let gate = Gate::new();
    let addr = start(router("/webhook", receiver(), gate.handler())).await;
    check_slow(addr, gate).await;
}

#[tokio::test]
async fn a_slow_handler_behind_the_extractor_does_not_block_other_deliveries() {
    let gate = Gate::new();
    let handler = gate.handler();
    let app = Router::new()
        .route(
            "/webhook",
            post(move |Webhook(event): Webhook| {
                let handler = handler.clone();
                async move { WebhookReply::from(handler.call(event).await) }
            }),
        )
        .with_state(receiver());
    let addr = start(app).await;
    check_slow(addr, gate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_in_no_log_line_answer_or_debug_output() {
    let receiver = receiver();
    assert_debug_keeps_the_secret(&receiver);
    let addr = start(router("/webhook", receiver, echo_common::echo_async)).await;
    let (failures, leaks) = tokio::task::spawn_blocking(move || {
        let failures = run_echo_matrix(addr, TOKEN);
        (
            failures,
            secret_leaks(addr, "/webhook", TOKEN, DEFAULT_BODY_LIMIT),
        )
    })
    .await
    .unwrap();
    assert!(
        failures.is_empty(),
        "matrix failures:\n{}",
        failures.join("\n")
    );
    assert!(
        leaks.is_empty(),
        "answers showing the token:\n{}",
        leaks.join("\n")
    );
    assert_the_log_keeps_the_secret();
}

/// Everything logged in this test binary, from every thread: `tracing` events and spans at
/// TRACE, and `log` records (bridged by tracing-subscriber's `tracing-log`). Installed once,
/// as the global default, before the first server of the binary starts.
fn captured_log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        tracing_subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || Sink(Arc::clone(&sink)))
            .try_init()
            .expect("the only global subscriber of this test binary");
        log
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The receiver's `Debug` (both forms) and the messages of the rejections a wrong token and a
/// body made of the token give never show the token.
fn assert_debug_keeps_the_secret(receiver: &Receiver) {
    let query = format!("token={TOKEN}");
    let wrong = receiver
        .begin(Some("token=tok-5ecr3t-XY"), None)
        .unwrap_err();
    let malformed = receiver
        .receive(Some(&query), Bytes::from_static(TOKEN.as_bytes()))
        .unwrap_err();
    let shown = format!(
        "{receiver:?} {receiver:#?} {wrong:?} {wrong} {malformed:?} {malformed} {:?}",
        receiver.begin(Some(&query), None),
    );
    assert!(!contains_secret(shown.as_bytes(), TOKEN), "{shown}");
}

/// The captured log came from the server (the core's refusals are there) and no line of it
/// shows the token.
fn assert_the_log_keeps_the_secret() {
    let log = String::from_utf8_lossy(&captured_log().lock().unwrap()).into_owned();
    assert!(
        log.contains("refused a webhook request: bad token"),
        "the server's log was not captured:\n{log}"
    );
    let leaking: Vec<&str> = log
        .lines()
        .filter(|line| contains_secret(line.as_bytes(), TOKEN))
        .collect();
    assert!(
        leaking.is_empty(),
        "{} log lines show the token:\n{}",
        leaking.len(),
        leaking.join("\n")
    );
}
