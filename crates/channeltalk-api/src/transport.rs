//! How every call goes out: the request, the gate, each attempt with its auth headers and
//! timeout, what a failed attempt means (retry or not, which error), and the decoding of the
//! answer, in one `tracing` span per call.

use std::time::{Instant, SystemTime};

use bytes::Bytes;
use channeltalk_jobs::Outcome;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};

use crate::client::Client;
use crate::error::{ApiError, TransportKind};
use crate::observe;
use crate::rate_limit::RateLimit;
use crate::response::ApiResponse;
use crate::retry::Failure;

impl Client {
    /// Runs one logical call: every attempt, its retries and the decoding, in one span.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<ApiResponse<T>, ApiError> {
        let span = tracing::info_span!(
            "channel_api",
            method = %request.method,
            path = request.template,
            attempt = field::Empty,
            status = field::Empty,
            duration_ms = field::Empty,
        );
        let started = Instant::now();
        let result = self
            .attempts(&request, &span)
            .instrument(span.clone())
            .await;
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        let answer = result?;
        let data = decode(answer.status, &answer.body)?;
        Ok(ApiResponse {
            data,
            status: answer.status,
            rate_limit: answer.rate_limit,
            attempts: answer.attempts,
        })
    }

    async fn attempts(&self, request: &Request, span: &tracing::Span) -> Result<Answer, ApiError> {
        let started = Instant::now();
        let retry = &self.inner().retry;
        let url = format!("{}{}", self.inner().base_url, request.path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            // The gate waits for a rate-limit pause within the retry budget, or holds the
            // request back (a longer pause, an open circuit breaker): nothing is sent then.
            let max_wait = retry
                .rate_limit_wait()
                .min(retry.budget().saturating_sub(started.elapsed()));
            let pass = self.inner().gate.admit(max_wait).await?;
            let mut builder = self
                .inner()
                .http
                .request(request.method.clone(), &url)
                .headers(self.inner().auth.clone())
                .query(&request.query);
            if let Some(body) = &request.body {
                builder = builder
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body.clone());
            }
            let outcome = match builder.send().await {
                Ok(response) => {
                    let status = response.status();
                    observe::count_request(Some(status));
                    let rate_limit = RateLimit::from_headers(response.headers());
                    span.record("status", status.as_u16());
                    match response.bytes().await {
                        Ok(body) => Ok(Answer {
                            status,
                            rate_limit,
                            body,
                            attempts: attempt,
                        }),
                        Err(error) => Err(error),
                    }
                }
                Err(error) => {
                    observe::count_request(None);
                    Err(error)
                }
            };
            pass.record(gate_outcome(&outcome)).await;
            let (failure, error) = match outcome {
                Ok(answer) if answer.status.is_success() => return Ok(answer),
                Ok(answer) => match classify(request, answer) {
                    Classified::Final(error) => return Err(error),
                    Classified::Retry(failure, error) => (failure, error),
                },
                Err(error) => transport_failure(error, attempt),
            };
            match retry.delay(attempt, failure, started.elapsed(), request.repeatable) {
                Some(delay) => {
                    tracing::warn!(attempt, ?delay, error = %error, "Channel call failed; retrying");
                    tokio::time::sleep(delay).await;
                    observe::count_retry();
                }
                None => {
                    tracing::warn!(attempt, error = %error, "Channel call failed");
                    return Err(error);
                }
            }
        }
    }
}

/// What the gate needs to know of an attempt: an answer (with the rate-limit news), a 429, or
/// a failure (5xx, 408, no answer).
fn gate_outcome(outcome: &Result<Answer, reqwest::Error>) -> Outcome {
    let Ok(answer) = outcome else {
        return Outcome::Failed;
    };
    let reset_in = answer.rate_limit.until_reset(SystemTime::now());
    match answer.status {
        StatusCode::TOO_MANY_REQUESTS => Outcome::RateLimited { reset_in },
        status if is_transient(status) => Outcome::Failed,
        _ => Outcome::Answered {
            will_be_throttled: answer.rate_limit.will_be_throttled == Some(true),
            remaining: answer.rate_limit.remaining,
            reset_in,
        },
    }
}

/// 5xx and 408: Channel failed (or gave up waiting), and may well answer a moment later.
fn is_transient(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT
}

