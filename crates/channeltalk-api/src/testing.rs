//! A fake Channel Open API for tests: an HTTP server on 127.0.0.1 inside the test process.
//!
//! It speaks the part of the Open API this crate uses, the way Channel does: it refuses
//! requests without the right `x-access-key` / `x-access-secret` (401), records every request
//! (the secret redacted), serves user chats, users and their events, messages and their
//! files, team chats and threads, managers, bots, chat tags and webhooks from memory with
//! working pagination, stores posted messages (a repeated `requestId` is not posted twice), and
//! refuses what Channel's schema refuses: a text block with unescaped markup, a button without
//! its title or action, an option, a color or a state outside the schema's values, a body
//! without its required fields (422), a list without its required `sortOrder` (400). Scripted [`Fault`]s make the next
//! requests answer 429 with the rate-limit headers, a 5xx, slowly, not at all (a dropped
//! connection), or fail after taking effect; [`FakeChannel::outage`] and
//! [`FakeChannel::fail_route`] keep failing every request, or one operation, until ended.
//!
//! ```
//! use channeltalk_api::testing::{FakeChannel, Fault};
//! use channeltalk_api::{ChatTarget, SendMessage};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let fake = FakeChannel::start().await;
//! fake.fail_next(Fault::Status(503));
//! let client = fake.client();
//! let sent = client.send(SendMessage::new(ChatTarget::user_chat(FakeChannel::USER_CHAT_ID), "hi")).await.unwrap();
//! assert_eq!(sent.attempts, 2);
//! let posted = fake.posted_messages();
//! assert_eq!(posted.len(), 1);
//! assert_eq!(posted[0].text(), "hi");
//! # }
//! ```

mod routes;
mod store;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::net::TcpListener;

use crate::client::{Client, ClientBuilder};
use crate::retry::RetryPolicy;
use crate::send::ChatTarget;

pub use store::Collection;

/// The access key a [`FakeChannel`] accepts by default.
pub const FAKE_ACCESS_KEY: &str = "fake-access-key";
/// The access secret a [`FakeChannel`] accepts by default.
pub const FAKE_ACCESS_SECRET: &str = "fake-access-secret-d41d8cd98f00";

/// How the fake answers one request, in place of its normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 429 with `x-ratelimit-limit`, `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this
    /// many seconds from now (epoch seconds, rounded up).
    RateLimited {
        /// Seconds until the window resets.
        reset_after_secs: u64,
    },
    /// This status with a JSON `{"message": …}` body.
    Status(u16),
    /// This status and body (sent as `application/json`, whatever it holds).
    Raw {
        /// The status.
        status: u16,
        /// The body.
        body: String,
    },
    /// The normal answer, after this delay.
    Slow(Duration),
    /// The request takes effect (a webhook is created, a message stored), then this status is
    /// answered instead of the normal answer: as when Channel's answer is lost.
    AfterHandling(u16),
    /// Closes the connection without answering.
    Drop,
}

