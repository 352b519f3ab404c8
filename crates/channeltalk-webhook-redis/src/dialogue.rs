//! [`RedisDialogueStorage`]: the dialogues replicas share, one hash per chat (`v` the version,
//! `d` the state), written by a compare-and-set script, so that two replicas stepping one chat
//! at once never lose an update; and [`RedisDialogueStorageBuilder`], its settings.
//!
//! A step costs two round trips when nobody else steps the chat: `HMGET` to read, then the
//! script, which writes only if the version is still the one read. Versions come from one
//! counter (`<prefix>version`), so a version is never reused, not even after a chat's dialogue
//! expired and started over. Each write sets the chat's time to live (`PEXPIRE`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook::dialogue::{DialogueFuture, DialogueStorage, Saved, Versioned};
use channeltalk_webhook::store::StoreError;
use redis::aio::ConnectionManager;
use redis::{Script, Value};

use crate::connection::{self, CallError, ConnectError};

/// `KEYS[1]` the chat's hash, `KEYS[2]` the version counter; `ARGV` the version read (empty for
/// none), the value, the time to live (ms). The new version, or 0 when the version changed.
const SAVE: &str = r"
local current = redis.call('HGET', KEYS[1], 'v')
if (current or '') ~= ARGV[1] then return 0 end
local version = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return version
";

/// Dialogues in Redis, shared by every replica connected to the same Redis and key prefix.
/// Cloning shares the connection.
///
/// ```no_run
/// use std::time::Duration;
/// use channeltalk_webhook::dialogue::Dialogues;
/// use channeltalk_webhook_redis::RedisDialogueStorage;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let storage = RedisDialogueStorage::builder("redis://127.0.0.1:6379/")
///     .key_prefix("order-bot:dialogue:")
///     .connect_lazy()?; // starts while Redis is down: steps are then skipped, deliveries acked
/// let dialogues = Dialogues::new(storage, 0u32).ttl(Duration::from_secs(3600));
/// # let _ = dialogues; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisDialogueStorage {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    key_prefix: String,
    version_key: String,
    timeout: Duration,
    save: Script,
}

/// Settings of a [`RedisDialogueStorage`]; made by [`RedisDialogueStorage::builder`].
#[must_use = "a builder does nothing until `connect` or `connect_lazy`"]
pub struct RedisDialogueStorageBuilder {
    url: String,
    key_prefix: String,
    timeout: Duration,
}

impl RedisDialogueStorage {
    /// The default key prefix: a chat's key is `channeltalk:dialogue:<chat type>:<chat id>`.
    pub const DEFAULT_KEY_PREFIX: &'static str = "channeltalk:dialogue:";
    /// How long one call may take by default.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

    /// The settings of a storage on the Redis at `url`.
    pub fn builder(url: impl Into<String>) -> RedisDialogueStorageBuilder {
        RedisDialogueStorageBuilder {
            url: url.into(),
            key_prefix: Self::DEFAULT_KEY_PREFIX.to_owned(),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.inner.key_prefix)
    }

    async fn read(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let mut command = redis::cmd("HMGET");
        command.arg(self.key(key)).arg("v").arg("d");
        let reply = connection::query(&self.inner.connection, &command, self.inner.timeout)
            .await
            .map_err(store_error)?;
        let Value::Array(fields) = reply else {
            return Err(StoreError::unavailable(format!(
                "Redis answered HMGET with {reply:?} instead of two fields"
            )));
        };
        let version = fields
            .first()
            .and_then(connection::text)
            .and_then(|text| text.parse().ok());
        let value = fields.get(1).and_then(connection::bytes);
        Ok(match (version, value) {
            (Some(version), Some(value)) => Some(Versioned::new(version, value.to_vec())),
            _ => None,
        })
    }

    async fn write(
        &self,
        key: &str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<Saved, StoreError> {
        let mut invocation = self.inner.save.key(self.key(key));
        invocation
            .key(&self.inner.version_key)
            .arg(
                expected
                    .map(|version| version.to_string())
                    .unwrap_or_default(),
            )
            .arg(value)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let reply = connection::within(
            self.inner.timeout,
            |mut connection| async move { invocation.invoke_async(&mut connection).await },
            &self.inner.connection,
        )
        .await
        .map_err(store_error)?;
        match reply {
            Value::Int(0) => Ok(Saved::Conflict),
            Value::Int(_) => Ok(Saved::Saved),
            other => Err(StoreError::unavailable(format!(
                "Redis answered the dialogue write with {other:?} instead of a version"
            ))),
        }
    }
}

fn store_error(error: CallError) -> StoreError {
    match error {
        CallError::TimedOut(timeout) => StoreError::TimedOut(timeout),
        CallError::Failed(error) => StoreError::unavailable(error),
    }
}

impl DialogueStorage for RedisDialogueStorage {
    fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
        Box::pin(self.read(key))
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> DialogueFuture<'a, Saved> {
        Box::pin(self.write(key, expected, value, ttl))
    }
}

impl fmt::Debug for RedisDialogueStorage {
    /// Settings only: the connection's address may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDialogueStorage")
            .field("key_prefix", &self.inner.key_prefix)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisDialogueStorageBuilder {
    /// The text put before each chat's key (default
    /// [`RedisDialogueStorage::DEFAULT_KEY_PREFIX`]). Bots sharing one Redis use different
    /// prefixes; replicas of one bot, the same.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long one call may take (default [`RedisDialogueStorage::DEFAULT_TIMEOUT`]); also
    /// bounds each connection attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects, waiting until Redis answers.
    pub async fn connect(self) -> Result<RedisDialogueStorage, ConnectError> {
        let client = connection::client(&self.url, self.timeout)?;
        let connection = connection::connect(client, self.timeout, self.timeout).await?;
        Ok(self.into_storage(connection))
    }

    /// Makes the storage without connecting: the first call connects. Must be called inside a
    /// Tokio runtime.
    pub fn connect_lazy(self) -> Result<RedisDialogueStorage, ConnectError> {
        let client = connection::client(&self.url, self.timeout)?;
        let connection = connection::lazy_connection(client, self.timeout, self.timeout)?;
        Ok(self.into_storage(connection))
    }

    fn into_storage(self, connection: ConnectionManager) -> RedisDialogueStorage {
        RedisDialogueStorage {
            inner: Arc::new(Inner {
                connection,
                version_key: format!("{}version", self.key_prefix),
                key_prefix: self.key_prefix,
                timeout: self.timeout,
                save: Script::new(SAVE),
            }),
        }
    }
}

impl fmt::Debug for RedisDialogueStorageBuilder {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDialogueStorageBuilder")
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
