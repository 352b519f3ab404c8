//! Where a JSON value ends, checked the way serde_json checks a value it skips, without
//! building anything.
//!
//! The envelope pass and the message probe read the few parts of a delivery they need and
//! step over the rest: `refers`, usually half the body or more, the fields of a message the
//! probe only has to check, any key Channel adds. serde_json steps over a value with its
//! general reader (`IgnoredAny`, `RawValue`): about 17 instructions a byte for the documented
//! message's `refers`. This module is a tight loop over the bytes, about 40 % fewer, and what
//! it reads (where a value ends, whether a string has escapes) lets the callers take the
//! usual delivery without serde at all.
//!
//! It checks what serde_json checks when it skips a value: strings (no control character,
//! valid escapes), numbers (JSON's grammar), literals, commas, colons, string keys, closing
//! brackets. It accepts no text serde_json refuses (a property test holds it to that); it may
//! refuse what serde_json accepts (nesting deeper than [`MAX_DEPTH`]), and then the caller
//! reads the body the serde way.
//!
//! It also holds the other JSON-text helpers the readers above it share: the typed value at
//! the start of a text, where a slice lies in the body, a string's text, an object's entries.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::model::serde_util::Key;

/// Most containers open at once (an empty one aside) that a value stepped over may have;
/// deeper values are left to serde_json.
pub(super) const MAX_DEPTH: u32 = 64;

/// The index of the first byte at or after `at` that is not JSON whitespace.
#[inline]
pub(super) fn whitespace(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// The escapes in a JSON string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Escapes {
    /// None: the string is its text between the quotes.
    None,
    /// Some, none of them a surrogate (`\uD800` to `\uDFFF`).
    Plain,
    /// A surrogate among them, maybe a lone one, which a Rust string cannot hold.
    Surrogate,
}

/// The string whose opening quote is just before `at`: the index after its closing quote,
/// and its escapes. `None` if it is not a valid JSON string.
#[inline(always)]
pub(super) fn string(bytes: &[u8], mut at: usize) -> Option<(usize, Escapes)> {
    let mut escapes = Escapes::None;
    loop {
        at = plain_run(bytes, at);
        let byte = *bytes.get(at)?;
        at += 1;
        match byte {
            b'"' => return Some((at, escapes)),
            b'\\' => at = escape(bytes, at, &mut escapes)?,
            // A control character.
            _ => return None,
        }
    }
}

/// The escape after the backslash just before `at`: the index after it. Any four hex digits
/// pass, as when serde_json skips a string; a surrogate is noted.
fn escape(bytes: &[u8], at: usize, escapes: &mut Escapes) -> Option<usize> {
    match *bytes.get(at)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
            if *escapes == Escapes::None {
                *escapes = Escapes::Plain;
            }
            Some(at + 1)
        }
        b'u' => {
            let hex = bytes.get(at + 1..at + 5)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let surrogate = matches!(hex[0], b'd' | b'D') && !matches!(hex[1], b'0'..=b'7');
            *escapes = match (surrogate, *escapes) {
                (true, _) | (_, Escapes::Surrogate) => Escapes::Surrogate,
                _ => Escapes::Plain,
            };
            Some(at + 5)
        }
        _ => None,
    }
}

/// The index of the first quote, backslash or control character at or after `at`, eight
/// bytes at a time (the end of `bytes` if there is none).
#[inline(always)]
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // The high bit of each byte that is a quote, a backslash or below 0x20 (exact for
        // the lowest such byte, which is all that is read).
        let found = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | word.wrapping_sub(ONES * 0x20) & !word)
            & HIGH;
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

fn digits(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b'0'..=b'9') = bytes.get(at) {
        at += 1;
    }
    at
}

/// The number starting at `at`: the index after it, and whether it has no exponent.
pub(super) fn number(bytes: &[u8], mut at: usize) -> Option<(usize, bool)> {
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    at = match bytes.get(at) {
        Some(b'0') => at + 1,
        Some(b'1'..=b'9') => digits(bytes, at + 1),
        _ => return None,
    };
    if bytes.get(at) == Some(&b'.') {
        let end = digits(bytes, at + 1);
        if end == at + 1 {
            return None;
        }
        at = end;
    }
    let mut exponent = false;
    if let Some(b'e' | b'E') = bytes.get(at) {
        exponent = true;
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        let end = digits(bytes, at);
        if end == at {
            return None;
        }
        at = end;
    }
    // Only a leading zero can be followed by a digit here, which JSON refuses.
    match bytes.get(at) {
        Some(b'0'..=b'9') => None,
        _ => Some((at, !exponent)),
    }
}

