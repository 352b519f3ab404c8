//! Dialogues: the bot's own state per user chat, carried from one message to the next, kept in
//! memory or shared by replicas (the Redis crate's storage), with no lost update.
//!
//! A bot that holds a conversation (asks for an order number, waits for it, asks "shall I pass
//! you to a person?") needs to remember where each chat stands. Written by hand, that state is
//! lost on a deploy, wrong with two replicas, or loses an update when two messages of one chat
//! arrive together. Here a step of a dialogue is a **transition**: a function of the event and
//! the chat's state that returns the next state and the reply. A step reads the state, runs the
//! transition, and writes the new state only if nobody changed it meanwhile (compare-and-set
//! on a version); on a concurrent change it runs the transition again on the fresh state. The
//! reply is given only once the state is written, so what the user is told always matches what
//! is stored.
//!
//! - A repeated delivery of one message (same message id) does not move the state: the last
//!   message ids are stored with the state, in the same write.
//! - An idle dialogue expires after its time to live and starts over.
//! - A storage that cannot answer never fails a delivery: the step is skipped, the delivery is
//!   acknowledged (or answered with a fallback reply), logged and counted in
//!   `channeltalk_dialogue_store_failures_total`.
//!
//! Three ways to use it, from high to low: [`Dialogues::handler`] turns a transition into a
//! [`Handler`] for a receiver, a router route or an adapter; [`Dialogues::step`] runs one step
//! from your own handler code; [`DialogueStorage`] is the storage itself.
//!
//! ```
//! use channeltalk_webhook::dialogue::{Dialogues, MemoryDialogueStorage};
//! use channeltalk_webhook::testing::{SampleEvent, deliver};
//! use channeltalk_webhook::{Event, QuickReply, Receiver, Router, WebhookToken};
//!
//! // The state: how many messages this chat sent.
//! let dialogues = Dialogues::new(MemoryDialogueStorage::default(), 0u32);
//! let count = |_: &Event, seen: u32| (seen + 1, QuickReply::new().text(format!("message #{}", seen + 1)));
//! let reset = |_: &Event, _: u32| (0, QuickReply::new().text("Cancelled."));
//! let bot = Router::new()
//!     .command("/cancel", dialogues.handler(reset))
//!     .fallback(dialogues.handler(count));
//!
//! let receiver = Receiver::new(WebhookToken::new("t")?);
//! let texts = |sample: &SampleEvent| deliver(&receiver, &bot, sample).texts();
//! let hi = SampleEvent::user_message("hi").id("m1");
//! assert_eq!(texts(&hi), ["message #1"]);
//! assert!(texts(&hi).is_empty()); // the same message again: no step
//! assert_eq!(texts(&SampleEvent::user_message("again").id("m2")), ["message #2"]);
//! assert_eq!(texts(&SampleEvent::user_message("/cancel").id("m3")), ["Cancelled."]);
//! assert_eq!(texts(&SampleEvent::user_message("hi").id("m4")), ["message #1"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod memory;
mod record;
mod storage;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::event::{Entity, Event};
use crate::handler::Handler;
use crate::reply::Reply;
use crate::store::StoreError;

pub use memory::MemoryDialogueStorage;
pub use storage::{DialogueFuture, DialogueStorage, Saved, Versioned};

use record::Record;

/// The name of the counter of dialogue steps skipped because the storage could not answer
/// (or stayed contended past the attempts allowed); no labels.
pub const DIALOGUE_STORE_FAILURES_METRIC: &str = "channeltalk_dialogue_store_failures_total";

/// The chat a dialogue belongs to: its type and its id (`userChat` and the user chat's id, or
/// `group` and the team chat's id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChatKey {
    chat_type: String,
    chat_id: String,
}

impl ChatKey {
    /// A chat, by type and id.
    pub fn new(chat_type: impl Into<String>, chat_id: impl Into<String>) -> Self {
        ChatKey {
            chat_type: chat_type.into(),
            chat_id: chat_id.into(),
        }
    }

