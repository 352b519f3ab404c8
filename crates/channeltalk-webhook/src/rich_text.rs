//! Rich text inside Channel Talk message blocks.
//!
//! A message block of type `"text"` carries its content as a small markup language in its
//! `value`. This module escapes text for that markup, parses a value into styled [`Span`]s
//! (tolerantly: malformed markup becomes literal text, nothing is ever lost), extracts the
//! plain text, and builds values safely with [`RichText`].
//!
//! # Grammar
//!
//! | markup                                        | meaning                          |
//! |-----------------------------------------------|----------------------------------|
//! | `<b>…</b>`, `<i>…</i>`                        | bold, italic (nestable)          |
//! | `:name:`                                      | emoji shortcode (`[A-Za-z0-9_+-]+`) |
//! | `<link type="url" value="HREF">label</link>`  | link                             |
//! | `<link type="manager" value="ID">@name</link>`| mention (also `type="team"`)     |
//! | `${key}`, `${key\|fallback}`                  | variable with optional fallback  |
//! | `&amp;` `&lt;` `&gt;` `&quot;`                | escaped `&` `<` `>` `"`          |
//!
//! Plain text must escape `&`, `<` and `>`; attribute values also escape `"`. Text that is
//! inserted without escaping can inject links and mentions, so every `&str` given to
//! [`RichText`] is escaped unless it goes through [`RichText::raw`] or [`RichText::push_raw`].
//!
//! Colons and `${` are not escaped: a `:name:` or `${key}` inside text reads as an emoji or a
//! variable. Their plain text is their source, so [`to_plain_text`] of escaped text always
//! gives back the original text.
//!
//! ```
//! use channeltalk_webhook::rich_text::{self, RichText};
//!
//! let value = RichText::new().text("Hello ").bold("<world>");
//! assert_eq!(value.as_str(), "Hello <b>&lt;world&gt;</b>");
//! assert_eq!(rich_text::to_plain_text(value.as_str()), "Hello <world>");
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::{Serialize, Serializer};

// ---------------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------------

/// Escapes `&`, `<` and `>` so that `text` reads as plain text inside a rich-text value.
///
/// Returns the input unchanged (borrowed) when there is nothing to escape.
///
/// ```
/// use channeltalk_webhook::rich_text::escape;
/// use std::borrow::Cow;
///
/// assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
/// assert!(matches!(escape("nothing to do"), Cow::Borrowed(_)));
/// ```
#[must_use]
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_with(text, text_entity)
}

/// Escapes `&`, `<`, `>` and `"` so that `text` can sit inside a double-quoted attribute value.
///
/// Returns the input unchanged (borrowed) when there is nothing to escape.
#[must_use]
pub fn escape_attribute(text: &str) -> Cow<'_, str> {
    escape_with(text, attribute_entity)
}

fn text_entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        _ => None,
    }
}

fn attribute_entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'"' => Some("&quot;"),
        other => text_entity(other),
    }
}

