//! The rich-text parser, plain-text extraction, escaping and the `RichText` builder.
//!
//! The first byte picks a mode:
//! - markup mode (first byte odd): the rest, as lossy UTF-8, is parsed as a rich-text value
//!   (`parse`, `to_plain_text`, `unescape`) and escaped as plain text (`escape`);
//! - builder mode (first byte even): the rest drives `arbitrary` to build a `RichText` from a
//!   sequence of builder calls with arbitrary strings.
//!
//! Invariants:
//! - `to_plain_text(x)` is the concatenation of `Span::plain_text` over `parse(x)`, for any x;
//! - no text span is empty and no two adjacent text spans share a style;
//! - `to_plain_text(&escape(s)) == s` and `unescape(&escape(s)) == s` for any s, and `escape`
//!   leaves no `<` or `>`; `escape_attribute` also leaves no `"`;
//! - `unescape` only ever shortens (entities decode to one char);
//! - `RichText::new().bold(s).to_plain_text() == s` (and `italic`, `text`, `plain`);
//! - a `RichText` built from any sequence of builder calls has, as plain text, the
//!   concatenation of what each call contributes, and exactly one link or mention span per
//!   `link` / `mention_*` call, in order, with the href/id and label given (wrapping the value
//!   built so far in a link leaves one link whose label is that value's plain text).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use channeltalk_webhook::rich_text::{
    self, Inline, MentionKind, RichText, escape, escape_attribute, parse, to_plain_text, unescape,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Text(String),
    Bold(String),
    Italic(String),
    BoldItalic(String),
    Link(String, String),
    MentionManager(String, String),
    MentionTeam(String, String),
    Emoji(String),
    Variable(String, Option<String>),
    /// Wraps everything built so far in a link (links inside are reduced to plain text).
    WrapInLink(String),
}

fn check_markup(value: &str) {
    let spans = parse(value);
    let joined: String = spans.iter().map(|span| span.plain_text()).collect();
    assert_eq!(joined, to_plain_text(value));
    for pair in spans.windows(2) {
        if let (Inline::Text(_), Inline::Text(_)) = (&pair[0].inline, &pair[1].inline) {
            assert_ne!(
                pair[0].style, pair[1].style,
                "adjacent text spans of one style"
            );
        }
    }
    for span in &spans {
        if let Inline::Text(text) = &span.inline {
            assert!(!text.is_empty(), "an empty text span");
        }
    }
    assert!(unescape(value).len() <= value.len());
}

fn check_plain(text: &str) {
    let escaped = escape(text);
    assert!(!escaped.contains(['<', '>']), "escape left a tag character");
    assert_eq!(unescape(&escaped), text);
    assert_eq!(to_plain_text(&escaped), text);
    let attribute = escape_attribute(text);
    assert!(!attribute.contains(['<', '>', '"']));
    assert_eq!(unescape(&attribute), text);

    assert_eq!(RichText::new().bold(text).to_plain_text(), text);
    assert_eq!(RichText::new().italic(text).to_plain_text(), text);
    assert_eq!(RichText::new().text(text).to_plain_text(), text);
    assert_eq!(RichText::plain(text).to_plain_text(), text);
    assert_eq!(RichText::from(text.to_owned()).as_str(), escaped);
}

/// What a builder call contributes to the plain text, and the link it adds if any.
fn apply(value: RichText, op: &Op, plain: &mut String, links: &mut Vec<Inline>) -> RichText {
    match op {
        Op::Text(s) => {
            plain.push_str(s);
            value.text(s)
        }
        Op::Bold(s) => {
            plain.push_str(s);
            value.bold(s.as_str())
        }
        Op::Italic(s) => {
            plain.push_str(s);
            value.italic(s.as_str())
        }
        Op::BoldItalic(s) => {
            plain.push_str(s);
            value.bold(RichText::new().italic(s.as_str()))
        }
        Op::Link(href, label) => {
            plain.push_str(label);
            links.push(Inline::Link {
                href: href.clone(),
                label: label.clone(),
            });
            value.link_unchecked(href, label.as_str())
        }
        Op::MentionManager(id, label) | Op::MentionTeam(id, label) => {
            plain.push_str(label);
            let manager = matches!(op, Op::MentionManager(..));
            let kind = if manager {
                MentionKind::Manager
            } else {
                MentionKind::Team
            };
            links.push(Inline::Mention {
                kind,
                id: id.clone(),
                label: label.clone(),
            });
            if manager {
                value.mention_manager(id, label)
            } else {
                value.mention_team(id, label)
            }
        }
        Op::Emoji(name) => match value.clone().emoji(name) {
            Ok(built) => {
                plain.push(':');
                plain.push_str(name);
                plain.push(':');
                built
            }
            Err(_) => {
                assert!(
                    name.is_empty()
                        || !name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-+_".contains(&b)),
                    "a valid emoji name was refused: {name:?}"
                );
                value
            }
        },
        Op::WrapInLink(_) => unreachable!("handled by check_builder"),
        Op::Variable(key, fallback) => match value.clone().variable(key, fallback.as_deref()) {
            Ok(built) => {
                plain.push_str("${");
                plain.push_str(key);
                if let Some(fallback) = fallback {
                    plain.push('|');
                    plain.push_str(fallback);
                }
                plain.push('}');
                built
            }
            Err(_) => {
                let bad_key = key.is_empty() || key.contains(['{', '}', '|']);
                let bad_fallback = fallback.as_deref().is_some_and(|f| f.contains('}'));
                assert!(
                    bad_key || bad_fallback,
                    "a valid variable was refused: {key:?} {fallback:?}"
                );
                value
            }
        },
    }
}

fn check_builder(ops: &[Op]) {
    let mut value = RichText::new();
    let mut plain = String::new();
    let mut links = Vec::new();
    for op in ops {
        value = match op {
            Op::WrapInLink(href) => {
                links = vec![Inline::Link {
                    href: href.clone(),
                    label: plain.clone(),
                }];
                RichText::new().link_unchecked(href, value)
            }
            op => apply(value, op, &mut plain, &mut links),
        };
    }
    assert_eq!(value.to_plain_text(), plain, "markup: {:?}", value.as_str());
    let found: Vec<Inline> = value
        .spans()
        .into_iter()
        .map(|span| span.inline)
        .filter(|inline| matches!(inline, Inline::Link { .. } | Inline::Mention { .. }))
        .collect();
    assert_eq!(found, links, "markup: {:?}", value.as_str());
    check_markup(value.as_str());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 1 {
        let text = String::from_utf8_lossy(rest);
        check_markup(&text);
        check_plain(&text);
        let _ = rich_text::parse(&unescape(&text));
    } else {
        if let Ok(ops) = Vec::<Op>::arbitrary_take_rest(Unstructured::new(rest)) {
            check_builder(&ops);
        }
    }
});
