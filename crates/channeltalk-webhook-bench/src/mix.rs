//! What the load generator sends: a fixed set of requests of four kinds, each with the answer
//! it must get, and a deterministic schedule that mixes the kinds in given proportions.

use std::fmt;

use bytes::Bytes;
use channeltalk_webhook_conformance::{Contract, RawBody};
use serde_json::json;

/// The path every example (and every hand-written server) serves.
pub const PATH: &str = "/webhook";
/// The body limit of the examples (the core's default): larger bodies get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The bot name of every echo reply.
pub const BOT_NAME: &str = "EchoBot";

/// The kind of a request in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A genuine delivery of a message not written by a bot: a quick reply `echo: …`.
    Valid,
    /// A delivery with a wrong, missing or ambiguous token: 401.
    WrongToken,
    /// The right token and a body that is not an event: 400.
    Malformed,
    /// The right token and a body over the 1 MiB limit, with its `Content-Length`: 413.
    Oversized,
}

impl Kind {
    /// Every kind, in the order of [`Kind::index`].
    pub const ALL: [Kind; 4] = [
        Kind::Valid,
        Kind::WrongToken,
        Kind::Malformed,
        Kind::Oversized,
    ];

    /// The position of this kind in [`Kind::ALL`] (and in per-kind counters).
    pub fn index(self) -> usize {
        match self {
            Kind::Valid => 0,
            Kind::WrongToken => 1,
            Kind::Malformed => 2,
            Kind::Oversized => 3,
        }
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::WrongToken => "wrong token",
            Kind::Malformed => "malformed",
            Kind::Oversized => "oversized",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many requests of each kind in every [`Weights::total`] requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weights {
    /// Genuine deliveries.
    pub valid: u32,
    /// Wrong tokens.
    pub wrong_token: u32,
    /// Malformed bodies.
    pub malformed: u32,
    /// Oversized bodies.
    pub oversized: u32,
}

impl Weights {
    /// The load test's mix: 70 % valid, 10 % wrong token, 10 % malformed, 10 % oversized.
    pub const LOADTEST: Weights = Weights {
        valid: 70,
        wrong_token: 10,
        malformed: 10,
        oversized: 10,
    };

    /// Genuine deliveries only (the HTTP benchmark).
    pub const VALID_ONLY: Weights = Weights {
        valid: 1,
        wrong_token: 0,
        malformed: 0,
        oversized: 0,
    };

    /// The weight of `kind`.
    pub fn of(&self, kind: Kind) -> u32 {
        match kind {
            Kind::Valid => self.valid,
            Kind::WrongToken => self.wrong_token,
            Kind::Malformed => self.malformed,
            Kind::Oversized => self.oversized,
        }
    }

    /// The sum of the weights: the length of one cycle of the schedule.
    pub fn total(&self) -> u32 {
        Kind::ALL.iter().map(|&kind| self.of(kind)).sum()
    }
}

/// The answer a request must get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// 200, a quick reply from [`BOT_NAME`] with one text block whose value is this string
    /// (`echo: ` and the message's text, escaped as rich text).
    Echo(String),
    /// This status, and no quick reply.
    Status(u16),
}

/// One request of the mix.
#[derive(Clone, Debug)]
pub struct Probe {
    /// Its kind.
    pub kind: Kind,
    /// What it is, for reports ("truncated JSON", …).
    pub label: String,
    /// The request target: path and query.
    pub target: String,
    /// The body (shared: cloning it is cheap).
    pub body: Bytes,
    /// The answer it must get.
    pub expected: Expected,
}

/// Why a mix cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum MixError {
    /// Every weight is zero.
    #[error("the request mix is empty: every weight is zero")]
    Empty,
    /// The token is empty.
    #[error("the webhook token is empty")]
    EmptyToken,
}

/// The requests and their schedule: request number `n` is [`Mix::pick`]`(n)`.
#[derive(Clone, Debug)]
pub struct Mix {
    probes: [Vec<Probe>; 4],
    schedule: Vec<Kind>,
}

