//! Faults and secrets against a real axum server (`axum::serve` on 127.0.0.1:0), through the
//! conformance crate's one fault harness (`assert_faults`): a handler that is still waiting
//! does not block other deliveries, and the token shows up in no log line, no answer and no
//! `Debug` output. Bounded by the conformance hang guard: a hang fails the test instead of
//! stalling the run.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::any;
use channeltalk_webhook::Handler;
use channeltalk_webhook_axum::{Webhook, WebhookReply, router};
use channeltalk_webhook_conformance::{Gate, assert_faults, fault_receiver};

use channeltalk_webhook_conformance::guarded;

async fn check(app: Router, gate: Gate) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    guarded("the fault harness", move || assert_faults(addr, &gate)).await;
}

/// On a current-thread runtime: the server has one thread, which the held request must not take.
#[tokio::test]
async fn router_passes_the_fault_checks() {
    let gate = Gate::new();
    let app = router("/webhook", fault_receiver(), gate.handler());
    check(app, gate).await;
}

#[tokio::test]
async fn the_extractor_passes_the_fault_checks() {
    let gate = Gate::new();
    let handler = gate.handler();
    let app = Router::new()
        .route(
            "/webhook",
            any(move |Webhook(event): Webhook| {
                let handler = handler.clone();
                async move { WebhookReply::from(handler.call(event).await) }
            }),
        )
        .with_state(fault_receiver());
    check(app, gate).await;
}
