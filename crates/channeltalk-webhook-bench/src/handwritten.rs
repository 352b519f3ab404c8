//! Hand-written echo bots, the baseline of the HTTP benchmark: what Channel bots seen in the
//! wild do, without the SDK.
//!
//! Per request: the query's `token` parameter compared with `==`, the whole body read (the
//! framework's own body limit, 1 MiB), `serde_json::from_slice::<Value>`, the echo rule (skip
//! `personType == "bot"`, text from `entity.plainText`) and a JSON quick reply built with
//! `serde_json::json!`: `{"blocks":[{"type":"text","value":"echo: …"}]}` with
//! `x-quick-reply: true` and `x-bot-name: EchoBot`. The text is escaped as rich text (`&`,
//! `<`, `>`), as the SDK does, so that both answer byte-identical replies.
//!
//! One module per framework, each with the framework's usual idioms (its query and body
//! extractors); this module holds the framework-free part every one of them shares.
//!
//! Each framework serves one of three [`Variant`]s (`HANDWRITTEN_VARIANT`): the bot above
//! (`value`, the default), the **careful** hand-written bot a performance-minded team writes
//! ([`careful`]: a borrowed struct with only the fields the echo rule reads, no `Value`, no
//! `json!`) and the **floor** (the body read whole, then the fixed [`FLOOR_REPLY`] without
//! parsing or checking anything): the framework's own cost of a quick reply.

pub mod actix;
pub mod axum;
pub mod hyper;
pub mod warp;

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

pub use crate::mix::{BODY_LIMIT, BOT_NAME, PATH};

/// The query parameters a hand-written bot reads.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    /// The webhook token.
    pub token: Option<String>,
}

/// Which hand-written bot a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// What bots in the wild do: `Value`, `json!` ([`handle`]).
    #[default]
    Value,
    /// A careful hand-written bot: borrowed 4-field struct, raw query, no `Value` ([`careful`]).
    Careful,
    /// Reads the body, answers [`FLOOR_REPLY`] without parsing ([`floor`]).
    Floor,
}

impl Variant {
    /// Reads `HANDWRITTEN_VARIANT` (`value`, `careful` or `floor`; `value` when unset).
    pub fn from_env() -> Result<Variant, SettingsError> {
        match std::env::var("HANDWRITTEN_VARIANT").as_deref() {
            Err(_) | Ok("value") => Ok(Variant::Value),
            Ok("careful") => Ok(Variant::Careful),
            Ok("floor") => Ok(Variant::Floor),
            Ok(other) => Err(SettingsError::Address(format!(
                "HANDWRITTEN_VARIANT={other:?}: expected value, careful or floor"
            ))),
        }
    }

    /// Answers one request: `query` is the raw query string (the careful bot reads the token
    /// from it), `token` the query's `token` parameter as the framework's extractor gave it
    /// (the `Value` bot's).
    pub fn answer(
        self,
        expected_token: &str,
        query: Option<&str>,
        token: Option<&str>,
        body: &[u8],
    ) -> Answer {
        match self {
            Variant::Value => handle(expected_token, token, body),
            Variant::Careful => careful(expected_token, query, body),
            Variant::Floor => floor(body),
        }
    }
}

/// The floor's answer to every request: the echo of the documented team-chat message
/// (`Hi! Webhook Test`), the same bytes the other bots send for it.
pub const FLOOR_REPLY: &[u8] = br#"{"blocks":[{"type":"text","value":"echo: Hi! Webhook Test"}]}"#;

/// The floor: the body has been read whole; answer [`FLOOR_REPLY`] without looking at it.
pub fn floor(body: &[u8]) -> Answer {
    let _ = body;
    Answer::QuickReply(FLOOR_REPLY.to_vec())
}

/// The fields of a delivery the careful bot reads, borrowed from the body where it has no
/// escapes.
#[derive(Deserialize)]
struct CarefulEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    entity: Option<CarefulEntity<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CarefulEntity<'a> {
    #[serde(borrow)]
    person_type: Option<Text<'a>>,
    #[serde(borrow)]
    #[allow(dead_code)]
    chat_type: Option<Text<'a>>,
    #[serde(borrow)]
    plain_text: Option<Text<'a>>,
}

/// A string borrowed from the body unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

#[derive(serde::Serialize)]
struct ReplyBody<'a> {
    blocks: [ReplyBlock<'a>; 1],
}

#[derive(serde::Serialize)]
struct ReplyBlock<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a str,
}