    /// The chat of an event: a message's chat, or the user chat of a user-chat event; `None`
    /// for an event in no chat (a user updated).
    pub fn of(event: &Event) -> Option<ChatKey> {
        match event.entity() {
            Entity::Message(message) if !message.chat_id.is_empty() => Some(ChatKey::new(
                message.chat_type.as_str(),
                message.chat_id.as_str(),
            )),
            Entity::UserChat(chat) => chat
                .id
                .as_deref()
                .filter(|id| !id.is_empty())
                .map(|id| ChatKey::new("userChat", id)),
            _ => None,
        }
    }

    /// The chat type.
    pub fn chat_type(&self) -> &str {
        &self.chat_type
    }

    /// The chat id.
    pub fn chat_id(&self) -> &str {
        &self.chat_id
    }

    /// The key a storage files the dialogue under: `<chat type>:<chat id>`.
    pub fn storage_key(&self) -> String {
        format!("{}:{}", self.chat_type, self.chat_id)
    }
}

impl fmt::Display for ChatKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.chat_type, self.chat_id)
    }
}

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stepped<R> {
    /// The state moved (it is written) and this is the transition's reply.
    Moved(R),
    /// The message was stepped on before (a repeated delivery): nothing changed.
    Repeat,
    /// The event belongs to no chat: there is no dialogue to step.
    NoChat,
}

/// Why a step did not happen. The delivery should still be acknowledged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DialogueError {
    /// The storage could not answer.
    #[error("the dialogue storage could not answer")]
    Store(#[from] StoreError),
    /// The chat's state kept changing under the step (other steps of the same chat won every
    /// time), past the attempts allowed.
    #[error("the dialogue's state kept changing; gave up after {0} attempts")]
    Contended(u32),
}

/// The dialogues of a bot: a state of type `S` per chat, starting at `initial`, in a
/// [`DialogueStorage`]. Cheap to clone: clones share the storage and settings. See the
/// [module documentation](self) for the guarantees.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook::dialogue::{ChatKey, Dialogues, MemoryDialogueStorage, Stepped};
/// use channeltalk_webhook::{Event, testing::SampleEvent};
///
/// # channeltalk_webhook::testing::block_on(async {
/// let dialogues = Dialogues::new(MemoryDialogueStorage::default(), Vec::<String>::new())
///     .ttl(Duration::from_secs(3600));
/// let remember = |event: &Event, mut said: Vec<String>| {
///     said.push(event.text().unwrap_or_default().into_owned());
///     let reply = format!("you said {} thing(s)", said.len());
///     (said, reply)
/// };
/// let event = SampleEvent::user_message("hello").event();
/// let stepped = dialogues.step(&event, remember).await?;
/// assert_eq!(stepped, Stepped::Moved("you said 1 thing(s)".to_owned()));
/// let chat = ChatKey::of(&event).unwrap();
/// assert_eq!(dialogues.state(&chat).await?, ["hello"]);
/// # Ok::<(), channeltalk_webhook::dialogue::DialogueError>(())
/// # }).unwrap();
/// ```
pub struct Dialogues<S> {
    inner: Arc<Inner<S>>,
}

/// The reply given when a step could not happen.
type Fallback = Arc<dyn Fn(&Event) -> Reply + Send + Sync>;

struct Inner<S> {
    storage: Arc<dyn DialogueStorage>,
    initial: S,
    ttl: Duration,
    remember: usize,
    max_attempts: u32,
    fallback: Option<Fallback>,
    /// Whether the storage is failing (to warn once per outage).
    failing: Arc<AtomicBool>,
}

impl<S: Clone> Clone for Inner<S> {
    fn clone(&self) -> Self {
        Inner {
            storage: self.storage.clone(),
            initial: self.initial.clone(),
            ttl: self.ttl,
            remember: self.remember,
            max_attempts: self.max_attempts,
            fallback: self.fallback.clone(),
            failing: self.failing.clone(),
        }
    }
}

impl<S> Clone for Dialogues<S> {
    fn clone(&self) -> Self {
        Dialogues {
            inner: self.inner.clone(),
        }
    }
}