impl Mix {
    /// The requests for a server whose token is `token`, mixed by `weights`.
    pub fn new(token: &str, weights: Weights) -> Result<Mix, MixError> {
        if token.is_empty() {
            return Err(MixError::EmptyToken);
        }
        if weights.total() == 0 {
            return Err(MixError::Empty);
        }
        let probes = [
            valid_probes(token),
            wrong_token_probes(token),
            malformed_probes(token),
            oversized_probes(token),
        ];
        Ok(Mix {
            probes,
            schedule: schedule(weights),
        })
    }

    /// The request numbered `n`: its kind follows the schedule, and each kind's requests
    /// take turns.
    pub fn pick(&self, n: u64) -> &Probe {
        let (kind, index) = self.position(n);
        &self.probes[kind.index()][index]
    }

    /// Where request `n` is: its kind and its index in [`Mix::probes`] of that kind.
    pub fn position(&self, n: u64) -> (Kind, usize) {
        let cycle = self.schedule.len() as u64;
        let kind = self.schedule[(n % cycle) as usize];
        let count = self.probes[kind.index()].len() as u64;
        let turn = (n / cycle).wrapping_add(n);
        (kind, (turn % count) as usize)
    }

    /// The schedule of one cycle: the kind of requests `0..len`, then again.
    pub fn schedule(&self) -> &[Kind] {
        &self.schedule
    }

    /// Every request of a kind.
    pub fn probes(&self, kind: Kind) -> &[Probe] {
        &self.probes[kind.index()]
    }
}

/// One cycle of kinds, each as often as its weight, shuffled with a fixed seed so that the
/// kinds are interleaved the same way in every run.
fn schedule(weights: Weights) -> Vec<Kind> {
    let mut schedule: Vec<Kind> = Kind::ALL
        .iter()
        .flat_map(|&kind| std::iter::repeat_n(kind, weights.of(kind) as usize))
        .collect();
    let mut state = 0x5eed_u64;
    for i in (1..schedule.len()).rev() {
        let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
        schedule.swap(i, j);
    }
    schedule
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `/webhook?token=…` with the token percent-encoded.
pub fn target_with_token(token: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("{PATH}?token={encoded}")
}

/// Escapes text as Channel's rich text wants (`&`, `<`, `>`).
pub fn escape_rich_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// The answer the echo bot gives to a message whose text is `text`.
pub fn echo_of(text: &str) -> Expected {
    Expected::Echo(format!("echo: {}", escape_rich_text(text)))
}

/// A message event in a user chat, written by a `person_type` with this plain text.
pub fn user_chat_message(id: &str, person_type: &str, text: &str) -> serde_json::Value {
    json!({
        "event": "push",
        "type": "message",
        "entity": {
            "id": id,
            "channelId": "12345",
            "chatType": "userChat",
            "chatId": "6512f0c2a1b2c3d4e5f6a7b8",
            "chatKey": "userChat-6512f0c2a1b2c3d4e5f6a7b8",
            "personType": person_type,
            "personId": "u-1001",
            "requestId": "req-1",
            "createdAt": 1_600_158_433_443_u64,
            "version": 1,
            "blocks": [{"type": "text", "value": escape_rich_text(text)}],
            "plainText": text
        },
        "refers": {
            "user": {
                "id": "u-1001", "channelId": "12345", "memberId": "member-7",
                "type": "member", "name": "Lee", "language": "ko", "country": "KR",
                "profile": {"name": "Lee", "email": "lee@example.com"},
                "createdAt": 1_597_800_948_329_u64
            },
            "userChat": {
                "id": "6512f0c2a1b2c3d4e5f6a7b8", "channelId": "12345", "userId": "u-1001",
                "state": "opened", "createdAt": 1_600_158_433_000_u64,
                "firstAskedAt": 1_600_158_433_443_u64
            }
        }
    })
}

/// The documented team-chat message (`docs/protocol.md`), text `Hi! Webhook Test`.
pub const SPEC_TEAM_CHAT_MESSAGE: &str = r#"{"event":"push","type":"message",
 "entity":{"chatKey":"group-1234","id":"6512f0c2a1b2c3d4e5f6","channelId":"12345",
   "chatType":"group","chatId":"1234","personType":"manager","personId":"98765",
   "requestId":"req-1","createdAt":1600158433443,"version":1,
   "blocks":[{"type":"text","value":"Hi! Webhook Test"}],"plainText":"Hi! Webhook Test"},
 "refers":{"manager":{"id":"98765","channelId":"12345","accountId":"555","username":"kim",
   "name":"Kim","email":"kim@example.com","role":"owner","removed":false,
   "createdAt":1597800948329,"operator":true,"operatorScore":0.0,"avatarUrl":"https://cdn.example/k.png"},
  "group":{"id":"1234","channelId":"12345","name":"dev","scope":"all",
   "managerIds":["1","2","3","4"],"createdAt":1527207802758,"updatedAt":1527207802758}}}"#;

