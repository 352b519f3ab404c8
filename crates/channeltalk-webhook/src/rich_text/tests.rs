//! Tests of the rich-text module.

use std::borrow::Cow;

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
fn unknown_tags_degrade_to_their_text() {
    assert_eq!(parse("<u>x</u>"), literal("x"));
    assert_eq!(parse("<div class=\"a\">x</div>"), literal("x"));
    assert_eq!(parse("<b >x</b >"), literal("x"));
    assert_eq!(parse("a<br/>b<br />c"), literal("abc"));
    assert_eq!(parse("<linked>"), vec![]);
    assert_eq!(parse("<u><b>x</b></u>"), vec![text(BOLD, "x")]);
    // Not tags: kept as text.
    assert_eq!(parse("<3 <-- x<y"), literal("<3 <-- x<y"));
    assert_eq!(parse("<u x"), literal("<u x"));
}

#[test]
fn stray_angle_brackets_are_literal() {
    assert_eq!(parse("a < b > c"), literal("a < b > c"));
    assert_eq!(parse("<"), literal("<"));
    assert_eq!(parse("<<b>x"), vec![text(PLAIN, "<"), text(BOLD, "x")]);
}

#[test]
fn stray_closing_tags_are_dropped() {
    assert_eq!(parse("a</b>c"), literal("ac"));
    assert_eq!(parse("</i></link>"), vec![]);
    assert_eq!(parse("<b>x</i></b>"), vec![text(BOLD, "x")]);
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
fn a_url_link_without_value_goes_to_its_label() {
    assert_eq!(
        parse(r#"see <link type="url">https://a.example/x</link>!"#),
        vec![
            text(PLAIN, "see "),
            span(PLAIN, link("https://a.example/x", "https://a.example/x")),
            text(PLAIN, "!"),
        ]
    );
    assert_eq!(
        parse(r#"<link type='URL'><b>a&amp;b</b></link>"#),
        vec![span(PLAIN, link("a&b", "a&b"))]
    );
}

#[test]
fn malformed_link_tags_degrade_to_their_text() {
    for value in [
        r#"<link value="x">y</link>"#,
        r#"<link type="manager">y</link>"#,
        "<link>y</link>",
        r#"<link type=url value="x">y</link>"#,
        r#"<link type="url value="x">y</link>"#,
        r#"<link type="url" value="x>y</link>"#,
        r#"<link type="url" value='x">y</link>"#,
        r#"<link type="url"value="x">y</link>"#,
        r#"<link type="url" value="x" / >y</link>"#,
        r#"<linktype="url" value="x">y</link>"#,
    ] {
        assert_eq!(parse(value), literal("y"), "{value:?}");
    }
    // An opening tag cut short by a `<` is no tag: its text stays, the rest is read.
    assert_eq!(
        parse(r#"<link type="url" value="x"y</link>"#),
        literal(r#"<link type="url" value="x"y"#)
    );
    assert_eq!(
        parse(r#"<link type="url" value="x<b>">y</link>"#),
        vec![
            text(PLAIN, r#"<link type="url" value="x"#),
            text(BOLD, r#"">y"#),
        ]
    );
}

#[test]
fn unclosed_link_tag_is_dropped_and_the_rest_is_parsed() {
    let value = r#"<link type="url" value="a:b:c">label <b>b</b> :x:"#;
    assert_eq!(
        parse(value),
        vec![
            text(PLAIN, "label "),
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
        vec![span(PLAIN, link("a", "xy")), text(PLAIN, "z"),]
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
fn adjacent_text_is_merged_across_dropped_and_literal_markup() {
    assert_eq!(parse("a<u>b:c$d"), literal("ab:c$d"));
    assert_eq!(parse("a<3b:c$d"), literal("a<3b:c$d"));
    assert_eq!(parse("<b>a</b><b>b</b>"), vec![text(BOLD, "ab")]);
}

#[test]
fn pathological_inputs_stay_linear_enough() {
    let many_links = r#"<link type="url" value="x">"#.repeat(5_000);
    assert_eq!(to_plain_text(&many_links), "");
    let many_cut_tags = "<u a".repeat(20_000);
    assert_eq!(to_plain_text(&many_cut_tags), many_cut_tags);
    let many_fallbacks = "${k|".repeat(20_000);
    assert_eq!(to_plain_text(&many_fallbacks), many_fallbacks);
    let deep = "<b>".repeat(20_000) + "x" + &"</i>".repeat(20_000);
    assert_eq!(parse(&deep), vec![text(BOLD, "x")]);
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
        .link("https://e.com/?a=1&b=\"2\"", "docs")
        .unwrap();
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
    let linked = RichText::new().link_unchecked("\" type=\"manager", "</link>");
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
        .link_unchecked("u", RichText::new().bold("go").text(" "));
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
    let label = RichText::new()
        .text("see ")
        .link_unchecked("inner", "<inner>");
    let built = RichText::new().link_unchecked("outer", label);
    assert_eq!(
        built.as_str(),
        "<link type=\"url\" value=\"outer\">see &lt;inner&gt;</link>"
    );
    let raw_label = RichText::raw("a</LINK>b");
    assert_eq!(
        RichText::new().link_unchecked("u", raw_label).spans(),
        vec![span(PLAIN, link("u", "ab"))]
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
    assert_eq!(built.as_str(), "<b>\"hi\"</b>");
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
            .link_unchecked(href.as_str(), label.as_str())
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

#[test]
fn links_are_limited_to_safe_schemes_unless_unchecked() {
    for href in [
        "https://a.example",
        "HTTP://a.example",
        "mailto:a@b.example",
        "tel:+821012345678",
    ] {
        assert!(RichText::new().link(href, "ok").is_ok(), "{href}");
    }
    for href in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "/relative",
        "",
        "java\tscript:x",
    ] {
        let refused = RichText::new().link(href, "no").unwrap_err();
        assert!(
            matches!(refused, RichTextError::UnsafeLinkTarget { .. }),
            "{href}"
        );
    }
    let custom = RichText::new().link_unchecked("myapp://open", "app");
    assert!(custom.as_str().contains("myapp://open"));
}
