//! What Channel would make of an answer, written for a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use channeltalk_webhook::http::StatusCode;
use channeltalk_webhook::model::Block;
use channeltalk_webhook::rich_text::{self, Inline, Span};
use channeltalk_webhook::testing::ChannelView;

use crate::deliver::Delivery;
use crate::exit::{EXIT_DELIVERED, EXIT_FAILED_DELIVERY};

/// Whether Channel counts a delivery as successful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Any status below 400: Channel counts the delivery as made.
    Delivered,
    /// A 4xx or 5xx: a failed delivery (100 in a row block the webhook).
    Failed,
}

impl Verdict {
    /// The verdict on an answer.
    #[must_use]
    pub fn of(view: &ChannelView) -> Self {
        if view.is_failure() {
            Verdict::Failed
        } else {
            Verdict::Delivered
        }
    }

    /// The process exit status: [`EXIT_DELIVERED`] or [`EXIT_FAILED_DELIVERY`].
    #[must_use]
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Delivered => EXIT_DELIVERED,
            Verdict::Failed => EXIT_FAILED_DELIVERY,
        }
    }
}

const BOLD: &str = "\x1b[1m";
const ITALIC: &str = "\x1b[3m";
const BOLD_ITALIC: &str = "\x1b[1;3m";
const GREEN_BOLD: &str = "\x1b[1;32m";
const RED_BOLD: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// How much of a body that is not a message is shown.
const BODY_PREVIEW_CHARS: usize = 500;

/// The report on an answer read by Channel: status, verdict, and what Channel posts.
///
/// With `ansi`, bold and italic text (and the verdict) use ANSI escapes; without, the text is
/// plain. Every line ends with `\n`.
#[must_use]
pub fn render_view(view: &ChannelView, ansi: bool) -> String {
    render(view, false, ansi)
}

/// [`render_view`] of a [`Delivery`], noting an `x-quick-reply: true` that Channel ignores
/// because the status is not 200.
#[must_use]
pub fn render_delivery(delivery: &Delivery, ansi: bool) -> String {
    let quick_reply_header = delivery
        .header("x-quick-reply")
        .is_some_and(|value| value.eq_ignore_ascii_case(b"true"));
    render(&delivery.view(), quick_reply_header, ansi)
}

