//! Retries and errors against the fake Channel API: 429 waits for the reset, 5xx and broken
//! connections back off, one `requestId` across every attempt, refusals are never repeated,
//! and every bound holds.

use std::time::Duration;

use channeltalk_api::testing::{FakeChannel, Fault};
use channeltalk_api::{
    ApiError, ChatTarget, Client, NewWebhook, RetryPolicy, SendMessage, TransportKind,
};
use http::StatusCode;

fn send() -> SendMessage {
    SendMessage::new(ChatTarget::user_chat(FakeChannel::USER_CHAT_ID), "hello")
}

/// The `requestId` of every request the fake received.
fn request_ids(fake: &FakeChannel) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|request| {
            request.body["requestId"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The fake received `requests` requests and posted nothing.
fn assert_nothing_posted_after(fake: &FakeChannel, requests: usize) {
    assert_eq!(fake.requests().len(), requests);
    assert!(fake.posted_messages().is_empty());
}

#[tokio::test]
async fn a_429_waits_for_the_reset_then_succeeds_with_the_same_request_id() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::RateLimited {
        reset_after_secs: 1,
    });
    let send = send();
    let sent = fake.client().send(send.clone()).await.unwrap();
    assert_eq!(sent.attempts, 2);
    assert_eq!(
        request_ids(&fake),
        [send.request_id.as_str(), send.request_id.as_str()]
    );
    assert_eq!(fake.posted_messages().len(), 1);
    // The fake's window reset at the first whole second after the first request + 1 s: the
    // retry did not come before it.
    let seconds =
        |at: std::time::SystemTime| at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let requests = fake.requests();
    assert!(seconds(requests[1].at) > seconds(requests[0].at));
}

#[tokio::test]
async fn a_reset_beyond_the_bound_ends_the_call_with_the_reset_time() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::RateLimited {
        reset_after_secs: 3600,
    });
    let error = fake.client().send(send()).await.unwrap_err();
    let ApiError::RateLimited {
        rate_limit,
        attempts,
    } = &error
    else {
        panic!("expected RateLimited, got {error:?}");
    };
    assert_eq!(*attempts, 1);
    assert_eq!(rate_limit.remaining, Some(0));
    assert!(error.reset_at().is_some());
    assert!(
        error.to_string().contains("the window resets at"),
        "{error}"
    );
    assert_nothing_posted_after(&fake, 1);
}

#[tokio::test]
async fn a_5xx_is_retried_with_the_same_request_id() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Status(503));
    fake.fail_next(Fault::Status(500));
    let send = send().request_id("work-item-17");
    let sent = fake.client().send(send).await.unwrap();
    assert_eq!(sent.attempts, 3);
    assert_eq!(request_ids(&fake), ["work-item-17"; 3]);
    assert_eq!(fake.posted_messages().len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Drop);
    let sent = fake.client().send(send()).await.unwrap();
    assert_eq!(sent.attempts, 2);
    let ids = request_ids(&fake);
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn a_send_that_timed_out_after_channel_stored_it_is_not_posted_twice() {
    let fake = FakeChannel::start().await;
    // The first attempt is stored by the fake, but its answer comes too late.
    fake.fail_next(Fault::Slow(Duration::from_secs(3)));
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let sent = client.send(send()).await.unwrap();
    assert_eq!(sent.attempts, 2);
    let ids = request_ids(&fake);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(fake.posted_messages().len(), 1);
}

#[tokio::test]
async fn a_timeout_without_retries_is_a_transport_error() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Slow(Duration::from_secs(3)));
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.channel().await.unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::Transport {
                kind: TransportKind::Timeout,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test]
