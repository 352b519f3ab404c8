//! Dialogues in memory: steps of one chat interleaved every way a scheduler could interleave
//! them give what running them one by one gives (no lost update, no step applied twice);
//! repeats, chats kept apart, expiry on a controlled clock, and a failing storage that still
//! acknowledges the delivery.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use channeltalk_webhook::dialogue::{
    ChatKey, DialogueError, DialogueFuture, DialogueStorage, Dialogues, MemoryDialogueStorage,
    Saved, Stepped, Versioned,
};
use channeltalk_webhook::store::StoreError;
use channeltalk_webhook::testing::{SampleEvent, block_on, deliver};
use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
use proptest::prelude::*;

/// A message of chat `c-2001` (the sample's) with its own id.
fn message(id: &str, text: &str) -> Event {
    SampleEvent::user_message(text).id(id).event()
}

/// The transition of the property: the state is the list of the texts stepped on, in order;
/// the reply is the list's length after the step.
fn append(event: &Event, mut texts: Vec<String>) -> (Vec<String>, usize) {
    texts.push(event.text().unwrap_or_default().into_owned());
    let length = texts.len();
    (texts, length)
}

/// A storage whose every call is first pending once, so that a scheduler can interleave the
/// steps at each read and each write.
#[derive(Clone)]
struct Yielding(MemoryDialogueStorage);

struct YieldOnce<F: ?Sized> {
    yielded: bool,
    inner: Pin<Box<F>>,
}

impl<F: Future + ?Sized> Future for YieldOnce<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.inner.as_mut().poll(cx)
    }
}

fn yield_once<'a, T: 'a>(inner: DialogueFuture<'a, T>) -> DialogueFuture<'a, T> {
    Box::pin(YieldOnce {
        yielded: false,
        inner,
    })
}

impl DialogueStorage for Yielding {
    fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
        yield_once(self.0.load(key))
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> DialogueFuture<'a, Saved> {
        yield_once(self.0.save(key, expected, value, ttl))
    }
}

