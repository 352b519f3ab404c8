//! The other side of Channel: `send --api-listen ADDR --wait SECS` serves a local fake of the
//! Open API while the event is delivered, and shows what the bot posts through it afterwards.
//!
//! A bot that answers slowly must acknowledge the delivery at once and post its answer later
//! through the Open API. To see that flow on one machine, the simulator plays both parts
//! Channel plays: it delivers the event, and it is the API the bot posts to (start the bot with
//! `CHANNEL_API_BASE_URL=http://ADDR`). It also times the bot's answer to the delivery, since
//! Channel does not document how long it waits.

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use channeltalk_api::testing::{Collection, FakeChannel, PostedMessage, RecordedRequest};
use channeltalk_webhook::rich_text::escape;
use channeltalk_webhook::{ChatTarget, Event, model::Block};
use serde_json::json;

use crate::args::SendArgs;
use crate::deliver::Outgoing;
use crate::error::CliError;
use crate::exit::{EXIT_ERROR, EXIT_FAILED_DELIVERY};
use crate::render::{Verdict, render_blocks, render_delivery, render_rich_text};

/// An answer to a delivery slower than this is flagged: Channel's limit is unknown.
pub const SLOW_ANSWER: Duration = Duration::from_secs(3);

/// How often the local Open API is checked for new messages during the wait.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// Runs `send`: delivers the event and reports the answer; with `--api-listen`, also serves
/// the local Open API and reports every message the bot posts within `--wait`. Returns the
/// exit status: 0 delivered, 1 failed delivery (a 4xx/5xx, or no answer within `--timeout`),
/// 2 for a usage, file or connection error.
///
/// Reports go to `out`, errors to `err`; with `ansi`, bold and italic use ANSI escapes.
pub fn run_send(args: &SendArgs, out: &mut impl Write, err: &mut impl Write, ansi: bool) -> u8 {
    let outgoing = match Outgoing::from_args(args) {
        Ok(outgoing) => outgoing,
        Err(error) => return fail(err, &error),
    };
    let fake = match args.api.api_listen.map(serve_api).transpose() {
        Ok(fake) => fake,
        Err(error) => {
            writeln!(err, "error: {error}").ok();
            return EXIT_ERROR;
        }
    };
    if let Some(fake) = &fake {
        know_the_chat(fake, outgoing.body());
        let url = fake.base_url();
        writeln!(
            out,
            "Open API (local, any credentials) on {url}: start the bot with CHANNEL_API_BASE_URL={url}"
        )
        .ok();
    }
    write!(out, "{}", outgoing.preamble()).ok();
    // Shown before a possibly slow answer; a failed flush only delays it.
    out.flush().ok();
    let sent = Instant::now();
    let result = outgoing.send();
    let (took, answered) = (sent.elapsed(), SystemTime::now());
    let status = match &result {
        Ok(delivery) => {
            write!(out, "{}", render_delivery(delivery, ansi)).ok();
            if took >= SLOW_ANSWER {
                write!(out, "{}", slow_answer_hint(took)).ok();
            }
            Verdict::of(&delivery.view()).exit_code()
        }
        Err(error) => fail(err, error),
    };
    if let Some(fake) = fake {
        // A bot that was reached (even one that answered too late) may still post.
        if matches!(result, Ok(_) | Err(CliError::Timeout { .. })) {
            let wait = Duration::from_secs(args.api.wait);
            watch(&fake, answered, Instant::now() + wait, wait, out, ansi);
        }
    }
    status
}

/// The exit status of an error: no answer in time is a failed delivery as Channel counts it;
/// anything else stopped the simulator before there was an answer.
#[must_use]
pub fn exit_status_of(error: &CliError) -> u8 {
    match error {
        CliError::Timeout { .. } => EXIT_FAILED_DELIVERY,
        _ => EXIT_ERROR,
    }
}

fn fail(err: &mut impl Write, error: &CliError) -> u8 {
    writeln!(err, "error: {error}").ok();
    if matches!(error, CliError::Timeout { .. }) {
        writeln!(
            err,
            "hint: answer the delivery at once (200, no quick reply) and post the answer later \
             through the Open API"
        )
        .ok();
    }
    exit_status_of(error)
}

fn serve_api(addr: SocketAddr) -> Result<FakeChannel, String> {
    FakeChannel::builder()
        .accept_any_credentials()
        .bind(addr)
        .start_in_background()
        .map_err(|error| {
            format!(
                "could not serve the Open API on {addr} ({error}); is another program using it?"
            )
        })
}