fn render(view: &ChannelView, quick_reply_header: bool, ansi: bool) -> String {
    let paint = |code: &str, text: &str| {
        if ansi {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let status = view.status();
    let mut out = String::new();
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason());
    match reason {
        Some(reason) => writeln!(out, "Status: {status} {reason}"),
        None => writeln!(out, "Status: {status}"),
    }
    .ok();

    if Verdict::of(view) == Verdict::Failed {
        push_body_preview(&mut out, view.body());
        writeln!(
            out,
            "{} Channel counts any 4xx or 5xx answer as a failed delivery, and after 100 \
             failures in a row it blocks the webhook until someone unblocks it in the desk.",
            paint(RED_BOLD, "Failed delivery:")
        )
        .ok();
        let hint = match status {
            401 | 403 => Some("Is --token the token your bot expects?"),
            404 => Some("Is --url the path your bot serves?"),
            405 => Some("Channel always uses POST: does your bot accept POST on this path?"),
            413 => Some("Is the event larger than your bot accepts?"),
            500..=599 => {
                Some("Answer 200 to every genuine delivery, even one your bot ignores or fails on.")
            }
            _ => None,
        };
        if let Some(hint) = hint {
            writeln!(out, "Hint: {hint}").ok();
        }
        return out;
    }

    writeln!(
        out,
        "{} Channel counts this as a successful delivery.",
        paint(GREEN_BOLD, "Delivered:")
    )
    .ok();
    if (300..400).contains(&status) {
        writeln!(
            out,
            "Note: redirects are not followed; point --url at the address that answers."
        )
        .ok();
    }

    if !view.is_quick_reply() {
        if quick_reply_header {
            writeln!(
                out,
                "No quick reply: the answer has `x-quick-reply: true` but status {status}; \
                 Channel posts a quick reply only with status 200."
            )
            .ok();
        } else {
            writeln!(
                out,
                "No quick reply: Channel posts nothing (a reply needs status 200 and the \
                 header `x-quick-reply: true`)."
            )
            .ok();
            writeln!(
                out,
                "The bot acknowledged without answering: it may answer later through the Open \
                 API (watch with --api-listen), or it took the message for one it had handled \
                 already (the same message id)."
            )
            .ok();
        }
        return out;
    }

    let bot_name = view
        .bot_name()
        .map_or(Cow::Borrowed("(channel name)"), |name| {
            Cow::Owned(clean(&name).into_owned())
        });
    let bot_name = paint(BOLD, &bot_name);
    let blocks = view.blocks();
    if blocks.is_empty() {
        writeln!(
            out,
            "Quick reply posted as {bot_name}, but its body has no blocks Channel can show \
             (expected {{\"blocks\":[…]}}):"
        )
        .ok();
        push_indented(&mut out, &preview(view.body()));
    } else {
        writeln!(out, "Quick reply posted as {bot_name}:").ok();
        out.push_str(&render_blocks(&blocks, ansi));
    }
    out
}

fn push_body_preview(out: &mut String, body: &[u8]) {
    let text = preview(body);
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if text.contains('\n') {
        out.push_str("Body:\n");
        push_indented(out, text);
    } else {
        writeln!(out, "Body: {text}").ok();
    }
}

/// At most [`BODY_PREVIEW_CHARS`] characters of a body, cleaned for the terminal.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut shown: String = text.chars().take(BODY_PREVIEW_CHARS).collect();
    if shown.len() < text.len() {
        write!(shown, "… ({} bytes in all)", body.len()).ok();
    }
    clean(&shown).into_owned()
}

fn push_indented(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            writeln!(out, "  {line}").ok();
        }
    }
}

/// Blocks as Channel would show them, for a terminal: one or more lines per block, each
/// indented by two spaces and ending with `\n`.
///
/// Text is rendered with [`render_rich_text`]; bullets read `  • item`; a code block is
/// introduced by `code (LANGUAGE):` and its lines are indented; a block of another type
/// reads `[TYPE block]`, with its text if it has one.
///
/// ```
/// use channeltalk_webhook::model::Block;
/// use channeltalk_webhook_cli::render_blocks;
///
/// let blocks = [
///     Block::text("Steps:"),
///     Block::bullets(["one", "two"]),
///     Block::code(Some("sh"), "cargo test"),
/// ];
/// assert_eq!(
///     render_blocks(&blocks, false),
///     "  Steps:\n  • one\n  • two\n  code (sh):\n      cargo test\n"
/// );
/// ```
#[must_use]
pub fn render_blocks(blocks: &[Block], ansi: bool) -> String {
    let mut out = String::new();
    for block in blocks {
        for line in block_lines(block, ansi) {
            if line.is_empty() {
                out.push('\n');
            } else {
                writeln!(out, "  {line}").ok();
            }
        }
    }
    out
}

fn block_lines(block: &Block, ansi: bool) -> Vec<String> {
    match block {
        Block::Text { value } => render_rich_text(value, ansi)
            .split('\n')
            .map(str::to_owned)
            .collect(),
        Block::Code { language, value } => {
            let title = match language.as_deref().map(str::trim) {
                Some(language) if !language.is_empty() => format!("code ({}):", clean(language)),
                _ => "code:".to_owned(),
            };
            let code = clean(value);
            let code = code.strip_suffix('\n').unwrap_or(&code);
            std::iter::once(title)
                .chain(code.split('\n').map(|line| {
                    if line.is_empty() {
                        String::new()
                    } else {
                        format!("    {line}")
                    }
                }))
                .collect()
        }
        Block::Bullets { blocks } => blocks
            .iter()
            .flat_map(|item| {
                block_lines(item, ansi)
                    .into_iter()
                    .enumerate()
                    .map(|(index, line)| {
                        if index == 0 {
                            format!("• {line}")
                        } else if line.is_empty() {
                            line
                        } else {
                            format!("  {line}")
                        }
                    })
            })
            .collect(),
        other => {
            let text = other.plain_text();
            let kind = clean(other.kind());
            let kind = if kind.is_empty() {
                "untyped".into()
            } else {
                kind
            };
            if text.is_empty() {
                vec![format!("[{kind} block]")]
            } else {
                let mut lines: Vec<String> = clean(&text).split('\n').map(str::to_owned).collect();
                lines[0] = format!("[{kind} block] {}", lines[0]);
                lines
            }
        }
    }
}