fn body_of(value: &serde_json::Value) -> Bytes {
    Bytes::from(value.to_string())
}

/// Genuine deliveries: the spec's team-chat message and user-chat messages with plain,
/// Korean, markup-bearing, JSON-escaped and long texts.
fn valid_probes(token: &str) -> Vec<Probe> {
    let target = target_with_token(token);
    let long_text = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    let texts: [(&'static str, &str); 5] = [
        ("user message", "hello"),
        ("Korean text", "안녕하세요, 배송 조회 부탁드립니다 🙏"),
        (
            "markup to escape",
            "<b>bold</b> & <link type=\"url\" value=\"x\">y</link>",
        ),
        ("JSON escapes", "line 1\nline 2\t\"quoted\" \\ back\u{e9}"),
        ("long text", &long_text),
    ];
    let mut probes = vec![Probe {
        kind: Kind::Valid,
        label: "documented team-chat message".into(),
        target: target.clone(),
        body: Bytes::from_static(SPEC_TEAM_CHAT_MESSAGE.as_bytes()),
        expected: echo_of("Hi! Webhook Test"),
    }];
    for (index, (label, text)) in texts.into_iter().enumerate() {
        probes.push(Probe {
            kind: Kind::Valid,
            label: label.into(),
            target: target.clone(),
            body: body_of(&user_chat_message(&format!("m-{index}"), "user", text)),
            expected: echo_of(text),
        });
    }
    probes
}

/// The cases of the conformance crate's bad-input matrix that get `status`, in the form the
/// load generator sends (a `POST` of a whole body with `Content-Length`, no extra header):
/// the load test sends the very requests every adapter is tested with.
fn matrix_probes(token: &str, kind: Kind, status: u16) -> Vec<Probe> {
    let contract = Contract::echo(token).limit(BODY_LIMIT);
    contract
        .matrix()
        .into_iter()
        .filter(|case| case.expected.status == status && case.expected.reply_to.is_none())
        .filter(|case| case.request.method == "POST" && case.request.headers.len() == 1)
        .filter_map(|case| match case.request.body {
            RawBody::Full(body) => Some(Probe {
                kind,
                label: case.name,
                target: case.request.target,
                body: Bytes::from(body),
                expected: Expected::Status(status),
            }),
            _ => None,
        })
        .collect()
}

/// Deliveries whose token is wrong, missing or given twice: the matrix's 401 cases.
fn wrong_token_probes(token: &str) -> Vec<Probe> {
    matrix_probes(token, Kind::WrongToken, 401)
}

/// The right token, bodies that are not events: the matrix's 400 cases.
fn malformed_probes(token: &str) -> Vec<Probe> {
    matrix_probes(token, Kind::Malformed, 400)
}

/// The right token, genuine-looking deliveries over the limit.
fn oversized_probes(token: &str) -> Vec<Probe> {
    let target = target_with_token(token);
    // A user's message whose plain text is padded so that the body is `size` bytes.
    let padded = |size: usize| {
        let mut message = user_chat_message("m-big", "user", "");
        let frame = message.to_string().len();
        message["entity"]["plainText"] = "a".repeat(size.saturating_sub(frame)).into();
        body_of(&message)
    };
    [
        ("limit + 1 byte", padded(BODY_LIMIT + 1)),
        ("1.5 MiB", padded(BODY_LIMIT + BODY_LIMIT / 2)),
    ]
    .into_iter()
    .map(|(label, body)| Probe {
        kind: Kind::Oversized,
        label: label.into(),
        target: target.clone(),
        body,
        expected: Expected::Status(413),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_holds_each_kind_as_often_as_its_weight() {
        let mix = Mix::new("t0k3n", Weights::LOADTEST).unwrap();
        assert_eq!(mix.schedule().len(), 100);
        for kind in Kind::ALL {
            let count = mix.schedule().iter().filter(|&&k| k == kind).count();
            assert_eq!(count as u32, Weights::LOADTEST.of(kind), "{kind}");
        }
        // Shuffled: not 70 valid requests in a row.
        assert!(mix.schedule()[..20].iter().any(|&k| k != Kind::Valid));
    }

    #[test]
    fn picks_follow_the_weights_and_visit_every_request() {
        let mix = Mix::new("t0k3n", Weights::LOADTEST).unwrap();
        let mut per_kind = [0u32; 4];
        let mut seen = std::collections::HashSet::new();
        for n in 0..10_000 {
            let probe = mix.pick(n);
            per_kind[probe.kind.index()] += 1;
            seen.insert((probe.kind, probe.label.clone()));
        }
        assert_eq!(per_kind, [7_000, 1_000, 1_000, 1_000]);
        let all: usize = Kind::ALL.iter().map(|&k| mix.probes(k).len()).sum();
        assert_eq!(seen.len(), all);
    }

    #[test]
    fn valid_only_picks_only_valid_deliveries() {
        let mix = Mix::new("t0k3n", Weights::VALID_ONLY).unwrap();
        assert!((0..1000).all(|n| mix.pick(n).kind == Kind::Valid));
    }

    #[test]
    fn empty_mixes_and_tokens_are_refused() {
        let none = Weights {
            valid: 0,
            wrong_token: 0,
            malformed: 0,
            oversized: 0,
        };
        assert!(matches!(Mix::new("t", none), Err(MixError::Empty)));
        assert!(matches!(
            Mix::new("", Weights::LOADTEST),
            Err(MixError::EmptyToken)
        ));
    }

    #[test]
    fn every_request_carries_the_answer_of_its_kind() {
        let mix = Mix::new("s3cr3t+/=", Weights::LOADTEST).unwrap();
        let right = "/webhook?token=s3cr3t%2B%2F%3D";
        for probe in mix.probes(Kind::Valid) {
            assert_eq!(probe.target, right);
            assert!(matches!(probe.expected, Expected::Echo(ref t) if t.starts_with("echo: ")));
            let value: serde_json::Value = serde_json::from_slice(&probe.body).unwrap();
            let text = value["entity"]["plainText"].as_str().unwrap();
            assert_eq!(probe.expected, echo_of(text), "{}", probe.label);
            assert_ne!(value["entity"]["personType"], "bot");
        }
        assert!(mix.probes(Kind::WrongToken).len() >= 5);
        for probe in mix.probes(Kind::WrongToken) {
            assert_ne!(probe.target, right, "{}", probe.label);
            assert_eq!(probe.expected, Expected::Status(401));
        }
        assert!(mix.probes(Kind::Malformed).len() >= 5);
        for probe in mix.probes(Kind::Malformed) {
            assert_eq!(probe.target, right);
            assert_eq!(probe.expected, Expected::Status(400));
            let parsed = serde_json::from_slice::<serde_json::Value>(&probe.body);
            assert!(parsed.map_or(true, |v| !v.is_object()), "{}", probe.label);
        }
        for probe in mix.probes(Kind::Oversized) {
            assert_eq!(probe.target, right);
            assert!(probe.body.len() > BODY_LIMIT, "{}", probe.label);
            assert_eq!(probe.expected, Expected::Status(413));
            // Over the limit for its size alone: the body itself is a genuine delivery.
            assert!(serde_json::from_slice::<serde_json::Value>(&probe.body).is_ok());
        }
        let smallest = mix
            .probes(Kind::Oversized)
            .iter()
            .map(|p| p.body.len())
            .min();
        assert_eq!(smallest, Some(BODY_LIMIT + 1));
    }

    #[test]
    fn the_expected_echo_escapes_markup_like_the_sdk() {
        assert_eq!(
            echo_of("<b>a</b> & b"),
            Expected::Echo("echo: &lt;b&gt;a&lt;/b&gt; &amp; b".into())
        );
        let spec: serde_json::Value = serde_json::from_str(SPEC_TEAM_CHAT_MESSAGE).unwrap();
        assert_eq!(spec["entity"]["plainText"], "Hi! Webhook Test");
    }
}
