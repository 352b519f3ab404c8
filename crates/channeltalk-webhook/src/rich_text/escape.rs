//! Escaping and unescaping rich-text entities (`&amp;` `&lt;` `&gt;` `&quot;` and numeric ones).

use std::borrow::Cow;

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
    escape_with(text, is_text_special, text_entity)
}

/// Escapes `&`, `<`, `>` and `"` so that `text` can sit inside a double-quoted attribute value.
///
/// Returns the input unchanged (borrowed) when there is nothing to escape.
#[must_use]
pub fn escape_attribute(text: &str) -> Cow<'_, str> {
    escape_with(
        text,
        |byte| is_text_special(byte) | (byte == b'"'),
        attribute_entity,
    )
}

// Written with `|` rather than `matches!`, so that a scan of many bytes is vectorized.
fn is_text_special(byte: u8) -> bool {
    (byte == b'&') | (byte == b'<') | (byte == b'>')
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

/// Escapes the bytes `special` picks with their `entity`.
fn escape_with(
    text: &str,
    special: impl Fn(u8) -> bool,
    entity: impl Fn(u8) -> Option<&'static str>,
) -> Cow<'_, str> {
    let Some(first) = first_byte_where(text.as_bytes(), special) else {
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

/// The index of the first byte for which `hit` holds.
///
/// Most text has nothing to escape and is scanned whole, so the scan tests 16 bytes at a time
/// without a branch inside the block (which the compiler turns into a few vector instructions
/// when `hit` is written with `|` rather than `||` or `matches!`), the last 16 bytes as one
/// block overlapping the one before, and looks for the exact position only inside a block
/// that has a hit.
pub(crate) fn first_byte_where(bytes: &[u8], hit: impl Fn(u8) -> bool) -> Option<usize> {
    const BLOCK: usize = 16;
    if bytes.len() < BLOCK {
        return bytes.iter().position(|&byte| hit(byte));
    }
    let mut start = 0;
    loop {
        let block = bytes[start..].first_chunk::<BLOCK>()?;
        let hits = block
            .iter()
            .fold(0u8, |hits, &byte| hits | u8::from(hit(byte)));
        if hits != 0 {
            return block
                .iter()
                .position(|&byte| hit(byte))
                .map(|at| start + at);
        }
        if start + BLOCK == bytes.len() {
            return None;
        }
        // The next block, or the last 16 bytes, overlapping the part already scanned (which
        // has no hit).
        start = (start + BLOCK).min(bytes.len() - BLOCK);
    }
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
pub(super) const MAX_ENTITY_BODY: usize = 32;

/// Decodes the entity at the start of `text` (which starts with `&`): the character and the
/// entity's length in bytes.
pub(super) fn decode_entity(text: &str) -> Option<(char, usize)> {
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
pub(super) fn decode_numeric(body: &str) -> Option<char> {
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_block_scan_finds_the_first_hit(
            bytes in proptest::collection::vec(proptest::prop_oneof![proptest::num::u8::ANY, proptest::strategy::Just(b'a')], 0..70)
        ) {
            let hit = |byte: u8| matches!(byte, b'&' | b'<' | b'>') || byte > 0xF0;
            proptest::prop_assert_eq!(
                first_byte_where(&bytes, hit),
                bytes.iter().position(|&byte| hit(byte))
            );
        }
    }
}