fn escape_with(text: &str, entity: fn(u8) -> Option<&'static str>) -> Cow<'_, str> {
    let Some(first) = text.bytes().position(|byte| entity(byte).is_some()) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    for (index, byte) in text.bytes().enumerate().skip(first) {
        if let Some(replacement) = entity(byte) {
            out.push_str(&text[copied..index]);
            out.push_str(replacement);
            copied = index + 1;
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Decodes the entities `&amp;` `&lt;` `&gt;` `&quot;` `&apos;`, decimal `&#NN;` and
/// hexadecimal `&#xHH;`.
///
/// Unknown or invalid entities (such as `&nbsp;`, `&#0;` or a surrogate code point) and a lone
/// `&` stay as they are. Returns the input unchanged (borrowed) when nothing is decoded.
///
/// ```
/// use channeltalk_webhook::rich_text::unescape;
///
/// assert_eq!(unescape("&lt;b&gt; &amp;amp; &#65;&#x42; &nbsp;"), "<b> &amp; AB &nbsp;");
/// ```
#[must_use]
pub fn unescape(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut search = 0;
    while let Some(offset) = text[search..].find('&') {
        let at = search + offset;
        match decode_entity(&text[at..]) {
            Some((decoded, len)) => {
                let buffer = out.get_or_insert_with(|| String::with_capacity(text.len()));
                buffer.push_str(&text[copied..at]);
                buffer.push(decoded);
                copied = at + len;
                search = copied;
            }
            None => search = at + 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buffer) => {
            buffer.push_str(&text[copied..]);
            Cow::Owned(buffer)
        }
    }
}

/// Longest entity body (between `&` and `;`) worth looking at.
const MAX_ENTITY_BODY: usize = 32;

/// Decodes the entity at the start of `text` (which starts with `&`): the character and the
/// entity's length in bytes.
fn decode_entity(text: &str) -> Option<(char, usize)> {
    let body_len = text
        .bytes()
        .skip(1)
        .take(MAX_ENTITY_BODY + 1)
        .position(|byte| byte == b';')?;
    let body = text.get(1..1 + body_len)?;
    let decoded = match body {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => decode_numeric(body)?,
    };
    Some((decoded, body_len + 2))
}

/// Decodes `#NN` or `#xHH` (the body of a numeric character reference).
fn decode_numeric(body: &str) -> Option<char> {
    let number = body.strip_prefix('#')?;
    let (digits, radix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    let valid_digits = !digits.is_empty() && digits.chars().all(|digit| digit.is_digit(radix));
    if !valid_digits {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|decoded| *decoded != '\0')
}

// ---------------------------------------------------------------------------------------------
// Parsed representation
// ---------------------------------------------------------------------------------------------

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

    fn from_type(link_type: &str) -> Self {
        if link_type.eq_ignore_ascii_case("manager") {
            MentionKind::Manager
        } else if link_type.eq_ignore_ascii_case("team") {
            MentionKind::Team
        } else {
            MentionKind::Other(link_type.to_owned())
        }
    }
}

fn variable_source(key: &str, fallback: Option<&str>) -> String {
    match fallback {
        Some(fallback) => format!("${{{key}|{fallback}}}"),
        None => format!("${{{key}}}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses a rich-text value into styled spans.
///
/// Parsing never fails and never drops text: markup it does not understand (unknown tags, a
/// stray `<` or closing tag, a `<link>` without `type`, `value` or `</link>`, an invalid emoji
/// or variable) stays as literal text. An unclosed `<b>` or `<i>` lasts to the end of the
/// value. Entities are decoded everywhere; adjacent text of the same style is merged into one
/// span, and no text span is empty.
///
/// ```
/// use channeltalk_webhook::rich_text::{parse, Inline, Span, Style};
///
/// let bold = Style { bold: true, italic: false };
/// assert_eq!(
///     parse("Hi <b>you</b> :wave: <u>&amp;</u>"),
///     vec![
///         Span { style: Style::default(), inline: Inline::Text("Hi ".into()) },
///         Span { style: bold, inline: Inline::Text("you".into()) },
///         Span { style: Style::default(), inline: Inline::Text(" ".into()) },
///         Span { style: Style::default(), inline: Inline::Emoji("wave".into()) },
///         Span { style: Style::default(), inline: Inline::Text(" <u>&</u>".into()) },
///     ]
/// );
/// ```
#[must_use]
pub fn parse(value: &str) -> Vec<Span> {
    Parser::new(value).run()
}

/// The plain text of a rich-text value: markup removed, entities decoded.
///
/// Links and mentions become their label, emoji `:name:`, and variables their source
/// `${key}` / `${key|fallback}`. It is the concatenation of [`Span::plain_text`] over
/// [`parse`], so `to_plain_text(&escape(s)) == s` for every `s`.
///
/// ```
/// use channeltalk_webhook::rich_text::to_plain_text;
///
/// let value = r#"<b>Hi</b> <link type="manager" value="42">@Ann</link> &lt;3 :+1:"#;
/// assert_eq!(to_plain_text(value), "Hi @Ann <3 :+1:");
/// ```
#[must_use]
pub fn to_plain_text(value: &str) -> String {
    parse(value).iter().map(Span::plain_text).collect()
}

const CLOSE_LINK: &str = "</link>";

#[derive(Clone, Copy)]
enum StyleTag {
    Bold,
    Italic,
}

enum Token {
    Open(StyleTag),
    Close(StyleTag),
    Inline(Inline),
}

/// What the scanner found at a markup character.
enum Scan {
    /// A token ending at the given byte position.
    Token(Token, usize),
    /// No token: literal text up to the given byte position.
    Literal(usize),
}

/// Left-to-right scanner. Text between tokens is collected lazily from `text_start`.
struct Parser<'a> {
    src: &'a str,
    text_start: usize,
    bold_depth: usize,
    italic_depth: usize,
    spans: Vec<Span>,
    link_close: ForwardSearch,
    fallback_end: ForwardSearch,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            text_start: 0,
            bold_depth: 0,
            italic_depth: 0,
            spans: Vec::new(),
            link_close: ForwardSearch::default(),
            fallback_end: ForwardSearch::default(),
        }
    }

    fn run(mut self) -> Vec<Span> {
        let mut pos = 0;
        while let Some(offset) = self.src[pos..].find(['<', ':', '$']) {
            let at = pos + offset;
            pos = match self.scan(at) {
                Scan::Token(token, end) => {
                    self.flush_text(at);
                    self.apply(token);
                    self.text_start = end;
                    end
                }
                Scan::Literal(end) => end,
            };
        }
        self.flush_text(self.src.len());
        self.spans
    }

    fn style(&self) -> Style {
        Style {
            bold: self.bold_depth > 0,
            italic: self.italic_depth > 0,
        }
    }

    fn flush_text(&mut self, end: usize) {
        let raw = &self.src[self.text_start..end];
        if !raw.is_empty() {
            let text = unescape(raw).into_owned();
            self.push(Inline::Text(text));
        }
    }

    fn apply(&mut self, token: Token) {
        match token {
            Token::Open(StyleTag::Bold) => self.bold_depth += 1,
            Token::Open(StyleTag::Italic) => self.italic_depth += 1,
            Token::Close(StyleTag::Bold) => self.bold_depth = self.bold_depth.saturating_sub(1),
            Token::Close(StyleTag::Italic) => {
                self.italic_depth = self.italic_depth.saturating_sub(1);
            }
            Token::Inline(inline) => self.push(inline),
        }
    }

    /// Appends a span, merging text into a preceding text span of the same style.
    fn push(&mut self, inline: Inline) {
        let style = self.style();
        if let Inline::Text(text) = &inline {
            if text.is_empty() {
                return;
            }
            if let Some(Span {
                style: last_style,
                inline: Inline::Text(last),
            }) = self.spans.last_mut()
            {
                if *last_style == style {
                    last.push_str(text);
                    return;
                }
            }
        }
        self.spans.push(Span { style, inline });
    }

    fn scan(&mut self, at: usize) -> Scan {
        let literal = Scan::Literal(at + 1);
        let found = match self.src.as_bytes().get(at) {
            Some(b'<') => return self.scan_tag(at),
            Some(b':') => emoji_at(self.src, at),
            Some(b'$') => self.variable_at(at),
            _ => None,
        };
        found.map_or(literal, |(inline, end)| {
            Scan::Token(Token::Inline(inline), end)
        })
    }

    fn scan_tag(&mut self, at: usize) -> Scan {
        let rest = &self.src[at..];
        let tags = [
            ("<b>", Token::Open(StyleTag::Bold)),
            ("<i>", Token::Open(StyleTag::Italic)),
            ("</b>", Token::Close(StyleTag::Bold)),
            ("</i>", Token::Close(StyleTag::Italic)),
        ];
        for (pattern, token) in tags {
            if starts_with_ignore_case(rest, pattern) && self.accepts(&token) {
                return Scan::Token(token, at + pattern.len());
            }
        }
        if starts_with_ignore_case(rest, "<link") {
            return self.scan_link(at);
        }
        Scan::Literal(at + 1)
    }

    /// A closing tag is only a tag when a matching one is open.
    fn accepts(&self, token: &Token) -> bool {
        match token {
            Token::Close(StyleTag::Bold) => self.bold_depth > 0,
            Token::Close(StyleTag::Italic) => self.italic_depth > 0,
            _ => true,
        }
    }

    /// A `<link …>label</link>`. An opening tag without a closing one is literal text as a
    /// whole, so nothing inside its attributes is read as markup.
    fn scan_link(&mut self, at: usize) -> Scan {
        let Some(open) = LinkOpenTag::parse(&self.src[at..]) else {
            return Scan::Literal(at + 1);
        };
        let content_start = at + open.len;
        let src = self.src;
        let Some(close) = self
            .link_close
            .find(content_start, |from| find_link_close(src, from))
        else {
            return Scan::Literal(content_start);
        };
        let label = to_plain_text(&src[content_start..close]);
        Scan::Token(
            Token::Inline(open.into_inline(label)),
            close + CLOSE_LINK.len(),
        )
    }

    /// `${key}` or `${key|fallback}`; the key has no `{`, `}`, `|` or `<`, the fallback no
    /// `}` or `<`.
    fn variable_at(&mut self, at: usize) -> Option<(Inline, usize)> {
        let bytes = self.src.as_bytes();
        if bytes.get(at + 1) != Some(&b'{') {
            return None;
        }
        let key_start = at + 2;
        let key_len = bytes
            .get(key_start..)?
            .iter()
            .position(|byte| matches!(byte, b'{' | b'}' | b'|' | b'<'))?;
        let key_end = key_start + key_len;
        if key_len == 0 {
            return None;
        }
        let key = unescape(&self.src[key_start..key_end]).into_owned();
        match bytes.get(key_end) {
            Some(b'}') => Some((
                Inline::Variable {
                    key,
                    fallback: None,
                },
                key_end + 1,
            )),
            Some(b'|') => {
                let fallback_start = key_end + 1;
                let src = self.src;
                let fallback_end = self.fallback_end.find(fallback_start, |from| {
                    find_byte(src, from, |byte| matches!(byte, b'}' | b'<'))
                })?;
                if bytes.get(fallback_end) != Some(&b'}') {
                    return None;
                }
                let fallback = unescape(&self.src[fallback_start..fallback_end]).into_owned();
                let variable = Inline::Variable {
                    key,
                    fallback: Some(fallback),
                };
                Some((variable, fallback_end + 1))
            }
            _ => None,
        }
    }
}

/// `:name:` at `at` (which holds a colon).
fn emoji_at(src: &str, at: usize) -> Option<(Inline, usize)> {
    let name_start = at + 1;
    let name_len = src
        .as_bytes()
        .get(name_start..)?
        .iter()
        .take_while(|byte| is_emoji_name_byte(**byte))
        .count();
    let name_end = name_start + name_len;
    let closed = src.as_bytes().get(name_end) == Some(&b':');
    (name_len > 0 && closed).then(|| {
        (
            Inline::Emoji(src[name_start..name_end].to_owned()),
            name_end + 1,
        )
    })
}

fn is_emoji_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'+' | b'_')
}

fn is_valid_emoji_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_emoji_name_byte)
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn find_link_close(src: &str, from: usize) -> Option<usize> {
    let mut search = from;
    while let Some(offset) = src.get(search..)?.find("</") {
        let at = search + offset;
        if starts_with_ignore_case(&src[at..], CLOSE_LINK) {
            return Some(at);
        }
        search = at + 2;
    }
    None
}

fn find_byte(src: &str, from: usize, wanted: impl Fn(u8) -> bool) -> Option<usize> {
    let offset = src
        .as_bytes()
        .get(from..)?
        .iter()
        .position(|byte| wanted(*byte))?;
    Some(from + offset)
}

/// Remembers the last forward search so that repeated searches from increasing positions stay
/// linear overall (input such as `<link …><link …><link …>` without any `</link>`).
#[derive(Default)]
struct ForwardSearch {
    last: Option<(usize, Option<usize>)>,
}

impl ForwardSearch {
    /// The first match at or after `from`. `search` must return the first match at or after
    /// the position it is given.
    fn find(&mut self, from: usize, search: impl FnOnce(usize) -> Option<usize>) -> Option<usize> {
        if let Some((searched_from, found)) = self.last {
            let still_first = found.is_none_or(|at| at >= from);
            if searched_from <= from && still_first {
                return found;
            }
        }
        let found = search(from);
        self.last = Some((from, found));
        found
    }
}

/// The opening tag `<link type="…" value="…">`.
struct LinkOpenTag {
    link_type: String,
    value: String,
    /// Length of the tag in bytes, `>` included.
    len: usize,
}

impl LinkOpenTag {
    /// Parses the tag at the start of `text`. Attributes come in any order, double- or
    /// single-quoted, separated by whitespace; unknown attributes are ignored and the first of
    /// a repeated attribute wins. `type` and `value` are required.
    fn parse(text: &str) -> Option<Self> {
        let mut cursor = Cursor {
            bytes: text.as_bytes(),
            pos: "<link".len(),
        };
        let mut link_type = None;
        let mut value = None;
        loop {
            let separated = cursor.skip_whitespace();
            if cursor.eat(b'>') {
                break;
            }
            if !separated {
                return None;
            }
            let (name, raw) = cursor.attribute()?;
            let slot = if name.eq_ignore_ascii_case(b"type") {
                &mut link_type
            } else if name.eq_ignore_ascii_case(b"value") {
                &mut value
            } else {
                continue;
            };
            slot.get_or_insert(raw);
        }
        let decode = |raw: &[u8]| std::str::from_utf8(raw).map(|raw| unescape(raw).into_owned());
        Some(LinkOpenTag {
            link_type: decode(link_type?).ok()?,
            value: decode(value?).ok()?,
            len: cursor.pos,
        })
    }

    fn into_inline(self, label: String) -> Inline {
        if self.link_type.eq_ignore_ascii_case("url") {
            Inline::Link {
                href: self.value,
                label,
            }
        } else {
            Inline::Mention {
                kind: MentionKind::from_type(&self.link_type),
                id: self.value,
                label,
            }
        }
    }
}

/// A byte cursor over an opening tag.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Skips whitespace; whether there was any.
    fn skip_whitespace(&mut self) -> bool {
        let start = self.pos;
        self.take_while(|byte| byte.is_ascii_whitespace());
        self.pos > start
    }

    fn take_while(&mut self, accept: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&accept) {
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    /// `name = "value"` (or single-quoted): the name and the raw value. The value may not
    /// contain `<`, which keeps a broken tag from swallowing the markup after it.
    fn attribute(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        let name =
            self.take_while(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if name.is_empty() {
            return None;
        }
        self.skip_whitespace();
        if !self.eat(b'=') {
            return None;
        }
        self.skip_whitespace();
        let quote = self.peek().filter(|byte| matches!(byte, b'"' | b'\''))?;
        self.pos += 1;
        let value = self.take_while(|byte| byte != quote && byte != b'<');
        self.eat(quote).then_some((name, value))
    }
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

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
}

/// A rich-text value, built by appending pieces; always well-formed markup unless
/// [`RichText::raw`] or [`RichText::push_raw`] put something else in.
///
/// Every `&str` given to a builder method is escaped, so user text cannot inject links,
/// mentions or styles. `From<&str>`, `From<String>`, `From<&String>` and `From<char>` escape
/// too, which is what lets `bold("text")` take plain text. Colons and `${` are not escaped (see
/// the [module docs](self)).
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
///     .link("https://docs.channel.io/?a=1&b=2", "the docs")
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

    /// Appends `text`, escaped.
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

    /// Appends `<link type="url" value="href">label</link>`, `href` escaped.
    ///
    /// Links cannot nest: a label that itself contains a link or mention is reduced to its
    /// plain text.
    pub fn link(self, href: impl AsRef<str>, label: impl Into<RichText>) -> Self {
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

fn contains_link_markup(markup: &str) -> bool {
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

impl AsRef<str> for RichText {
    fn as_ref(&self) -> &str {
        &self.0
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PLAIN: Style = Style {
        bold: false,
        italic: false,
    };
    const BOLD: Style = Style {
        bold: true,
        italic: false,
    };
    const ITALIC: Style = Style {
        bold: false,
        italic: true,
    };
    const BOLD_ITALIC: Style = Style {
        bold: true,
        italic: true,
    };

    fn span(style: Style, inline: Inline) -> Span {
        Span { style, inline }
    }

    fn text(style: Style, text: &str) -> Span {
        span(style, Inline::Text(text.to_owned()))
    }

    fn literal(value: &str) -> Vec<Span> {
        vec![text(PLAIN, value)]
    }

    fn link(href: &str, label: &str) -> Inline {
        Inline::Link {
            href: href.to_owned(),
            label: label.to_owned(),
        }
    }

    fn mention(kind: MentionKind, id: &str, label: &str) -> Inline {
        Inline::Mention {
            kind,
            id: id.to_owned(),
            label: label.to_owned(),
        }
    }

    fn variable(key: &str, fallback: Option<&str>) -> Inline {
        Inline::Variable {
            key: key.to_owned(),
            fallback: fallback.map(str::to_owned),
        }
    }

    fn emoji(name: &str) -> Inline {
        Inline::Emoji(name.to_owned())
    }

    fn joined_plain_text(spans: &[Span]) -> String {
        spans.iter().map(Span::plain_text).collect()
    }

    // ----- escaping -----------------------------------------------------------------------

    #[test]
    fn escape_replaces_markup_characters() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;\"c'");
        assert_eq!(escape_attribute("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c'");
    }

    #[test]
    fn escape_borrows_when_nothing_changes() {
        assert!(matches!(escape("안녕 :+1: ${x}"), Cow::Borrowed(_)));
        assert!(matches!(
            escape_attribute("https://e.com/?a=1"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(escape(""), Cow::Borrowed("")));
        assert!(matches!(escape("\""), Cow::Borrowed("\"")));
    }

    #[test]
    fn unescape_decodes_known_entities() {
        assert_eq!(unescape("&amp;&lt;&gt;&quot;&apos;"), "&<>\"'");
        assert_eq!(unescape("&#65;&#x42;&#X43;&#0068;&#x1F600;"), "ABCD😀");
        assert_eq!(unescape("&#54620;&#xAE00;"), "한글");
    }

    #[test]
    fn unescape_keeps_unknown_and_invalid_entities() {
        for kept in [
            "&",
            "&;",
            "&amp",
            "& amp;",
            "&nbsp;",
            "&AMP;",
            "&#;",
            "&#x;",
            "&#0;",
            "&#xD800;",
            "&#1114112;",
            "&#99999999999999999999;",
            "&#+65;",
            "&#x+41;",
            "&#-1;",
            "&#12a;",
            "&#xG;",
            "&#６５;",
        ] {
            assert_eq!(unescape(kept), kept, "{kept:?}");
        }
        assert!(matches!(unescape("a & b &nbsp;"), Cow::Borrowed(_)));
    }

    #[test]
    fn unescape_is_single_pass() {
        assert_eq!(unescape("&amp;lt;"), "&lt;");
        assert_eq!(unescape("&&amp;&"), "&&&");
        assert_eq!(unescape("&#38;amp;"), "&amp;");
    }

    // ----- parsing: the spec examples -------------------------------------------------------

    #[test]
    fn parses_bold_and_emoji() {
        assert_eq!(
            parse("Hello <b>bold</b> :+1:"),
            vec![
                text(PLAIN, "Hello "),
                text(BOLD, "bold"),
                text(PLAIN, " "),
                span(PLAIN, emoji("+1")),
            ]
        );
    }

    #[test]
    fn parses_link() {
        assert_eq!(
            parse(r#"See <link type="url" value="https://e.com/?a=1&amp;b=2">the docs</link>."#),
            vec![
                text(PLAIN, "See "),
                span(PLAIN, link("https://e.com/?a=1&b=2", "the docs")),
                text(PLAIN, "."),
            ]
        );
    }

    #[test]
    fn parses_manager_mention() {
        assert_eq!(
            parse(r#"<link type="manager" value="12345">@Alice</link> hi"#),
            vec![
                span(PLAIN, mention(MentionKind::Manager, "12345", "@Alice")),
                text(PLAIN, " hi"),
            ]
        );
    }

    #[test]
    fn parses_team_mention() {
        assert_eq!(
            parse(r#"<link type="team" value="7">@Support</link>"#),
            vec![span(PLAIN, mention(MentionKind::Team, "7", "@Support"))]
        );
    }

    #[test]
    fn other_link_types_are_mentions_of_that_kind() {
        let spans = parse(r#"<link type="bot" value="b1">@Bot</link>"#);
        let kind = MentionKind::Other("bot".to_owned());
        assert_eq!(
            spans,
            vec![span(PLAIN, mention(kind.clone(), "b1", "@Bot"))]
        );
        assert_eq!(kind.as_str(), "bot");
        assert_eq!(MentionKind::Manager.as_str(), "manager");
        assert_eq!(MentionKind::Team.as_str(), "team");
    }

    #[test]
    fn parses_variables() {
        assert_eq!(
            parse("Hi ${name|there}, ${plan}!"),
            vec![
                text(PLAIN, "Hi "),
                span(PLAIN, variable("name", Some("there"))),
                text(PLAIN, ", "),
                span(PLAIN, variable("plan", None)),
                text(PLAIN, "!"),
            ]
        );
        assert_eq!(
            parse("${k|}${k|a|b{c}"),
            vec![
                span(PLAIN, variable("k", Some(""))),
                span(PLAIN, variable("k", Some("a|b{c"))),
            ]
        );
        assert_eq!(
            parse("${a&amp;b|&lt;x&gt;}"),
            vec![span(PLAIN, variable("a&b", Some("<x>")))]
        );
    }

    #[test]
    fn parses_nested_styles() {
        assert_eq!(parse("<b><i>x</i></b>"), vec![text(BOLD_ITALIC, "x")]);
        assert_eq!(
            parse("<b>a<i>b</i>c</b>d"),
            vec![
                text(BOLD, "a"),
                text(BOLD_ITALIC, "b"),
                text(BOLD, "c"),
                text(PLAIN, "d"),
            ]
        );
        assert_eq!(
            parse("<b>a<b>b</b>c</b>d"),
            vec![text(BOLD, "abc"), text(PLAIN, "d")]
        );
    }

    #[test]
    fn parses_korean_and_japanese() {
        assert_eq!(
            parse("안녕하세요 <b>고객님</b>"),
            vec![text(PLAIN, "안녕하세요 "), text(BOLD, "고객님")]
        );
        assert_eq!(
            parse("こんにちは、<i>お客様</i>！:smile:"),
            vec![
                text(PLAIN, "こんにちは、"),
                text(ITALIC, "お客様"),
                text(PLAIN, "！"),
                span(PLAIN, emoji("smile")),
            ]
        );
        assert_eq!(
            parse(r#"<link type="manager" value="1">@김철수</link>님"#),
            vec![
                span(PLAIN, mention(MentionKind::Manager, "1", "@김철수")),
                text(PLAIN, "님"),
            ]
        );
    }

    #[test]
    fn styled_links_and_link_labels() {
        assert_eq!(
            parse(r#"<b><link type="url" value="u">go <i>now</i> :fire: &amp;</link></b>"#),
            vec![span(BOLD, link("u", "go now :fire: &"))]
        );
        assert_eq!(
            parse(r#"<link type="url" value="u"></link>"#),
            vec![span(PLAIN, link("u", ""))]
        );
    }

    #[test]
    fn empty_and_markup_only_values_have_no_text_spans() {
        assert_eq!(parse(""), vec![]);
        assert_eq!(parse("<b></b><i></i>"), vec![]);
        assert_eq!(parse("a<b></b>b"), literal("ab"));
    }

    // ----- parsing: tolerance ------------------------------------------------------------------

    #[test]
    fn unknown_tags_are_literal() {
        assert_eq!(parse("<u>x</u>"), literal("<u>x</u>"));
        assert_eq!(parse("<div>x</div>"), literal("<div>x</div>"));
        assert_eq!(parse("<b >x</b >"), literal("<b >x</b >"));
        assert_eq!(parse("<br/>"), literal("<br/>"));
        assert_eq!(parse("<linked>"), literal("<linked>"));
    }

    #[test]
    fn stray_angle_brackets_are_literal() {
        assert_eq!(parse("a < b > c"), literal("a < b > c"));
        assert_eq!(parse("<"), literal("<"));
        assert_eq!(parse("<<b>x"), vec![text(PLAIN, "<"), text(BOLD, "x")]);
    }

    #[test]
    fn stray_closing_tags_are_literal() {
        assert_eq!(parse("a</b>c"), literal("a</b>c"));
        assert_eq!(parse("</i></link>"), literal("</i></link>"));
        assert_eq!(parse("<b>x</i></b>"), vec![text(BOLD, "x</i>")]);
    }

    #[test]
    fn unclosed_styles_last_to_the_end() {
        assert_eq!(parse("a<b>b"), vec![text(PLAIN, "a"), text(BOLD, "b")]);
        assert_eq!(
            parse("<i>a<b>b</i>c"),
            vec![text(ITALIC, "a"), text(BOLD_ITALIC, "b"), text(BOLD, "c")]
        );
    }

    #[test]
    fn bad_nesting_closes_the_matching_tag() {
        assert_eq!(
            parse("<b><i>x</b>y</i>z"),
            vec![text(BOLD_ITALIC, "x"), text(ITALIC, "y"), text(PLAIN, "z")]
        );
    }

    #[test]
    fn tags_are_case_insensitive() {
        assert_eq!(
            parse("<B>x</B><I>y</i>"),
            vec![text(BOLD, "x"), text(ITALIC, "y")]
        );
        assert_eq!(
            parse(r#"<LINK TYPE="URL" VALUE="u">l</Link>"#),
            vec![span(PLAIN, link("u", "l"))]
        );
        assert_eq!(
            parse(r#"<link type="Manager" value="1">@m</link>"#),
            vec![span(PLAIN, mention(MentionKind::Manager, "1", "@m"))]
        );
    }

    #[test]
    fn link_attributes_in_any_order_and_quoting() {
        let expected = vec![span(PLAIN, link("u&v", "l"))];
        for value in [
            r#"<link value="u&amp;v" type="url">l</link>"#,
            r"<link type='url' value='u&amp;v'>l</link>",
            "<link\n  type = \"url\"\tvalue=\"u&amp;v\" >l</link>",
            r#"<link target="_blank" type="url" value="u&amp;v">l</link>"#,
            r#"<link type="url" value="u&amp;v" type="team">l</link>"#,
        ] {
            assert_eq!(parse(value), expected, "{value:?}");
        }
        assert_eq!(
            parse(r#"<link type="url" value='say "hi"'>l</link>"#),
            vec![span(PLAIN, link("say \"hi\"", "l"))]
        );
        assert_eq!(
            parse(r#"<link type="url" value="a>b">l</link>"#),
            vec![span(PLAIN, link("a>b", "l"))]
        );
    }

    #[test]
    fn malformed_link_tags_are_literal() {
        for value in [
            r#"<link value="x">y</link>"#,
            r#"<link type="url">y</link>"#,
            "<link>y</link>",
            r#"<link type=url value="x">y</link>"#,
            r#"<link type="url value="x">y</link>"#,
            r#"<link type="url" value="x>y</link>"#,
            r#"<link type="url" value='x">y</link>"#,
            r#"<link type="url"value="x">y</link>"#,
            r#"<link type="url" value="x"y</link>"#,
            r#"<link type="url" value="x" / >y</link>"#,
            r#"<linktype="url" value="x">y</link>"#,
        ] {
            assert_eq!(parse(value), literal(value), "{value:?}");
        }
        assert_eq!(
            parse(r#"<link type="url" value="x<b>">y</link>"#),
            vec![
                text(PLAIN, r#"<link type="url" value="x"#),
                text(BOLD, r#"">y</link>"#),
            ]
        );
    }

    #[test]
    fn unclosed_link_tag_is_literal_and_the_rest_is_parsed() {
        let value = r#"<link type="url" value="a:b:c">label <b>b</b> :x:"#;
        assert_eq!(
            parse(value),
            vec![
                text(PLAIN, r#"<link type="url" value="a:b:c">label "#),
                text(BOLD, "b"),
                text(PLAIN, " "),
                span(PLAIN, emoji("x")),
            ]
        );
    }

    #[test]
    fn link_label_ends_at_the_first_closing_tag() {
        let value = r#"<link type="url" value="a">x<link type="url" value="b">y</link>z</link>"#;
        assert_eq!(
            parse(value),
            vec![
                span(PLAIN, link("a", r#"x<link type="url" value="b">y"#)),
                text(PLAIN, "z</link>"),
            ]
        );
    }

    #[test]
    fn invalid_emoji_are_literal() {
        for value in [
            ":", "::", ":a", "a:", ": a:", ":a b:", ":é:", ":a.b:", ":a&b:",
        ] {
            assert_eq!(to_plain_text(value), value);
            assert!(
                parse(value)
                    .iter()
                    .all(|span| matches!(span.inline, Inline::Text(_))),
                "{value:?}"
            );
        }
        assert_eq!(
            parse("a::b:c:"),
            vec![
                text(PLAIN, "a:"),
                span(PLAIN, emoji("b")),
                text(PLAIN, "c:")
            ]
        );
        assert_eq!(
            parse("12:30:45"),
            vec![
                text(PLAIN, "12"),
                span(PLAIN, emoji("30")),
                text(PLAIN, "45")
            ]
        );
        assert_eq!(parse(":Smile_2-+:"), vec![span(PLAIN, emoji("Smile_2-+"))]);
    }

    #[test]
    fn invalid_variables_are_literal() {
        for value in [
            "$",
            "$name",
            "${",
            "${}",
            "${|x}",
            "${a",
            "${a|b",
            "${a{b}",
            "${a<b>}",
            "${a|<b>}",
            "$ {a}",
            "${a|b<i>c}",
        ] {
            assert!(
                parse(value)
                    .iter()
                    .all(|span| !matches!(span.inline, Inline::Variable { .. })),
                "{value:?}"
            );
        }
        assert_eq!(parse("${a"), literal("${a"));
        assert_eq!(parse("${a<b>}"), vec![text(PLAIN, "${a"), text(BOLD, "}")]);
        assert_eq!(
            parse("${${a}"),
            vec![text(PLAIN, "${"), span(PLAIN, variable("a", None))]
        );
    }

    #[test]
    fn entities_are_decoded_in_text_labels_and_attributes() {
        assert_eq!(parse("&lt;b&gt;x&lt;/b&gt;"), literal("<b>x</b>"));
        assert_eq!(parse("&nbsp;&bogus;"), literal("&nbsp;&bogus;"));
        assert_eq!(
            parse(r#"<link type="manager" value="&#49;&quot;">&#64;A&amp;B</link>"#),
            vec![span(PLAIN, mention(MentionKind::Manager, "1\"", "@A&B"))]
        );
    }

    #[test]
    fn adjacent_text_is_merged_across_literal_markup() {
        assert_eq!(parse("a<u>b:c$d"), literal("a<u>b:c$d"));
        assert_eq!(parse("<b>a</b><b>b</b>"), vec![text(BOLD, "ab")]);
    }

    #[test]
    fn pathological_inputs_stay_linear_enough() {
        let many_links = r#"<link type="url" value="x">"#.repeat(5_000);
        assert_eq!(to_plain_text(&many_links), many_links);
        let many_fallbacks = "${k|".repeat(20_000);
        assert_eq!(to_plain_text(&many_fallbacks), many_fallbacks);
        let deep = "<b>".repeat(20_000) + "x" + &"</i>".repeat(20_000);
        assert_eq!(
            parse(&deep),
            vec![text(BOLD, &("x".to_owned() + &"</i>".repeat(20_000)))]
        );
    }

    #[test]
    fn span_plain_text() {
        assert_eq!(span(PLAIN, emoji("ok")).plain_text(), ":ok:");
        assert_eq!(span(PLAIN, variable("k", Some("f"))).plain_text(), "${k|f}");
        assert_eq!(span(PLAIN, variable("k", None)).plain_text(), "${k}");
        assert_eq!(span(BOLD, link("h", "l")).plain_text(), "l");
        assert!(matches!(text(PLAIN, "t").plain_text(), Cow::Borrowed("t")));
    }

    #[test]
    fn to_plain_text_examples() {
        assert_eq!(
            to_plain_text(
                r#"Hi <b>${name|there}</b>, <link type="url" value="u">docs</link> &amp; :+1:"#
            ),
            "Hi ${name|there}, docs & :+1:"
        );
    }

    // ----- building ----------------------------------------------------------------------------

    #[test]
    fn builder_produces_exact_markup() {
        let built = RichText::new()
            .text("a<b>&\"c")
            .bold("x")
            .link("https://e.com/?a=1&b=\"2\"", "docs");
        assert_eq!(
            built.as_str(),
            "a&lt;b&gt;&amp;\"c<b>x</b>\
             <link type=\"url\" value=\"https://e.com/?a=1&amp;b=&quot;2&quot;\">docs</link>"
        );
        assert_eq!(
            built.spans(),
            vec![
                text(PLAIN, "a<b>&\"c"),
                text(BOLD, "x"),
                span(PLAIN, link("https://e.com/?a=1&b=\"2\"", "docs")),
            ]
        );
    }

    #[test]
    fn injected_markup_stays_literal() {
        let attack = "<link type=\"manager\" value=\"1\">@all</link>";
        let built = RichText::new().text(attack);
        assert_eq!(built.spans(), literal(attack));
        assert_eq!(
            RichText::new().bold(attack).spans(),
            vec![text(BOLD, attack)]
        );
        let mention = RichText::new().mention_manager("1\"><b>", "</link><b>@x");
        assert_eq!(
            mention.spans(),
            vec![span(PLAIN, mention_of("1\"><b>", "</link><b>@x"))]
        );
        let linked = RichText::new().link("\" type=\"manager", "</link>");
        assert_eq!(
            linked.spans(),
            vec![span(PLAIN, link("\" type=\"manager", "</link>"))]
        );
    }

    fn mention_of(id: &str, label: &str) -> Inline {
        mention(MentionKind::Manager, id, label)
    }

    #[test]
    fn builder_mentions() {
        let built = RichText::new()
            .mention_manager("42", "@Ann")
            .text(" & ")
            .mention_team("7", "@CS");
        assert_eq!(
            built.as_str(),
            "<link type=\"manager\" value=\"42\">@Ann</link> &amp; \
             <link type=\"team\" value=\"7\">@CS</link>"
        );
        assert_eq!(
            built.spans(),
            vec![
                span(PLAIN, mention(MentionKind::Manager, "42", "@Ann")),
                text(PLAIN, " & "),
                span(PLAIN, mention(MentionKind::Team, "7", "@CS")),
            ]
        );
    }

    #[test]
    fn builder_styles_nest_and_links_take_rich_labels() {
        let built = RichText::new()
            .bold(RichText::new().text("a").italic("b"))
            .link("u", RichText::new().bold("go").text(" "));
        assert_eq!(
            built.as_str(),
            "<b>a<i>b</i></b><link type=\"url\" value=\"u\"><b>go</b> </link>"
        );
        assert_eq!(
            built.spans(),
            vec![
                text(BOLD, "a"),
                text(BOLD_ITALIC, "b"),
                span(PLAIN, link("u", "go ")),
            ]
        );
    }

    #[test]
    fn builder_flattens_links_inside_link_labels() {
        let label = RichText::new().text("see ").link("inner", "<inner>");
        let built = RichText::new().link("outer", label);
        assert_eq!(
            built.as_str(),
            "<link type=\"url\" value=\"outer\">see &lt;inner&gt;</link>"
        );
        let raw_label = RichText::raw("a</LINK>b");
        assert_eq!(
            RichText::new().link("u", raw_label).spans(),
            vec![span(PLAIN, link("u", "a</LINK>b"))]
        );
    }

    #[test]
    fn builder_emoji() {
        let built = RichText::new()
            .emoji("+1")
            .and_then(|built| built.emoji("thumbs_up-2"));
        assert_eq!(
            built.map(RichText::into_string),
            Ok(":+1::thumbs_up-2:".to_owned())
        );
        for name in ["", "a b", "a:b", "é", ":x:", "<b>"] {
            let error = RichText::new().emoji(name);
            assert_eq!(
                error,
                Err(RichTextError::InvalidEmojiName {
                    name: name.to_owned()
                })
            );
        }
    }

    #[test]
    fn builder_variables() {
        let built = RichText::new()
            .variable("name", Some("there"))
            .and_then(|built| built.variable("user.plan", None))
            .and_then(|built| built.variable("a&b", Some("<x>{y|z")));
        let built = built.map(RichText::into_string);
        assert_eq!(
            built,
            Ok("${name|there}${user.plan}${a&amp;b|&lt;x&gt;{y|z}".to_owned())
        );
        assert_eq!(
            parse(&built.unwrap_or_default()),
            vec![
                span(PLAIN, variable("name", Some("there"))),
                span(PLAIN, variable("user.plan", None)),
                span(PLAIN, variable("a&b", Some("<x>{y|z"))),
            ]
        );
    }

    #[test]
    fn builder_rejects_bad_variables() {
        for key in ["", "a}", "a|b", "{a"] {
            assert_eq!(
                RichText::new().variable(key, None),
                Err(RichTextError::InvalidVariableKey {
                    key: key.to_owned()
                })
            );
        }
        assert_eq!(
            RichText::new().variable("k", Some("a}b")),
            Err(RichTextError::InvalidVariableFallback {
                fallback: "a}b".to_owned()
            })
        );
    }

    #[test]
    fn error_messages_say_what_is_allowed() {
        let emoji = RichTextError::InvalidEmojiName { name: "a b".into() }.to_string();
        assert!(
            emoji.contains("\"a b\"") && emoji.contains("ASCII letters, digits"),
            "{emoji}"
        );
        let key = RichTextError::InvalidVariableKey { key: String::new() }.to_string();
        assert!(
            key.contains("non-empty") && key.contains("`{`, `}` or `|`"),
            "{key}"
        );
        let fallback = RichTextError::InvalidVariableFallback {
            fallback: "}".into(),
        };
        assert!(fallback.to_string().contains("must not contain `}`"));
    }

    #[test]
    fn conversions_escape_plain_text() {
        let owned = String::from("a<b");
        assert_eq!(RichText::from("a<b").as_str(), "a&lt;b");
        assert_eq!(RichText::from(&owned).as_str(), "a&lt;b");
        assert_eq!(RichText::from(owned).as_str(), "a&lt;b");
        assert_eq!(RichText::from(String::from("ok")).as_str(), "ok");
        assert_eq!(RichText::from('&').as_str(), "&amp;");
        assert_eq!(RichText::plain("<").as_str(), "&lt;");
        assert_eq!(
            RichText::new()
                .append("<")
                .append(RichText::raw("<b>"))
                .as_str(),
            "&lt;<b>"
        );
    }

    #[test]
    fn raw_markup_is_kept() {
        let built = RichText::raw("<b>x</b>").push_raw("<i>y</i>").text("<z>");
        assert_eq!(built.as_str(), "<b>x</b><i>y</i>&lt;z&gt;");
        assert_eq!(built.to_plain_text(), "xy<z>");
    }

    #[test]
    fn accessors_display_and_serialize() {
        let built = RichText::new().bold("\"hi\"");
        assert!(!built.is_empty());
        assert!(RichText::new().is_empty());
        assert!(RichText::default().is_empty());
        assert_eq!(built.to_string(), "<b>\"hi\"</b>");
        assert_eq!(AsRef::<str>::as_ref(&built), "<b>\"hi\"</b>");
        assert_eq!(
            serde_json::to_string(&built).ok(),
            Some(r#""<b>\"hi\"</b>""#.to_owned())
        );
        assert_eq!(
            serde_json::json!({ "type": "text", "value": built.clone() }),
            serde_json::json!({ "type": "text", "value": "<b>\"hi\"</b>" })
        );
        assert_eq!(String::from(built.clone()), built.into_string());
    }

    // ----- properties --------------------------------------------------------------------------

    /// Strings over the characters that matter to the markup.
    const MARKUP_ALPHABET: &str = "[<>&;:\"$|{}/a-z ]*";

    /// Inputs assembled from markup fragments, well-formed and broken.
    fn markup_soup() -> impl Strategy<Value = String> {
        let fragment = prop_oneof![
            Just("<b>".to_owned()),
            Just("</b>".to_owned()),
            Just("<I>".to_owned()),
            Just("</i>".to_owned()),
            Just(r#"<link type="url" value="h&amp;">"#.to_owned()),
            Just("<link type='manager' value='1'>".to_owned()),
            Just(r#"<link type="team" value=x>"#.to_owned()),
            Just("</link>".to_owned()),
            Just("<link".to_owned()),
            Just("&amp;".to_owned()),
            Just("&#x41;".to_owned()),
            Just("&#55296;".to_owned()),
            Just(":+1:".to_owned()),
            Just("${a|b}".to_owned()),
            Just("${".to_owned()),
            "\\PC{0,4}",
            "[<>&;:\"'$|{}/=a-z ]{0,6}",
        ];
        prop::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat())
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof!["\\PC*", MARKUP_ALPHABET, any::<String>(), markup_soup()]
    }

    fn assert_well_formed_spans(spans: &[Span]) -> Result<(), TestCaseError> {
        for pair in spans.windows(2) {
            let both_text = matches!(
                (&pair[0].inline, &pair[1].inline),
                (Inline::Text(_), Inline::Text(_))
            );
            prop_assert!(
                !(both_text && pair[0].style == pair[1].style),
                "unmerged: {spans:?}"
            );
        }
        for span in spans {
            prop_assert!(
                span.inline != Inline::Text(String::new()),
                "empty text: {spans:?}"
            );
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn escaped_text_keeps_its_plain_text(s in any_text()) {
            let escaped = escape(&s);
            prop_assert_eq!(to_plain_text(&escaped), s.as_str());
            let spans = parse(&escaped);
            prop_assert_eq!(joined_plain_text(&spans), s.as_str());
            prop_assert!(spans.iter().all(|span| span.style == Style::default()));
            let no_links = spans
                .iter()
                .all(|span| !matches!(span.inline, Inline::Link { .. } | Inline::Mention { .. }));
            prop_assert!(no_links, "{:?}", spans);
        }

        #[test]
        fn unescape_inverts_escape(s in any_text()) {
            let escaped = escape(&s);
            prop_assert_eq!(unescape(&escaped), s.as_str());
            let escaped = escape_attribute(&s);
            prop_assert_eq!(unescape(&escaped), s.as_str());
        }

        #[test]
        fn built_bold_text_is_all_bold(s in any_text()) {
            let built = RichText::new().bold(s.as_str());
            let spans = built.spans();
            prop_assert_eq!(joined_plain_text(&spans), s.as_str());
            prop_assert!(spans.iter().all(|span| span.style == BOLD));
            assert_well_formed_spans(&spans)?;
        }

        #[test]
        fn parse_is_total_and_consistent(x in any_text()) {
            let spans = parse(&x);
            prop_assert_eq!(to_plain_text(&x), joined_plain_text(&spans));
            assert_well_formed_spans(&spans)?;
        }

        #[test]
        fn built_links_and_mentions_round_trip(href in any_text(), label in any_text()) {
            let built = RichText::new()
                .link(href.as_str(), label.as_str())
                .mention_team(href.as_str(), label.as_str());
            prop_assert_eq!(
                built.spans(),
                vec![
                    span(PLAIN, link(&href, &label)),
                    span(PLAIN, mention(MentionKind::Team, &href, &label)),
                ]
            );
        }

        #[test]
        fn built_variables_round_trip(key in "[^{}|]+", fallback in proptest::option::of("[^}]*")) {
            let built = RichText::new().variable(&key, fallback.as_deref());
            prop_assert!(built.is_ok());
            let spans = built.map(|built| built.spans()).unwrap_or_default();
            prop_assert_eq!(spans, vec![span(PLAIN, variable(&key, fallback.as_deref()))]);
        }
    }
}
