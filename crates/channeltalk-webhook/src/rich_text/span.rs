//! The parsed form of rich text: [`Span`]s with a [`Style`] and an [`Inline`] each.

use std::borrow::Cow;

/// The style a [`Span`] is shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Style {
    /// Inside at least one `<b>`.
    pub bold: bool,
    /// Inside at least one `<i>`.
    pub italic: bool,
}

/// One styled piece of a parsed rich-text value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The style the piece is shown in.
    pub style: Style,
    /// What the piece is.
    pub inline: Inline,
}

impl Span {
    /// The piece as plain text: text as is, the label of a link or mention, `:name:` for an
    /// emoji, and the source `${key}` / `${key|fallback}` for a variable.
    #[must_use]
    pub fn plain_text(&self) -> Cow<'_, str> {
        match &self.inline {
            Inline::Text(text) => Cow::Borrowed(text),
            Inline::Link { label, .. } | Inline::Mention { label, .. } => Cow::Borrowed(label),
            Inline::Emoji(name) => Cow::Owned(format!(":{name}:")),
            Inline::Variable { key, fallback } => {
                Cow::Owned(variable_source(key, fallback.as_deref()))
            }
        }
    }
}

/// The content of a [`Span`]. All strings are unescaped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// A `<link type="url">`.
    Link {
        /// The link target.
        href: String,
        /// The plain text of the link's content.
        label: String,
    },
    /// A `<link>` of any type other than `url`, such as a manager or team mention.
    Mention {
        /// What is mentioned, from the link's `type`.
        kind: MentionKind,
        /// The id of what is mentioned, from the link's `value`.
        id: String,
        /// The plain text of the link's content, conventionally `@name`.
        label: String,
    },
    /// An emoji shortcode: the name without the colons.
    Emoji(String),
    /// A variable, filled in by Channel Talk when the message is shown.
    Variable {
        /// The variable's key.
        key: String,
        /// The text shown when the variable has no value.
        fallback: Option<String>,
    },
}

/// What a mention refers to: the `type` of a `<link>` other than `url`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MentionKind {
    /// `type="manager"`.
    Manager,
    /// `type="team"`.
    Team,
    /// Any other type, kept as written.
    Other(String),
}

impl MentionKind {
    /// The link `type` this kind is written as.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            MentionKind::Manager => "manager",
            MentionKind::Team => "team",
            MentionKind::Other(other) => other,
        }
    }

    pub(super) fn from_type(link_type: &str) -> Self {
        if link_type.eq_ignore_ascii_case("manager") {
            MentionKind::Manager
        } else if link_type.eq_ignore_ascii_case("team") {
            MentionKind::Team
        } else {
            MentionKind::Other(link_type.to_owned())
        }
    }
}

pub(super) fn variable_source(key: &str, fallback: Option<&str>) -> String {
    match fallback {
        Some(fallback) => format!("${{{key}|{fallback}}}"),
        None => format!("${{{key}}}"),
    }
}