async fn other_4xx_are_never_retried() {
    for status in [400, 403, 404, 409, 422] {
        let fake = FakeChannel::start().await;
        fake.fail_next(Fault::Status(status));
        let error = fake.client().send(send()).await.unwrap_err();
        assert_eq!(error.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert!(error.is_refusal(), "{error}");
        assert_eq!(fake.requests().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_and_not_retried() {
    let fake = FakeChannel::start().await;
    let client = Client::builder("fake-access-key", "wrong-secret")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let error = client.channel().await.unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::Unauthorized {
                status: StatusCode::UNAUTHORIZED,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("CHANNEL_ACCESS_SECRET"),
        "{error}"
    );
    assert_eq!(fake.requests().len(), 1);
    assert!(!fake.requests()[0].authorized);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let fake = FakeChannel::start().await;
    for _ in 0..10 {
        fake.fail_next(Fault::Status(502));
    }
    let client = fake
        .client_builder()
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client.send(send()).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Server { attempts: 3, .. }),
        "{error:?}"
    );
    assert_nothing_posted_after(&fake, 3);
}

#[tokio::test]
async fn creating_a_webhook_is_not_repeated_after_a_5xx() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Status(500));
    let error = fake
        .client()
        .create_webhook(&NewWebhook::new("n", "https://x").scope("userChat.opened"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ApiError::Server { attempts: 1, .. }),
        "{error:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn an_unreachable_api_is_a_connection_error_after_bounded_attempts() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder("k", "s")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client.channel().await.unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::Transport {
                kind: TransportKind::Connect,
                attempts: 2,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_a_decode_error_with_an_excerpt() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Raw {
        status: 200,
        body: "<html>maintenance</html>".into(),
    });
    let error = fake.client().channel().await.unwrap_err();
    let ApiError::Decode {
        excerpt, status, ..
    } = &error
    else {
        panic!("expected Decode, got {error:?}");
    };
    assert_eq!(*status, StatusCode::OK);
    assert_eq!(excerpt, "<html>maintenance</html>");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn unknown_fields_values_and_odd_elements_never_fail_a_call() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Raw {
        status: 200,
        body: r#"{"next": 99, "future": {"x": 1}, "webhooks": [
            {"id": "1", "name": "a", "scopes": ["message.created.userChat", "brand.new.scope"], "apiVersion": "v6", "shiny": true},
            "not an object",
            {"id": "2", "blocked": "maybe"},
            {"id": "3", "name": "c"}
        ]}"#
        .into(),
    });
    fake.fail_next(Fault::Raw {
        status: 200,
        body: r#"{"webhooks": []}"#.into(),
    });
    let webhooks = fake.client().webhooks().collect_all().await.unwrap();
    let ids: Vec<_> = webhooks.iter().map(|w| w.id.clone().unwrap()).collect();
    assert_eq!(ids, ["1", "3"]);
    assert_eq!(
        webhooks[0].scopes[1],
        channeltalk_api::Scope::Other("brand.new.scope".into())
    );
    assert_eq!(fake.requests()[1].query_value("since"), Some("99"));
}

#[tokio::test]
async fn rate_limit_headers_are_readable_from_results_and_errors() {
    let fake = FakeChannel::start().await;
    let ok = fake.client().channel().await.unwrap();
    assert_eq!(
        (ok.rate_limit.limit, ok.rate_limit.remaining),
        (Some(1000), Some(999))
    );
    fake.fail_next(Fault::Status(409));
    let error = fake.client().channel().await.unwrap_err();
    assert_eq!(error.rate_limit().unwrap().limit, Some(1000));
}

#[test]
fn every_request_and_every_retry_is_counted() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // The fake serves from its own thread; the client runs here, under the local recorder.
    let fake = FakeChannel::builder().start_in_background().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(1));
    let client = fake.client_builder().retry(fast).build().unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            fake.fail_next(Fault::Status(503));
            fake.fail_next(Fault::Drop);
            assert_eq!(client.send(send()).await.unwrap().attempts, 3);
            fake.fail_next(Fault::Status(400));
            assert!(client.send(send()).await.is_err());
        });
    });
    let mut counts: Vec<(String, String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| {
            let DebugValue::Counter(count) = value else {
                return None;
            };
            let labels: Vec<_> = key.key().labels().map(|l| l.value().to_owned()).collect();
            Some((key.key().name().to_owned(), labels.join(","), count))
        })
        .collect();
    counts.sort();
    let expected: Vec<(String, String, u64)> = [
        (channeltalk_api::REQUESTS_METRIC, "2xx", 1),
        (channeltalk_api::REQUESTS_METRIC, "4xx", 1),
        (channeltalk_api::REQUESTS_METRIC, "5xx", 1),
        (channeltalk_api::REQUESTS_METRIC, "error", 1),
        (channeltalk_api::RETRIES_METRIC, "", 2),
    ]
    .into_iter()
    .map(|(name, label, count)| (name.to_owned(), label.to_owned(), count))
    .collect();
    assert_eq!(counts, expected);
}
