//! [`Client`]: the credentials, the HTTP client, and the one way every call goes out
//! (auth headers, timeouts, retries, decoding, one `tracing` span).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};

use channeltalk_jobs::{Gate, Outcome};

use crate::error::{ApiError, ConfigError, TransportKind};
use crate::observe;
use crate::rate_limit::RateLimit;
use crate::retry::{Failure, RetryPolicy};

/// Channel's Open API.
pub const DEFAULT_BASE_URL: &str = "https://api.channel.io";
/// The header carrying the access key.
pub const ACCESS_KEY_HEADER: &str = "x-access-key";
/// The header carrying the access secret.
pub const ACCESS_SECRET_HEADER: &str = "x-access-secret";
/// The variable [`Client::from_env`] reads the access key from.
pub const ACCESS_KEY_VAR: &str = "CHANNEL_ACCESS_KEY";
/// The variable [`Client::from_env`] reads the access secret from.
pub const ACCESS_SECRET_VAR: &str = "CHANNEL_ACCESS_SECRET";
/// The variable [`Client::from_env`] reads the base URL from (optional).
pub const BASE_URL_VAR: &str = "CHANNEL_API_BASE_URL";
/// `channeltalk-api/VERSION`, sent as `User-Agent`.
pub const USER_AGENT_VALUE: &str = concat!("channeltalk-api/", env!("CARGO_PKG_VERSION"));

/// A client of Channel's Open API: cheap to clone (one connection pool, shared).
///
/// `Debug` shows the base URL and the access key, never the secret.
///
/// ```no_run
/// use channeltalk_api::{Client, ChatTarget, SendMessage};
/// use channeltalk_webhook::BotName;
///
/// const BOT: BotName = BotName::from_static("EchoBot");
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::from_env()?; // CHANNEL_ACCESS_KEY, CHANNEL_ACCESS_SECRET
/// let sent = client
///     .send(SendMessage::new(ChatTarget::user_chat("6512f0c2a1b2c3d4"), "echo: hi").bot_name(BOT))
///     .await?;
/// println!("posted {}", sent.message.as_ref().map_or("?", |m| m.id.as_str()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    access_key: String,
    auth: HeaderMap,
    retry: RetryPolicy,
    gate: Gate,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("access_key", &self.inner.access_key)
            .field("access_secret", &"<redacted>")
            .field("retry", &self.inner.retry)
            .field("gate", &self.inner.gate)
            .finish()
    }
}

/// Settings of a [`Client`]: base URL, timeouts, retries.
///
/// ```
/// use channeltalk_api::{Client, RetryPolicy};
/// use std::time::Duration;
///
/// let client = Client::builder("key", "s3cr3t-value")
///     .base_url("http://127.0.0.1:9999")
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::default().max_attempts(2))
///     .build()?;
/// assert!(!format!("{client:?}").contains("s3cr3t-value"));
/// # Ok::<(), channeltalk_api::ConfigError>(())
/// ```
pub struct ClientBuilder {
    access_key: String,
    access_secret: String,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    env_proxy: bool,
    gate: Option<Gate>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("access_key", &self.access_key)
            .field("access_secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("env_proxy", &self.env_proxy)
            .finish()
    }
}

impl ClientBuilder {
    /// Whether `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` (and `NO_PROXY`) apply, as in most
    /// HTTP clients (default `true`; the test fake's clients turn it off).
    pub fn env_proxy(mut self, enabled: bool) -> Self {
        self.env_proxy = enabled;
        self
    }

    /// Sends requests to `url` instead of `https://api.channel.io` (a fake in tests).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time limit of one attempt, from sending to the whole answer (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for making a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The gate every request passes (default: a gate of this client's own). Give the client
    /// the gate of the job worker its posts run in (`WorkerBuilder::gate`), so that a 429 or
    /// an outage holds back the worker's claims too, and, with a shared queue, every
    /// replica's posts.
    pub fn gate(mut self, gate: Gate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = check_base_url(&self.base_url)?;
        let mut auth = HeaderMap::new();
        auth.insert(ACCESS_KEY_HEADER, credential(&self.access_key, "key")?);
        let mut secret = credential(&self.access_secret, "secret")?;
        secret.set_sensitive(true);
        auth.insert(ACCESS_SECRET_HEADER, secret);
        auth.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if !self.env_proxy {
            http = http.no_proxy();
        }
        let http = http.build().map_err(ConfigError::Http)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                access_key: self.access_key,
                auth,
                retry: self.retry,
                gate: self.gate.unwrap_or_default(),
            }),
        })
    }
}

fn credential(value: &str, which: &'static str) -> Result<HeaderValue, ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::InvalidCredential(which));
    }
    HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidCredential(which))
}

fn check_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| invalid("it must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(invalid("it must be a scheme and a host, with no query"));
    }
    reqwest::Url::parse(trimmed).map_err(|error| invalid(&error.to_string()))?;
    Ok(trimmed.to_owned())
}

impl Client {
    /// A client of `https://api.channel.io` with these credentials and default settings.
    pub fn new(
        access_key: impl Into<String>,
        access_secret: impl Into<String>,
    ) -> Result<Client, ConfigError> {
        Client::builder(access_key, access_secret).build()
    }

