//! [`ChannelView`]: a response read the way Channel reads it.

use serde_json::Value;

use crate::model::Block;

/// What Channel makes of a response: failure or not, quick reply or not, and what it posts.
#[derive(Clone, Debug)]
pub struct ChannelView {
    status: u16,
    quick_reply: bool,
    bot_name: Option<Vec<u8>>,
    body: Vec<u8>,
}

impl ChannelView {
    /// From a status, the headers as `(name, value bytes)` and the body.
    pub fn new<'a>(
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        body: &[u8],
    ) -> Self {
        let mut view = ChannelView {
            status,
            quick_reply: false,
            bot_name: None,
            body: body.to_vec(),
        };
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("x-quick-reply") {
                view.quick_reply = value.eq_ignore_ascii_case(b"true");
            } else if name.eq_ignore_ascii_case("x-bot-name") {
                view.bot_name = Some(value.to_vec());
            }
        }
        view
    }

    /// From an `http` response.
    pub fn from_response(response: &http::Response<bytes::Bytes>) -> Self {
        Self::new(
            response.status().as_u16(),
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
            response.body(),
        )
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether Channel counts this as a failed delivery (any 4xx or 5xx; 100 in a row block
    /// the webhook).
    pub fn is_failure(&self) -> bool {
        self.status >= 400
    }

    /// Whether Channel posts the body into the chat: 200 with `x-quick-reply: true`.
    pub fn is_quick_reply(&self) -> bool {
        self.status == 200 && self.quick_reply
    }

    /// The bot name, decoded as UTF-8.
    pub fn bot_name(&self) -> Option<String> {
        self.bot_name
            .as_ref()
            .map(|name| String::from_utf8_lossy(name).into_owned())
    }

    /// The posted blocks (empty when not a quick reply or not `{"blocks":[…]}`).
    pub fn blocks(&self) -> Vec<Block> {
        if !self.is_quick_reply() {
            return Vec::new();
        }
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|mut body| serde_json::from_value(body.get_mut("blocks")?.take()).ok())
            .unwrap_or_default()
    }

    /// The plain text of each posted block, markup removed.
    pub fn texts(&self) -> Vec<String> {
        self.blocks()
            .iter()
            .map(|block| block.plain_text().into_owned())
            .collect()
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}