/// An object's key at `at` (after `{` or `,` and whitespace) and its colon: the index after
/// the key's closing quote, the key's escapes, and the index of the value.
#[inline(always)]
fn key(bytes: &[u8], at: usize) -> Option<(usize, Escapes, usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let (end, escapes) = string(bytes, at + 1)?;
    let colon = whitespace(bytes, end);
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    Some((end, escapes, whitespace(bytes, colon + 1)))
}

/// Walks the JSON object whose `{` is at `at`: `member` gets each key and the index of its
/// value, and gives the index after the value (stepped over or read). The index after the
/// object's `}`; `None` if it is not a valid object, a key has escapes (callers compare keys
/// as text), or `member` gives `None`.
#[inline(always)]
pub(super) fn object<'a>(
    text: &'a str,
    at: usize,
    mut member: impl FnMut(&'a str, usize) -> Option<usize>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    let mut at = whitespace(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(at + 1);
    }
    loop {
        let (key_end, escapes, value) = key(bytes, at)?;
        let name = text
            .get(at + 1..key_end - 1)
            .filter(|_| escapes == Escapes::None)?;
        let end = member(name, value)?;
        at = whitespace(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = whitespace(bytes, at + 1),
            Some(b'}') => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The JSON value starting at `at` (no whitespace before it): the index after it, and
/// whether it is tame, that is certain to fit a `serde_json::Value`: no surrogate escape in
/// its strings (it may be a lone one, which a `Value` refuses), no exponent and at most
/// [`TAME_NUMBER`] bytes in its numbers (so none is beyond `f64`). A value that is not tame
/// may still fit a `Value`: serde_json decides. `None` if it is not valid JSON, or nests
/// deeper than [`MAX_DEPTH`].
pub(super) fn value(bytes: &[u8], mut at: usize) -> Option<(usize, bool)> {
    // One bit per open container, the innermost lowest: 1 for an object, 0 for a list.
    let mut open: u64 = 0;
    let mut depth = 0_u32;
    let mut tame = true;
    loop {
        at = match *bytes.get(at)? {
            b'"' => {
                let (end, escapes) = string(bytes, at + 1)?;
                tame &= escapes != Escapes::Surrogate;
                end
            }
            container @ (b'{' | b'[') => {
                let object = container == b'{';
                let inside = whitespace(bytes, at + 1);
                // `}` is `{` + 2, as `]` is `[` + 2.
                if bytes.get(inside) == Some(&(container + 2)) {
                    inside + 1
                } else {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    open = open << 1 | u64::from(object);
                    depth += 1;
                    at = if object {
                        key(bytes, inside)?.2
                    } else {
                        inside
                    };
                    continue;
                }
            }
            b't' if bytes.get(at..at + 4) == Some(b"true") => at + 4,
            b'f' if bytes.get(at..at + 5) == Some(b"false") => at + 5,
            b'n' if bytes.get(at..at + 4) == Some(b"null") => at + 4,
            _ => {
                let (end, plain) = number(bytes, at)?;
                tame &= plain && end - at <= TAME_NUMBER;
                end
            }
        };
        // After a value: a comma and the next value, or the ends of containers.
        loop {
            if depth == 0 {
                return Some((at, tame));
            }
            let object = open & 1 == 1;
            at = whitespace(bytes, at);
            match *bytes.get(at)? {
                b',' => {
                    let next = whitespace(bytes, at + 1);
                    at = if object { key(bytes, next)?.2 } else { next };
                    break;
                }
                b'}' if object => {}
                b']' if !object => {}
                _ => return None,
            }
            at += 1;
            open >>= 1;
            depth -= 1;
        }
    }
}

/// The longest number in a tame value (see [`value`]).
const TAME_NUMBER: usize = 20;

/// The JSON value at the start of `text`, typed, and the length of its text.
pub(super) fn first_value<'de, T: Deserialize<'de>>(text: &'de str) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, values.byte_offset()))
}

/// Where `part` lies in `body`, if it is a slice of it.
pub(super) fn position_in(body: &[u8], part: &str) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= body.len()).then_some(start..end)
}

/// The JSON value `raw` as a string, borrowed when it holds no escape; `None` when it is not
/// a string.
pub(super) fn read_string(raw: &str) -> Option<Key<'_>> {
    // A JSON string without escapes is its text between the quotes.
    match raw
        .strip_prefix('"')
        .and_then(|text| text.strip_suffix('"'))
    {
        Some(inner) if !inner.contains('\\') => Some(Key(Cow::Borrowed(inner))),
        _ => serde_json::from_str::<Key<'_>>(raw).ok(),
    }
}

/// The entries of a JSON object (`refers`, an entity), in order, so that a repeated key behaves like JSON's last-wins.
pub(super) struct ObjectEntries<'a>(pub(super) Vec<(Key<'a>, &'a RawValue)>);