/// Makes the local Open API know the chat the event names, so that the bot's answer to it
/// is accepted like Channel would accept it (other chats are unknown: 404).
fn know_the_chat(fake: &FakeChannel, body: &[u8]) {
    let Some(target) = Event::parse(body.to_vec())
        .ok()
        .and_then(|event| event.reply_target())
    else {
        return;
    };
    match target {
        ChatTarget::UserChat(id) => fake.insert(Collection::UserChats, json!({ "id": id })),
        ChatTarget::Group(id) | ChatTarget::Thread { group_id: id, .. } => {
            fake.insert(
                Collection::Groups,
                json!({ "id": id, "name": id, "title": id }),
            );
        }
        ChatTarget::GroupNamed(name) => {
            fake.insert(
                Collection::Groups,
                json!({ "id": name, "name": name, "title": name }),
            );
        }
    }
}

/// The note under an answer that took `took` (at least [`SLOW_ANSWER`]).
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook_cli::slow_answer_hint;
///
/// let hint = slow_answer_hint(Duration::from_millis(4200));
/// assert!(hint.starts_with("Slow answer: the bot took 4.2 s to answer the delivery."));
/// ```
#[must_use]
pub fn slow_answer_hint(took: Duration) -> String {
    format!(
        "Slow answer: the bot took {:.1} s to answer the delivery. Channel does not say how long \
         it waits, and counts a delivery without an answer as failed.\n\
         Hint: answer at once (200, no quick reply) and post the answer later through the Open \
         API (see examples/echo-later).\n",
        took.as_secs_f64()
    )
}

/// Prints each message posted (and each refused call) until `until`, then a summary.
fn watch(
    fake: &FakeChannel,
    answered: SystemTime,
    until: Instant,
    wait: Duration,
    out: &mut impl Write,
    ansi: bool,
) {
    let (mut shown_posts, mut shown_requests) = (0, 0);
    loop {
        let last_look = Instant::now() >= until;
        let posted = fake.posted_messages();
        for message in posted.iter().skip(shown_posts) {
            write!(out, "{}", render_posted(message, answered, ansi)).ok();
        }
        shown_posts = posted.len();
        let requests = fake.requests();
        for request in requests.iter().skip(shown_requests) {
            if let Some(note) = refused_note(request) {
                writeln!(out, "{note}").ok();
            }
        }
        shown_requests = requests.len();
        out.flush().ok();
        if last_look {
            break;
        }
        std::thread::sleep(POLL_EVERY.min(until.saturating_duration_since(Instant::now())));
    }
    let seconds = wait.as_secs();
    match shown_posts {
        0 => writeln!(
            out,
            "Nothing posted through the Open API within {seconds} s of the answer."
        ),
        1 => writeln!(
            out,
            "1 message posted through the Open API within {seconds} s of the answer."
        ),
        n => writeln!(
            out,
            "{n} messages posted through the Open API within {seconds} s of the answer."
        ),
    }
    .ok();
}

/// A message posted through the local Open API, shown like a quick reply and marked with how
/// long after the delivery's answer it came.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use channeltalk_webhook_cli::render_posted_parts;
///
/// let shown = render_posted_parts(
///     Some("EchoBot"), "user chat c-2001", Some(Duration::from_millis(1000)),
///     &serde_json::json!({"blocks": [{"type": "text", "value": "echo: hi"}]}), false,
/// );
/// assert_eq!(shown, "Posted later through the Open API (1.0 s after the answer) as EchoBot, to user chat c-2001:\n  echo: hi\n");
/// ```
#[must_use]
pub fn render_posted_parts(
    bot_name: Option<&str>,
    target: &str,
    after_answer: Option<Duration>,
    body: &serde_json::Value,
    ansi: bool,
) -> String {
    let when = match after_answer {
        Some(delay) => format!("{:.1} s after the answer", delay.as_secs_f64()),
        None => "before the delivery was answered".to_owned(),
    };
    let name = bot_name.map_or_else(
        || "(channel name)".to_owned(),
        |name| {
            let name = render_rich_text(&escape(name), false);
            if ansi {
                format!("\x1b[1m{name}\x1b[0m")
            } else {
                name
            }
        },
    );
    let target = render_rich_text(&escape(target), false);
    let blocks: Vec<Block> = body
        .get("blocks")
        .and_then(|blocks| serde_json::from_value(blocks.clone()).ok())
        .unwrap_or_default();
    let blocks = match body.get("plainText").and_then(serde_json::Value::as_str) {
        Some(text) if blocks.is_empty() => vec![Block::text(text)],
        _ => blocks,
    };
    let mut shown = format!("Posted later through the Open API ({when}) as {name}, to {target}:\n");
    if blocks.is_empty() {
        shown.push_str("  (no blocks and no plainText: Channel would have nothing to show)\n");
    } else {
        shown.push_str(&render_blocks(&blocks, ansi));
    }
    shown
}