impl<S> fmt::Debug for Dialogues<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dialogues")
            .field("ttl", &self.inner.ttl)
            .field("remember", &self.inner.remember)
            .field("max_attempts", &self.inner.max_attempts)
            .finish_non_exhaustive()
    }
}

impl<S> Dialogues<S>
where
    S: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// How long an idle dialogue is kept by default: one hour.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
    /// How many message ids are kept with the state by default, to recognise repeats.
    pub const DEFAULT_REMEMBER: usize = 16;
    /// How many times a step runs its transition by default before it gives up on a chat
    /// whose state keeps changing.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 50;

    /// Dialogues whose state starts at `initial`, kept in `storage`.
    pub fn new(storage: impl DialogueStorage, initial: S) -> Self {
        Dialogues {
            inner: Arc::new(Inner {
                storage: Arc::new(storage),
                initial,
                ttl: Self::DEFAULT_TTL,
                remember: Self::DEFAULT_REMEMBER,
                max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
                fallback: None,
                failing: Arc::new(AtomicBool::new(false)),
            }),
        }
    }

    /// How long a dialogue without a step is kept (default one hour); after it, the chat
    /// starts over at the initial state.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        Arc::make_mut(&mut self.inner).ttl = ttl;
        self
    }

    /// How many message ids are kept with the state to recognise a repeated delivery (default
    /// 16, at least 1).
    pub fn remember(mut self, ids: usize) -> Self {
        Arc::make_mut(&mut self.inner).remember = ids.max(1);
        self
    }

    /// How many times a step may run its transition when the state keeps changing under it
    /// (default 50, at least 1). Steps of one chat that arrive together each need a turn: allow
    /// at least as many as a chat's messages can arrive at once.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        Arc::make_mut(&mut self.inner).max_attempts = attempts.max(1);
        self
    }

    /// The reply to give when a step could not happen (the storage cannot answer), instead of
    /// a plain acknowledgement.
    pub fn on_store_failure<R: Into<Reply>>(
        mut self,
        reply: impl Fn(&Event) -> R + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.inner).fallback = Some(Arc::new(move |event| reply(event).into()));
        self
    }

    /// A [`Handler`] that steps the event's chat with `transition` and answers with its reply:
    /// a repeat or an event in no chat is acknowledged with no reply, and so is a step the
    /// storage could not take (or the fallback of [`Dialogues::on_store_failure`] is given).
    ///
    /// The transition may run more than once for one event (when another step of the chat
    /// committed first): it must be a function of its inputs, with no side effect of its own.
    pub fn handler<F, R>(&self, transition: F) -> DialogueHandler<S, F>
    where
        F: Fn(&Event, S) -> (S, R) + Send + Sync + 'static,
        R: Into<Reply> + Send,
    {
        DialogueHandler {
            dialogues: self.clone(),
            transition,
        }
    }

    /// The state of a chat now (the initial state for a chat with no dialogue, or an expired
    /// one).
    pub async fn state(&self, chat: &ChatKey) -> Result<S, StoreError> {
        let stored = self.inner.storage.load(&chat.storage_key()).await?;
        Ok(self.read(chat, stored.as_ref()).state)
    }

    /// Starts a chat's dialogue over at the initial state, forgetting its message ids.
    pub async fn reset(&self, chat: &ChatKey) -> Result<(), DialogueError> {
        let key = chat.storage_key();
        for _ in 0..self.inner.max_attempts {
            let stored = self.inner.storage.load(&key).await?;
            let fresh = Record::new(self.inner.initial.clone());
            let bytes = fresh.encode().map_err(StoreError::unavailable)?;
            let expected = stored.map(|stored| stored.version);
            if self
                .inner
                .storage
                .save(&key, expected, bytes, self.inner.ttl)
                .await?
                == Saved::Saved
            {
                return Ok(());
            }
        }
        Err(DialogueError::Contended(self.inner.max_attempts))
    }

    /// Steps the event's chat: reads its state, runs `transition` on the event and the state,
    /// and writes the new state unless another step changed it meanwhile (then it runs again
    /// on the fresh state, at most [`Dialogues::max_attempts`] times). The reply is returned
    /// once the state is written.
    ///
    /// A failure is logged (once per outage) and counted in
    /// `channeltalk_dialogue_store_failures_total`.
    pub async fn step<F, R>(
        &self,
        event: &Event,
        transition: F,
    ) -> Result<Stepped<R>, DialogueError>
    where
        F: Fn(&Event, S) -> (S, R),
    {
        let Some(chat) = ChatKey::of(event) else {
            return Ok(Stepped::NoChat);
        };
        let result = self.step_chat(&chat, event, &transition).await;
        match &result {
            Ok(_) => {
                if self.inner.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("the dialogue storage answers again");
                }
            }
            Err(error) => {
                metrics::counter!(DIALOGUE_STORE_FAILURES_METRIC).increment(1);
                if !self.inner.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %chat,
                        error = %crate::store::Chain(error),
                        "a dialogue step could not happen; deliveries are acknowledged without \
                         a step until the storage answers again"
                    );
                }
            }
        }
        result
    }

    async fn step_chat<F, R>(
        &self,
        chat: &ChatKey,
        event: &Event,
        transition: &F,
    ) -> Result<Stepped<R>, DialogueError>
    where
        F: Fn(&Event, S) -> (S, R),
    {
        let key = chat.storage_key();
        let message_id = event.message_id();
        for attempt in 1..=self.inner.max_attempts {
            let stored = self.inner.storage.load(&key).await?;
            let Record { state, mut seen } = self.read(chat, stored.as_ref());
            if message_id.is_some_and(|id| seen.iter().any(|seen| seen == id)) {
                return Ok(Stepped::Repeat);
            }
            let (next, reply) = transition(event, state);
            if let Some(id) = message_id {
                if seen.len() >= self.inner.remember {
                    seen.remove(0);
                }
                seen.push(id.to_owned());
            }
            let bytes = Record { state: next, seen }
                .encode()
                .map_err(StoreError::unavailable)?;
            let expected = stored.map(|stored| stored.version);
            match self
                .inner
                .storage
                .save(&key, expected, bytes, self.inner.ttl)
                .await?
            {
                Saved::Saved => return Ok(Stepped::Moved(reply)),
                Saved::Conflict => {
                    tracing::debug!(%chat, attempt, "the dialogue changed under the step; again");
                }
            }
        }
        Err(DialogueError::Contended(self.inner.max_attempts))
    }

    /// The record of a chat as stored, or a fresh one: for no record, or one whose state no
    /// longer reads as `S` (the bot's state type changed), which starts over (logged).
    fn read(&self, chat: &ChatKey, stored: Option<&Versioned>) -> Record<S> {
        match stored.map(|stored| Record::decode(&stored.value)) {
            None => Record::new(self.inner.initial.clone()),
            Some(Ok(record)) => record,
            Some(Err(error)) => {
                tracing::warn!(
                    %chat,
                    %error,
                    "a stored dialogue state does not read as the bot's state type; the chat starts over"
                );
                Record::new(self.inner.initial.clone())
            }
        }
    }
}

/// A [`Handler`] made of a dialogue transition: see [`Dialogues::handler`].
pub struct DialogueHandler<S, F> {
    dialogues: Dialogues<S>,
    transition: F,
}

impl<S, F> fmt::Debug for DialogueHandler<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DialogueHandler")
            .field("dialogues", &self.dialogues)
            .finish_non_exhaustive()
    }
}

impl<S, F, R> Handler for DialogueHandler<S, F>
where
    S: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    F: Fn(&Event, S) -> (S, R) + Send + Sync + 'static,
    R: Into<Reply> + Send,
{
    async fn call(&self, event: Event) -> Reply {
        match self.dialogues.step(&event, &self.transition).await {
            Ok(Stepped::Moved(reply)) => reply.into(),
            Ok(Stepped::Repeat | Stepped::NoChat) => Reply::Ack,
            Err(_) => match &self.dialogues.inner.fallback {
                Some(fallback) => fallback(&event),
                None => Reply::Ack,
            },
        }
    }
}
