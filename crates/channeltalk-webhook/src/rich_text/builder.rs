//! [`RichText`]: building values where every plain string is escaped.

use std::borrow::Cow;
use std::fmt;

use serde::{Serialize, Serializer};

use super::escape::*;
use super::parse::*;
use super::span::*;

/// Why a [`RichText`] piece could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RichTextError {
    /// The emoji name was empty or had a character outside `A-Z a-z 0-9 - + _`.
    #[error(
        "invalid emoji name {name:?}: must be non-empty and use only ASCII letters, digits, `-`, `+` and `_`"
    )]
    InvalidEmojiName {
        /// The rejected name.
        name: String,
    },
    /// The variable key was empty or contained `{`, `}` or `|`.
    #[error(
        "invalid variable key {key:?}: must be non-empty and must not contain `{{`, `}}` or `|`"
    )]
    InvalidVariableKey {
        /// The rejected key.
        key: String,
    },
    /// The variable fallback contained `}`.
    #[error("invalid variable fallback {fallback:?}: must not contain `}}`")]
    InvalidVariableFallback {
        /// The rejected fallback.
        fallback: String,
    },
    /// The link target is not an absolute `http`, `https`, `mailto` or `tel` URL.
    #[error(
        "unsafe link target {href:?}: must be an absolute http, https, mailto or tel URL \
         (use `link_unchecked` for a target you trust)"
    )]
    UnsafeLinkTarget {
        /// The rejected target.
        href: String,
    },
}

/// The link schemes [`RichText::link`] accepts.
pub const SAFE_LINK_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// Whether `href` is an absolute URL with one of the [`SAFE_LINK_SCHEMES`] (any letter case).
fn has_safe_scheme(href: &str) -> bool {
    href.split_once(':').is_some_and(|(scheme, _)| {
        SAFE_LINK_SCHEMES
            .iter()
            .any(|safe| scheme.eq_ignore_ascii_case(safe))
    })
}

/// A rich-text value, built by appending pieces; always well-formed markup unless
/// [`RichText::raw`] or [`RichText::push_raw`] put something else in.
///
/// Every `&str` given to a builder method is escaped, so user text cannot inject links,
/// mentions or styles. A `RichText` is not a `&str`: appending one goes through
/// [`RichText::append`] (or any method taking `impl Into<RichText>`), never through
/// [`RichText::text`], so markup cannot be escaped twice by accident. Link targets are limited
/// to [`SAFE_LINK_SCHEMES`] unless the caller opts out with [`RichText::link_unchecked`]. `From<&str>`, `From<String>`, `From<&String>` and `From<char>` escape
/// too, which is what lets `bold("text")` take plain text. Colons and `${` are not escaped (see
/// the [module docs](super)).
///
/// ```
/// use channeltalk_webhook::rich_text::{RichText, RichTextError};
///
/// let message = RichText::new()
///     .text("Hi ")
///     .bold(RichText::new().italic("dear"))
///     .text(" ")
///     .variable("name", Some("there"))?
///     .text(", see ")
///     .link("https://docs.channel.io/?a=1&b=2", "the docs")?
///     .text(" ")
///     .emoji("+1")?;
///
/// assert_eq!(
///     message.as_str(),
///     "Hi <b><i>dear</i></b> ${name|there}, see \
///      <link type=\"url\" value=\"https://docs.channel.io/?a=1&amp;b=2\">the docs</link> :+1:"
/// );
/// assert_eq!(message.to_plain_text(), "Hi dear ${name|there}, see the docs :+1:");
/// # Ok::<(), RichTextError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct RichText(String);

impl RichText {
    /// An empty value.
    pub fn new() -> Self {
        RichText(String::new())
    }

    /// A value holding `text`, escaped.
    pub fn plain(text: impl AsRef<str>) -> Self {
        RichText(escape(text.as_ref()).into_owned())
    }

