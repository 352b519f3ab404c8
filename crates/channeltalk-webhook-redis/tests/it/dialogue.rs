//! Dialogues in a real `redis-server`: steps of one chat from two replicas, at random moments,
//! never lose an update; expiry; a Redis that is gone still acknowledges the delivery.

use crate::common;

use std::future::Future;
use std::time::Duration;

use channeltalk_webhook::dialogue::{
    ChatKey, DialogueFuture, DialogueStorage, Dialogues, Saved, Stepped, Versioned,
};
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook::{Event, Handler, QuickReply};
use channeltalk_webhook_redis::RedisDialogueStorage;
use common::RedisServer;
use proptest::prelude::*;

/// Only a guard against a hung test: no assertion depends on how long anything takes.
const NO_HANG: Duration = Duration::from_secs(30);

async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(NO_HANG, future)
        .await
        .expect("hung past every timeout")
}

async fn storage(server: &RedisServer, prefix: &str) -> RedisDialogueStorage {
    RedisDialogueStorage::builder(server.url())
        .key_prefix(prefix)
        .timeout(Duration::from_millis(500))
        .connect()
        .await
        .expect("connect to the test redis-server")
}

fn message(id: &str, text: &str) -> Event {
    SampleEvent::user_message(text).id(id).event()
}

/// The state is the list of texts stepped on; the reply, its length after the step.
fn append(event: &Event, mut texts: Vec<String>) -> (Vec<String>, usize) {
    texts.push(event.text().unwrap_or_default().into_owned());
    let length = texts.len();
    (texts, length)
}

/// A storage that waits a moment (from `delays`, in turn) before each call, so that steps of
/// different tasks interleave at their reads and writes.
struct Jittered {
    storage: RedisDialogueStorage,
    delays: Vec<u64>,
    next: std::sync::atomic::AtomicUsize,
}

impl Jittered {
    fn pause(&self) -> Duration {
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Duration::from_micros(self.delays[turn % self.delays.len()])
    }
}

impl DialogueStorage for Jittered {
    fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
        let pause = self.pause();
        Box::pin(async move {
            tokio::time::sleep(pause).await;
            self.storage.load(key).await
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> DialogueFuture<'a, Saved> {
        let pause = self.pause();
        Box::pin(async move {
            tokio::time::sleep(pause).await;
            self.storage.save(key, expected, value, ttl).await
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn concurrent_steps_of_one_chat_on_two_replicas_are_the_steps_one_by_one(
        count in 2usize..24,
        delays in proptest::collection::vec(0u64..2000, 1..50),
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let server = RedisServer::start();
            let replicas: Vec<Dialogues<Vec<String>>> = {
                let mut replicas = Vec::new();
                for offset in 0..2 {
                    let mut delays = delays.clone();
                    let turn = offset % delays.len();
                    delays.rotate_left(turn);
                    let jittered = Jittered {
                        storage: storage(&server, "bot:").await,
                        delays,
                        next: std::sync::atomic::AtomicUsize::new(0),
                    };
                    replicas.push(Dialogues::new(jittered, Vec::new()).max_attempts(100));
                }
                replicas
            };
            let tasks: Vec<_> = (0..count)
                .map(|n| {
                    let dialogues = replicas[n % 2].clone();
                    tokio::spawn(async move {
                        let event = message(&format!("m{n}"), &format!("t{n}"));
                        dialogues.step(&event, append).await
                    })
                })
                .collect();
            let mut lengths = Vec::new();
            for task in tasks {
                match bounded(task).await.unwrap().unwrap() {
                    Stepped::Moved(length) => lengths.push(length),
                    other => panic!("{other:?}"),
                }
            }
            lengths.sort_unstable();
            assert_eq!(lengths, (1..=count).collect::<Vec<_>>());
            let chat = ChatKey::of(&message("m0", "t0")).unwrap();
            let mut texts = replicas[1].state(&chat).await.unwrap();
            texts.sort();
            let mut expected: Vec<String> = (0..count).map(|n| format!("t{n}")).collect();
            expected.sort();
            assert_eq!(texts, expected);
        });
    }
}

#[tokio::test]
async fn a_repeat_is_recognised_by_the_other_replica_and_state_outlives_its_writer() {
    let server = RedisServer::start();
    let first = Dialogues::new(storage(&server, "bot:").await, Vec::<String>::new());
    let hello = message("m1", "hello");
    assert_eq!(
        bounded(first.step(&hello, append)).await.unwrap(),
        Stepped::Moved(1)
    );
    drop(first);
    // Another replica (or this one restarted) goes on from the stored state.
    let second = Dialogues::new(storage(&server, "bot:").await, Vec::<String>::new());
    assert_eq!(
        bounded(second.step(&hello, append)).await.unwrap(),
        Stepped::Repeat
    );
    let next = message("m2", "again");
    assert_eq!(
        bounded(second.step(&next, append)).await.unwrap(),
        Stepped::Moved(2)
    );
    // Another bot's prefix is another dialogue.
    let other_bot = Dialogues::new(storage(&server, "other:").await, Vec::<String>::new());
    assert_eq!(
        bounded(other_bot.step(&next, append)).await.unwrap(),
        Stepped::Moved(1)
    );
}

#[tokio::test]
async fn an_idle_dialogue_expires_and_starts_over() {
    let server = RedisServer::start();
    let dialogues = Dialogues::new(storage(&server, "ttl:").await, Vec::<String>::new())
        .ttl(Duration::from_millis(300));
    assert_eq!(
        bounded(dialogues.step(&message("m1", "a"), append))
            .await
            .unwrap(),
        Stepped::Moved(1)
    );
    assert_eq!(
        bounded(dialogues.step(&message("m2", "b"), append))
            .await
            .unwrap(),
        Stepped::Moved(2)
    );
    let ttl: i64 = redis::cmd("PTTL")
        .arg("ttl:userChat:c-2001")
        .query(&mut server.raw())
        .unwrap();
    assert!(ttl > 0 && ttl <= 300, "{ttl}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        bounded(dialogues.step(&message("m3", "c"), append))
            .await
            .unwrap(),
        Stepped::Moved(1)
    );
}

#[tokio::test]
async fn with_redis_gone_a_delivery_is_still_acknowledged_at_once() {
    let mut server = RedisServer::start();
    let dialogues = Dialogues::new(storage(&server, "gone:").await, 0u32)
        .on_store_failure(|_: &Event| QuickReply::new().text("Please try again in a moment."));
    server.kill();
    let handler = dialogues.handler(|_: &Event, n: u32| (n + 1, QuickReply::new().text("moved")));
    let reply = bounded(handler.call(message("m1", "hi"))).await;
    let response = reply.into_response();
    assert_eq!(response.status(), 200);
    let view = channeltalk_webhook::testing::ChannelView::from_response(&response);
    assert_eq!(view.texts(), ["Please try again in a moment."]);
    // Frozen rather than gone: the step gives up at the timeout.
    server.restart();
    let dialogues = Dialogues::new(storage(&server, "frozen:").await, 0u32);
    server.pause();
    let error = bounded(dialogues.step(&message("m2", "hi"), |_: &Event, n: u32| (n + 1, ())))
        .await
        .unwrap_err();
    server.resume();
    assert!(error.to_string().contains("could not answer"), "{error}");
}