/// A request the fake received.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, percent-decoded segments kept as sent.
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, names lower case; `x-access-secret` shows `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// Whether the credential headers were right.
    pub authorized: bool,
    /// When the fake received it.
    pub at: SystemTime,
}

impl RecordedRequest {
    /// The first query parameter `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every query parameter `name`.
    pub fn query_values(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A message a client posted through the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PostedMessage {
    /// Where it was posted.
    pub target: ChatTarget,
    /// `?botName=`, if given.
    pub bot_name: Option<String>,
    /// The body's `requestId`, if given.
    pub request_id: Option<String>,
    /// The request body as sent.
    pub body: Value,
    /// The message the fake stored (spec-shaped: `id`, `chatType`, `personType: "bot"`, …).
    pub message: Value,
    /// When the fake received it.
    pub at: SystemTime,
}

impl PostedMessage {
    /// The posted text: the blocks' text values (markup kept) one per line, or `plainText`.
    pub fn text(&self) -> String {
        let blocks = self.body["blocks"].as_array().cloned().unwrap_or_default();
        let texts: Vec<&str> = blocks
            .iter()
            .filter_map(|block| block["value"].as_str())
            .collect();
        if texts.is_empty() {
            self.body["plainText"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        } else {
            texts.join("\n")
        }
    }
}

/// Who may call the fake.
#[derive(Clone, Debug)]
enum Credentials {
    Exactly { key: String, secret: String },
    AnyNonEmpty,
}

struct Shared {
    credentials: Credentials,
    requests: Vec<RecordedRequest>,
    faults: VecDeque<Fault>,
    /// Answers every request not scripted otherwise, until ended.
    outage: Option<Fault>,
    /// Answers every request of a method and path this way (method, path, fault).
    route_faults: Vec<(String, String, Fault)>,
    posted: Vec<PostedMessage>,
    store: store::Store,
}

/// Settings of a [`FakeChannel`].
#[derive(Debug)]
pub struct FakeChannelBuilder {
    credentials: Credentials,
    addr: SocketAddr,
}

impl FakeChannelBuilder {
    /// Accepts only this key and secret (default [`FAKE_ACCESS_KEY`] / [`FAKE_ACCESS_SECRET`]).
    pub fn credentials(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials = Credentials::Exactly {
            key: key.into(),
            secret: secret.into(),
        };
        self
    }

    /// Accepts any non-empty key and secret (a local stand-in for Channel).
    pub fn accept_any_credentials(mut self) -> Self {
        self.credentials = Credentials::AnyNonEmpty;
        self
    }

    /// Listens on `addr` instead of a free port of 127.0.0.1.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Starts the fake on the current tokio runtime; it stops when the handle is dropped.
    pub async fn start(self) -> std::io::Result<FakeChannel> {
        let listener = TcpListener::bind(self.addr).await?;
        Ok(self.serve(listener, &tokio::runtime::Handle::current(), None))
    }

    /// Starts the fake on a thread of its own (for synchronous tests and tools); it stops
    /// when the handle is dropped.
    pub fn start_in_background(self) -> std::io::Result<FakeChannel> {
        let listener = std::net::TcpListener::bind(self.addr)?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let fake = self.serve(listener, &runtime, Some(stop));
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = stopped.await;
            });
        });
        Ok(fake)
    }

    fn serve(
        self,
        listener: TcpListener,
        spawner: &impl Spawn,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
    ) -> FakeChannel {
        let addr = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        let shared = Arc::new(Mutex::new(Shared {
            credentials: self.credentials.clone(),
            requests: Vec::new(),
            faults: VecDeque::new(),
            outage: None,
            route_faults: Vec::new(),
            posted: Vec::new(),
            store: store::Store::seeded(),
        }));
        let task = spawner.spawn_task(routes::accept_loop(listener, shared.clone()));
        FakeChannel {
            addr,
            shared,
            credentials: self.credentials,
            task,
            stop,
        }
    }
}

trait Spawn {
    fn spawn_task(
        &self,
        future: impl std::future::Future<Output = ()> + std::marker::Send + 'static,
    ) -> tokio::task::JoinHandle<()>;
}

impl Spawn for tokio::runtime::Handle {
    fn spawn_task(
        &self,
        future: impl std::future::Future<Output = ()> + std::marker::Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        self.spawn(future)
    }
}

impl Spawn for tokio::runtime::Runtime {
    fn spawn_task(
        &self,
        future: impl std::future::Future<Output = ()> + std::marker::Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        self.spawn(future)
    }
}

