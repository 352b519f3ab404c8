//! Faults and secrets against a real axum server (`axum::serve` on 127.0.0.1:0): a
//! handler that is still waiting does not block other deliveries, and the token shows up in no
//! log line, no answer and no `Debug` output.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::post;
use channeltalk_webhook::{Handler, Receiver, WebhookToken};
use channeltalk_webhook_axum::{Webhook, WebhookReply, router};
use channeltalk_webhook_conformance::{
    Contract, Gate, assert_answers_keep_the_secret, assert_debug_keeps_the_secret,
    assert_log_keeps_the_secret, capture_log, check_slow_handler_does_not_block,
};

/// Distinctive, so that any copy of it in a log or an answer is found.
const TOKEN: &str = "tok-5ecr3t-XYZ";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

async fn start(app: Router) -> SocketAddr {
    capture_log();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn check_slow(addr: SocketAddr, gate: Gate) {
    tokio::task::spawn_blocking(move || {
        check_slow_handler_does_not_block(addr, &Contract::echo(TOKEN), &gate)
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
    assert_debug_keeps_the_secret(&receiver, TOKEN);
    let addr = start(router(
        "/webhook",
        receiver,
        channeltalk_webhook_conformance::echo_async,
    ))
    .await;
    tokio::task::spawn_blocking(move || {
        assert_answers_keep_the_secret(addr, &Contract::echo(TOKEN))
    })
    .await
    .unwrap();
    assert_log_keeps_the_secret(TOKEN);
}
