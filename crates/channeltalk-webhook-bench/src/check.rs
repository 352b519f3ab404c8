//! Whether a response is the answer a request must get.

use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::mix::{BOT_NAME, Expected};

/// How a response differs from the expected answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrongAnswer {
    /// Another status.
    #[error("status {got}, expected {expected}")]
    Status {
        /// The expected status.
        expected: u16,
        /// The status received.
        got: u16,
    },
    /// A genuine delivery was not answered with a quick reply (`x-quick-reply: true`).
    #[error("not a quick reply (x-quick-reply: {0:?})")]
    NotQuickReply(Option<String>),
    /// A refused request was answered with a quick reply.
    #[error("a quick reply to a request that must be refused")]
    UnexpectedQuickReply,
    /// The bot name is not [`BOT_NAME`].
    #[error("bot name {0:?}, expected {BOT_NAME:?}")]
    BotName(Option<String>),
    /// The quick reply is not labelled as JSON.
    #[error("content type {0:?}, expected application/json")]
    ContentType(Option<String>),
    /// The body is not `{"blocks":[{"type":"text","value":…}]}`.
    #[error("reply body is not one text block: {0}")]
    Body(String),
    /// The reply's text is not the echo of the message.
    #[error("reply text {got:?}, expected {expected:?}")]
    Text {
        /// The expected text.
        expected: String,
        /// The text received.
        got: String,
    },
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// Checks a response (status, headers, whole body) against the expected answer.
///
/// A quick reply must be: 200, `x-quick-reply: true`, `x-bot-name: EchoBot`, a JSON content
/// type and a JSON body holding exactly one text block whose value is the expected text. A
/// refusal must have the expected status and no `x-quick-reply`.
pub fn check(
    expected: &Expected,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), WrongAnswer> {
    match expected {
        Expected::Status(code) => {
            if status.as_u16() != *code {
                return Err(WrongAnswer::Status {
                    expected: *code,
                    got: status.as_u16(),
                });
            }
            if headers.contains_key("x-quick-reply") {
                return Err(WrongAnswer::UnexpectedQuickReply);
            }
            Ok(())
        }
        Expected::Echo(text) => {
            if status != StatusCode::OK {
                return Err(WrongAnswer::Status {
                    expected: 200,
                    got: status.as_u16(),
                });
            }
            let quick = header(headers, "x-quick-reply");
            if quick.as_deref() != Some("true") {
                return Err(WrongAnswer::NotQuickReply(quick));
            }
            let bot = header(headers, "x-bot-name");
            if bot.as_deref() != Some(BOT_NAME) {
                return Err(WrongAnswer::BotName(bot));
            }
            let content_type = header(headers, "content-type");
            if !content_type
                .as_deref()
                .is_some_and(|t| t.starts_with("application/json"))
            {
                return Err(WrongAnswer::ContentType(content_type));
            }
            let got = reply_text(body)?;
            if got != *text {
                return Err(WrongAnswer::Text {
                    expected: text.clone(),
                    got,
                });
            }
            Ok(())
        }
    }
}

/// The value of the single text block of a quick reply's body.
fn reply_text(body: &[u8]) -> Result<String, WrongAnswer> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| WrongAnswer::Body(error.to_string()))?;
    let blocks = value
        .get("blocks")
        .and_then(Value::as_array)
        .ok_or_else(|| WrongAnswer::Body("no \"blocks\" array".into()))?;
    let [block] = blocks.as_slice() else {
        return Err(WrongAnswer::Body(format!("{} blocks", blocks.len())));
    };
    if block.get("type").and_then(Value::as_str) != Some("text") {
        return Err(WrongAnswer::Body(format!("block {block}")));
    }
    block
        .get("value")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| WrongAnswer::Body(format!("block {block}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn quick_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-quick-reply", HeaderValue::from_static("true"));
        headers.insert("x-bot-name", HeaderValue::from_static("EchoBot"));
        headers
    }

    const ECHO_BODY: &[u8] = br#"{"blocks":[{"type":"text","value":"echo: hi &amp; bye"}]}"#;

    fn echo() -> Expected {
        Expected::Echo("echo: hi &amp; bye".into())
    }

    #[test]
    fn accepts_the_right_quick_reply() {
        assert_eq!(
            check(&echo(), StatusCode::OK, &quick_headers(), ECHO_BODY),
            Ok(())
        );
        // Whitespace and a charset parameter are fine.
        let mut headers = quick_headers();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let spaced = br#"{ "blocks" : [ { "value" : "echo: hi &amp; bye", "type" : "text" } ] }"#;
        assert_eq!(check(&echo(), StatusCode::OK, &headers, spaced), Ok(()));
    }

    #[test]
    fn rejects_wrong_quick_replies() {
        let ok = StatusCode::OK;
        let cases: Vec<(StatusCode, HeaderMap, &[u8], &str)> = vec![
            (StatusCode::BAD_REQUEST, quick_headers(), ECHO_BODY, "status"),
            (
                ok,
                {
                    let mut h = quick_headers();
                    h.remove("x-quick-reply");
                    h
                },
                ECHO_BODY,
                "not a quick reply",
            ),
            (
                ok,
                {
                    let mut h = quick_headers();
                    h.insert("x-bot-name", HeaderValue::from_static("Other"));
                    h
                },
                ECHO_BODY,
                "bot name",
            ),
            (
                ok,
                {
                    let mut h = quick_headers();
                    h.insert("content-type", HeaderValue::from_static("text/plain"));
                    h
                },
                ECHO_BODY,
                "content type",
            ),
            (ok, quick_headers(), b"ok", "not one text block"),
            (
                ok,
                quick_headers(),
                br#"{"blocks":[{"type":"text","value":"echo: hi & bye"}]}"#,
                "reply text",
            ),
            (
                ok,
                quick_headers(),
                br#"{"blocks":[{"type":"code","value":"echo: hi &amp; bye"}]}"#,
                "not one text block",
            ),
            (
                ok,
                quick_headers(),
                br#"{"blocks":[{"type":"text","value":"echo: hi &amp; bye"},{"type":"text","value":"x"}]}"#,
                "2 blocks",
            ),
            (ok, quick_headers(), br#"{"blocks":[]}"#, "0 blocks"),
        ];
        for (status, headers, body, hint) in cases {
            let error = check(&echo(), status, &headers, body).unwrap_err();
            assert!(error.to_string().contains(hint), "{error} (wanted {hint})");
        }
    }

    #[test]
    fn refusals_need_their_status_and_no_quick_reply() {
        let plain = HeaderMap::new();
        let expected = Expected::Status(401);
        assert_eq!(
            check(
                &expected,
                StatusCode::UNAUTHORIZED,
                &plain,
                b"wrong token\n"
            ),
            Ok(())
        );
        assert_eq!(
            check(&expected, StatusCode::OK, &plain, b"ok"),
            Err(WrongAnswer::Status {
                expected: 401,
                got: 200
            })
        );
        assert_eq!(
            check(
                &expected,
                StatusCode::UNAUTHORIZED,
                &quick_headers(),
                ECHO_BODY
            ),
            Err(WrongAnswer::UnexpectedQuickReply)
        );
        // A genuine delivery answered with a plain acknowledgement is wrong too.
        assert!(matches!(
            check(&echo(), StatusCode::OK, &plain, b"ok"),
            Err(WrongAnswer::NotQuickReply(None))
        ));
    }
}
