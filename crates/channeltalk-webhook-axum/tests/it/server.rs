//! The adapter on a real server (`axum::serve` on 127.0.0.1:0), spoken to over raw HTTP/1.1.
//! Every exchange is bounded by the conformance hang guard: a hang fails the test instead of
//! stalling the run.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::any;
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
use channeltalk_webhook_axum::{Webhook, WebhookReply, router};
use channeltalk_webhook_conformance::{Contract, RawRequest, send};

const TOKEN: &str = "s3cr3t+/=&é";

use channeltalk_webhook_conformance::guarded;

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

async fn start(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn matrix(addr: SocketAddr) {
    guarded("the shared matrix", move || {
        Contract::echo(TOKEN).assert_matrix(addr)
    })
    .await;
}

// `router` with the echo handler is the echo-axum example's mount: its binary runs the
// matrix (examples/echo-axum/tests/binary.rs).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_extractor_passes_the_matrix() {
    async fn echo(Webhook(event): Webhook) -> WebhookReply {
        WebhookReply::from(channeltalk_webhook_conformance::echo(event))
    }
    let app = Router::new()
        .route("/webhook", any(echo))
        .with_state(receiver());
    matrix(start(app).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_gets_500_and_the_server_goes_on() {
    let app = router("/webhook", receiver(), |event: Event| async move {
        let text = event.message().and_then(|m| m.text()).unwrap_or_default();
        if text == "boom" {
            panic!("handler failure (expected by this test)");
        }
        Some(
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
                .text(format!("echo: {text}")),
        )
    });
    let addr = start(app).await;
    let target = format!(
        "/webhook?token={}",
        "s3cr3t%2B%2F%3D%26%C3%A9" // TOKEN, percent-encoded
    );
    let (failed, next) = guarded(
        "a delivery to a panicking handler, then one more",
        move || {
            let boom = RawRequest::post(target.clone(), SampleEvent::user_message("boom").body());
            let hi = RawRequest::post(target, SampleEvent::user_message("hi").body());
            (send(addr, &boom).unwrap(), send(addr, &hi).unwrap())
        },
    )
    .await;

    assert_eq!(failed.status, 500);
    assert!(String::from_utf8_lossy(&failed.body).contains("panicked"));
    assert_eq!(next.status, 200);
    assert_eq!(next.header("x-bot-name"), Some("상담봇".as_bytes()));
    let view = next.view();
    assert!(view.is_quick_reply());
    assert_eq!(view.texts(), ["echo: hi"]);
}
