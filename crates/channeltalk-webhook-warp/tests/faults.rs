//! Faults and secrets against a real warp server on 127.0.0.1: a handler that is
//! still waiting does not block other deliveries, and the token shows up in no log line, no
//! answer and no `Debug` output.

use std::net::SocketAddr;

use channeltalk_webhook::{Handler, Receiver, WebhookToken};
use channeltalk_webhook_conformance::{
    Contract, Gate, assert_answers_keep_the_secret, assert_debug_keeps_the_secret,
    assert_log_keeps_the_secret, capture_log, captured_log, check_slow_handler_does_not_block,
};
use warp::Filter;

/// Distinctive, so that any copy of it in a log or an answer is found.
const TOKEN: &str = "tok-5ecr3t-XYZ";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// Serves `POST /webhook` with `handler` on a fresh port, the way the crate docs compose it.
async fn start<H: Handler>(receiver: Receiver, handler: H) -> SocketAddr {
    let routes = warp::path("webhook")
        .and(warp::path::end())
        .and(channeltalk_webhook_warp::handle(receiver, handler))
        .recover(channeltalk_webhook_warp::recover);
    serve(routes).await
}

async fn serve<F>(routes: F) -> SocketAddr
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply,
{
    capture_log();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(routes).incoming(listener).run());
    addr
}

/// The echo matrix and `secret_leaks` against the server at `addr`; both must pass.
async fn answers_keep_the_secret(addr: SocketAddr) {
    tokio::task::spawn_blocking(move || {
        assert_answers_keep_the_secret(addr, &Contract::echo(TOKEN))
    })
    .await
    .unwrap();
}

/// On a current-thread runtime: the server has one thread, which the held request must not take.
#[tokio::test]
async fn a_slow_handler_does_not_block_other_deliveries() {
    let gate = Gate::new();
    let addr = start(receiver(), gate.handler()).await;
    tokio::task::spawn_blocking(move || {
        check_slow_handler_does_not_block(addr, &Contract::echo(TOKEN), &gate)
    })
    .await
    .unwrap()
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_in_no_log_line_answer_or_debug_output() {
    let receiver = receiver();
    assert_debug_keeps_the_secret(&receiver, TOKEN);
    let addr = start(receiver, channeltalk_webhook_conformance::echo_async).await;
    answers_keep_the_secret(addr).await;
    assert_log_keeps_the_secret(TOKEN);
}

/// warp's opt-in request logging (`warp::log`, a `log` record per request, and
/// `warp::trace::request`, a span per request) records the path without the query, so the
/// token stays out of those lines too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warps_request_logging_filters_do_not_show_the_token() {
    let routes = warp::path("webhook")
        .and(warp::path::end())
        .and(channeltalk_webhook_warp::handle(
            receiver(),
            channeltalk_webhook_conformance::echo_async,
        ))
        .recover(channeltalk_webhook_warp::recover)
        .with(warp::log("webhook-requests"))
        .with(warp::trace::request());
    let addr = serve(routes).await;
    answers_keep_the_secret(addr).await;
    let log = captured_log();
    assert!(
        log.lines()
            .any(|line| line.contains("webhook-requests") && line.contains("/webhook")),
        "warp::log's lines were not captured"
    );
    assert_log_keeps_the_secret(TOKEN);
}
