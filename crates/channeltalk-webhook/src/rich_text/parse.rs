//! The tolerant rich-text parser: never fails, never loses text.

use super::escape::*;
use super::span::*;

/// Parses a rich-text value into styled spans.
///
/// Parsing never fails and never drops text, and markup never shows as text:
///
/// - a `<link type="url">` without `value` is a link to its label (real messages carry such
///   links, `<link type="url">https://…</link>`);
/// - a tag it cannot read (an unknown tag such as `<u>` or `<br/>`, a closing tag with nothing
///   open, a `<link>` without `type`, with broken attributes, a mention without `value`, or
///   without `</link>`) is dropped and its content read as usual: it degrades to its text;
/// - a `<` that does not start a tag (`a < b`, `<3`), an invalid emoji or variable stays as
///   literal text.
///
/// An unclosed `<b>` or `<i>` lasts to the end of the value. Entities are decoded everywhere;
/// adjacent text of the same style is merged into one span, and no text span is empty.
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
///         Span { style: Style::default(), inline: Inline::Text(" &".into()) },
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

pub(super) const CLOSE_LINK: &str = "</link>";

#[derive(Clone, Copy)]
pub(super) enum StyleTag {
    Bold,
    Italic,
}

pub(super) enum Token {
    Open(StyleTag),
    Close(StyleTag),
    Inline(Inline),
    /// A tag that cannot be read: dropped, its content read as usual.
    Dropped,
}

/// What the scanner found at a markup character.
pub(super) enum Scan {
    /// A token ending at the given byte position.
    Token(Token, usize),
    /// No token: literal text up to the given byte position.
    Literal(usize),
}

/// Left-to-right scanner. Text between tokens is collected lazily from `text_start`.
pub(super) struct Parser<'a> {
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
            Token::Dropped => {}
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
            if let Some(scan) = self.scan_link(at) {
                return scan;
            }
        }
        match unreadable_tag_len(rest) {
            Some(len) => Scan::Token(Token::Dropped, at + len),
            None => Scan::Literal(at + 1),
        }
    }

    /// A closing tag is only a tag when a matching one is open.
    fn accepts(&self, token: &Token) -> bool {
        match token {
            Token::Close(StyleTag::Bold) => self.bold_depth > 0,
            Token::Close(StyleTag::Italic) => self.italic_depth > 0,
            _ => true,
        }
    }

    /// A `<link …>label</link>`. `None` when the opening tag cannot be read (then it is read
    /// as any other tag). An opening tag without a closing one, or a mention without `value`,
    /// is dropped as a whole, so nothing inside its attributes is read as markup; its content
    /// is then read as usual.
    fn scan_link(&mut self, at: usize) -> Option<Scan> {
        let open = LinkOpenTag::parse(&self.src[at..])?;
        let content_start = at + open.len;
        let src = self.src;
        let Some(close) = self
            .link_close
            .find(content_start, |from| find_link_close(src, from))
        else {
            return Some(Scan::Token(Token::Dropped, content_start));
        };
        let label = to_plain_text(&src[content_start..close]);
        Some(match open.into_inline(label) {
            Some(inline) => Scan::Token(Token::Inline(inline), close + CLOSE_LINK.len()),
            None => Scan::Token(Token::Dropped, content_start),
        })
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
pub(super) fn emoji_at(src: &str, at: usize) -> Option<(Inline, usize)> {
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

pub(super) fn is_emoji_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'+' | b'_')
}

pub(super) fn is_valid_emoji_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_emoji_name_byte)
}

pub(super) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// The length of the tag at the start of `text` that this parser cannot read, if `text`
/// starts with one: `<` or `</`, an ASCII letter, then anything but `<` up to `>`. Anything
/// else (`a < b`, `<3`, `<<`, a `<u` never closed by `>`) is not a tag.
pub(super) fn unreadable_tag_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let name = 1 + usize::from(bytes.get(1) == Some(&b'/'));
    if !bytes.get(name)?.is_ascii_alphabetic() {
        return None;
    }
    let end = find_byte(text, name, |byte| matches!(byte, b'<' | b'>'))?;
    (bytes[end] == b'>').then_some(end + 1)
}

pub(super) fn find_link_close(src: &str, from: usize) -> Option<usize> {
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

pub(super) fn find_byte(src: &str, from: usize, wanted: impl Fn(u8) -> bool) -> Option<usize> {
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
pub(super) struct ForwardSearch {
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

/// The opening tag `<link type="…" value="…">` (`value` may be missing).
pub(super) struct LinkOpenTag {
    link_type: String,
    value: Option<String>,
    /// Length of the tag in bytes, `>` included.
    len: usize,
}

impl LinkOpenTag {
    /// Parses the tag at the start of `text`. Attributes come in any order, double- or
    /// single-quoted, separated by whitespace; unknown attributes are ignored and the first of
    /// a repeated attribute wins. `type` is required.
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
            value: value.map(decode).transpose().ok()?,
            len: cursor.pos,
        })
    }

    /// The link or mention, with the plain text of its content as `label`. A link without
    /// `value` goes to its label; a mention without `value` (who?) is `None`.
    fn into_inline(self, label: String) -> Option<Inline> {
        if self.link_type.eq_ignore_ascii_case("url") {
            let href = self.value.unwrap_or_else(|| label.clone());
            Some(Inline::Link { href, label })
        } else {
            Some(Inline::Mention {
                kind: MentionKind::from_type(&self.link_type),
                id: self.value?,
                label,
            })
        }
    }
}

/// A byte cursor over an opening tag.
pub(super) struct Cursor<'a> {
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
