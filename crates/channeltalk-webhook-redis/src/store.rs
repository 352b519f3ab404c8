//! [`RedisStore`]: the [`MessageIdStore`] replicas share, one atomic `SET NX PX` per id.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook::{ForgetFuture, MessageIdStore, RecordFuture, Recorded, StoreError};
use redis::Value;
use redis::aio::ConnectionManager;

use crate::builder::RedisStoreBuilder;

/// Message ids in Redis, shared by every replica connected to it.
///
/// Each [`record`](MessageIdStore::record) runs `SET <prefix><id> 1 NX PX <ttl>` within the
/// timeout (and [`forget`](MessageIdStore::forget), for a message whose handler panicked,
/// `DEL <prefix><id>`): Redis sets the key only if it is absent, so of two replicas recording one id at
/// once exactly one sees [`Recorded::First`], and forgets the key after the time to live. A
/// call that fails or takes longer than the timeout returns a [`StoreError`]; the connection
/// manager reconnects in the background, so calls succeed again once Redis is back. Wrap the
/// store in [`FailOpen`](channeltalk_webhook::FailOpen) so an outage never stops deliveries.
///
/// Cloning shares the connection.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook::{FailOpen, MessageIdStore, Recorded};
/// use channeltalk_webhook_redis::RedisStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), channeltalk_webhook_redis::ConnectError> {
/// // Nothing listens on port 1: this store cannot answer.
/// let store = RedisStore::builder("redis://127.0.0.1:1/")
///     .key_prefix("echo-bot:message:")
///     .timeout(Duration::from_millis(200))
///     .connect_lazy()?;
/// assert!(store.record("m1").await.is_err());
///
/// // Through FailOpen the delivery goes on as a first one (and a warning is logged).
/// let seen = FailOpen::new(store);
/// assert_eq!(seen.record("m1").await, Recorded::First);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    settings: Arc<Settings>,
}

struct Settings {
    key_prefix: String,
    ttl: Duration,
    ttl_millis: u64,
    timeout: Duration,
}

impl RedisStore {
    /// The default key prefix: a key is `channeltalk:webhook:message:<message id>`.
    pub const DEFAULT_KEY_PREFIX: &'static str = "channeltalk:webhook:message:";
    /// How long Redis keeps an id by default: one hour, far longer than any repeated
    /// delivery arrives after the first, and cheap (one short key per message).
    pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
    /// How long one call may take by default before it counts as a failure.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

    /// The settings of a store on the Redis at `url`
    /// (`redis://[[user]:password@]host[:port][/db]`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder::new(url.into())
    }

    /// Connects to the Redis at `url` with the default settings; see
    /// [`RedisStoreBuilder::connect`].
    pub async fn connect(url: impl Into<String>) -> Result<Self, crate::ConnectError> {
        Self::builder(url).connect().await
    }

    pub(crate) fn new(
        connection: ConnectionManager,
        key_prefix: String,
        ttl: Duration,
        timeout: Duration,
    ) -> Self {
        // Whole milliseconds (the builder checked at least one); saturating past u64.
        let ttl_millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        RedisStore {
            connection,
            settings: Arc::new(Settings {
                key_prefix,
                ttl,
                ttl_millis,
                timeout,
            }),
        }
    }

    /// The text put before each message id to make its key.
    pub fn key_prefix(&self) -> &str {
        &self.settings.key_prefix
    }

    /// How long Redis keeps an id.
    pub fn ttl(&self) -> Duration {
        self.settings.ttl
    }

    /// How long one call may take.
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.settings.key_prefix)
    }

    async fn set_if_absent(&self, id: &str) -> Result<Recorded, StoreError> {
        let mut set = redis::cmd("SET");
        set.arg(self.key(id))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(self.settings.ttl_millis);
        match self.query(&set).await? {
            Value::Okay => Ok(Recorded::First),
            Value::Nil => Ok(Recorded::Repeat),
            other => Err(StoreError::unavailable(format!(
                "Redis answered SET NX with {other:?} instead of OK or nil"
            ))),
        }
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let mut delete = redis::cmd("DEL");
        delete.arg(self.key(id));
        match self.query(&delete).await? {
            Value::Int(_) => Ok(()),
            other => Err(StoreError::unavailable(format!(
                "Redis answered DEL with {other:?} instead of a count"
            ))),
        }
    }

    /// Runs one command within the timeout.
    async fn query(&self, command: &redis::Cmd) -> Result<Value, StoreError> {
        let timeout = self.settings.timeout;
        let mut connection = self.connection.clone();
        let answer = tokio::time::timeout(timeout, command.query_async(&mut connection));
        match answer.await {
            // Our timer, or the connection's own response timeout (set to the same value).
            Err(_elapsed) => Err(StoreError::TimedOut(timeout)),
            Ok(Err(error)) if error.is_timeout() => Err(StoreError::TimedOut(timeout)),
            Ok(Err(error)) => Err(StoreError::unavailable(error)),
            Ok(Ok(value)) => Ok(value),
        }
    }
}

impl MessageIdStore for RedisStore {
    fn record<'a>(&'a self, id: &'a str) -> RecordFuture<'a> {
        Box::pin(self.set_if_absent(id))
    }

    /// `DEL <prefix><id>`, within the timeout.
    fn forget<'a>(&'a self, id: &'a str) -> ForgetFuture<'a> {
        Box::pin(self.delete(id))
    }
}

impl fmt::Debug for RedisStore {
    /// Settings only: the connection's address may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("key_prefix", &self.settings.key_prefix)
            .field("ttl", &self.settings.ttl)
            .field("timeout", &self.settings.timeout)
            .finish_non_exhaustive()
    }
}