    /// Settings for a client with these credentials.
    pub fn builder(
        access_key: impl Into<String>,
        access_secret: impl Into<String>,
    ) -> ClientBuilder {
        ClientBuilder {
            access_key: access_key.into(),
            access_secret: access_secret.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            env_proxy: true,
            gate: None,
        }
    }

    /// Settings from `CHANNEL_ACCESS_KEY`, `CHANNEL_ACCESS_SECRET` and (optional)
    /// `CHANNEL_API_BASE_URL`. An empty variable counts as unset.
    pub fn builder_from_env() -> Result<ClientBuilder, ConfigError> {
        Client::builder_from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Client::builder_from_env`], reading the variables through `lookup` (a
    /// configuration file, a secret store, a test).
    ///
    /// ```
    /// use channeltalk_api::{Client, ConfigError};
    ///
    /// let vars = |name: &str| match name {
    ///     "CHANNEL_ACCESS_KEY" => Some("key".to_owned()),
    ///     _ => None,
    /// };
    /// let error = Client::builder_from_lookup(vars).unwrap_err();
    /// assert!(matches!(error, ConfigError::MissingVariable("CHANNEL_ACCESS_SECRET")));
    /// ```
    pub fn builder_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ClientBuilder, ConfigError> {
        let var = |name: &'static str| lookup(name).filter(|value| !value.is_empty());
        let key = var(ACCESS_KEY_VAR).ok_or(ConfigError::MissingVariable(ACCESS_KEY_VAR))?;
        let secret =
            var(ACCESS_SECRET_VAR).ok_or(ConfigError::MissingVariable(ACCESS_SECRET_VAR))?;
        let builder = Client::builder(key, secret);
        Ok(match var(BASE_URL_VAR) {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// A client configured from the environment (see [`Client::builder_from_env`]).
    pub fn from_env() -> Result<Client, ConfigError> {
        Client::builder_from_env()?.build()
    }

    /// The base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The gate every request of this client (and of its clones) passes: the rate-limit pause
    /// and the circuit breaker.
    pub fn gate(&self) -> &Gate {
        &self.inner.gate
    }

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
        let retry = &self.inner.retry;
        let url = format!("{}{}", self.inner.base_url, request.path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            // The gate waits for a rate-limit pause within the retry budget, or holds the
            // request back (a longer pause, an open circuit breaker): nothing is sent then.
            let max_wait = retry
                .rate_limit_wait()
                .min(retry.budget().saturating_sub(started.elapsed()));
            let pass = self.inner.gate.admit(max_wait).await?;
            let mut builder = self
                .inner
                .http
                .request(request.method.clone(), &url)
                .headers(self.inner.auth.clone())
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

/// A successful answer: the decoded data, with the status, rate-limit headers and attempts.
///
/// Dereferences to the data.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The decoded answer.
    pub data: T,
    /// The HTTP status.
    pub status: StatusCode,
    /// The rate-limit headers of the answer.
    pub rate_limit: RateLimit,
    /// Attempts it took (1 when no retry was needed).
    pub attempts: u32,
}

impl<T> ApiResponse<T> {
    /// The decoded answer.
    pub fn into_inner(self) -> T {
        self.data
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            data: f(self.data),
            status: self.status,
            rate_limit: self.rate_limit,
            attempts: self.attempts,
        }
    }
}

impl<T> std::ops::Deref for ApiResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let client = Client::new("the-key", "very-secret-value").unwrap();
        let shown = format!("{client:?} {client:#?}");
        assert!(shown.contains("the-key"));
        assert!(!shown.contains("very-secret-value"), "{shown}");
        let builder = Client::builder("k", "very-secret-value");
        assert!(!format!("{builder:?}").contains("very-secret-value"));
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(matches!(
            Client::new("", "s"),
            Err(ConfigError::InvalidCredential("key"))
        ));
        assert!(matches!(
            Client::new("k", "line\nbreak"),
            Err(ConfigError::InvalidCredential("secret"))
        ));
        for url in ["api.channel.io", "ftp://x", "http://", "http://h?x=1"] {
            assert!(
                matches!(
                    Client::builder("k", "s").base_url(url).build(),
                    Err(ConfigError::InvalidBaseUrl { .. })
                ),
                "{url}"
            );
        }
        let client = Client::builder("k", "s")
            .base_url("http://127.0.0.1:1/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:1");
    }

    #[test]
    fn the_environment_gives_credentials_and_an_optional_base_url() {
        let vars = |base: Option<&'static str>| {
            move |name: &str| match name {
                ACCESS_KEY_VAR => Some("k".to_owned()),
                ACCESS_SECRET_VAR => Some("s".to_owned()),
                BASE_URL_VAR => base.map(str::to_owned),
                _ => None,
            }
        };
        let client = Client::builder_from_lookup(vars(None))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        let client = Client::builder_from_lookup(vars(Some("http://127.0.0.1:9")))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
        let client = Client::builder_from_lookup(vars(Some("")))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        let missing = Client::builder_from_lookup(|_| Some(String::new())).unwrap_err();
        assert!(matches!(
            missing,
            ConfigError::MissingVariable(ACCESS_KEY_VAR)
        ));
        assert!(
            missing
                .to_string()
                .contains("CHANNEL_ACCESS_KEY is not set")
        );
    }

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
