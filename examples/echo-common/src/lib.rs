#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The echo contract every example bot follows, in one place so the examples differ only in
//! their web framework.
//!
//! - `CHANNEL_WEBHOOK_TOKEN` (a random one is generated when unset), `PORT` (8080), `HOST`
//!   (127.0.0.1); `POST /webhook` only.
//! - A user's or manager's message with text T gets the quick reply `echo: T` (T escaped as
//!   rich text) from `EchoBot`; everything else is acknowledged with no reply.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use channeltalk_webhook::{Event, QuickReply, Receiver, TokenConfigError, WebhookToken};

/// The path every example serves.
pub const PATH: &str = "/webhook";
/// The bot name of every echo.
pub const BOT_NAME: &str = "EchoBot";
/// The variable holding the webhook token.
pub const TOKEN_VARIABLE: &str = "CHANNEL_WEBHOOK_TOKEN";

/// The echo handler: `echo: T` for a message with text T not written by a bot.
///
/// ```
/// use channeltalk_webhook::Event;
///
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{"id":"1","channelId":"1",
///   "chatType":"userChat","chatId":"1","chatKey":"userChat-1","personType":"user","personId":"1",
///   "createdAt":1,"plainText":"<b>hi</b>"}}"#).unwrap();
/// let reply = echo_common::echo(event).unwrap();
/// assert_eq!(reply.to_body(), r#"{"blocks":[{"type":"text","value":"echo: &lt;b&gt;hi&lt;/b&gt;"}]}"#);
/// ```
pub fn echo(event: Event) -> Option<QuickReply> {
    let message = event.message().filter(|message| !message.is_from_bot())?;
    let text = message.text()?;
    let reply = QuickReply::new().bot_name(BOT_NAME).ok()?;
    Some(reply.text(format!("echo: {text}")))
}

/// [`echo`] as an `async` handler, for adapters that take one.
pub async fn echo_async(event: Event) -> Option<QuickReply> {
    echo(event)
}

/// Where and with which token an example serves.
#[derive(Debug)]
pub struct Settings {
    /// The webhook token.
    pub token: WebhookToken,
    /// Whether the token was generated because `CHANNEL_WEBHOOK_TOKEN` was unset.
    pub generated: bool,
    /// The address to listen on.
    pub addr: SocketAddr,
}

/// Why the settings could not be read.
#[derive(Debug)]
pub enum SettingsError {
    /// `CHANNEL_WEBHOOK_TOKEN` is set but unusable.
    Token(TokenConfigError),
    /// `PORT` or `HOST` cannot be parsed.
    Address(String),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::Token(error) => write!(f, "{TOKEN_VARIABLE}: {error}"),
            SettingsError::Address(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Reads `CHANNEL_WEBHOOK_TOKEN`, `PORT` and `HOST`.
    pub fn from_env() -> Result<Self, SettingsError> {
        let (token, generated) = match std::env::var(TOKEN_VARIABLE) {
            Ok(value) => (
                WebhookToken::new(value).map_err(SettingsError::Token)?,
                false,
            ),
            Err(_) => (
                WebhookToken::new(random_token()).map_err(SettingsError::Token)?,
                true,
            ),
        };
        let port = match std::env::var("PORT") {
            Ok(port) => port.parse::<u16>().map_err(|_| {
                SettingsError::Address(format!("PORT={port:?} is not a port number"))
            })?,
            Err(_) => 8080,
        };
        let host = match std::env::var("HOST") {
            Ok(host) => host.parse::<IpAddr>().map_err(|_| {
                SettingsError::Address(format!("HOST={host:?} is not an IP address"))
            })?,
            Err(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        Ok(Settings {
            token,
            generated,
            addr: SocketAddr::new(host, port),
        })
    }

    /// The receiver for these settings (1 MiB limit, bot messages ignored).
    pub fn receiver(&self) -> Receiver {
        Receiver::new(self.token.clone())
    }

    /// What to print at start-up: where the bot listens and, for a generated token, the token
    /// and a ready-to-paste `curl` command (`bound` is the address actually bound).
    pub fn banner(&self, framework: &str, bound: SocketAddr) -> String {
        let url = format!("http://{bound}{PATH}");
        let mut banner = format!("{framework} echo bot listening on {url}\n");
        if self.generated {
            let token = self.token.expose_secret();
            banner.push_str(&format!(
                "{TOKEN_VARIABLE} is not set; generated token: {token}\n\
                 try it:\n  curl -i -X POST '{url}?token={token}' \\\n    -H 'Content-Type: application/json' \\\n    \
                 -d '{{\"event\":\"push\",\"type\":\"message\",\"entity\":{{\"id\":\"m1\",\"channelId\":\"1\",\
                 \"chatType\":\"userChat\",\"chatId\":\"c1\",\"chatKey\":\"userChat-c1\",\"personType\":\"user\",\
                 \"personId\":\"u1\",\"createdAt\":1600158433443,\"plainText\":\"hello\"}}}}'\n"
            ));
        }
        banner
    }
}

/// What an example has once it is ready to serve.
#[derive(Debug)]
pub struct Started {
    /// The bound listener (non-blocking, ready for tokio's `TcpListener::from_std`).
    pub listener: std::net::TcpListener,
    /// The receiver built from the settings.
    pub receiver: Receiver,
    /// What to print: the address, and a generated token with a curl command.
    pub banner: String,
}

/// Everything an example does before serving: logs (`RUST_LOG`, default `info`), the
/// settings, the bound listener and the banner.
pub fn start(framework: &str) -> Result<Started, Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let settings = Settings::from_env()?;
    let listener = std::net::TcpListener::bind(settings.addr)?;
    listener.set_nonblocking(true)?;
    let banner = settings.banner(framework, listener.local_addr()?);
    Ok(Started {
        listener,
        receiver: settings.receiver(),
        banner,
    })
}

/// A random 32-hex-digit token (falls back to the time if the OS has no randomness).
fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_usable_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(WebhookToken::new(a).is_ok());
    }
}
