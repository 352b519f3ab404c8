//! `dialogue-bot` as processes, tried as an operator would: the whole conversation in one
//! process, two replicas sharing a real `redis-server` (messages of one chat alternating
//! between them, twenty `/tally` at once, a replica restarted), an idle dialogue expiring, and
//! Redis gone.

use std::collections::BTreeSet;
use std::thread;
use std::time::Duration;

use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook_conformance::{Example, RawRequest, send};
use channeltalk_webhook_redis::testing::RedisServer;
use serde_json::json;

const TOKEN: &str = "dialogue-s3cr3t";
const BINARY: &str = env!("CARGO_BIN_EXE_dialogue-bot");

/// The bot's quick reply to a customer's message `text` (message id `id`) in user chat `chat`:
/// its texts (none for a plain acknowledgement). Every delivery must get 200.
fn say(bot: &Example, chat: &str, id: &str, text: &str) -> Vec<String> {
    let body = SampleEvent::user_message(text)
        .id(id)
        .with("/entity/chatId", json!(chat))
        .with("/entity/chatKey", json!(format!("userChat-{chat}")))
        .body();
    let response = send(
        bot.addr(),
        &RawRequest::post(format!("/webhook?token={TOKEN}"), body),
    )
    .expect("the bot answers");
    let view = response.view();
    assert_eq!(view.status(), 200, "{text}: {}", bot.output());
    if view.is_quick_reply() {
        assert_eq!(view.bot_name().as_deref(), Some("OrderBot"));
    }
    view.texts()
}

/// Says each text in turn (fresh message ids) and gives the single answer to each.
fn talk(bot: &Example, chat: &str, texts: &[&str]) -> Vec<String> {
    texts
        .iter()
        .map(|text| {
            let id = format!("{chat}-{}", unique());
            let mut answer = say(bot, chat, &id, text);
            assert_eq!(answer.len(), 1, "{text}: {answer:?}");
            answer.remove(0)
        })
        .collect()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn one_process_holds_each_chats_conversation() {
    let bot = Example::start(BINARY, TOKEN);
    assert_eq!(
        talk(&bot, "c-1", &["hello", "/order", "soon", "4711"]),
        [
            "Try /order",
            "Which order number?",
            "Please send the order number (digits only).",
            "Order 4711: on its way. Shall I pass you to a person? (yes/no)",
        ]
    );
    // Another chat is at its own start meanwhile.
    assert_eq!(
        talk(&bot, "c-2", &["/tally", "/tally"]),
        ["tally: 1", "tally: 2"]
    );
    assert_eq!(
        talk(&bot, "c-1", &["perhaps", "yes", "/tally"]),
        [
            "Please answer yes or no.",
            "A person will take over order 4711.",
            "tally: 1",
        ]
    );
    assert_eq!(
        talk(
            &bot,
            "c-1",
            &["/order", "12", "no", "/order", "/cancel", "/tally"]
        ),
        [
            "Which order number?",
            "Order 12: on its way. Shall I pass you to a person? (yes/no)",
            "Okay.",
            "Which order number?",
            "Cancelled.",
            "tally: 2",
        ]
    );
    // The same message delivered twice moves the conversation once.
    assert_eq!(say(&bot, "c-3", "m-once", "/tally"), ["tally: 1"]);
    assert!(say(&bot, "c-3", "m-once", "/tally").is_empty());
    assert_eq!(say(&bot, "c-3", "m-next", "/tally"), ["tally: 2"]);
    // A bot's message (our own reply, echoed back by Channel) is acknowledged, and nothing
    // moves.
    let from_bot = SampleEvent::bot_message("tally: 3")
        .with("/entity/chatId", json!("c-3"))
        .body();
    let response = send(
        bot.addr(),
        &RawRequest::post(format!("/webhook?token={TOKEN}"), from_bot),
    );
    assert_eq!(response.unwrap().view().texts(), Vec::<String>::new());
    assert_eq!(talk(&bot, "c-3", &["/tally"]), ["tally: 3"]);
}

#[test]
fn replicas_sharing_redis_hold_one_conversation_and_lose_no_tally() {
    let redis = RedisServer::start();
    let url = redis.url();
    let env = [("CHANNEL_REDIS_URL", url.as_str())];
    let replicas = [
        Example::start_with(BINARY, TOKEN, &env),
        Example::start_with(BINARY, TOKEN, &env),
    ];
    // One conversation, its messages alternating between the replicas.
    let steps = [
        ("/order", "Which order number?"),
        (
            "42",
            "Order 42: on its way. Shall I pass you to a person? (yes/no)",
        ),
        ("yes", "A person will take over order 42."),
    ];
    for (n, (text, answer)) in steps.iter().enumerate() {
        assert_eq!(talk(&replicas[n % 2], "c-shared", &[text]), [*answer]);
    }
    // Twenty /tally at once, spread over both replicas: each count given exactly once.
    let answers: Vec<String> = thread::scope(|scope| {
        let sends: Vec<_> = (0..20)
            .map(|n| {
                let bot = &replicas[n % 2];
                scope.spawn(move || say(bot, "c-tally", &format!("tally-{n}"), "/tally"))
            })
            .collect();
        sends
            .into_iter()
            .flat_map(|send| send.join().unwrap())
            .collect()
    });
    let counted: BTreeSet<String> = answers.iter().cloned().collect();
    let expected: BTreeSet<String> = (1..=20).map(|k| format!("tally: {k}")).collect();
    assert_eq!(answers.len(), 20, "{answers:?}");
    assert_eq!(counted, expected);
    // The state outlives a replica: stopped and started again, the conversation goes on.
    let [first, second] = replicas;
    assert_eq!(
        talk(&first, "c-restart", &["/order"]),
        ["Which order number?"]
    );
    drop(first);
    drop(second);
    let again = Example::start_with(BINARY, TOKEN, &env);
    assert_eq!(
        talk(&again, "c-restart", &["7"]),
        ["Order 7: on its way. Shall I pass you to a person? (yes/no)"]
    );
    assert_eq!(talk(&again, "c-tally", &["/tally"]), ["tally: 21"]);
}

#[test]
fn an_idle_dialogue_starts_over() {
    let bot = Example::start_with(BINARY, TOKEN, &[("DIALOGUE_TTL_SECS", "2")]);
    assert_eq!(talk(&bot, "c-idle", &["/order"]), ["Which order number?"]);
    thread::sleep(Duration::from_secs(3));
    assert_eq!(talk(&bot, "c-idle", &["42"]), ["Try /order"]);
}

#[test]
fn with_redis_gone_deliveries_are_still_acknowledged() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    let bot = Example::start_with(BINARY, TOKEN, &[("CHANNEL_REDIS_URL", url.as_str())]);
    assert_eq!(talk(&bot, "c-gone", &["/tally"]), ["tally: 1"]);
    redis.kill();
    // Acknowledged (200), with no answer: the state could not be read.
    assert!(say(&bot, "c-gone", "m-while-gone", "/tally").is_empty());
    bot.wait_for_output("a dialogue step could not happen");
    redis.restart();
    // Back (empty: this Redis kept nothing), the conversation starts over.
    let mut answer = Vec::new();
    for attempt in 0..100 {
        answer = say(&bot, "c-gone", &format!("m-back-{attempt}"), "/tally");
        if !answer.is_empty() {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(answer, ["tally: 1"]);
}