/// A rich-text value (the `value` of a text block) for a terminal.
///
/// Bold and italic become ANSI escapes with `ansi` and plain text without; links read
/// `label <href>`, mentions `@label (KIND ID)`, emoji `:name:`, variables `${key|fallback}`.
/// Control characters other than newline and tab are shown escaped (`\u{1b}`), so a reply
/// cannot drive the terminal.
///
/// ```
/// use channeltalk_webhook_cli::render_rich_text;
///
/// let value = r#"<b>Hi</b> <link type="manager" value="42">@Ann</link>, see <link type="url" value="https://x.io">docs</link> :wave:"#;
/// assert_eq!(render_rich_text(value, false), "Hi @Ann (manager 42), see docs <https://x.io> :wave:");
/// assert!(render_rich_text(value, true).starts_with("\x1b[1mHi\x1b[0m "));
/// ```
#[must_use]
pub fn render_rich_text(value: &str, ansi: bool) -> String {
    let mut out = String::new();
    for span in rich_text::parse(value) {
        let content = span_text(&span);
        let style = match (span.style.bold, span.style.italic) {
            _ if !ansi => None,
            (true, true) => Some(BOLD_ITALIC),
            (true, false) => Some(BOLD),
            (false, true) => Some(ITALIC),
            (false, false) => None,
        };
        match style {
            Some(code) if !content.is_empty() => {
                out.push_str(code);
                out.push_str(&content);
                out.push_str(RESET);
            }
            _ => out.push_str(&content),
        }
    }
    out
}

fn span_text(span: &Span) -> String {
    match &span.inline {
        Inline::Text(text) => clean(text).into_owned(),
        Inline::Link { href, label } => {
            if label.trim().is_empty() || label == href {
                format!("<{}>", clean(href))
            } else {
                format!("{} <{}>", clean(label), clean(href))
            }
        }
        Inline::Mention { kind, id, label } => {
            let label = clean(label);
            let at = if label.starts_with('@') { "" } else { "@" };
            format!("{at}{label} ({} {})", clean(kind.as_str()), clean(id))
        }
        _ => clean(&span.plain_text()).into_owned(),
    }
}

