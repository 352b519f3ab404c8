//! [`Client`] and [`ClientBuilder`]: the credentials, the base URL, the HTTP client's settings,
//! the retry policy and the gate, checked once when the client is built. How a call goes out is
//! in `transport`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_jobs::Gate;
use http::header::{HeaderMap, HeaderValue, USER_AGENT};

use crate::error::ConfigError;
use crate::retry::RetryPolicy;

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

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) access_key: String,
    pub(crate) auth: HeaderMap,
    pub(crate) retry: RetryPolicy,
    pub(crate) gate: Gate,
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

    /// What the transport sends every request with.
    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
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
}
