//! The shared bad-input matrix: one list of requests, each with the answer a bot's
//! [`Contract`] requires (its path, bot name, and reply to a message), run over real HTTP
//! against every adapter and example.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;

use crate::client::{RawBody, RawRequest, send};
use channeltalk_webhook::rich_text;
use channeltalk_webhook::testing::SampleEvent;

/// What the server under test does: where it is mounted, with which token and body limit,
/// and how it answers a message. The matrix and the fault checks are written against it, so
/// that any bot (not only the examples' echo bot) can be checked.
#[derive(Clone, Debug)]
pub struct Contract {
    /// The path the webhook is mounted at; other paths must get 404.
    pub path: String,
    /// The webhook token.
    pub token: String,
    /// The body limit in bytes.
    pub limit: usize,
    /// The bot name of every quick reply.
    pub bot_name: String,
    /// The text of the quick reply to a user's or manager's message with this text.
    pub reply: fn(&str) -> String,
}

impl Contract {
    /// The examples' echo bot: `POST /webhook`, 1 MiB limit, a message with text T gets the
    /// quick reply `echo: T` from `EchoBot`.
    pub fn echo(token: &str) -> Self {
        Contract {
            path: "/webhook".into(),
            token: token.into(),
            limit: channeltalk_webhook::adapter::DEFAULT_BODY_LIMIT,
            bot_name: "EchoBot".into(),
            reply: |text| format!("echo: {text}"),
        }
    }

    /// The same contract at another path.
    pub fn at(mut self, path: &str) -> Self {
        self.path = path.into();
        self
    }

    /// The same contract with another body limit.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The matrix's cases for this contract.
    pub fn matrix(&self) -> Vec<Case> {
        matrix(self)
    }

    /// Runs the matrix against the server at `addr`: one line per failure. Blocking: call it
    /// from `spawn_blocking` or a plain thread.
    pub fn run_matrix(&self, addr: SocketAddr) -> Vec<String> {
        run_matrix(addr, self, &self.matrix())
    }

    /// [`Contract::run_matrix`], panicking with every failure listed: the whole matrix as one
    /// line of a test.
    #[track_caller]
    pub fn assert_matrix(&self, addr: SocketAddr) {
        let failures = self.run_matrix(addr);
        assert!(
            failures.is_empty(),
            "{} matrix failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn target(&self) -> String {
        format!("{}?token={}", self.path, encoded(&self.token))
    }
}

/// The answer a case must get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The status.
    pub status: u16,
    /// For a quick reply: the text of the message it answers (the contract gives the reply).
    pub reply_to: Option<String>,
}

impl Expected {
    /// 200 with no quick reply.
    pub fn ack() -> Self {
        Expected {
            status: 200,
            reply_to: None,
        }
    }
    /// 200 with the contract's quick reply to a message with `text`.
    pub fn reply_to(text: &str) -> Self {
        Expected {
            status: 200,
            reply_to: Some(text.into()),
        }
    }
    /// `status` with no quick reply.
    pub fn status(status: u16) -> Self {
        Expected {
            status,
            reply_to: None,
        }
    }
}

/// One request of the matrix and its expected answer.
#[derive(Clone, Debug)]
pub struct Case {
    /// What the case is.
    pub name: String,
    /// The request.
    pub request: RawRequest,
    /// The answer it must get.
    pub expected: Expected,
}

fn encoded(token: &str) -> String {
    form_urlencoded::byte_serialize(token.as_bytes()).collect()
}

