//! `echo-later` with its jobs queued in a real `redis-server` (`CHANNEL_QUEUE_URL`), tried as
//! an operator would: a replica killed with SIGKILL, a SIGTERM that leaves work queued for the
//! next start, Channel down, a 429, a refused post, and Redis unreachable.

use crate::common;

use std::collections::HashSet;
use std::time::{Duration, UNIX_EPOCH};

use channeltalk_api::testing::{FakeChannel, Fault, PostedMessage};
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook_redis::testing::RedisServer;
use common::{Bot, TOKEN, fake, poll_until, wait_for_posts};
use serde_json::json;

/// A replica whose jobs live in `redis`, claimed for `claim_ms`.
fn replica(fake: &FakeChannel, redis: &RedisServer, delay_ms: u64, extra: &[(&str, &str)]) -> Bot {
    let url = redis.url();
    let mut env = vec![
        ("CHANNEL_QUEUE_URL", url.as_str()),
        ("CHANNEL_QUEUE_CLAIM_MS", "2000"),
    ];
    env.extend_from_slice(extra);
    let mut bot = Bot::start_with(fake, delay_ms, &env);
    bot.wait_for_line("jobs queued in Redis");
    bot
}

fn message(n: usize) -> String {
    SampleEvent::user_message(&format!("hi {n}"))
        .id(&format!("m-{n}"))
        .body()
}

fn stop(mut bot: Bot) -> String {
    bot.terminate();
    let status = bot.wait();
    assert!(status.success(), "{}", bot.output());
    bot.output()
}

/// Every answer `0..count` posted exactly once, under its message's requestId.
fn assert_each_posted_once(posted: &[PostedMessage], count: usize) {
    let texts: HashSet<String> = posted.iter().map(PostedMessage::text).collect();
    let expected: HashSet<String> = (0..count).map(|n| format!("echo: hi {n}")).collect();
    assert_eq!(texts, expected);
    assert_eq!(posted.len(), count, "an answer was posted twice");
    for post in posted {
        let n = post.text().trim_start_matches("echo: hi ").to_owned();
        assert_eq!(
            post.request_id.as_deref(),
            Some(format!("m-{n}-0").as_str())
        );
    }
}

#[test]
fn a_replica_killed_with_sigkill_leaves_its_answers_to_the_other() {
    let redis = RedisServer::start();
    let fake = fake();
    // Three seconds of work per answer, longer than the two-second claim time.
    let doomed = replica(&fake, &redis, 3000, &[]);
    let survivor = replica(&fake, &redis, 3000, &[]);
    for n in 0..30 {
        let bot = if n % 2 == 0 { &doomed } else { &survivor };
        assert_eq!(
            bot.deliver(&message(n), TOKEN),
            (200, None, "ok".to_owned())
        );
    }
    let mut doomed = doomed;
    doomed.child.kill().unwrap();
    doomed.wait();
    let posted = wait_for_posts(&fake, 30);
    // A little longer: nothing more comes.
    std::thread::sleep(Duration::from_millis(500));
    assert_each_posted_once(&fake.posted_messages(), 30);
    assert_eq!(posted.len(), 30);
    // One attempt per answer: the survivor kept its own slow jobs (it renewed their leases)
    // and ran the dead replica's once each.
    assert_eq!(fake.requests().len(), 30, "{:#?}", fake.requests());
    let output = stop(survivor);
    assert!(output.contains("took over jobs"), "{output}");
}

#[test]
fn sigterm_leaves_the_jobs_not_in_hand_queued_for_the_next_start() {
    let redis = RedisServer::start();
    let fake = fake();
    let bot = replica(&fake, &redis, 500, &[("ECHO_CONCURRENCY", "4")]);
    for n in 0..40 {
        assert_eq!(bot.deliver(&message(n), TOKEN).0, 200);
    }
    // At most four claimed at any time.
    let mut raw = redis.raw();
    for _ in 0..20 {
        let pending: Vec<redis::Value> = redis::cmd("XPENDING")
            .arg("channeltalk:jobs:stream")
            .arg("workers")
            .query(&mut raw)
            .unwrap();
        let claimed: i64 = redis::from_redis_value(pending[0].clone()).unwrap();
        assert!(claimed <= 4, "{claimed} jobs claimed");
        std::thread::sleep(Duration::from_millis(25));
    }
    let output = stop(bot);
    let before = fake.posted_messages().len();
    assert!(
        before < 40,
        "everything was posted before the stop: {output}"
    );
    assert!(output.contains("left queued"), "{output}");
    // The next start posts the rest, each once.
    let next = replica(&fake, &redis, 0, &[]);
    wait_for_posts(&fake, 40);
    std::thread::sleep(Duration::from_millis(300));
    assert_each_posted_once(&fake.posted_messages(), 40);
    assert_eq!(fake.requests().len(), 40);
    stop(next);
}