    /// A value holding `markup` as is, without escaping.
    ///
    /// Only for markup the caller trusts, such as a value received from Channel Talk. Passing
    /// user input here lets it inject links, mentions and unbalanced tags.
    pub fn raw(markup: impl Into<String>) -> Self {
        RichText(markup.into())
    }

    /// Appends `text`, escaped. A [`RichText`] is refused here (it would be escaped twice);
    /// append it with [`RichText::append`]:
    ///
    /// ```compile_fail
    /// use channeltalk_webhook::rich_text::RichText;
    ///
    /// let bold = RichText::new().bold("hi");
    /// let twice = RichText::new().text(&bold); // does not compile: not a `&str`
    /// ```
    pub fn text(self, text: impl AsRef<str>) -> Self {
        self.push(&escape(text.as_ref()))
    }

    /// Appends `markup` as is, without escaping; the same caveat as [`RichText::raw`] applies.
    pub fn push_raw(self, markup: impl AsRef<str>) -> Self {
        self.push(markup.as_ref())
    }

    /// Appends `<b>inner</b>`. A `&str` is escaped.
    pub fn bold(self, inner: impl Into<RichText>) -> Self {
        self.wrap("<b>", inner.into().as_str(), "</b>")
    }

    /// Appends `<i>inner</i>`. A `&str` is escaped.
    pub fn italic(self, inner: impl Into<RichText>) -> Self {
        self.wrap("<i>", inner.into().as_str(), "</i>")
    }

    /// Appends `<link type="url" value="href">label</link>`, `href` escaped, when `href` is
    /// an absolute URL with a safe scheme ([`SAFE_LINK_SCHEMES`]: `http`, `https`, `mailto`,
    /// `tel`); anything else (`javascript:`, `data:`, a relative path) is refused.
    ///
    /// Links cannot nest: a label that itself contains a link or mention is reduced to its
    /// plain text.
    ///
    /// ```
    /// use channeltalk_webhook::rich_text::RichText;
    ///
    /// assert!(RichText::new().link("https://channel.io", "Channel").is_ok());
    /// assert!(RichText::new().link("javascript:alert(1)", "click").is_err());
    /// ```
    pub fn link(
        self,
        href: impl AsRef<str>,
        label: impl Into<RichText>,
    ) -> Result<Self, RichTextError> {
        let href = href.as_ref();
        if !has_safe_scheme(href) {
            return Err(RichTextError::UnsafeLinkTarget { href: href.into() });
        }
        Ok(self.link_unchecked(href, label))
    }

    /// [`RichText::link`] with any target (still escaped): the opt-out, for targets you
    /// trust, such as a custom app scheme.
    pub fn link_unchecked(self, href: impl AsRef<str>, label: impl Into<RichText>) -> Self {
        let label = label.into();
        let label = if contains_link_markup(label.as_str()) {
            RichText::plain(label.to_plain_text())
        } else {
            label
        };
        self.link_tag("url", href.as_ref(), label.as_str())
    }

    /// Appends a manager mention `<link type="manager" value="id">label</link>`, both escaped.
    /// Channel Talk writes the label as `@name`; it is used as given.
    pub fn mention_manager(self, manager_id: impl AsRef<str>, label: impl AsRef<str>) -> Self {
        self.link_tag("manager", manager_id.as_ref(), &escape(label.as_ref()))
    }

    /// Appends a team mention `<link type="team" value="id">label</link>`, both escaped.
    /// Channel Talk writes the label as `@name`; it is used as given.
    pub fn mention_team(self, team_id: impl AsRef<str>, label: impl AsRef<str>) -> Self {
        self.link_tag("team", team_id.as_ref(), &escape(label.as_ref()))
    }