/// One answer of Channel, read whole.
struct Answer {
    status: StatusCode,
    rate_limit: RateLimit,
    body: Bytes,
    attempts: u32,
}

enum Classified {
    Final(ApiError),
    Retry(Failure, ApiError),
}

fn classify(request: &Request, answer: Answer) -> Classified {
    let Answer {
        status,
        rate_limit,
        body,
        attempts,
    } = answer;
    let message = channel_message(&body);
    match status {
        StatusCode::TOO_MANY_REQUESTS => Classified::Retry(
            Failure::RateLimited(rate_limit.until_reset(SystemTime::now())),
            ApiError::RateLimited {
                rate_limit,
                attempts,
            },
        ),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Classified::Final(ApiError::Unauthorized {
                status,
                message,
                rate_limit,
            })
        }
        StatusCode::NOT_FOUND => Classified::Final(ApiError::NotFound {
            path: request.path.clone(),
            message,
            rate_limit,
        }),
        status if is_transient(status) => Classified::Retry(
            Failure::MaybeProcessed,
            ApiError::Server {
                status,
                message,
                rate_limit,
                attempts,
            },
        ),
        status => Classified::Final(ApiError::Refused {
            status,
            message,
            rate_limit,
        }),
    }
}

fn transport_failure(error: reqwest::Error, attempts: u32) -> (Failure, ApiError) {
    let (kind, failure) = if error.is_connect() {
        (TransportKind::Connect, Failure::NotSent)
    } else if error.is_timeout() {
        (TransportKind::Timeout, Failure::MaybeProcessed)
    } else {
        (TransportKind::Other, Failure::MaybeProcessed)
    };
    let error = ApiError::Transport {
        kind,
        attempts,
        source: error.without_url(),
    };
    (failure, error)
}

/// Channel's error message: the `message` of a JSON answer (also inside `errors[0]`), or the
/// start of the text.
fn channel_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = value
            .get("message")
            .or_else(|| value.pointer("/errors/0/message"))
            .and_then(serde_json::Value::as_str);
        if let Some(message) = found {
            return excerpt(message.as_bytes());
        }
    }
    excerpt(body)
}

/// At most 200 characters of `body`, lossily decoded.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.trim().chars().take(200).collect();
    if text.trim().chars().nth(200).is_some() {
        excerpt.push('…');
    }
    excerpt
}

fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, ApiError> {
    // DELETE answers may be empty: read them as `{}`.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|source| ApiError::Decode {
        status,
        excerpt: excerpt(body),
        source,
    })
}

/// A request to send: method, path, query, body, and whether repeating it is safe.
pub(crate) struct Request {
    pub(crate) method: Method,
    /// The path with its ids (`/open/v5/user-chats/42/messages`).
    pub(crate) path: String,
    /// The path's template, for logs (`/open/v5/user-chats/{userChatId}/messages`).
    pub(crate) template: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Bytes>,
    /// Safe to send twice: a read, an update, a send with a `requestId`.
    pub(crate) repeatable: bool,
}

impl Request {
    pub(crate) fn new(method: Method, template: &'static str, path: String) -> Self {
        let repeatable = method != Method::POST;
        Request {
            method,
            path,
            template,
            query: Vec::new(),
            body: None,
            repeatable,
        }
    }

    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Self {
        // Our request types serialize with string keys only: this cannot fail.
        self.body = serde_json::to_vec(body).ok().map(Bytes::from);
        self
    }

    pub(crate) fn repeatable(mut self, repeatable: bool) -> Self {
        self.repeatable = repeatable;
        self
    }
}

/// A path segment, percent-encoded (ids are plain, but group names may hold anything).
pub(crate) fn segment(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_messages_are_read_from_json_or_text() {
        assert_eq!(channel_message(br#"{"message":"bad <"}"#), "bad <");
        assert_eq!(
            channel_message(br#"{"errors":[{"message":"nope"}]}"#),
            "nope"
        );
        assert_eq!(channel_message(b" plain "), "plain");
        assert_eq!(excerpt("é".repeat(300).as_bytes()).chars().count(), 201);
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("dev team/ops"), "dev%20team%2Fops");
        assert_eq!(segment("42"), "42");
    }
}
