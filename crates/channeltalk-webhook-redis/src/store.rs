//! [`RedisStore`]: the [`MessageIdStore`] replicas share, one atomic `SET NX PX` per id, and
//! [`RedisStoreBuilder`], its settings (URL, key prefix, time to live, timeout), checked once
//! when it connects.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook::store::{
    ForgetFuture, MessageIdStore, RecordFuture, Recorded, StoreError,
};
use redis::Value;
use redis::aio::ConnectionManager;

use crate::connection::{self, CallError, ConnectError};

/// Message ids in Redis, shared by every replica connected to it.
///
/// Each [`record`](MessageIdStore::record) runs `SET <prefix><id> 1 NX PX <ttl>` within the
/// timeout (and [`forget`](MessageIdStore::forget), for a message whose handler panicked,
/// `DEL <prefix><id>`): Redis sets the key only if it is absent, so of two replicas recording one id at
/// once exactly one sees [`Recorded::First`], and forgets the key after the time to live. A
/// call that fails or takes longer than the timeout returns a [`StoreError`]; the connection
/// manager reconnects in the background, so calls succeed again once Redis is back. Wrap the
/// store in [`FailOpen`](channeltalk_webhook::store::FailOpen) so an outage never stops deliveries.
///
/// Cloning shares the connection.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook::store::{FailOpen, MessageIdStore, Recorded};
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
    pub async fn connect(url: impl Into<String>) -> Result<Self, ConnectError> {
        Self::builder(url).connect().await
    }

    fn new(
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
        connection::query(&self.connection, command, self.settings.timeout)
            .await
            .map_err(|error| match error {
                CallError::TimedOut(timeout) => StoreError::TimedOut(timeout),
                CallError::Failed(error) => StoreError::unavailable(error),
            })
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

/// The settings of a [`RedisStore`]; made by [`RedisStore::builder`].
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook_redis::{ConnectError, RedisStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let refused = RedisStore::builder("redis://127.0.0.1/")
///     .ttl(Duration::ZERO)
///     .connect()
///     .await;
/// assert!(matches!(refused, Err(ConnectError::TtlTooShort(_))));
/// # }
/// ```
#[must_use = "a builder does nothing until `connect` or `connect_lazy`"]
pub struct RedisStoreBuilder {
    url: String,
    key_prefix: String,
    ttl: Duration,
    timeout: Duration,
}

impl RedisStoreBuilder {
    fn new(url: String) -> Self {
        RedisStoreBuilder {
            url,
            key_prefix: RedisStore::DEFAULT_KEY_PREFIX.to_owned(),
            ttl: RedisStore::DEFAULT_TTL,
            timeout: RedisStore::DEFAULT_TIMEOUT,
        }
    }

    /// The text put before each message id to make its key (default
    /// [`RedisStore::DEFAULT_KEY_PREFIX`]). Bots sharing one Redis use different prefixes.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long Redis keeps an id (default [`RedisStore::DEFAULT_TTL`]); at least one
    /// millisecond, counted in whole milliseconds.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long one call (including waiting for a reconnection) may take before it fails with
    /// [`StoreError::TimedOut`](channeltalk_webhook::store::StoreError::TimedOut) (default
    /// [`RedisStore::DEFAULT_TIMEOUT`]). Also bounds each connection attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects, waiting until Redis answers: a wrong URL or an unreachable Redis is reported
    /// at start-up (after one retry).
    pub async fn connect(self) -> Result<RedisStore, ConnectError> {
        let client = self.check()?;
        let connection = connection::connect(client, self.timeout, self.timeout).await?;
        Ok(self.into_store(connection))
    }

    /// Makes the store without connecting: the first call connects. For a replica that must
    /// start while Redis is down (its deliveries go on through
    /// [`FailOpen`](channeltalk_webhook::store::FailOpen) until Redis is back). Must be called inside a
    /// Tokio runtime.
    pub fn connect_lazy(self) -> Result<RedisStore, ConnectError> {
        let client = self.check()?;
        let connection = connection::lazy_connection(client, self.timeout, self.timeout)?;
        Ok(self.into_store(connection))
    }

    fn check(&self) -> Result<redis::Client, ConnectError> {
        if self.ttl < Duration::from_millis(1) {
            return Err(ConnectError::TtlTooShort(self.ttl));
        }
        connection::client(&self.url, self.timeout)
    }

    fn into_store(self, connection: ConnectionManager) -> RedisStore {
        RedisStore::new(connection, self.key_prefix, self.ttl, self.timeout)
    }
}

impl fmt::Debug for RedisStoreBuilder {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("key_prefix", &self.key_prefix)
            .field("ttl", &self.ttl)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(builder: RedisStoreBuilder) -> Result<(), ConnectError> {
        builder.check().map(drop)
    }

    #[test]
    fn settings_are_checked() {
        let builder = || RedisStore::builder("redis://127.0.0.1:6379/0");
        assert!(check(builder()).is_ok());
        assert!(matches!(
            check(builder().ttl(Duration::from_micros(999))),
            Err(ConnectError::TtlTooShort(_))
        ));
        assert!(check(builder().ttl(Duration::from_millis(1))).is_ok());
        assert!(matches!(
            check(builder().timeout(Duration::ZERO)),
            Err(ConnectError::ZeroTimeout)
        ));
        for url in ["http://127.0.0.1/", "not a url", "redis://"] {
            let result = check(RedisStore::builder(url));
            assert!(matches!(result, Err(ConnectError::InvalidUrl(_))), "{url}");
        }
    }

    #[test]
    fn the_url_and_its_password_stay_out_of_debug_and_errors() {
        let url = "redis://:hunter2@127.0.0.1:6379/";
        let debug = format!("{:?}", RedisStore::builder(url));
        assert!(!debug.contains("hunter2"), "{debug}");
        let error = check(RedisStore::builder("redis://:hunter2@/")).unwrap_err();
        assert!(!format!("{error} {error:?}").contains("hunter2"));
    }

    #[test]
    fn lazy_outside_a_runtime_is_an_error_not_a_panic() {
        let result = RedisStore::builder("redis://127.0.0.1:6379/").connect_lazy();
        assert!(matches!(result, Err(ConnectError::NoRuntime)));
    }
}