fn matrix(contract: &Contract) -> Vec<Case> {
    let (path, token, limit) = (
        contract.path.as_str(),
        contract.token.as_str(),
        contract.limit,
    );
    let target = contract.target();
    let hi = SampleEvent::user_message("hi").body();
    let post = |body: &[u8]| RawRequest::post(target.clone(), body.to_vec());
    let mut cases = Vec::new();
    let mut case = |name: &str, request: RawRequest, expected: Expected| {
        cases.push(Case {
            name: name.into(),
            request,
            expected,
        });
    };

    // Genuine deliveries.
    case(
        "user message",
        post(hi.as_bytes()),
        Expected::reply_to("hi"),
    );
    let korean = "안녕하세요 <b>고객님</b> & :smile:";
    case(
        "Korean text with markup characters",
        post(SampleEvent::user_message(korean).body().as_bytes()),
        Expected::reply_to(korean),
    );
    case(
        "spec's team-chat message from a manager",
        post(
            SampleEvent::manager_message("Hi! Webhook Test")
                .in_team_chat()
                .body()
                .as_bytes(),
        ),
        Expected::reply_to("Hi! Webhook Test"),
    );
    case(
        "bot message (no reply loop)",
        post(SampleEvent::bot_message("echo: hi").body().as_bytes()),
        Expected::ack(),
    );
    case(
        "message without text",
        post(
            SampleEvent::user_message("x")
                .without_text()
                .body()
                .as_bytes(),
        ),
        Expected::ack(),
    );
    case(
        "userChat opened",
        post(SampleEvent::user_chat_opened().body().as_bytes()),
        Expected::ack(),
    );
    case(
        "user updated",
        post(SampleEvent::user_updated().body().as_bytes()),
        Expected::ack(),
    );
    case(
        "unknown event type",
        post(br#"{"event":"push","type":"lead","entity":{"id":"1","whatever":[1,2,3]}}"#),
        Expected::ack(),
    );
    case(
        "unknown action and extra fields",
        post(
            SampleEvent::user_message("hi")
                .with("/event", json!("archive"))
                .with("/brandNew", json!({"x": 1}))
                .body()
                .as_bytes(),
        ),
        Expected::reply_to("hi"),
    );
    case(
        "schema drift: version as a string",
        post(
            SampleEvent::user_message("hi")
                .with("/entity/version", json!("1"))
                .body()
                .as_bytes(),
        ),
        Expected::ack(),
    );
    case(
        "schema drift: bot message with createdAt as a string",
        post(
            SampleEvent::bot_message("hi")
                .with("/entity/createdAt", json!("now"))
                .body()
                .as_bytes(),
        ),
        Expected::ack(),
    );
    case(
        "null where objects are expected",
        post(br#"{"event":"push","type":"message","entity":null,"refers":null}"#),
        Expected::ack(),
    );
    case("empty object", post(b"{}"), Expected::ack());
    let deep = format!(
        r#"{{"event":"push","type":"message","entity":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    case(
        "deeply nested entity (an object, so a delivery)",
        post(deep.as_bytes()),
        Expected::ack(),
    );
    case(
        "message with every field missing",
        post(br#"{"event":"push","type":"message","entity":{}}"#),
        Expected::ack(),
    );
    case(
        "userChat with every field missing",
        post(br#"{"event":"push","type":"userChat","entity":{}}"#),
        Expected::ack(),
    );
    case(
        "user with every field missing",
        post(br#"{"event":"push","type":"user","entity":{}}"#),
        Expected::ack(),
    );
    case(
        "huge numbers",
        post(
            SampleEvent::user_message("hi")
                .with("/entity/big", json!(1e300))
                .body()
                .replace("1e300", "123456789012345678901234567890e999")
                .as_bytes(),
        ),
        Expected::reply_to("hi"),
    );
    case(
        "duplicate keys: last wins",
        post(
            format!(
                r#"{{"type":"user","type":"message","event":"push","entity":{}}}"#,
                SampleEvent::user_message("dup").json()["entity"]
            )
            .as_bytes(),
        ),
        Expected::reply_to("dup"),
    );
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend_from_slice(hi.as_bytes());
    case(
        "UTF-8 byte order mark",
        post(&with_bom),
        Expected::reply_to("hi"),
    );
    let pieces: Vec<Vec<u8>> = hi.as_bytes().chunks(7).map(<[u8]>::to_vec).collect();
    case(
        "chunked body",
        post(b"").body(RawBody::Chunked(pieces.clone())),
        Expected::reply_to("hi"),
    );
    let few: Vec<Vec<u8>> = hi
        .as_bytes()
        .chunks(hi.len() / 5 + 1)
        .map(<[u8]>::to_vec)
        .collect();
    case(
        "slow sender",
        post(b"").body(RawBody::Slow(few, Duration::from_millis(40))),
        Expected::reply_to("hi"),
    );
    let escaped = rich_text::escape("<link type=\"manager\" value=\"1\">@all</link>").into_owned();
    case(
        "markup in user text stays literal",
        post(
            SampleEvent::user_message("<link type=\"manager\" value=\"1\">@all</link>")
                .body()
                .as_bytes(),
        ),
        Expected::reply_to(&rich_text::unescape(&escaped)),
    );

    // Not genuine: refused.
    case(
        "missing token",
        RawRequest::post(path, hi.clone()),
        Expected::status(401),
    );
    case(
        "empty token",
        RawRequest::post(format!("{path}?token="), hi.clone()),
        Expected::status(401),
    );
    case(
        "wrong token",
        RawRequest::post(format!("{path}?token=guess"), hi.clone()),
        Expected::status(401),
    );
    case(
        "token differing in case",
        RawRequest::post(
            format!("{path}?token={}", encoded(&token.to_uppercase())),
            hi.clone(),
        ),
        if token.to_uppercase() == token {
            Expected::reply_to("hi")
        } else {
            Expected::status(401)
        },
    );
    case(
        "duplicated token",
        RawRequest::post(format!("{target}&token={}", encoded(token)), hi.clone()),
        Expected::status(401),
    );
    case(
        "token in a header instead of the query",
        RawRequest::post(path, hi.clone())
            .header("x-token", token)
            .header("Authorization", format!("Bearer {token}")),
        Expected::status(401),
    );
    case(
        "token among other parameters",
        RawRequest::post(
            format!("{path}?a=1&token={}&b=%20", encoded(token)),
            hi.clone(),
        ),
        Expected::reply_to("hi"),
    );
    case(
        "wrong token, malformed body: 401 first",
        RawRequest::post(format!("{path}?token=guess"), "{"),
        Expected::status(401),
    );

    // Malformed.
    case(
        "truncated JSON",
        post(&hi.as_bytes()[..hi.len() / 2]),
        Expected::status(400),
    );
    case("JSON array", post(b"[1,2,3]"), Expected::status(400));
    case("JSON string", post(b"\"push\""), Expected::status(400));
    case("JSON null", post(b"null"), Expected::status(400));
    case("empty body", post(b""), Expected::status(400));
    case(
        "invalid UTF-8",
        post(b"{\"event\":\"push\xff\xfe\"}"),
        Expected::status(400),
    );
    case(
        "trailing garbage",
        post(format!("{hi} x").as_bytes()),
        Expected::status(400),
    );
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    case(
        "deeply nested JSON, not an object",
        post(deep_array.as_bytes()),
        Expected::status(400),
    );

    // Too large.
    let oversized = vec![b' '; limit + 1];
    case(
        "oversized with Content-Length",
        post(&oversized),
        Expected::status(413),
    );
    let oversized_chunks: Vec<Vec<u8>> = oversized.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    case(
        "oversized chunked, no Content-Length",
        post(b"").body(RawBody::Chunked(oversized_chunks)),
        Expected::status(413),
    );
    let mut padded = hi.clone().into_bytes();
    padded.truncate(padded.len() - 1);
    padded.extend(std::iter::repeat_n(b' ', limit - padded.len() - 1));
    padded.push(b'}');
    case(
        "exactly at the limit",
        post(&padded),
        Expected::reply_to("hi"),
    );

    // Wrong method or path.
    case(
        "GET",
        RawRequest::post(target.clone(), Vec::new())
            .method("GET")
            .body(RawBody::None),
        Expected::status(405),
    );
    case(
        "PUT",
        post(hi.as_bytes()).method("PUT"),
        Expected::status(405),
    );
    case(
        "other path",
        RawRequest::post(format!("/elsewhere?token={}", encoded(token)), hi.clone()),
        Expected::status(404),
    );
    cases.extend(envelope_form_cases(&target));
    cases
}

// ----- Envelope forms and odd payloads ------------------------------------------------------
//
// A group of its own: every envelope form Channel uses (`type` in any letter case, scope names
// in `type` or `event`), odd elements inside a message, and rich text without a `value` or with
// tags the parser cannot read. Messages by users and managers get their echo in every form;
// messages by bots never reach the handler, whatever the envelope says.

/// How an envelope form changes a sample delivery.
type Form = fn(SampleEvent) -> SampleEvent;

/// The envelope forms Channel uses, beside the classic `"event":"push","type":"message"`.
const ENVELOPE_FORMS: [(&str, Form); 6] = [
    ("type \"Message\" (capitalised)", |s| s.kind("Message")),
    ("type \"MESSAGE\"", |s| s.kind("MESSAGE")),
    ("scope in type: message.created.userChat", |s| {
        s.kind("message.created.userChat")
    }),
    ("scope in type: message.created.teamChat", |s| {
        s.kind("message.created.teamChat")
    }),
    ("scope in event, no type", |s| {
        s.action("message.created.userChat").without("/type")
    }),
    ("scope in event, type message", |s| {
        s.action("message.created.teamChat")
    }),
];

/// The envelope-form and odd-payload group of [`Contract::matrix`], posted to `target`.
fn envelope_form_cases(target: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut case = |name: String, sample: SampleEvent, expected: Expected| {
        cases.push(Case {
            name,
            request: RawRequest::post(target, sample.body()),
            expected,
        });
    };

    for (form, apply) in ENVELOPE_FORMS {
        case(
            format!("{form}: user message"),
            apply(SampleEvent::user_message("hi")),
            Expected::reply_to("hi"),
        );
        case(
            format!("{form}: manager message in a team chat"),
            apply(SampleEvent::manager_message("deploy done").in_team_chat()),
            Expected::reply_to("deploy done"),
        );
        case(
            format!("{form}: bot message (no reply loop)"),
            apply(SampleEvent::bot_message("echo: hi")),
            Expected::ack(),
        );
    }
    case(
        "bot message with an unrecognised type".into(),
        SampleEvent::bot_message("echo: hi").kind("chatMessage"),
        Expected::ack(),
    );
    case(
        "bot message with personType \"BOT\" and type \"Message\"".into(),
        SampleEvent::bot_message("echo: hi")
            .with("/entity/personType", json!("BOT"))
            .kind("Message"),
        Expected::ack(),
    );
    case(
        "drifted bot message, scope in event, no type".into(),
        SampleEvent::bot_message("echo: hi")
            .with("/entity/createdAt", json!("now"))
            .action("message.created.userChat")
            .without("/type"),
        Expected::ack(),
    );

    case(
        "bullets holding null (as in Channel's documentation)".into(),
        SampleEvent::user_message("x").blocks(json!([
            {"type": "text", "value": "list:"},
            {"type": "bullets", "blocks": [null, {"type": "text", "value": "one"}, 7]}
        ])),
        Expected::reply_to("list:\none"),
    );
    case(
        "link without value".into(),
        SampleEvent::user_message("x").blocks(json!([
            {"type": "text", "value": "see <link type=\"url\">https://a.example/x</link>"}
        ])),
        Expected::reply_to("see https://a.example/x"),
    );
    case(
        "tags the parser cannot read degrade to their text".into(),
        SampleEvent::user_message("x").blocks(json!([
            {"type": "text", "value": "<u>under</u> <b>bold</b><br/> <link type=\"manager\">@Kim</link>"}
        ])),
        Expected::reply_to("under bold @Kim"),
    );
    case(
        "odd buttons, files and reactions; v5 button".into(),
        SampleEvent::user_message("hi")
            .with(
                "/entity/buttons",
                json!([null, {"title": "Track", "colorVariant": "cobalt",
                    "action": {"type": "web", "attributes": {"url": "https://a.example/t"}}}, 5]),
            )
            .with(
                "/entity/files",
                json!([null, {"id": "f1", "size": "big"}, "x"]),
            )
            .with("/entity/reactions", json!([{"emojiName": "+1"}, null, []])),
        Expected::reply_to("hi"),
    );
    case(
        "v5 userChat.opened scope in event, no type".into(),
        SampleEvent::user_chat_opened()
            .action("userChat.opened")
            .without("/type")
            .with("/entity/state", json!("initial"))
            .with("/entity/handling", json!({"type": "bot", "botId": "b1"}))
            .with("/entity/direction", json!("INBOUND")),
        Expected::ack(),
    );
    case(
        "lead.upserted.contact scope in type".into(),
        SampleEvent::user_updated().kind("lead.upserted.contact"),
        Expected::ack(),
    );
    cases
}

/// Runs `cases` against a server at `addr` following `contract`; after each case a normal
/// delivery must still get its reply. Returns one line per failure (empty when all passed).
pub fn run_matrix(addr: SocketAddr, contract: &Contract, cases: &[Case]) -> Vec<String> {
    let probe = Case {
        name: "follow-up normal delivery".into(),
        request: RawRequest::post(
            contract.target(),
            SampleEvent::user_message("still there?").body(),
        ),
        expected: Expected::reply_to("still there?"),
    };
    let mut failures = Vec::new();
    for case in cases {
        if let Err(failure) = check(addr, contract, case) {
            failures.push(format!("{}: {failure}", case.name));
        }
        if let Err(failure) = check(addr, contract, &probe) {
            failures.push(format!("after {}: {failure}", case.name));
        }
    }
    failures
}

fn check(addr: SocketAddr, contract: &Contract, case: &Case) -> Result<(), String> {
    let response =
        send(addr, &case.request).map_err(|error| format!("transport error: {error}"))?;
    let view = response.view();
    let body = String::from_utf8_lossy(&response.body);
    if view.status() != case.expected.status {
        return Err(format!(
            "status {} (body {body:?}), expected {}",
            view.status(),
            case.expected.status
        ));
    }
    match &case.expected.reply_to {
        None if view.is_quick_reply() => Err(format!("unexpected quick reply {body:?}")),
        None => Ok(()),
        Some(message) => {
            let text = &(contract.reply)(message);
            if !view.is_quick_reply() {
                return Err(format!("no quick reply (body {body:?}), expected {text:?}"));
            }
            if view.bot_name().as_deref() != Some(contract.bot_name.as_str()) {
                return Err(format!(
                    "bot name {:?}, expected {}",
                    view.bot_name(),
                    contract.bot_name
                ));
            }
            if view.texts() != [text.as_str()] {
                return Err(format!("texts {:?}, expected [{text:?}]", view.texts()));
            }
            Ok(())
        }
    }
}
