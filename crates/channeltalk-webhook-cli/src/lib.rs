#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! `channeltalk-webhook`: a Channel Talk webhook simulator for your terminal.
//!
//! It lets you exercise a bot locally exactly as Channel Talk (channel.io) would, with no
//! Channel account: it posts a realistic event to your bot the way Channel delivers webhooks
//! (`POST`, a JSON body, `Content-Type: application/json`, the secret token in `?token=`),
//! then tells you what Channel would make of the answer: the status, whether it counts as a
//! failed delivery (any 4xx or 5xx; after 100 failures in a row Channel blocks the webhook),
//! and, for a quick reply, the bot name and the message as Channel would post it.
//!
//! # Usage
//!
//! ```text
//! # Start a bot (any of the examples), then:
//! channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --text hi
//! channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --person manager --chat group --text "deploy?"
//! channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --person bot   # your own reply coming back
//! channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --type userChat
//!
//! # Print an event, edit it, replay it:
//! channeltalk-webhook sample --type message --text hi > event.json
//! channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --file event.json
//!
//! # Manage the channel's webhooks through Channel's Open API
//! # (CHANNEL_ACCESS_KEY / CHANNEL_ACCESS_SECRET; exit 0 done, 1 refused by Channel, 2 usage or connection):
//! channeltalk-webhook webhooks create --name bot --url https://bot.example.com/webhook --scope message.created.userChat
//! channeltalk-webhook webhooks list
//! channeltalk-webhook webhooks update 12345 --unblock
//! ```
//!
//! Against the echo example (`CHANNEL_WEBHOOK_TOKEN=T cargo run -p core-direct`), the first
//! command prints something like:
//!
//! ```text
//! POST http://127.0.0.1:8080/webhook?token=*** (token hidden)
//! Event: a message by a user in a user chat: "hi" (676 bytes)
//! Status: 200 OK
//! Delivered: Channel counts this as a successful delivery.
//! Quick reply posted as EchoBot:
//!   echo: hi
//! ```
//!
//! The token can also come from the `CHANNEL_WEBHOOK_TOKEN` variable, like the examples read
//! it. It is only ever sent in the query string, and never printed. The simulator speaks plain
//! HTTP only (TLS is not compiled in): it is meant for a bot running on your machine. It
//! ignores proxy variables and does not follow redirects, so the token goes nowhere else.
//!
//! Bold and italic are shown with ANSI escapes only when standard output is a terminal (and
//! `NO_COLOR` is not set); links read `label <href>`, mentions `@name (manager 42)`.
//!
//! Exit status: 0 when Channel would count the delivery as successful, 1 when it would count a
//! failure (a 4xx or 5xx, or no answer within `--timeout`), 2 for a usage error, an unreadable
//! or invalid `--file`, or a bot that cannot be reached.
//!
//! # Answering later
//!
//! With `--api-listen ADDR --wait SECS` the simulator plays both sides of Channel: it also
//! serves a local Open API at ADDR (any non-empty credentials) and prints every message the bot
//! posts through it within SECS of the delivery's answer, rendered like a quick reply and
//! marked with its delay. Start the bot with `CHANNEL_API_BASE_URL=http://ADDR`. An answer
//! slower than a few seconds is flagged with a hint to answer later instead.
//!
//! # Library
//!
//! The binary is a thin shell over this library, which holds everything testable:
//!
//! ```
//! use channeltalk_webhook::testing::ChannelView;
//! use channeltalk_webhook_cli::{Chat, EventArgs, EventType, Person, Verdict, build_event, render_view};
//!
//! let args = EventArgs { person: Person::Manager, chat: Chat::Group, ..EventArgs::default() };
//! let event = build_event(&args).event();
//! assert!(event.message().unwrap().is_team_chat());
//!
//! let view = ChannelView::new(
//!     200,
//!     [("x-quick-reply", &b"true"[..]), ("x-bot-name", "봇".as_bytes())],
//!     br#"{"blocks":[{"type":"text","value":"<b>hi</b> there"}]}"#,
//! );
//! assert_eq!(Verdict::of(&view), Verdict::Delivered);
//! let shown = render_view(&view, false);
//! assert!(shown.contains("Quick reply posted as 봇:\n  hi there\n"));
//! ```

mod args;
mod deliver;
mod error;
mod event;
mod exit;
mod open_api;
mod render;
mod webhooks;

pub use args::{
    ApiListenArgs, Chat, Cli, Command, EnvelopeArgs, EventArgs, EventType, Person, SampleArgs,
    SendArgs,
};
pub use deliver::{Delivery, Outgoing, REDACTED, redacted_url, webhook_url};
pub use error::CliError;
pub use event::{
    build_event, describe_envelope, describe_event, describe_file_event, read_event_file,
    sample_json, with_envelope,
};
pub use exit::{EXIT_DELIVERED, EXIT_ERROR, EXIT_FAILED_DELIVERY};
pub use open_api::{SLOW_ANSWER, exit_status_of, render_posted_parts, run_send, slow_answer_hint};
pub use render::{Verdict, render_blocks, render_delivery, render_rich_text, render_view};
pub use webhooks::{
    ApiArgs, EXIT_REFUSED, WebhookSpec, WebhooksArgs, WebhooksCommand, WebhooksError, run_webhooks,
};
