//! `echo-later` as replicas: two processes sharing one real `redis-server`
//! (`CHANNEL_DEDUP_URL`) echo a message delivered to both once, keep echoing with Redis
//! stopped, and show what they did on `GET /metrics`. Without Redis, one process still
//! recognises repeats in memory.

use crate::common;

use channeltalk_api::testing::FakeChannel;
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook_redis::testing::RedisServer;
use common::{Bot, TOKEN, fake, poll_until, wait_for_posts};

/// A replica sharing `redis`.
fn replica(fake: &FakeChannel, redis: &RedisServer) -> Bot {
    let mut bot = Bot::start_with(fake, 0, &[("CHANNEL_DEDUP_URL", &redis.url())]);
    bot.wait_for_line("message ids shared through Redis");
    bot
}

fn stop(mut bot: Bot) {
    bot.terminate();
    assert!(bot.wait().success(), "{}", bot.output());
}

#[test]
fn two_replicas_sharing_redis_echo_a_repeated_message_once() {
    let redis = RedisServer::start();
    let fake = fake();
    let (a, b) = (replica(&fake, &redis), replica(&fake, &redis));
    let hi = SampleEvent::user_message("hi").id("m-replicas").body();

    assert_eq!(a.deliver(&hi, TOKEN), (200, None, "ok".to_owned()));
    assert_eq!(b.deliver(&hi, TOKEN), (200, None, "ok".to_owned()));
    let other = SampleEvent::user_message("bye").id("m-other").body();
    assert_eq!(b.deliver(&other, TOKEN).0, 200);
    wait_for_posts(&fake, 2);

    let outcome =
        |label: &str| format!("channeltalk_webhook_deliveries_total{{outcome=\"{label}\"}}");
    assert_eq!(a.metric(&outcome("acknowledged")), "1");
    assert_eq!(b.metric(&outcome("duplicate")), "1");
    assert_eq!(b.metric(&outcome("acknowledged")), "1");
    let posted = "channeltalk_api_requests_total{status=\"2xx\"}";
    assert_eq!(a.metric(posted), "1");
    assert_eq!(b.metric(posted), "1");
    assert!(
        a.metric("channeltalk_webhook_handler_duration_seconds_count")
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(a.get("/healthz"), (200, "ok".to_owned()));

    // Stopping drains every echo in flight: after it, nothing more can be posted.
    stop(a);
    stop(b);
    let mut texts: Vec<String> = fake.posted_messages().iter().map(|m| m.text()).collect();
    texts.sort();
    assert_eq!(texts, ["echo: bye", "echo: hi"]);
}

#[test]
fn with_redis_stopped_the_replicas_keep_echoing() {
    let mut redis = RedisServer::start();
    let fake = fake();
    let (mut a, b) = (replica(&fake, &redis), replica(&fake, &redis));
    let first = SampleEvent::user_message("before").id("m-before").body();
    assert_eq!(a.deliver(&first, TOKEN).0, 200);
    wait_for_posts(&fake, 1);

    redis.kill();
    // Each replica handles the message as a first delivery (never a lost answer, never a
    // failed delivery), and both post its echo: under the same requestId, derived from the
    // message id, so Channel keeps one.
    let during = SampleEvent::user_message("during").id("m-during").body();
    assert_eq!(a.deliver(&during, TOKEN), (200, None, "ok".to_owned()));
    assert_eq!(b.deliver(&during, TOKEN), (200, None, "ok".to_owned()));
    poll_until("both replicas to post", || {
        (fake.requests().len() == 3).then_some(())
    });
    assert_eq!(a.metric("channeltalk_webhook_store_failures_total"), "1");
    a.wait_for_line("message id store cannot answer");

    stop(a);
    stop(b);
    let texts: Vec<String> = fake.posted_messages().iter().map(|m| m.text()).collect();
    assert_eq!(texts, ["echo: before", "echo: during"]);
}

#[test]
fn one_process_without_redis_recognises_repeats_in_memory() {
    let fake = fake();
    let bot = Bot::start(&fake, 0);
    let hi = SampleEvent::user_message("hi").id("m-memory").body();
    for _ in 0..3 {
        assert_eq!(bot.deliver(&hi, TOKEN), (200, None, "ok".to_owned()));
    }
    let duplicates = "channeltalk_webhook_deliveries_total{outcome=\"duplicate\"}";
    assert_eq!(bot.metric(duplicates), "2");
    stop(bot);
    assert_eq!(fake.posted_messages().len(), 1);
}