fn render_posted(message: &PostedMessage, answered: SystemTime, ansi: bool) -> String {
    render_posted_parts(
        message.bot_name.as_deref(),
        &message.target.to_string(),
        message.at.duration_since(answered).ok(),
        &message.body,
        ansi,
    )
}

/// A line for a call the local Open API refused for want of credentials.
fn refused_note(request: &RecordedRequest) -> Option<String> {
    (!request.authorized).then(|| {
        format!(
            "Open API call refused (401): {} {} came without credentials; give the bot \
             CHANNEL_ACCESS_KEY and CHANNEL_ACCESS_SECRET (any non-empty values here).",
            request.method,
            render_rich_text(&escape(&request.path), false)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posted_messages_render_like_quick_replies() {
        let body = json!({"blocks": [
            {"type": "text", "value": "echo: &lt;b&gt; <b>bold</b>"},
            {"type": "bullets", "blocks": [{"type": "text", "value": "one"}]}
        ], "requestId": "r1"});
        assert_eq!(
            render_posted_parts(
                Some("상담봇"),
                "thread m1 in team chat 1234",
                Some(Duration::from_millis(2340)),
                &body,
                false
            ),
            "Posted later through the Open API (2.3 s after the answer) as 상담봇, to thread m1 in team chat 1234:\n  echo: <b> bold\n  • one\n"
        );
        let shown = render_posted_parts(Some("Bot"), "team chat 1", None, &body, true);
        assert!(shown.contains("(before the delivery was answered) as \x1b[1mBot\x1b[0m"));
    }

    #[test]
    fn plain_text_only_and_empty_bodies_are_shown() {
        let shown = render_posted_parts(
            None,
            "user chat c",
            Some(Duration::ZERO),
            &json!({"plainText": "a <b> c\nsecond"}),
            false,
        );
        assert!(
            shown.contains("as (channel name), to user chat c:\n"),
            "{shown}"
        );
        assert!(shown.ends_with("  a <b> c\n  second\n"), "{shown}");
        let empty = render_posted_parts(None, "user chat c", None, &json!({}), false);
        assert!(
            empty.contains("Channel would have nothing to show"),
            "{empty}"
        );
    }

    #[test]
    fn hostile_names_cannot_drive_the_terminal() {
        let shown = render_posted_parts(
            Some("Bot\u{1b}[2J"),
            "user chat \u{7}x",
            None,
            &json!({"plainText": "hi\u{1b}[31m"}),
            false,
        );
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown}"
        );
    }

    #[test]
    fn slow_answers_are_flagged_with_the_way_out() {
        let hint = slow_answer_hint(Duration::from_millis(3050));
        assert!(hint.contains("took 3.0 s"), "{hint}");
        assert!(hint.contains("post the answer later"), "{hint}");
    }

    #[test]
    fn api_listen_takes_an_address_and_waits_5_s_by_default() {
        use clap::Parser;
        let parse = |extra: &[&str]| {
            let base = [
                "channeltalk-webhook",
                "send",
                "--url",
                "http://h/",
                "--token",
                "T",
            ];
            crate::Cli::try_parse_from(base.iter().chain(extra))
        };
        let crate::Command::Send(send) =
            parse(&["--api-listen", "127.0.0.1:8090"]).unwrap().command
        else {
            panic!("not send")
        };
        assert_eq!(
            send.api.api_listen,
            Some(SocketAddr::from(([127, 0, 0, 1], 8090)))
        );
        assert_eq!(send.api.wait, 5);
        assert!(parse(&["--api-listen", "localhost"]).is_err());
        assert!(parse(&["--api-listen", "127.0.0.1:1", "--wait", "3601"]).is_err());
        assert!(parse(&["--wait", "1"]).is_err());
    }

    #[test]
    fn no_answer_in_time_is_a_failed_delivery() {
        let timeout = CliError::Timeout {
            url: "http://h/".into(),
            seconds: 1,
            reason: "timed out".into(),
        };
        assert_eq!(exit_status_of(&timeout), EXIT_FAILED_DELIVERY);
        let refused = CliError::Connect {
            url: "http://h/".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(exit_status_of(&refused), EXIT_ERROR);
    }
}
