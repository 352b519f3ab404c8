//! Faults and secrets against a real warp server on 127.0.0.1, through the conformance
//! crate's one fault harness (`assert_faults`): a handler that is still waiting does not block
//! other deliveries, and the token shows up in no log line, no answer and no `Debug` output.
//! Bounded by the conformance hang guard: a hang fails the test instead of stalling the run.

use std::net::SocketAddr;

use channeltalk_webhook::Event;
use channeltalk_webhook_conformance::{
    FAULT_TOKEN, Gate, assert_faults, assert_log_keeps_the_secret, captured_log, fault_receiver,
};
use channeltalk_webhook_warp::WebhookReply;
use warp::Filter;

use channeltalk_webhook_conformance::guarded;

async fn serve<F>(routes: F) -> SocketAddr
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(routes).incoming(listener).run());
    addr
}

async fn check(addr: SocketAddr, gate: Gate) {
    guarded("the fault harness", move || assert_faults(addr, &gate)).await;
}

/// On a current-thread runtime: the server has one thread, which the held request must not take.
#[tokio::test]
async fn handle_passes_the_fault_checks() {
    let gate = Gate::new();
    let routes = warp::path("webhook")
        .and(warp::path::end())
        .and(channeltalk_webhook_warp::handle(
            fault_receiver(),
            gate.handler(),
        ))
        .recover(channeltalk_webhook_warp::recover);
    check(serve(routes).await, gate).await;
}

#[tokio::test]
async fn the_webhook_filter_passes_the_fault_checks() {
    let gate = Gate::new();
    let handler = gate.handler();
    let routes =
        warp::path("webhook")
            .and(warp::path::end())
            .and(channeltalk_webhook_warp::webhook(fault_receiver()))
            .then(move |event: Event| {
                let handler = handler.clone();
                async move {
                    WebhookReply::from(channeltalk_webhook::Handler::call(&handler, event).await)
                }
            })
            .recover(channeltalk_webhook_warp::recover);
    check(serve(routes).await, gate).await;
}

/// warp's opt-in request logging (`warp::log`, a `log` record per request, and
/// `warp::trace::request`, a span per request) records the path without the query, so the
/// token stays out of those lines too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warps_request_logging_filters_do_not_show_the_token() {
    let gate = Gate::new();
    let routes = warp::path("webhook")
        .and(warp::path::end())
        .and(channeltalk_webhook_warp::handle(
            fault_receiver(),
            gate.handler(),
        ))
        .recover(channeltalk_webhook_warp::recover)
        .with(warp::log("webhook-requests"))
        .with(warp::trace::request());
    check(serve(routes).await, gate).await;
    let log = captured_log();
    assert!(
        log.lines()
            .any(|line| line.contains("webhook-requests") && line.contains("/webhook")),
        "warp::log's lines were not captured"
    );
    assert_log_keeps_the_secret(FAULT_TOKEN);
}