/// Polls the step futures in the order `schedule` says (indices taken modulo the steps still
/// running), until all are done.
fn interleave<T>(
    mut steps: Vec<Pin<Box<dyn Future<Output = T> + '_>>>,
    schedule: &[usize],
) -> Vec<T> {
    let mut results: Vec<Option<T>> = steps.iter().map(|_| None).collect();
    let mut running: Vec<usize> = (0..steps.len()).collect();
    let mut context = Context::from_waker(Waker::noop());
    let mut turn = 0;
    while !running.is_empty() {
        let pick = schedule.get(turn).copied().unwrap_or(turn) % running.len();
        turn += 1;
        let index = running[pick];
        if let Poll::Ready(result) = steps[index].as_mut().poll(&mut context) {
            results[index] = Some(result);
            running.remove(pick);
        }
    }
    results.into_iter().map(|result| result.unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn interleaved_steps_of_one_chat_are_the_steps_one_by_one(
        count in 1usize..12,
        schedule in proptest::collection::vec(0usize..64, 0..400),
    ) {
        let dialogues = Dialogues::new(Yielding(MemoryDialogueStorage::default()), Vec::<String>::new())
            .max_attempts(100);
        let events: Vec<Event> = (0..count)
            .map(|n| message(&format!("m{n}"), &format!("t{n}")))
            .collect();
        type Step<'a> = Pin<Box<dyn Future<Output = Result<Stepped<usize>, DialogueError>> + 'a>>;
        let steps: Vec<Step<'_>> = events
            .iter()
            .map(|event| Box::pin(dialogues.step(event, append)) as Step<'_>)
            .collect();
        let replies = interleave(steps, &schedule);
        // Every step moved the state once, and the replies are those of some order of the
        // steps run one by one: 1, 2, …, count.
        let mut lengths: Vec<usize> = replies
            .into_iter()
            .map(|stepped| match stepped.unwrap() {
                Stepped::Moved(length) => length,
                other => panic!("{other:?}"),
            })
            .collect();
        lengths.sort_unstable();
        prop_assert_eq!(lengths, (1..=count).collect::<Vec<_>>());
        let chat = ChatKey::of(&events[0]).unwrap();
        let mut texts = block_on(dialogues.state(&chat)).unwrap();
        texts.sort();
        let mut expected: Vec<String> = (0..count).map(|n| format!("t{n}")).collect();
        expected.sort();
        prop_assert_eq!(texts, expected);
    }
}

#[test]
fn a_repeated_delivery_does_not_move_the_state_and_chats_are_apart() {
    let dialogues = Dialogues::new(MemoryDialogueStorage::default(), Vec::<String>::new());
    let first = message("m1", "one");
    assert_eq!(
        block_on(dialogues.step(&first, append)).unwrap(),
        Stepped::Moved(1)
    );
    assert_eq!(
        block_on(dialogues.step(&first, append)).unwrap(),
        Stepped::Repeat
    );
    let other_chat = SampleEvent::user_message("elsewhere")
        .id("m2")
        .with("/entity/chatId", serde_json::json!("c-9"))
        .event();
    assert_eq!(
        block_on(dialogues.step(&other_chat, append)).unwrap(),
        Stepped::Moved(1)
    );
    assert_eq!(
        block_on(dialogues.step(&message("m3", "two"), append)).unwrap(),
        Stepped::Moved(2)
    );
    // An event in no chat has no dialogue.
    let user_updated = SampleEvent::user_updated().event();
    assert_eq!(
        block_on(dialogues.step(&user_updated, append)).unwrap(),
        Stepped::NoChat
    );
}

#[test]
fn only_the_last_message_ids_are_remembered() {
    let dialogues =
        Dialogues::new(MemoryDialogueStorage::default(), Vec::<String>::new()).remember(2);
    for id in ["m1", "m2", "m3"] {
        block_on(dialogues.step(&message(id, id), append)).unwrap();
    }
    assert_eq!(
        block_on(dialogues.step(&message("m3", "m3"), append)).unwrap(),
        Stepped::Repeat
    );
    assert_eq!(
        block_on(dialogues.step(&message("m2", "m2"), append)).unwrap(),
        Stepped::Repeat
    );
    assert_eq!(
        block_on(dialogues.step(&message("m1", "m1"), append)).unwrap(),
        Stepped::Moved(4)
    );
}

#[test]
fn an_idle_dialogue_expires_and_starts_over() {
    let now = Arc::new(Mutex::new(Instant::now()));
    let clock = now.clone();
    let storage = MemoryDialogueStorage::default().clock(move || *clock.lock().unwrap());
    let dialogues = Dialogues::new(storage, Vec::<String>::new()).ttl(Duration::from_secs(2));
    let advance = |seconds: u64| *now.lock().unwrap() += Duration::from_secs(seconds);
    assert_eq!(
        block_on(dialogues.step(&message("m1", "a"), append)).unwrap(),
        Stepped::Moved(1)
    );
    advance(1);
    assert_eq!(
        block_on(dialogues.step(&message("m2", "b"), append)).unwrap(),
        Stepped::Moved(2)
    );
    // Idle for longer than its time to live: it starts over.
    advance(3);
    assert_eq!(
        block_on(dialogues.step(&message("m3", "c"), append)).unwrap(),
        Stepped::Moved(1)
    );
}

#[test]
fn reset_starts_a_chat_over_and_a_changed_state_type_starts_over_too() {
    let storage = MemoryDialogueStorage::default();
    let dialogues = Dialogues::new(storage.clone(), Vec::<String>::new());
    let chat = ChatKey::of(&message("m1", "a")).unwrap();
    block_on(dialogues.step(&message("m1", "a"), append)).unwrap();
    block_on(dialogues.reset(&chat)).unwrap();
    assert!(block_on(dialogues.state(&chat)).unwrap().is_empty());
    block_on(dialogues.step(&message("m2", "b"), append)).unwrap();
    // A new version of the bot keeps a number: the list no longer reads, the chat starts over.
    let counting = Dialogues::new(storage, 0u32);
    let count = |_: &Event, n: u32| (n + 1, n + 1);
    assert_eq!(
        block_on(counting.step(&message("m3", "c"), count)).unwrap(),
        Stepped::Moved(1)
    );
}

/// A storage that cannot answer.
struct Down;

impl DialogueStorage for Down {
    fn load<'a>(&'a self, _key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
        Box::pin(std::future::ready(Err(StoreError::unavailable(
            "connection refused",
        ))))
    }

    fn save<'a>(
        &'a self,
        _key: &'a str,
        _expected: Option<u64>,
        _value: Vec<u8>,
        _ttl: Duration,
    ) -> DialogueFuture<'a, Saved> {
        Box::pin(std::future::ready(Err(StoreError::TimedOut(
            Duration::from_millis(500),
        ))))
    }
}