impl<'de> Deserialize<'de> for ObjectEntries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = ObjectEntries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(4));
                while let Some(entry) = access.next_entry()? {
                    entries.push(entry);
                }
                Ok(ObjectEntries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::value::RawValue;

    use super::*;

    /// What serde_json makes of `text` as one value with whitespace around it: the value's
    /// text, or `None` when it refuses it.
    fn serde_value(text: &str) -> Option<&str> {
        serde_json::from_str::<&RawValue>(text)
            .ok()
            .map(RawValue::get)
    }

    /// The same, as this module reads it.
    fn scanned(text: &str) -> Option<&str> {
        let bytes = text.as_bytes();
        let start = whitespace(bytes, 0);
        let (end, _) = value(bytes, start)?;
        (whitespace(bytes, end) == bytes.len()).then(|| &text[start..end])
    }

    #[test]
    fn steps_over_what_serde_json_steps_over() {
        for text in [
            "0",
            "-0",
            "-12.5e+3",
            "1E9",
            "0.0",
            r#""""#,
            r#""a\"b\\c\/\b\f\n\r\t\u00e9\uD800 ü 😀""#,
            "true",
            "false",
            "null",
            "[]",
            "{}",
            " [ 1 , [ ] , { } , { \"a\" : [ null ] } ] ",
            r#"{"manager":{"id":"1","score":0.0,"ids":["1","2"],"on":true,"x":null}}"#,
            "\"a long string, long enough for the eight-byte steps to matter\"",
        ] {
            assert_eq!(scanned(text), serde_value(text), "{text}");
            assert!(scanned(text).is_some(), "{text}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "--1",
            "tru",
            "nul",
            "True",
            "[1,]",
            "[,1]",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{a:1}",
            "{\"a\":1,}",
            "[1 2]",
            "[",
            "{",
            "\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"a\nb\"",
            "\"\u{1f}\"",
            "]",
            "}",
            "[}",
            "{]",
            "1 2",
        ] {
            assert_eq!(scanned(text), None, "{text:?}");
            assert_eq!(serde_value(text), None, "{text:?}");
        }
    }

    #[test]
    fn leaves_deep_nesting_to_serde_json() {
        let depth = MAX_DEPTH as usize;
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        // The innermost `[]` is empty.
        assert!(scanned(&deep(depth + 1)).is_some());
        assert!(scanned(&deep(depth + 2)).is_none());
        assert!(serde_value(&deep(depth + 2)).is_some());
    }

    /// JSON-ish text: valid values, then bytes changed, dropped or added at random.
    fn jsonish() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("0".to_owned()),
            Just("-1.5e3".to_owned()),
            Just("1e400".to_owned()),
            Just("9".repeat(400)),
            Just("\"\\ud800\"".to_owned()),
            Just("1600158433443".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            "\"([a-z \\\\\"/éü😀]|\\\\u[0-9a-fA-F]{4}|\\\\[nt]){0,12}\"",
        ];
        let value = leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(" , "))),
                proptest::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(|entries| {
                    let entries: Vec<String> = entries
                        .into_iter()
                        .map(|(key, value)| format!("\"{key}\":\n{value}"))
                        .collect();
                    format!("{{{}}}", entries.join(","))
                }),
            ]
        });
        let edit = (
            any::<prop::sample::Index>(),
            0..3_u8,
            "[-0-9.eE+\"\\\\{}\\[\\]:, a\t\u{1}]",
        );
        (value, proptest::collection::vec(edit, 0..3)).prop_map(|(mut text, edits)| {
            for (at, kind, with) in edits {
                let boundaries: Vec<usize> = (0..=text.len())
                    .filter(|&i| text.is_char_boundary(i))
                    .collect();
                let at = boundaries[at.index(boundaries.len())];
                let next = boundaries.iter().copied().find(|&i| i > at).unwrap_or(at);
                match kind {
                    0 => text.insert_str(at, &with),
                    1 => text.replace_range(at..next, ""),
                    _ => text.replace_range(at..next, &with),
                }
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Never accepts what serde_json refuses, and steps over exactly the same text; a
        /// tame value fits a `Value`.
        #[test]
        fn agrees_with_serde_json(text in jsonish()) {
            let bytes = text.as_bytes();
            let start = whitespace(bytes, 0);
            if let Some((end, true)) = value(bytes, start) {
                let fits = serde_json::from_str::<serde_json::Value>(&text[start..end]);
                prop_assert!(fits.is_ok(), "{:?}", text);
            }
            let ours = scanned(&text);
            let theirs = serde_value(&text);
            if ours.is_some() {
                prop_assert_eq!(ours, theirs, "{:?}", text);
            } else {
                // Refused only what serde_json refuses (nothing here nests past the limit).
                prop_assert_eq!(theirs, None, "{:?}", text);
            }
        }
    }
}
