//! [`ApiError`]: why a call to Channel's Open API failed, and what to do about it; and
//! [`ConfigError`]: why a [`Client`](crate::Client) could not be built.

use std::time::SystemTime;

use channeltalk_jobs::{Held, JobError};
use channeltalk_webhook::model::MessageError;
use http::StatusCode;

use crate::rate_limit::RateLimit;

/// Why a call failed. No variant ever holds the access secret.
///
/// Every variant that comes from an answer keeps the answer's [`RateLimit`] headers
/// ([`ApiError::rate_limit`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 401 or 403: Channel refused the access key and secret.
    #[error(
        "Channel refused the credentials ({status}): check CHANNEL_ACCESS_KEY and CHANNEL_ACCESS_SECRET \
         (the channel's API key pair from the desk's settings){}",
        message_suffix(message)
    )]
    Unauthorized {
        /// 401 or 403.
        status: StatusCode,
        /// Channel's message, if any.
        message: String,
        /// The rate-limit headers of the answer.
        rate_limit: RateLimit,
    },
    /// 404: the chat, user, manager or webhook does not exist (or these credentials cannot see it).
    #[error(
        "not found: {path} (check the id; it may belong to another channel){}",
        message_suffix(message)
    )]
    NotFound {
        /// The request path.
        path: String,
        /// Channel's message, if any.
        message: String,
        /// The rate-limit headers of the answer.
        rate_limit: RateLimit,
    },
    /// 429 after the retries allowed by the [`RetryPolicy`](crate::RetryPolicy).
    #[error(
        "rate limited by Channel after {attempts} attempt(s){}; retry after the reset or lower the request rate",
        reset_suffix(rate_limit)
    )]
    RateLimited {
        /// The rate-limit headers of the last answer (when the window resets).
        rate_limit: RateLimit,
        /// Attempts made.
        attempts: u32,
    },
    /// Another 4xx: Channel refused the request itself (never retried). A 422 on a message
    /// send usually means unescaped markup in a text block.
    #[error("Channel refused the request ({status}){}", message_suffix(message))]
    Refused {
        /// The status.
        status: StatusCode,
        /// Channel's message (or the start of its answer).
        message: String,
        /// The rate-limit headers of the answer.
        rate_limit: RateLimit,
    },
    /// 5xx (or 408) after the retries allowed: Channel is failing; try again later.
    #[error(
        "Channel failed ({status}) after {attempts} attempt(s){}; try again later",
        message_suffix(message)
    )]
    Server {
        /// The status.
        status: StatusCode,
        /// Channel's message (or the start of its answer).
        message: String,
        /// The rate-limit headers of the answer.
        rate_limit: RateLimit,
        /// Attempts made.
        attempts: u32,
    },
    /// No answer: a timeout, a refused or dropped connection, a TLS failure.
    #[error(
        "could not reach Channel after {attempts} attempt(s): {kind}: {}",
        chain(source)
    )]
    Transport {
        /// What went wrong.
        kind: TransportKind,
        /// Attempts made.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx answer that is not the JSON expected.
    #[error(
        "could not decode Channel's answer ({status}): {source}; the answer began with {excerpt:?}"
    )]
    Decode {
        /// The status.
        status: StatusCode,
        /// The first characters of the answer.
        excerpt: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The message was not sent: Channel would refuse it (empty, too many buttons).
    #[error("message not sent: {0}")]
    InvalidMessage(#[from] MessageError),
    /// Nothing was sent: the client's [`Gate`](channeltalk_jobs::Gate) held the request back
    /// (a rate-limit pause longer than the retry policy waits, or an open circuit breaker
    /// while Channel fails). Try again after [`Held::retry_in`].
    #[error("not sent: {0}")]
    Held(#[from] Held),
}

/// What kind of transport failure an [`ApiError::Transport`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No answer within the timeout.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// The connection broke or the answer could not be read.
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "connection failed",
            TransportKind::Other => "connection broke",
        })
    }
}

impl ApiError {
    /// The rate-limit headers of the answer, when there was one.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            ApiError::Unauthorized { rate_limit, .. }
            | ApiError::NotFound { rate_limit, .. }
            | ApiError::RateLimited { rate_limit, .. }
            | ApiError::Refused { rate_limit, .. }
            | ApiError::Server { rate_limit, .. } => Some(rate_limit),
            _ => None,
        }
    }

    /// The HTTP status of Channel's answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Unauthorized { status, .. }
            | ApiError::Refused { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::Decode { status, .. } => Some(*status),
            ApiError::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            ApiError::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    /// When the rate-limit window resets, for [`ApiError::RateLimited`].
    pub fn reset_at(&self) -> Option<SystemTime> {
        match self {
            ApiError::RateLimited { rate_limit, .. } => rate_limit.reset_at(),
            _ => None,
        }
    }

    /// Whether Channel answered and refused the request (401/403/404/4xx): fix the request
    /// rather than retry it.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthorized { .. } | ApiError::NotFound { .. } | ApiError::Refused { .. }
        )
    }
}

impl From<ApiError> for JobError {
    /// What a failed call means for a job that made it: held back (a pause, an open circuit,
    /// a 429) runs again without spending an attempt; 5xx, 408 and no answer are transient;
    /// anything else Channel would refuse again, so it is permanent.
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Held(held) => JobError::Held(held),
            ApiError::RateLimited { rate_limit, .. } => JobError::Held(Held::RateLimited {
                retry_in: rate_limit
                    .until_reset(SystemTime::now())
                    .unwrap_or(std::time::Duration::from_secs(1)),
            }),
            ApiError::Server { .. } | ApiError::Transport { .. } => JobError::transient(error),
            _ => JobError::permanent(error),
        }
    }
}

/// An error and its causes, `: `-separated (reqwest's own message alone says little).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn message_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn reset_suffix(rate_limit: &RateLimit) -> String {
    match rate_limit.reset_epoch_seconds {
        Some(seconds) => format!(" (the window resets at {seconds}, epoch seconds)"),
        None => String::new(),
    }
}

/// Why a [`Client`](crate::Client) could not be built. No variant holds the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set (or not UTF-8).
    #[error("{0} is not set: set it to the channel's API credentials (desk settings → API key)")]
    MissingVariable(&'static str),
    /// The access key or secret is empty or holds characters HTTP headers cannot carry.
    #[error("the access {0} is empty or holds characters an HTTP header cannot carry")]
    InvalidCredential(&'static str),
    /// The base URL is not an `http://` or `https://` URL.
    #[error("invalid base URL {url:?}: {reason} (expected e.g. https://api.channel.io)")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}