    /// Appends the emoji shortcode `:name:`.
    ///
    /// # Errors
    ///
    /// [`RichTextError::InvalidEmojiName`] unless `name` is non-empty ASCII letters, digits,
    /// `-`, `+` and `_`.
    pub fn emoji(self, name: &str) -> Result<Self, RichTextError> {
        if !is_valid_emoji_name(name) {
            return Err(RichTextError::InvalidEmojiName {
                name: name.to_owned(),
            });
        }
        Ok(self.push(":").push(name).push(":"))
    }

    /// Appends the variable `${key}`, or `${key|fallback}` with a fallback; both are escaped.
    ///
    /// # Errors
    ///
    /// [`RichTextError::InvalidVariableKey`] if `key` is empty or contains `{`, `}` or `|`;
    /// [`RichTextError::InvalidVariableFallback`] if `fallback` contains `}`.
    pub fn variable(self, key: &str, fallback: Option<&str>) -> Result<Self, RichTextError> {
        if key.is_empty() || key.contains(['{', '}', '|']) {
            return Err(RichTextError::InvalidVariableKey {
                key: key.to_owned(),
            });
        }
        if let Some(fallback) = fallback.filter(|fallback| fallback.contains('}')) {
            return Err(RichTextError::InvalidVariableFallback {
                fallback: fallback.to_owned(),
            });
        }
        let fallback = fallback.map(escape);
        Ok(self.push(&variable_source(&escape(key), fallback.as_deref())))
    }

    /// Appends another value. A `&str` is escaped.
    pub fn append(self, other: impl Into<RichText>) -> Self {
        self.push(other.into().as_str())
    }

    /// The markup.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, as an owned string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the markup is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value parsed into spans, as by [`parse`].
    #[must_use]
    pub fn spans(&self) -> Vec<Span> {
        parse(&self.0)
    }

    /// The value's plain text, as by [`to_plain_text`](fn@to_plain_text).
    #[must_use]
    pub fn to_plain_text(&self) -> String {
        to_plain_text(&self.0)
    }

    fn push(mut self, markup: &str) -> Self {
        self.0.push_str(markup);
        self
    }

    fn wrap(self, open: &str, inner: &str, close: &str) -> Self {
        self.push(open).push(inner).push(close)
    }

    fn link_tag(self, link_type: &str, value: &str, label: &str) -> Self {
        self.push("<link type=\"")
            .push(link_type)
            .push("\" value=\"")
            .push(&escape_attribute(value))
            .push("\">")
            .push(label)
            .push(CLOSE_LINK)
    }
}

pub(super) fn contains_link_markup(markup: &str) -> bool {
    markup.match_indices('<').any(|(at, _)| {
        let rest = &markup[at..];
        starts_with_ignore_case(rest, "<link") || starts_with_ignore_case(rest, "</link")
    })
}

impl From<&str> for RichText {
    /// Escaped plain text.
    fn from(text: &str) -> Self {
        RichText::plain(text)
    }
}

impl From<String> for RichText {
    /// Escaped plain text.
    fn from(text: String) -> Self {
        match escape(&text) {
            Cow::Borrowed(_) => RichText(text),
            Cow::Owned(escaped) => RichText(escaped),
        }
    }
}

impl From<&String> for RichText {
    /// Escaped plain text.
    fn from(text: &String) -> Self {
        RichText::plain(text)
    }
}

impl From<Cow<'_, str>> for RichText {
    /// Escaped plain text (what [`Event::text`](crate::Event::text) returns).
    fn from(text: Cow<'_, str>) -> Self {
        match text {
            Cow::Borrowed(text) => RichText::from(text),
            Cow::Owned(text) => RichText::from(text),
        }
    }
}

impl From<char> for RichText {
    /// Escaped plain text.
    fn from(character: char) -> Self {
        RichText::plain(character.encode_utf8(&mut [0; 4]))
    }
}

impl From<RichText> for String {
    fn from(text: RichText) -> Self {
        text.0
    }
}

impl fmt::Display for RichText {
    /// Writes the markup.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RichText {
    /// Serializes as the markup string.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}