/// The careful hand-written bot: the token taken from the raw query without allocating
/// (`form_urlencoded`, compared with `==`), a borrowed struct with only `type`,
/// `entity.personType`, `entity.chatType` and `entity.plainText`, and the reply serialized
/// from a struct. Same answers as [`handle`].
pub fn careful(expected_token: &str, query: Option<&str>, body: &[u8]) -> Answer {
    let given = query.and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value)
    });
    if given.as_deref() != Some(expected_token) {
        return Answer::Unauthorized;
    }
    let Ok(event) = serde_json::from_slice::<CarefulEvent>(body) else {
        return Answer::BadRequest;
    };
    let is = |text: &Option<Text>, expected: &str| text.as_ref().is_some_and(|t| t.0 == expected);
    let Some(entity) = event.entity else {
        return Answer::Ack;
    };
    if !is(&event.kind, "message") || is(&entity.person_type, "bot") {
        return Answer::Ack;
    }
    let Some(text) = entity.plain_text else {
        return Answer::Ack;
    };
    let value = format!("echo: {}", escape(&text.0));
    let reply = ReplyBody {
        blocks: [ReplyBlock {
            kind: "text",
            value: &value,
        }],
    };
    match serde_json::to_vec(&reply) {
        Ok(body) => Answer::QuickReply(body),
        Err(_) => Answer::Ack,
    }
}

/// A hand-written bot's answer, before it is put in the framework's response type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with a JSON quick-reply body.
    QuickReply(Vec<u8>),
    /// 200 `ok`: nothing to answer.
    Ack,
    /// 401: the token does not match.
    Unauthorized,
    /// 400: the body is not JSON.
    BadRequest,
}

impl Answer {
    /// The status code.
    pub fn status(&self) -> u16 {
        match self {
            Answer::QuickReply(_) | Answer::Ack => 200,
            Answer::Unauthorized => 401,
            Answer::BadRequest => 400,
        }
    }

    /// The plain-text body of a non-reply answer.
    pub fn text(&self) -> &'static str {
        match self {
            Answer::QuickReply(_) | Answer::Ack => "ok",
            Answer::Unauthorized => "wrong token",
            Answer::BadRequest => "bad request",
        }
    }
}

/// The whole hand-written handling of a delivery: token `==`, `Value` parse, echo rule,
/// JSON reply.
pub fn handle(expected_token: &str, given_token: Option<&str>, body: &[u8]) -> Answer {
    if given_token != Some(expected_token) {
        return Answer::Unauthorized;
    }
    let event: Value = match serde_json::from_slice(body) {
        Ok(event) => event,
        Err(_) => return Answer::BadRequest,
    };
    if event["type"] != "message" || event["entity"]["personType"] == "bot" {
        return Answer::Ack;
    }
    let Some(text) = event["entity"]["plainText"].as_str() else {
        return Answer::Ack;
    };
    let reply = json!({
        "blocks": [{"type": "text", "value": format!("echo: {}", escape(text))}]
    });
    match serde_json::to_vec(&reply) {
        Ok(body) => Answer::QuickReply(body),
        Err(_) => Answer::Ack,
    }
}

/// The answer as an `http` 1 response: a quick reply (`application/json`, `x-quick-reply:
/// true`, `x-bot-name: EchoBot`) or a short plain-text status.
pub fn to_http(answer: Answer) -> http::Response<Bytes> {
    match answer {
        Answer::QuickReply(body) => {
            let mut response = http::Response::new(Bytes::from(body));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert("x-quick-reply", HeaderValue::from_static("true"));
            headers.insert("x-bot-name", HeaderValue::from_static(BOT_NAME));
            response
        }
        other => plain(other.status(), other.text()),
    }
}

/// A plain-text response.
pub fn plain(status: u16, text: &'static str) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from_static(text.as_bytes()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Escapes `&`, `<` and `>` for Channel's rich text.
pub fn escape(text: &str) -> String {
    crate::mix::escape_rich_text(text)
}

/// Where a hand-written bot listens and with which token: `CHANNEL_WEBHOOK_TOKEN`
/// (required), `PORT` (8080) and `HOST` (127.0.0.1), like the examples.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The webhook token.
    pub token: String,
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Which bot to serve (`HANDWRITTEN_VARIANT`).
    pub variant: Variant,
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// `CHANNEL_WEBHOOK_TOKEN` is unset or empty.
    #[error("CHANNEL_WEBHOOK_TOKEN must be set to the webhook token")]
    NoToken,
    /// `PORT` or `HOST` cannot be parsed.
    #[error("{0}")]
    Address(String),
}

