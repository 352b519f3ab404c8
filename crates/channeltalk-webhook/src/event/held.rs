//! [`HeldHead`]: what the event keeps of a message the probe read: where its id, chat type and
//! text lie in the body (or their decoded copies), so that the common questions are answered
//! without typing the whole message.

use std::borrow::Cow;
use std::ops::Range;

use super::probe::Head;
use super::scan::position_in;

/// A probed message's head as the event keeps it: where its parts are in the body.
#[derive(Clone, Debug)]
pub(super) struct HeldHead {
    /// The entity's JSON text.
    pub(super) entity: Piece,
    pub(super) id: Piece,
    pub(super) chat_type: Piece,
    /// `personType` is `"bot"` in any letter case (as [`Message::is_from_bot`] reads it).
    ///
    /// [`Message::is_from_bot`]: crate::model::Message::is_from_bot
    pub(super) from_bot: bool,
    pub(super) plain_text: Option<Piece>,
}

impl HeldHead {
    /// Keeps `head` and the entity's text `entity`, both slices of `body`'s text.
    pub(super) fn new(head: Head<'_>, entity: &str, body: &[u8]) -> Self {
        HeldHead {
            entity: Piece::new(Cow::Borrowed(entity), body),
            id: Piece::new(head.id, body),
            chat_type: Piece::new(head.chat_type, body),
            from_bot: head.person_type.eq_ignore_ascii_case("bot"),
            plain_text: head.plain_text.map(|text| Piece::new(text, body)),
        }
    }
}

/// A string of the body: its position when it is a slice of the body, else its own copy
/// (a JSON string with escapes, decoded).
#[derive(Clone, Debug)]
pub(super) enum Piece {
    InBody(Range<usize>),
    Owned(Box<str>),
}

impl Piece {
    fn new(text: Cow<'_, str>, body: &[u8]) -> Self {
        if let Cow::Borrowed(slice) = text {
            if let Some(range) = position_in(body, slice) {
                return Piece::InBody(range);
            }
        }
        Piece::Owned(text.into_owned().into_boxed_str())
    }

    /// The string, given the body it was taken from.
    pub(super) fn get<'a>(&'a self, body: &'a [u8]) -> &'a str {
        match self {
            Piece::InBody(range) => body
                .get(range.clone())
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .unwrap_or_default(),
            Piece::Owned(text) => text,
        }
    }
}
