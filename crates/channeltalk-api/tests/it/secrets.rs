//! The access secret never leaks: not in `Debug`, not in errors, not in any log line
//! (everything from TRACE up is captured, from this crate, reqwest and hyper).

use std::time::Duration;

use channeltalk_api::testing::{FakeChannel, Fault};
use channeltalk_api::{ChatTarget, Client, RetryPolicy, SendMessage};
use channeltalk_webhook_conformance::{capture_log, captured_log, contains_secret};

const SECRET: &str = "cs_Very+Secret/Value=42";

#[tokio::test]
async fn the_secret_is_in_no_log_line_debug_output_or_error() {
    capture_log();
    let fake = FakeChannel::builder()
        .credentials("key-1", SECRET)
        .start()
        .await
        .unwrap();
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .max_attempts(5)
                .base_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let mut shown = vec![
        format!("{client:?}"),
        format!("{:?}", fake.client_builder()),
    ];

    // Retries of every kind, then failures of every kind.
    fake.fail_next(Fault::Status(503));
    fake.fail_next(Fault::Drop);
    fake.fail_next(Fault::RateLimited {
        reset_after_secs: 0,
    });
    fake.fail_next(Fault::Slow(Duration::from_secs(2)));
    let sent = client
        .send(SendMessage::new(
            ChatTarget::user_chat(FakeChannel::USER_CHAT_ID),
            "hi",
        ))
        .await
        .unwrap();
    shown.push(format!("{sent:?}"));
    for fault in [Fault::Status(422), Fault::Status(500), Fault::Drop] {
        for _ in 0..4 {
            fake.fail_next(fault.clone());
        }
        let error = client.channel().await.unwrap_err();
        shown.push(format!("{error} {error:?}"));
    }
    let wrong = Client::builder("key-1", format!("{SECRET}x"))
        .base_url(fake.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = wrong.channel().await.unwrap_err();
    shown.push(format!("{error} {error:?} {wrong:?}"));
    shown.push(format!("{:?}", fake.requests()));

    for text in &shown {
        assert!(!contains_secret(text.as_bytes(), SECRET), "{text}");
    }
    let log = captured_log();
    assert!(
        log.contains("channel_api"),
        "the client's spans were not captured:\n{log}"
    );
    assert!(
        log.contains("retrying"),
        "the retries were not logged:\n{log}"
    );
    assert!(
        log.contains(r#"channel_api{method=POST path="/open/v5/user-chats/{userChatId}/messages" attempt=1 status=503"#),
        "one span per call with the method, path template, attempt and status:\n{log}"
    );
    let leaking: Vec<&str> = log
        .lines()
        .filter(|line| contains_secret(line.as_bytes(), SECRET))
        .collect();
    assert!(
        leaking.is_empty(),
        "log lines show the secret:\n{}",
        leaking.join("\n")
    );
}
