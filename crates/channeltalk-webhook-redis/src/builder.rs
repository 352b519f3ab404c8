//! [`RedisStoreBuilder`]: the settings of a [`RedisStore`] (URL, key prefix, time to live,
//! timeout), checked once when it connects, and [`ConnectError`], why it could not.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError};
use thiserror::Error;

use crate::store::RedisStore;

/// Why a [`RedisStore`] could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not a Redis URL this crate can use (`redis://[[user]:password@]host[:port][/db]`;
    /// `rediss://` needs TLS, which this crate does not build with).
    #[error("invalid Redis URL (expected redis://[[user]:password@]host[:port][/db])")]
    InvalidUrl(#[source] RedisError),
    /// The time to live is under one millisecond, the unit Redis expires keys in.
    #[error("the time to live of message ids must be at least one millisecond, got {0:?}")]
    TtlTooShort(Duration),
    /// The timeout is zero: every call would fail.
    #[error("the timeout of calls to Redis must be more than zero")]
    ZeroTimeout,
    /// [`RedisStoreBuilder::connect_lazy`] was called outside a Tokio runtime.
    #[error("the Redis store must be created inside a Tokio runtime")]
    NoRuntime,
    /// Redis could not be reached (after the connection manager's retries).
    #[error("could not connect to Redis")]
    Connect(#[source] RedisError),
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
    pub(crate) fn new(url: String) -> Self {
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
    /// [`StoreError::TimedOut`](channeltalk_webhook::StoreError::TimedOut) (default
    /// [`RedisStore::DEFAULT_TIMEOUT`]). Also bounds each connection attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects, waiting until Redis answers: a wrong URL or an unreachable Redis is reported
    /// at start-up (after one retry).
    pub async fn connect(self) -> Result<RedisStore, ConnectError> {
        let (client, config) = self.check()?;
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(ConnectError::Connect)?;
        Ok(self.into_store(connection))
    }

    /// Makes the store without connecting: the first call connects. For a replica that must
    /// start while Redis is down (its deliveries go on through
    /// [`FailOpen`](channeltalk_webhook::FailOpen) until Redis is back). Must be called inside a
    /// Tokio runtime.
    pub fn connect_lazy(self) -> Result<RedisStore, ConnectError> {
        let (client, config) = self.check()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConnectError::NoRuntime);
        }
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(ConnectError::Connect)?;
        Ok(self.into_store(connection))
    }

    fn check(&self) -> Result<(Client, ConnectionManagerConfig), ConnectError> {
        if self.ttl < Duration::from_millis(1) {
            return Err(ConnectError::TtlTooShort(self.ttl));
        }
        if self.timeout.is_zero() {
            return Err(ConnectError::ZeroTimeout);
        }
        let client = Client::open(self.url.as_str()).map_err(ConnectError::InvalidUrl)?;
        // One retry per reconnection: every later call starts a new one anyway, so during an
        // outage a delivery waits for one refused connection rather than the whole timeout.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        Ok((client, config))
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