/// A running fake of Channel's Open API. Stops when dropped.
pub struct FakeChannel {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    credentials: Credentials,
    task: tokio::task::JoinHandle<()>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for FakeChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeChannel")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeChannel {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl FakeChannel {
    /// The seeded user chat's id.
    pub const USER_CHAT_ID: &'static str = store::USER_CHAT_ID;
    /// The seeded user's id (the seeded user chat's customer).
    pub const USER_ID: &'static str = store::USER_ID;
    /// The seeded team chat's id.
    pub const GROUP_ID: &'static str = store::GROUP_ID;
    /// The seeded team chat's name.
    pub const GROUP_NAME: &'static str = store::GROUP_NAME;
    /// The seeded managers' ids.
    pub const MANAGER_IDS: [&'static str; 3] = store::MANAGER_IDS;

    /// Settings: default credentials, a free port of 127.0.0.1.
    pub fn builder() -> FakeChannelBuilder {
        FakeChannelBuilder {
            credentials: Credentials::Exactly {
                key: FAKE_ACCESS_KEY.to_owned(),
                secret: FAKE_ACCESS_SECRET.to_owned(),
            },
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }

    /// A fake with the default settings, on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub async fn start() -> FakeChannel {
        FakeChannel::builder()
            .start()
            .await
            .unwrap_or_else(|error| panic!("could not start the fake Channel API: {error}"))
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the base URL to give a [`Client`] (or `CHANNEL_API_BASE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client builder for this fake with its credentials, quick retries (10 ms backoff) and
    /// no proxy.
    pub fn client_builder(&self) -> ClientBuilder {
        let (key, secret) = match &self.credentials {
            Credentials::Exactly { key, secret } => (key.clone(), secret.clone()),
            Credentials::AnyNonEmpty => (FAKE_ACCESS_KEY.to_owned(), FAKE_ACCESS_SECRET.to_owned()),
        };
        Client::builder(key, secret)
            .base_url(self.base_url())
            .env_proxy(false)
            .retry(
                RetryPolicy::default()
                    .base_delay(Duration::from_millis(10))
                    .max_delay(Duration::from_millis(50)),
            )
    }

    /// A client for this fake (see [`FakeChannel::client_builder`]).
    ///
    /// # Panics
    ///
    /// Never for the fake's own settings.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .unwrap_or_else(|error| panic!("could not build a client for the fake: {error}"))
    }

    /// Answers the next request (after those already scripted) with `fault`.
    pub fn fail_next(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    /// Answers every request with `fault` (after those scripted with
    /// [`FakeChannel::fail_next`]) until [`FakeChannel::end_outage`]: Channel down for a while.
    ///
    /// ```
    /// use channeltalk_api::testing::{FakeChannel, Fault};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fake = FakeChannel::start().await;
    /// fake.outage(Fault::Status(503));
    /// let client = fake.client();
    /// assert_eq!(client.channel().await.unwrap_err().status().map(|s| s.as_u16()), Some(503));
    /// fake.end_outage();
    /// assert!(client.channel().await.is_ok());
    /// # }
    /// ```
    pub fn outage(&self, fault: Fault) {
        self.lock().outage = Some(fault);
    }

    /// Answers every `method` request to `path` (exactly, e.g. `/open/v5/webhooks`) with
    /// `fault` (after those scripted with [`FakeChannel::fail_next`]), until
    /// [`FakeChannel::end_outage`]: one operation Channel keeps failing while the others work.
    ///
    /// ```
    /// use channeltalk_api::NewWebhook;
    /// use channeltalk_api::testing::{FakeChannel, Fault};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fake = FakeChannel::start().await;
    /// fake.fail_route("POST", "/open/v5/webhooks", Fault::Status(500));
    /// let client = fake.client();
    /// let new = NewWebhook::new("bot", "https://bot.example.com/webhook").scope("userChat.opened");
    /// assert!(client.create_webhook(&new).await.is_err());
    /// assert!(client.channel().await.is_ok());
    /// # }
    /// ```
    pub fn fail_route(&self, method: &str, path: &str, fault: Fault) {
        self.lock()
            .route_faults
            .push((method.to_uppercase(), path.to_owned(), fault));
    }

    /// Ends an [`outage`](FakeChannel::outage) and every [`fail_route`](FakeChannel::fail_route):
    /// requests get their normal answers again.
    pub fn end_outage(&self) {
        let mut shared = self.lock();
        shared.outage = None;
        shared.route_faults.clear();
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Every message posted so far (a repeated `requestId` counts once).
    pub fn posted_messages(&self) -> Vec<PostedMessage> {
        self.lock().posted.clone()
    }

    /// Adds a message written by the seeded user (or, in a group, a manager) to a chat;
    /// returns its id.
    pub fn add_message(&self, target: &ChatTarget, text: &str) -> String {
        self.lock().store.add_message(target, text)
    }

    /// Adds a message carrying one file (`name`) to a chat, written by the seeded user (or, in
    /// a team chat, a manager); returns the file's `key`, which the fake signs links for.
    pub fn add_file(&self, target: &ChatTarget, name: &str) -> String {
        self.lock().store.add_file(target, name)
    }

    /// Adds (or replaces, by `id`) an object of a collection, spec-shaped JSON.
    pub fn insert(&self, collection: Collection, object: Value) {
        self.lock().store.insert(collection, object);
    }

    /// The object of a collection with this `id`, as stored.
    pub fn get(&self, collection: Collection, id: &str) -> Option<Value> {
        self.lock().store.get(collection, id).cloned()
    }

    /// Every object of a collection, as stored.
    pub fn all(&self, collection: Collection) -> Vec<Value> {
        self.lock().store.all(collection)
    }

    /// The messages of a chat, oldest first, as stored (a thread's replies are in their team
    /// chat's list).
    pub fn messages(&self, target: &ChatTarget) -> Vec<Value> {
        self.lock().store.messages(target)
    }

    /// Adds a webhook as Channel would store it; returns its id.
    pub fn add_webhook(&self, name: &str, url: &str, scopes: &[&str]) -> String {
        let body =
            serde_json::json!({"name": name, "url": url, "scopes": scopes, "apiVersion": "v5"});
        self.lock().store.create_webhook(&body)["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Marks a webhook blocked, as Channel does after 100 failed deliveries in a row.
    pub fn block_webhook(&self, id: &str) {
        if let Some(webhook) = self.lock().store.webhook_mut(id) {
            webhook["blocked"] = Value::Bool(true);
            webhook["lastBlockedAt"] = serde_json::json!(
                SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis())
            );
        }
    }

    /// The stored webhooks, as JSON.
    pub fn webhooks(&self) -> Vec<Value> {
        self.lock().store.webhooks()
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }
}

/// Locks the state even if a panicking test thread poisoned it.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