#[test]
fn a_storage_that_cannot_answer_still_acknowledges_the_delivery() {
    let receiver = Receiver::new(WebhookToken::new("t").unwrap());
    let transition = |_: &Event, n: u32| (n + 1, QuickReply::new().text("moved"));
    let quiet = Dialogues::new(Down, 0u32);
    let answer = deliver(
        &receiver,
        &quiet.handler(transition),
        &SampleEvent::user_message("hi"),
    );
    assert_eq!(answer.status(), 200);
    assert!(answer.texts().is_empty());
    let polite = Dialogues::new(Down, 0u32)
        .on_store_failure(|_: &Event| QuickReply::new().text("One moment, please try again."));
    let answer = deliver(
        &receiver,
        &polite.handler(transition),
        &SampleEvent::user_message("hi"),
    );
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.texts(), ["One moment, please try again."]);
    let error = block_on(quiet.step(&message("m1", "hi"), transition)).unwrap_err();
    assert_eq!(error.to_string(), "the dialogue storage could not answer");
}

#[test]
fn a_chat_whose_state_keeps_changing_gives_up_after_the_attempts_allowed() {
    /// Every save loses: someone else always wrote first.
    struct Contended(MemoryDialogueStorage);
    impl DialogueStorage for Contended {
        fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
            self.0.load(key)
        }
        fn save<'a>(
            &'a self,
            _key: &'a str,
            _expected: Option<u64>,
            _value: Vec<u8>,
            _ttl: Duration,
        ) -> DialogueFuture<'a, Saved> {
            Box::pin(std::future::ready(Ok(Saved::Conflict)))
        }
    }
    let dialogues =
        Dialogues::new(Contended(MemoryDialogueStorage::default()), 0u32).max_attempts(3);
    let runs = std::sync::atomic::AtomicU32::new(0);
    let count = |_: &Event, n: u32| {
        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (n + 1, ())
    };
    let error = block_on(dialogues.step(&message("m1", "hi"), count)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the dialogue's state kept changing; gave up after 3 attempts"
    );
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 3);
}

/// What the property guards against: a storage that writes whatever the version (no
/// compare-and-set) loses an update when two steps read before either writes.
#[test]
fn without_compare_and_set_an_interleaving_loses_an_update() {
    #[derive(Clone)]
    struct Blind(Yielding);
    impl DialogueStorage for Blind {
        fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
            self.0.load(key)
        }
        fn save<'a>(
            &'a self,
            key: &'a str,
            _expected: Option<u64>,
            value: Vec<u8>,
            ttl: Duration,
        ) -> DialogueFuture<'a, Saved> {
            Box::pin(async move {
                let current = self.0.0.load(key).await?.map(|stored| stored.version);
                self.0.save(key, current, value, ttl).await
            })
        }
    }
    let dialogues = Dialogues::new(
        Blind(Yielding(MemoryDialogueStorage::default())),
        Vec::<String>::new(),
    );
    let (a, b) = (message("m1", "a"), message("m2", "b"));
    type Step<'a> = Pin<Box<dyn Future<Output = Result<Stepped<usize>, DialogueError>> + 'a>>;
    let steps: Vec<Step<'_>> = vec![
        Box::pin(dialogues.step(&a, append)),
        Box::pin(dialogues.step(&b, append)),
    ];
    // Both read, then both write.
    interleave(steps, &[0, 1, 0, 1, 0, 1, 0, 1]);
    let chat = ChatKey::of(&a).unwrap();
    assert_eq!(block_on(dialogues.state(&chat)).unwrap().len(), 1);
}
