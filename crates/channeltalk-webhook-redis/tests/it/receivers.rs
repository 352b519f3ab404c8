//! Receivers (replicas) sharing one real `redis-server` through `Receiver::deduplication`:
//! a repeated message is answered once, different ones each, Redis down never fails a
//! delivery, and a panicked handler's message is left to the next delivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use channeltalk_webhook::http::StatusCode;
use channeltalk_webhook::testing::{ChannelView, SampleEvent};
use channeltalk_webhook::{Event, Handler, QuickReply, Receiver, WebhookToken};
use channeltalk_webhook_redis::RedisStore;
use channeltalk_webhook_redis::testing::RedisServer;
use redis::Commands;

const TOKEN: &str = "replica-token";

/// A replica: a receiver whose message ids live in the shared Redis.
fn replica(server: &RedisServer) -> Receiver {
    let store = RedisStore::builder(server.url())
        .key_prefix("echo:")
        .timeout(Duration::from_millis(300))
        .connect_lazy()
        .expect("a valid Redis URL");
    Receiver::new(WebhookToken::new(TOKEN).unwrap()).deduplication(store)
}

/// Echoes texts, counting its calls; panics on the text "panic" the first time.
fn echo(calls: Arc<AtomicUsize>) -> impl Handler {
    move |event: Event| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            let text = event.message().and_then(|message| message.text())?;
            assert!(text != "panic" || call > 0, "the first attempt fails");
            Some(QuickReply::new().text(format!("echo: {text}")))
        }
    }
}

async fn deliver(receiver: &Receiver, handler: &impl Handler, sample: &SampleEvent) -> ChannelView {
    let request = sample.request(&format!("/webhook?token={TOKEN}"));
    let response = receiver.handle(request, handler).await;
    ChannelView::from_response(&response)
}

#[tokio::test]
async fn replicas_answer_a_repeated_message_once_and_different_ones_each() {
    let server = RedisServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = echo(calls.clone());
    let (a, b) = (replica(&server), replica(&server));
    let first = SampleEvent::user_message("hi").id("m-1");
    let second = SampleEvent::user_message("again").id("m-2");

    assert_eq!(deliver(&a, &handler, &first).await.texts(), ["echo: hi"]);
    let repeat = deliver(&b, &handler, &first).await;
    assert_eq!(repeat.status(), StatusCode::OK);
    assert!(repeat.texts().is_empty());
    assert!(deliver(&a, &handler, &first).await.texts().is_empty());
    assert_eq!(
        deliver(&b, &handler, &second).await.texts(),
        ["echo: again"]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn with_redis_down_every_delivery_is_still_answered() {
    let mut server = RedisServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = echo(calls.clone());
    let (a, b) = (replica(&server), replica(&server));
    let hi = SampleEvent::user_message("hi").id("m-down");
    assert_eq!(deliver(&a, &handler, &hi).await.texts(), ["echo: hi"]);

    server.kill();
    // The repeat cannot be recognised: it is answered again rather than lost.
    for replica in [&a, &b] {
        let view = deliver(replica, &handler, &hi).await;
        assert_eq!(view.status(), StatusCode::OK);
        assert_eq!(view.texts(), ["echo: hi"]);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_panicked_handler_leaves_the_message_to_the_next_delivery() {
    let server = RedisServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = echo(calls.clone());
    let (a, b) = (replica(&server), replica(&server));
    let panicking = SampleEvent::user_message("panic").id("m-panic");

    let view = deliver(&a, &handler, &panicking).await;
    assert_eq!(view.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let keys: Vec<String> = server.raw().keys("echo:*").expect("KEYS");
    assert!(keys.is_empty(), "the id was not forgotten: {keys:?}");
    // Channel delivers it again, maybe to another replica: handled this time, and recorded.
    assert_eq!(
        deliver(&b, &handler, &panicking).await.texts(),
        ["echo: panic"]
    );
    assert!(deliver(&a, &handler, &panicking).await.texts().is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
