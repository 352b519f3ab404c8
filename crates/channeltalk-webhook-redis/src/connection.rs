//! What every Redis-backed part of this crate shares: checking a URL and settings, making the
//! `redis` crate's reconnecting connection, running one command within a timeout, and
//! [`ConnectError`], why a connection could not be made.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Value};
use thiserror::Error;

/// Why a [`RedisStore`](crate::RedisStore) or a [`RedisQueue`](crate::RedisQueue) could not be
/// made.
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
    /// The claim time of jobs is under 100 milliseconds: a lease could not be renewed in time.
    #[error("the claim time of jobs must be at least 100 ms, got {0:?}")]
    ClaimTimeTooShort(Duration),
    /// The timeout is zero: every call would fail.
    #[error("the timeout of calls to Redis must be more than zero")]
    ZeroTimeout,
    /// `connect_lazy` was called outside a Tokio runtime.
    #[error("a Redis connection must be created inside a Tokio runtime")]
    NoRuntime,
    /// Redis could not be reached (after the connection manager's retries).
    #[error("could not connect to Redis")]
    Connect(#[source] RedisError),
}

/// Opens the URL's client, refusing a zero timeout.
pub(crate) fn client(url: &str, timeout: Duration) -> Result<Client, ConnectError> {
    if timeout.is_zero() {
        return Err(ConnectError::ZeroTimeout);
    }
    Client::open(url).map_err(ConnectError::InvalidUrl)
}

/// The connection manager's settings: one retry per reconnection (every later call starts a
/// new one anyway, so during an outage a call waits for one refused connection rather than
/// the whole timeout), and each answer bounded by `response`.
fn config(connect: Duration, response: Duration) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_connection_timeout(Some(connect))
        .set_response_timeout(Some(response))
}

/// Connects now, waiting until Redis answers.
pub(crate) async fn connect(
    client: Client,
    timeout: Duration,
    response: Duration,
) -> Result<ConnectionManager, ConnectError> {
    ConnectionManager::new_with_config(client, config(timeout, response))
        .await
        .map_err(ConnectError::Connect)
}

/// A connection made on its first call, which lets a replica start while Redis is down; must
/// be called inside a Tokio runtime.
pub(crate) fn lazy_connection(
    client: Client,
    timeout: Duration,
    response: Duration,
) -> Result<ConnectionManager, ConnectError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(ConnectError::NoRuntime);
    }
    ConnectionManager::new_lazy_with_config(client, config(timeout, response))
        .map_err(ConnectError::Connect)
}

/// Why one call failed.
#[derive(Clone, Debug)]
pub(crate) enum CallError {
    /// No answer within the time given.
    TimedOut(Duration),
    /// Redis could not be reached or answered with an error.
    Failed(RedisError),
}

/// Runs `call` on a clone of `connection` within `timeout`.
pub(crate) async fn within<T, F>(
    timeout: Duration,
    call: impl FnOnce(ConnectionManager) -> F,
    connection: &ConnectionManager,
) -> Result<T, CallError>
where
    F: Future<Output = redis::RedisResult<T>>,
{
    match tokio::time::timeout(timeout, call(connection.clone())).await {
        // Our timer, or the connection's own response timeout (set to about the same value).
        Err(_elapsed) => Err(CallError::TimedOut(timeout)),
        Ok(Err(error)) if error.is_timeout() => Err(CallError::TimedOut(timeout)),
        Ok(Err(error)) => Err(CallError::Failed(error)),
        Ok(Ok(value)) => Ok(value),
    }
}

/// Runs one command within `timeout`.
pub(crate) async fn query(
    connection: &ConnectionManager,
    command: &redis::Cmd,
    timeout: Duration,
) -> Result<Value, CallError> {
    within(
        timeout,
        |mut connection| async move { command.query_async(&mut connection).await },
        connection,
    )
    .await
}

/// The bytes of a bulk or simple string reply.
pub(crate) fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.as_bytes()),
        _ => None,
    }
}

/// The text of a bulk or simple string reply, if it is UTF-8.
pub(crate) fn text(value: &Value) -> Option<&str> {
    bytes(value).and_then(|bytes| std::str::from_utf8(bytes).ok())
}
