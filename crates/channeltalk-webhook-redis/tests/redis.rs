//! The Redis store against a real `redis-server`: replicas sharing it, expiry, key prefix,
//! Redis killed, frozen and restarted.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook::store::{FailOpen, MessageIdStore, Recorded, StoreError};
use channeltalk_webhook_redis::{ConnectError, RedisStore};
use common::RedisServer;
use redis::Commands;

/// The per-call timeout of the stores under test.
const TIMEOUT: Duration = Duration::from_millis(500);
/// A generous bound that only proves "does not hang" (many times the timeout).
const NO_HANG: Duration = Duration::from_secs(20);

async fn store(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::builder(server.url())
        .key_prefix(prefix)
        .timeout(TIMEOUT)
        .connect()
        .await
        .expect("connect to the test redis-server")
}

/// Awaits `future`, failing the test if it hangs.
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(NO_HANG, future)
        .await
        .expect("a store call hung past every timeout")
}

async fn record(store: &impl MessageIdStore, id: &str) -> Recorded {
    bounded(store.record(id)).await.expect("the store answers")
}

/// Records fresh ids until the store answers again (it reconnects in the background).
async fn until_it_answers(store: &RedisStore, name: &str) {
    for attempt in 0..400 {
        let probe = format!("probe-{name}-{attempt}");
        if bounded(store.record(&probe)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} never answered again after Redis came back");
}

#[tokio::test]
async fn two_replicas_sharing_one_redis_see_a_repeat_once() {
    let server = RedisServer::start();
    let replica_a = store(&server, "bot:").await;
    let replica_b = store(&server, "bot:").await;

    assert_eq!(record(&replica_a, "m1").await, Recorded::First);
    assert_eq!(record(&replica_b, "m1").await, Recorded::Repeat);
    assert_eq!(record(&replica_a, "m1").await, Recorded::Repeat);

    assert_eq!(record(&replica_b, "m2").await, Recorded::First);
    assert_eq!(record(&replica_a, "m2").await, Recorded::Repeat);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_records_of_one_id_exactly_one_is_first() {
    let server = RedisServer::start();
    let replicas = [store(&server, "bot:").await, store(&server, "bot:").await];
    let mut tasks = Vec::new();
    for n in 0..16 {
        let replica = replicas[n % 2].clone();
        tasks.push(tokio::spawn(async move { record(&replica, "same").await }));
    }
    let mut firsts = 0;
    for task in tasks {
        if task.await.expect("the task finishes") == Recorded::First {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1);
}

#[tokio::test]
async fn different_ids_are_all_first() {
    let server = RedisServer::start();
    let replica_a = store(&server, "bot:").await;
    let replica_b = store(&server, "bot:").await;
    for n in 0..10 {
        let replica = if n % 2 == 0 { &replica_a } else { &replica_b };
        assert_eq!(record(replica, &format!("m{n}")).await, Recorded::First);
    }
}

#[tokio::test]
async fn ids_expire_after_the_ttl() {
    let server = RedisServer::start();
    let replica = RedisStore::builder(server.url())
        .key_prefix("bot:")
        .ttl(Duration::from_millis(200))
        .connect()
        .await
        .expect("connect");
    assert_eq!(record(&replica, "m1").await, Recorded::First);
    assert_eq!(record(&replica, "m1").await, Recorded::Repeat);

    // Wait until Redis itself has dropped the key, then the id is new again.
    let mut raw = server.raw();
    let mut gone = false;
    for _ in 0..200 {
        if !raw.exists::<_, bool>("bot:m1").expect("EXISTS") {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "Redis never expired the key");
    assert_eq!(record(&replica, "m1").await, Recorded::First);
}

#[tokio::test]
async fn keys_are_the_prefix_and_the_id_and_expire() {
    let server = RedisServer::start();
    let custom = store(&server, "echo-bot:seen:").await;
    let default = RedisStore::connect(server.url()).await.expect("connect");
    assert_eq!(default.key_prefix(), RedisStore::DEFAULT_KEY_PREFIX);
    record(&custom, "6661ad2a").await;
    record(&default, "6661ad2b").await;

    let mut raw = server.raw();
    let mut keys: Vec<String> = raw.keys("*").expect("KEYS");
    keys.sort();
    assert_eq!(
        keys,
        [
            "channeltalk:webhook:message:6661ad2b",
            "echo-bot:seen:6661ad2a"
        ]
    );
    let ttl: i64 = raw.pttl("echo-bot:seen:6661ad2a").expect("PTTL");
    let default_ttl = i64::try_from(RedisStore::DEFAULT_TTL.as_millis()).unwrap();
    assert!(ttl > 0 && ttl <= default_ttl, "PTTL {ttl}");
}

#[tokio::test]
async fn bots_with_different_prefixes_do_not_share_ids() {
    let server = RedisServer::start();
    let bot_a = store(&server, "bot-a:").await;
    let bot_b = store(&server, "bot-b:").await;
    assert_eq!(record(&bot_a, "m1").await, Recorded::First);
    assert_eq!(record(&bot_b, "m1").await, Recorded::First);
    assert_eq!(record(&bot_b, "m1").await, Recorded::Repeat);
}

#[tokio::test]
async fn a_killed_redis_fails_open_without_hanging() {
    let logs = common::Logs::default();
    let _logging = tracing::subscriber::set_default(logs.subscriber());
    let mut server = RedisServer::start();
    let replica = store(&server, "bot:").await;
    let seen = FailOpen::new(replica.clone());
    assert_eq!(bounded(seen.record("m1")).await, Recorded::First);
    assert_eq!(bounded(seen.record("m1")).await, Recorded::Repeat);

    server.kill();
    for attempt in 0..5 {
        let answer = bounded(replica.record("m1")).await;
        assert!(answer.is_err(), "attempt {attempt}: {answer:?}");
        // Through FailOpen even the repeated id goes on: a duplicate beats a lost answer.
        assert_eq!(bounded(seen.record("m1")).await, Recorded::First);
    }
    let text = logs.text();
    assert_eq!(
        text.matches(" WARN ").count(),
        1,
        "one warning per outage: {text}"
    );
    assert!(text.contains("message id store cannot answer"), "{text}");
}

#[tokio::test]
async fn a_frozen_redis_times_out() {
    let server = RedisServer::start();
    let replica = store(&server, "bot:").await;
    let seen = FailOpen::new(replica.clone());
    assert_eq!(record(&replica, "m1").await, Recorded::First);

    server.pause();
    let answer = bounded(replica.record("m1")).await;
    assert!(
        matches!(answer, Err(StoreError::TimedOut(timeout)) if timeout == TIMEOUT),
        "{answer:?}"
    );
    assert_eq!(bounded(seen.record("m1")).await, Recorded::First);

    server.resume();
    until_it_answers(&replica, "replica").await;
    assert_eq!(record(&replica, "m1").await, Recorded::Repeat);
}

#[tokio::test]
async fn replicas_reconnect_after_redis_restarts() {
    let mut server = RedisServer::start();
    let replica_a = store(&server, "bot:").await;
    let replica_b = store(&server, "bot:").await;
    assert_eq!(record(&replica_a, "m1").await, Recorded::First);

    server.kill();
    // Several failed calls, so the connection manager gives up its first reconnection.
    for _ in 0..3 {
        assert!(bounded(replica_a.record("m2")).await.is_err());
        assert!(bounded(replica_b.record("m2")).await.is_err());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    server.restart();
    until_it_answers(&replica_a, "replica a").await;
    until_it_answers(&replica_b, "replica b").await;
    // The restarted Redis is empty (nothing saved); repeats are recognised again from now on.
    assert_eq!(record(&replica_b, "m1").await, Recorded::First);
    assert_eq!(record(&replica_a, "m1").await, Recorded::Repeat);
    assert_eq!(record(&replica_a, "m3").await, Recorded::First);
    assert_eq!(record(&replica_b, "m3").await, Recorded::Repeat);
}

#[tokio::test]
async fn a_replica_can_start_while_redis_is_down() {
    let mut server = RedisServer::start();
    server.kill();

    let eager = RedisStore::builder(server.url()).timeout(TIMEOUT).connect();
    assert!(matches!(
        bounded(eager).await,
        Err(ConnectError::Connect(_))
    ));

    let lazy = RedisStore::builder(server.url())
        .key_prefix("bot:")
        .timeout(TIMEOUT)
        .connect_lazy()
        .expect("a lazy store needs no server");
    let seen = FailOpen::new(Arc::new(lazy.clone()));
    assert!(bounded(lazy.record("m1")).await.is_err());
    assert_eq!(bounded(seen.record("m1")).await, Recorded::First);

    server.restart();
    until_it_answers(&lazy, "lazy replica").await;
    assert_eq!(record(&lazy, "m1").await, Recorded::First);
    assert_eq!(bounded(seen.record("m1")).await, Recorded::Repeat);
}