/// Text safe to print: CRLF becomes LF; other control characters (but tab and newline) and
/// bidirectional overrides are shown escaped.
fn clean(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            write!(out, "{}", c.escape_unicode()).ok();
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use channeltalk_webhook::QuickReply;
    use channeltalk_webhook::rich_text::RichText;

    fn view_of(reply: QuickReply) -> ChannelView {
        let response = channeltalk_webhook::Reply::from(reply).into_response();
        ChannelView::from_response(&response)
    }

    #[test]
    fn plain_text_and_korean_pass_through() {
        assert_eq!(
            render_rich_text("안녕하세요, 반갑습니다!", false),
            "안녕하세요, 반갑습니다!"
        );
        assert_eq!(render_rich_text("a &lt;b&gt; &amp; c", false), "a <b> & c");
        assert_eq!(render_rich_text("", true), "");
    }

    #[test]
    fn bold_and_italic_use_ansi_only_when_asked() {
        let value = "normal <b>굵게</b> <i>기울임</i> <b><i>둘 다</i></b>";
        assert_eq!(render_rich_text(value, false), "normal 굵게 기울임 둘 다");
        assert_eq!(
            render_rich_text(value, true),
            "normal \x1b[1m굵게\x1b[0m \x1b[3m기울임\x1b[0m \x1b[1;3m둘 다\x1b[0m"
        );
    }

    #[test]
    fn links_show_label_and_href() {
        let value = r#"<link type="url" value="https://a.io/?q=1&amp;r=2">문서</link> and <link type="url" value="https://b.io">https://b.io</link>"#;
        assert_eq!(
            render_rich_text(value, false),
            "문서 <https://a.io/?q=1&r=2> and <https://b.io>"
        );
        let bold_link = r#"<b><link type="url" value="https://a.io">docs</link></b>"#;
        assert_eq!(
            render_rich_text(bold_link, true),
            "\x1b[1mdocs <https://a.io>\x1b[0m"
        );
    }

    #[test]
    fn mentions_show_kind_and_id() {
        let value = r#"<link type="manager" value="98765">@김민수</link> <link type="team" value="7">dev</link> <link type="bot" value="b1">@B</link>"#;
        assert_eq!(
            render_rich_text(value, false),
            "@김민수 (manager 98765) @dev (team 7) @B (bot b1)"
        );
    }

    #[test]
    fn emoji_and_variables_show_their_source() {
        assert_eq!(
            render_rich_text("hi :wave: ${name|고객님} ${plan}", false),
            "hi :wave: ${name|고객님} ${plan}"
        );
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let value = "a\u{1b}[31mred\u{7} b\r\nc\u{202e}d";
        let shown = render_rich_text(value, false);
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}') && !shown.contains('\r'));
        assert_eq!(shown, "a\\u{1b}[31mred\\u{7} b\nc\\u{202e}d");
    }

    #[test]
    fn blocks_are_laid_out_with_bullets_and_code() {
        let blocks = [
            Block::text(RichText::new().text("결과: ").bold("성공")),
            Block::bullets(["첫째", "둘째"]),
            Block::code(Some("rust"), "fn main() {\n\n    println!(\"hi\");\n}\n"),
            Block::code(None, "ls"),
            Block::text("line 1\nline 2"),
        ];
        assert_eq!(
            render_blocks(&blocks, false),
            "  결과: 성공\n  • 첫째\n  • 둘째\n  code (rust):\n      fn main() {\n\n          println!(\"hi\");\n      }\n  code:\n      ls\n  line 1\n  line 2\n"
        );
        assert_eq!(
            render_blocks(&blocks[..1], true),
            "  결과: \x1b[1m성공\x1b[0m\n"
        );
    }

    #[test]
    fn nested_bullets_and_unknown_blocks() {
        let nested = Block::Bullets {
            blocks: vec![
                Block::text("a\nmore"),
                Block::bullets(["inner"]),
                Block::code(Some("sh"), "x"),
            ],
        };
        assert_eq!(
            render_blocks(&[nested], false),
            "  • a\n    more\n  • • inner\n  • code (sh):\n        x\n"
        );
        let unknown: Block =
            serde_json::from_str(r#"{"type":"image","url":"https://x/cat.png"}"#).unwrap();
        let with_value: Block = serde_json::from_str(r#"{"type":"quote","value":"said"}"#).unwrap();
        assert_eq!(
            render_blocks(&[unknown, with_value], false),
            "  [image block]\n  [quote block] said\n"
        );
    }

    #[test]
    fn a_quick_reply_shows_the_bot_name_and_message() {
        let reply = QuickReply::new()
            .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
            .text(RichText::new().text("안녕하세요 ").italic("고객님"));
        let view = view_of(reply);
        assert_eq!(Verdict::of(&view), Verdict::Delivered);
        assert_eq!(Verdict::of(&view).exit_code(), 0);
        assert_eq!(
            render_view(&view, false),
            "Status: 200 OK\nDelivered: Channel counts this as a successful delivery.\n\
             Quick reply posted as 상담봇:\n  안녕하세요 고객님\n"
        );
        assert_eq!(
            render_view(&view, true),
            "Status: 200 OK\n\x1b[1;32mDelivered:\x1b[0m Channel counts this as a successful delivery.\n\
             Quick reply posted as \x1b[1m상담봇\x1b[0m:\n  안녕하세요 \x1b[3m고객님\x1b[0m\n"
        );
    }

    #[test]
    fn a_quick_reply_without_bot_name_is_posted_as_the_channel() {
        let view = view_of(QuickReply::new().text("hi"));
        assert!(
            render_view(&view, false).contains("Quick reply posted as (channel name):\n  hi\n")
        );
    }

    #[test]
    fn a_quick_reply_without_blocks_shows_the_body() {
        let view = ChannelView::new(200, [("x-quick-reply", &b"true"[..])], b"ok");
        let shown = render_view(&view, false);
        assert!(shown.contains("no blocks Channel can show"), "{shown}");
        assert!(shown.ends_with("\n  ok\n"), "{shown}");
    }

    #[test]
    fn an_acknowledgement_posts_nothing() {
        let view = ChannelView::new(200, [], b"");
        assert_eq!(Verdict::of(&view), Verdict::Delivered);
        let shown = render_view(&view, false);
        assert!(shown.starts_with("Status: 200 OK\nDelivered:"), "{shown}");
        assert!(shown.contains("Channel posts nothing"), "{shown}");
    }

    #[test]
    fn a_quick_reply_header_on_another_2xx_is_explained() {
        let delivery = Delivery {
            status: 201,
            headers: vec![("x-quick-reply".into(), b"true".to_vec())],
            body: br#"{"blocks":[{"type":"text","value":"hi"}]}"#.to_vec(),
        };
        let shown = render_delivery(&delivery, false);
        assert!(shown.starts_with("Status: 201 Created\n"), "{shown}");
        assert!(
            shown.contains("status 201; Channel posts a quick reply only with status 200"),
            "{shown}"
        );
    }

    #[test]
    fn failures_explain_the_100_in_a_row_rule() {
        for status in [400, 401, 404, 413, 429, 500, 503] {
            let view = ChannelView::new(status, [], b"invalid token\n");
            assert_eq!(Verdict::of(&view), Verdict::Failed);
            assert_eq!(Verdict::of(&view).exit_code(), 1);
            let shown = render_view(&view, false);
            assert!(shown.starts_with(&format!("Status: {status} ")), "{shown}");
            assert!(shown.contains("Body: invalid token\n"), "{shown}");
            assert!(shown.contains("failed delivery"), "{shown}");
            assert!(shown.contains("100 failures in a row"), "{shown}");
        }
        let shown = render_view(&ChannelView::new(401, [], b""), false);
        assert!(shown.contains("Hint: Is --token"), "{shown}");
        assert!(!shown.contains("Body:"), "{shown}");
        let shown = render_view(&ChannelView::new(599, [], b""), true);
        assert!(shown.starts_with("Status: 599\n"), "{shown}");
        assert!(
            shown.contains("\x1b[1;31mFailed delivery:\x1b[0m"),
            "{shown}"
        );
    }

    #[test]
    fn long_or_hostile_bodies_are_cut_and_cleaned() {
        let body = format!("\u{1b}[2J{}", "x".repeat(2000));
        let shown = render_view(&ChannelView::new(500, [], body.as_bytes()), false);
        assert!(!shown.contains('\u{1b}'), "{shown}");
        assert!(shown.contains("… (2004 bytes in all)"), "{shown}");
    }

    #[test]
    fn redirects_are_not_failures() {
        let view = ChannelView::new(302, [("location", &b"/elsewhere"[..])], b"");
        assert_eq!(Verdict::of(&view), Verdict::Delivered);
        assert!(render_view(&view, false).contains("redirects are not followed"));
    }
}