impl Settings {
    /// Reads the environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        let token = std::env::var("CHANNEL_WEBHOOK_TOKEN")
            .ok()
            .filter(|token| !token.is_empty())
            .ok_or(SettingsError::NoToken)?;
        let port = match std::env::var("PORT") {
            Ok(port) => port
                .parse::<u16>()
                .map_err(|_| SettingsError::Address(format!("PORT={port:?} is not a port")))?,
            Err(_) => 8080,
        };
        let host = match std::env::var("HOST") {
            Ok(host) => host
                .parse::<IpAddr>()
                .map_err(|_| SettingsError::Address(format!("HOST={host:?} is not an IP")))?,
            Err(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        Ok(Settings {
            token,
            addr: SocketAddr::new(host, port),
            variant: Variant::from_env()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mix::{Expected, Kind, Mix, Weights};

    #[test]
    fn answers_every_valid_delivery_of_the_mix_like_the_sdk() {
        let mix = Mix::new("t0k3n", Weights::LOADTEST).unwrap();
        for probe in mix.probes(Kind::Valid) {
            let Answer::QuickReply(body) = handle("t0k3n", Some("t0k3n"), &probe.body) else {
                panic!("{}: no reply", probe.label);
            };
            let Expected::Echo(text) = &probe.expected else {
                unreachable!()
            };
            let expected = json!({"blocks": [{"type": "text", "value": text}]});
            assert_eq!(
                serde_json::from_slice::<Value>(&body).unwrap(),
                expected,
                "{}",
                probe.label
            );
        }
    }

    #[test]
    fn the_careful_bot_answers_every_valid_delivery_like_the_value_bot() {
        let mix = Mix::new("t0k3n", Weights::LOADTEST).unwrap();
        for probe in mix.probes(Kind::Valid) {
            assert_eq!(
                careful("t0k3n", Some("token=t0k3n"), &probe.body),
                handle("t0k3n", Some("t0k3n"), &probe.body),
                "{}",
                probe.label
            );
        }
        // Bodies that are not events never get a reply. (The answer may differ from the
        // `Value` bot's and the SDK's: the `Value` bot acknowledges a JSON array, and serde
        // skips the fields the careful bot ignores without checking their UTF-8, so it
        // acknowledges invalid UTF-8 there.)
        for probe in mix.probes(Kind::Malformed) {
            let answer = careful("t0k3n", Some("token=t0k3n"), &probe.body);
            assert!(
                matches!(answer, Answer::BadRequest | Answer::Ack),
                "{}: {answer:?}",
                probe.label
            );
        }
        let spec = crate::mix::SPEC_TEAM_CHAT_MESSAGE.as_bytes();
        assert_eq!(
            careful("t", Some("a=1&token=t"), spec),
            Answer::QuickReply(FLOOR_REPLY.to_vec())
        );
        assert_eq!(careful("t", Some("token=u"), spec), Answer::Unauthorized);
        assert_eq!(careful("t", None, spec), Answer::Unauthorized);
        assert_eq!(floor(b""), Answer::QuickReply(FLOOR_REPLY.to_vec()));
    }

    #[test]
    fn checks_the_token_with_equality() {
        let body = br#"{"type":"message","entity":{"personType":"user","plainText":"x"}}"#;
        assert_eq!(handle("t", None, body), Answer::Unauthorized);
        assert_eq!(handle("t", Some("u"), body), Answer::Unauthorized);
        assert_eq!(handle("t", Some("t "), body), Answer::Unauthorized);
        assert!(matches!(
            handle("t", Some("t"), body),
            Answer::QuickReply(_)
        ));
    }

    #[test]
    fn skips_bots_and_non_messages_and_refuses_non_json() {
        let bot = br#"{"type":"message","entity":{"personType":"bot","plainText":"x"}}"#;
        let chat = br#"{"type":"userChat","entity":{"id":"1"}}"#;
        let file = br#"{"type":"message","entity":{"personType":"user"}}"#;
        assert_eq!(handle("t", Some("t"), bot), Answer::Ack);
        assert_eq!(handle("t", Some("t"), chat), Answer::Ack);
        assert_eq!(handle("t", Some("t"), file), Answer::Ack);
        assert_eq!(handle("t", Some("t"), b"{"), Answer::BadRequest);
        assert_eq!(Answer::BadRequest.status(), 400);
        assert_eq!(Answer::Unauthorized.status(), 401);
    }
}
