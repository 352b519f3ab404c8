//! Faults and secrets against a real actix-web `HttpServer` on 127.0.0.1 (issue 6): a handler
//! that is still waiting does not block other deliveries, and the token shows up in no log
//! line, no answer and no `Debug` output.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::dev::ServerHandle;
use actix_web::middleware::Logger;
use actix_web::{App, HttpServer, web};
use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::testing::{
    Gate, GateHandler, check_slow_handler_does_not_block, contains_secret, run_echo_matrix,
    secret_leaks,
};
use channeltalk_webhook::{DEFAULT_BODY_LIMIT, Handler, Receiver, WebhookToken, sync_handler};
use channeltalk_webhook_actix::{Webhook, WebhookReply, resource};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Distinctive, so that any copy of it in a log or an answer is found.
const TOKEN: &str = "tok-5ecr3t-XYZ";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// Starts `HttpServer::new($factory)` on 127.0.0.1:0 with ONE worker (so a held request
/// cannot leave the others a second worker to run on), inside the current actix system.
macro_rules! start {
    ($factory:expr) => {{
        captured_log();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = HttpServer::new($factory)
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        (addr, handle)
    }};
}

/// Runs blocking client code off the actix system's thread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    actix_web::rt::task::spawn_blocking(f).await.unwrap()
}

async fn check_slow(addr: SocketAddr, handle: ServerHandle, gate: Gate) {
    let result =
        blocking(move || check_slow_handler_does_not_block(addr, "/webhook", TOKEN, &gate)).await;
    handle.stop(true).await;
    result.unwrap();
}

#[actix_web::test]
async fn a_slow_handler_mounted_with_resource_does_not_block_the_only_worker() {
    let gate = Gate::new();
    let handler = gate.handler();
    let (addr, handle) =
        start!(move || App::new().service(resource("/webhook", receiver(), handler.clone())));
    check_slow(addr, handle, gate).await;
}

/// An app's own actix handler, on the `Webhook` extractor, awaiting the gate's handler.
async fn extracted(event: Webhook, handler: web::Data<GateHandler>) -> WebhookReply {
    handler.call(event.into_inner()).await.into()
}

#[actix_web::test]
async fn a_slow_handler_behind_the_extractor_does_not_block_the_only_worker() {
    let gate = Gate::new();
    let (receiver, handler) = (receiver(), web::Data::new(gate.handler()));
    let (addr, handle) = start!(move || {
        App::new()
            .app_data(receiver.clone())
            .app_data(handler.clone())
            .route("/webhook", web::post().to(extracted))
    });
    check_slow(addr, handle, gate).await;
}

#[actix_web::test]
async fn the_token_is_in_no_log_line_answer_or_debug_output() {
    let receiver = receiver();
    assert_debug_keeps_the_secret(&receiver);
    let (addr, handle) = start!(move || {
        App::new().service(resource(
            "/webhook",
            receiver.clone(),
            sync_handler(echo_common::echo),
        ))
    });
    assert_answers_keep_the_secret(addr, handle).await;
    assert_the_log_keeps_the_secret();
}

/// actix-web's `Logger` middleware is opt-in. Its default format logs the request line (`%r`),
/// query and token included; a format with the path only (`%U`) keeps the token out.
#[actix_web::test]
async fn actixs_logger_with_a_path_only_format_does_not_show_the_token() {
    let (addr, handle) = start!(move || {
        App::new()
            .wrap(Logger::new(r#"%a "%U" %s %b %T"#).log_target("webhook-requests"))
            .service(resource(
                "/webhook",
                receiver(),
                sync_handler(echo_common::echo),
            ))
    });
    assert_answers_keep_the_secret(addr, handle).await;
    let log = String::from_utf8_lossy(&captured_log().lock().unwrap()).into_owned();
    assert!(
        log.lines()
            .any(|line| line.contains("webhook-requests") && line.contains("\"/webhook\"")),
        "the Logger's lines were not captured"
    );
    assert_the_log_keeps_the_secret();
}

/// Runs the echo matrix and [`secret_leaks`] against the server at `addr`, stops it; both
/// must pass.
async fn assert_answers_keep_the_secret(addr: SocketAddr, handle: ServerHandle) {
    let (failures, leaks) = blocking(move || {
        let failures = run_echo_matrix(addr, TOKEN);
        (
            failures,
            secret_leaks(addr, "/webhook", TOKEN, DEFAULT_BODY_LIMIT),
        )
    })
    .await;
    handle.stop(true).await;
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