#[test]
fn with_channel_down_acks_go_on_and_every_answer_is_posted_once_it_is_back() {
    let redis = RedisServer::start();
    let fake = fake();
    fake.outage(Fault::Status(503));
    let bot = replica(&fake, &redis, 0, &[]);
    for n in 0..50 {
        assert_eq!(
            bot.deliver(&message(n), TOKEN),
            (200, None, "ok".to_owned())
        );
    }
    std::thread::sleep(Duration::from_secs(3));
    let during = fake.requests().len();
    assert!(during <= 100, "{during} requests while Channel was down");
    assert_eq!(
        bot.metric("channeltalk_sending_paused{reason=\"circuit_breaker\"}"),
        "1"
    );
    fake.end_outage();
    wait_for_posts(&fake, 50);
    std::thread::sleep(Duration::from_millis(300));
    assert_each_posted_once(&fake.posted_messages(), 50);
    stop(bot);
}

#[test]
fn after_a_429_no_replica_posts_before_the_reset() {
    let redis = RedisServer::start();
    let fake = fake();
    let (a, b) = (
        replica(&fake, &redis, 0, &[]),
        replica(&fake, &redis, 0, &[]),
    );
    fake.fail_next(Fault::RateLimited {
        reset_after_secs: 2,
    });
    assert_eq!(a.deliver(&message(0), TOKEN).0, 200);
    poll_until("the 429", || (!fake.requests().is_empty()).then_some(()));
    let limited_at = fake.requests()[0].at.duration_since(UNIX_EPOCH).unwrap();
    // A post already on its way when the 429 came would go, as with Channel: the other
    // messages are delivered once the replica that got the 429 has shared the pause.
    let mut raw = redis.raw();
    poll_until("the pause to be shared", || {
        let shared: bool = redis::cmd("EXISTS")
            .arg("channeltalk:jobs:paused-until")
            .query(&mut raw)
            .unwrap();
        shared.then_some(())
    });
    let reset = UNIX_EPOCH
        + Duration::from_secs(limited_at.as_secs() + u64::from(limited_at.subsec_nanos() > 0) + 2);
    for n in 1..10 {
        let bot = if n % 2 == 0 { &a } else { &b };
        assert_eq!(bot.deliver(&message(n), TOKEN).0, 200);
    }
    wait_for_posts(&fake, 10);
    let requests = fake.requests();
    assert!(
        requests[1..].iter().all(|request| request.at >= reset),
        "a post went before the reset"
    );
    assert_each_posted_once(&fake.posted_messages(), 10);
    stop(a);
    stop(b);
}

#[test]
fn a_refused_post_is_dead_at_once_and_done_jobs_are_counted() {
    let fake = fake();
    let bot = Bot::start(&fake, 0);
    let unknown_chat = SampleEvent::user_message("lost")
        .id("m-lost")
        .with("/entity/chatId", json!("c-unknown"))
        .with("/entity/chatKey", json!("userChat-c-unknown"))
        .body();
    assert_eq!(bot.deliver(&unknown_chat, TOKEN).0, 200);
    assert_eq!(bot.deliver(&message(0), TOKEN).0, 200);
    assert_eq!(bot.metric("channeltalk_jobs_total{outcome=\"dead\"}"), "1");
    assert_eq!(bot.metric("channeltalk_jobs_total{outcome=\"done\"}"), "1");
    // The 404 was not retried.
    let to_unknown = fake
        .requests()
        .iter()
        .filter(|request| request.path.contains("c-unknown"))
        .count();
    assert_eq!(to_unknown, 1);
    let output = stop(bot);
    assert!(output.contains("job dead"), "{output}");
}

#[test]
fn with_the_queue_unreachable_deliveries_are_acked_and_answered_from_memory() {
    let mut redis = RedisServer::start();
    let fake = fake();
    let bot = replica(&fake, &redis, 0, &[]);
    redis.kill();
    for n in 0..3 {
        assert_eq!(
            bot.deliver(&message(n), TOKEN),
            (200, None, "ok".to_owned())
        );
    }
    wait_for_posts(&fake, 3);
    assert_eq!(bot.metric("channeltalk_jobs_total{outcome=\"local\"}"), "3");
    let output = stop(bot);
    assert!(
        output.contains("running them from this process's memory"),
        "{output}"
    );
}
