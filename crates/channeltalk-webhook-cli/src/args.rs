//! The command line, as clap derive types (doc comments become the `--help` text).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --text hi
  channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --person manager --chat group
  channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --event message.created.userChat --no-type
  channeltalk-webhook sample --type userChat > event.json
  channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --file event.json";

/// Exercise your Channel Talk bot locally, exactly as Channel would, with no Channel account.
///
/// `send` posts a realistic webhook event to your bot the way Channel delivers it and shows
/// what Channel would make of the answer; `sample` prints such an event to edit and replay.
#[derive(Debug, Parser)]
#[command(name = "channeltalk-webhook", version, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Post an event to your bot like Channel does, and show what Channel would make of the answer.
    ///
    /// The event is sent as `POST URL?token=TOKEN` (the token percent-encoded and appended to any
    /// query already in the URL) with a JSON body and `Content-Type: application/json`. Then the
    /// status is shown, whether Channel counts it as a failed delivery (any 4xx or 5xx; after 100
    /// failures in a row Channel blocks the webhook), and, for a quick reply (200 with
    /// `x-quick-reply: true`), the bot name and the message as Channel would post it.
    ///
    /// With --api-listen, the simulator also serves a local Open API and shows every message the
    /// bot posts through it within --wait seconds of the answer.
    ///
    /// Exit status: 0 delivered, 1 failed delivery (or no answer within --timeout), 2 usage,
    /// file or connection error.
    #[command(
        after_help = "Example:\n  channeltalk-webhook send --url http://127.0.0.1:8080/webhook --token T --text hi"
    )]
    Send(SendArgs),
    /// Print a realistic event as pretty JSON, to edit and replay with `send --file`.
    #[command(
        after_help = "Example:\n  channeltalk-webhook sample --type message --person manager --chat group --text deploy > event.json"
    )]
    Sample(SampleArgs),
    /// Manage the channel's webhooks through Channel's Open API: list, create, get, update
    /// (and unblock), delete.
    ///
    /// Credentials come from CHANNEL_ACCESS_KEY and CHANNEL_ACCESS_SECRET (flags override).
    /// Exit status: 0 done, 1 Channel refused (its status and message are printed), 2 usage or
    /// connection error.
    Webhooks(crate::webhooks::WebhooksArgs),
}

/// Arguments of `send`.
#[derive(Clone, Debug, Args)]
pub struct SendArgs {
    /// Your bot's webhook URL, e.g. http://127.0.0.1:8080/webhook (plain http only: TLS is not
    /// compiled in, this is for a bot running locally).
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// The webhook's secret token, as shown in the Channel desk. Sent only as `?token=`
    /// (percent-encoded), never printed.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CHANNEL_WEBHOOK_TOKEN",
        hide_env_values = true
    )]
    pub token: String,

    /// The event to build (ignored with --file).
    #[command(flatten)]
    pub event: EventArgs,

    /// The envelope form to send the built event in (ignored with --file).
    #[command(flatten)]
    pub envelope: EnvelopeArgs,

    /// Send this file instead of a built event: a JSON object such as `sample` prints, sent
    /// byte for byte.
    #[arg(
        long,
        value_name = "EVENT.json",
        conflicts_with_all = ["text", "event_type", "person", "chat", "event", "envelope_type", "no_type"]
    )]
    pub file: Option<PathBuf>,

    /// Seconds to wait for the whole exchange before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Playing the Open API too (--api-listen, --wait).
    #[command(flatten)]
    pub api: ApiListenArgs,
}

/// The envelope form of a built event: Channel names the model and the action in more than
/// one way (`"type":"Message"`, scope names such as `message.created.userChat` in `type` or
/// `event`), and a bot must handle each of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Args)]
pub struct EnvelopeArgs {
    /// The envelope's `event`, sent as given instead of `push` (or `upsert` for --type user),
    /// e.g. `message.created.userChat`, the form Channel's n8n integration expects.
    #[arg(long, value_name = "EVENT")]
    pub event: Option<String>,

    /// The envelope's `type`, sent as given instead of the one --type implies, e.g. `Message`
    /// (capitalised) or `message.created.teamChat` (a scope name).
    #[arg(long, value_name = "TYPE", conflicts_with = "no_type")]
    pub envelope_type: Option<String>,

    /// Send no `type` at all (with a scope name in --event, as newer webhooks may).
    #[arg(long)]
    pub no_type: bool,
}

/// Arguments of `sample`.
#[derive(Clone, Debug, Args)]
pub struct SampleArgs {
    /// The event to print.
    #[command(flatten)]
    pub event: EventArgs,
}

/// `send`'s options for playing the Open API too.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct ApiListenArgs {
    /// Also play Channel's Open API: serve a local fake of it at ADDR (e.g. 127.0.0.1:8090)
    /// while the event is delivered, accepting any non-empty credentials, and show every
    /// message the bot posts through it. Start the bot with CHANNEL_API_BASE_URL=http://ADDR.
    #[arg(long, value_name = "ADDR")]
    pub api_listen: Option<SocketAddr>,

    /// With --api-listen: seconds to keep watching for messages after the delivery is answered.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, requires = "api_listen",
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub wait: u64,
}

/// Which event to build, shared by `send` and `sample`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct EventArgs {
    /// The message's text (--type message only).
    #[arg(long, value_name = "TEXT", default_value = "hi")]
    pub text: String,

    /// What happened: a new message, a user chat opened, or a customer's details changed.
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_enum,
        ignore_case = true,
        default_value_t = EventType::Message
    )]
    pub event_type: EventType,

    /// Who wrote the message (--type message only). Channel sends your bot's own quick replies
    /// back to it as bot messages, which a bot must ignore.
    #[arg(
        long,
        value_name = "PERSON",
        value_enum,
        ignore_case = true,
        default_value_t = Person::User
    )]
    pub person: Person,

    /// Where the message was written (--type message only): a user chat with a customer, or a
    /// team chat (`group`) between managers.
    #[arg(
        long,
        value_name = "CHAT",
        value_enum,
        ignore_case = true,
        default_value_t = Chat::UserChat
    )]
    pub chat: Chat,

    /// The message's id (--type message only). Without it, `send` gives every message a fresh
    /// id, as Channel does, so that a bot which recognises repeated deliveries answers each
    /// one; give the same id twice to play a repeated delivery. `sample` prints the sample's
    /// own id.
    #[arg(long, value_name = "ID")]
    pub message_id: Option<String>,
}

impl Default for EventArgs {
    /// The defaults of the command line: a user's message "hi" in a user chat.
    fn default() -> Self {
        EventArgs {
            text: "hi".to_owned(),
            event_type: EventType::Message,
            person: Person::User,
            chat: Chat::UserChat,
            message_id: None,
        }
    }
}

/// The event's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum EventType {
    /// A new message (`"type":"message"`).
    Message,
    /// A user chat opened by a customer (`"type":"userChat"`).
    #[value(name = "userChat", alias = "user-chat")]
    UserChat,
    /// A customer's contact details or marketing consent changed (`"type":"user"`).
    User,
}

/// Who wrote a message (`personType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Person {
    /// A customer.
    User,
    /// A member of your team, in the desk.
    Manager,
    /// A bot, such as your own quick replies coming back (a bot must not answer these).
    Bot,
}

/// Where a message was written (`chatType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Chat {
    /// A conversation with a customer (`"chatType":"userChat"`).
    #[value(name = "userChat", alias = "user-chat")]
    UserChat,
    /// A team chat between managers (`"chatType":"group"`).
    #[value(alias = "team")]
    Group,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("channeltalk-webhook").chain(args.iter().copied()))
    }

    #[test]
    fn send_has_the_documented_defaults() {
        let cli = parse(&["send", "--url", "http://x/webhook", "--token", "T"]).unwrap();
        let Command::Send(send) = cli.command else {
            panic!("not send")
        };
        assert_eq!(send.event, EventArgs::default());
        assert_eq!(send.file, None);
        assert_eq!(send.timeout, 30);
    }

    #[test]
    fn values_are_spelled_like_the_json_and_case_insensitive() {
        let cli = parse(&[
            "sample", "--type", "userChat", "--person", "Manager", "--chat", "group",
        ])
        .unwrap();
        let Command::Sample(sample) = cli.command else {
            panic!("not sample")
        };
        assert_eq!(sample.event.event_type, EventType::UserChat);
        assert_eq!(sample.event.person, Person::Manager);
        assert_eq!(sample.event.chat, Chat::Group);
        for spelling in ["userchat", "user-chat", "USERCHAT"] {
            assert!(parse(&["sample", "--type", spelling]).is_ok(), "{spelling}");
        }
        assert!(parse(&["sample", "--chat", "team"]).is_ok());
        assert!(parse(&["sample", "--type", "lead"]).is_err());
    }

    #[test]
    fn file_conflicts_with_explicit_event_flags_only() {
        let base = [
            "send",
            "--url",
            "http://x/",
            "--token",
            "T",
            "--file",
            "e.json",
        ];
        assert!(parse(&base).is_ok());
        for extra in [
            ["--event", "x"],
            ["--envelope-type", "Message"],
            ["--text", "x"],
            ["--type", "user"],
            ["--person", "bot"],
            ["--chat", "group"],
        ] {
            let args: Vec<&str> = base.iter().copied().chain(extra).collect();
            let error = parse(&args).unwrap_err();
            assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
        }
    }

    #[test]
    fn envelope_overrides_are_send_flags() {
        let cli = parse(&[
            "send",
            "--url",
            "http://x/",
            "--token",
            "T",
            "--event",
            "message.created.userChat",
            "--no-type",
        ])
        .unwrap();
        let Command::Send(send) = cli.command else {
            panic!("not send")
        };
        assert_eq!(
            send.envelope.event.as_deref(),
            Some("message.created.userChat")
        );
        assert!(send.envelope.no_type);
        let both = [
            "send",
            "--url",
            "http://x/",
            "--token",
            "T",
            "--envelope-type",
            "Message",
            "--no-type",
        ];
        assert_eq!(
            parse(&both).unwrap_err().kind(),
            clap::error::ErrorKind::ArgumentConflict
        );
        assert!(
            parse(&["sample", "--event", "x"]).is_err(),
            "send flags only"
        );
    }

    #[test]
    fn send_requires_url_and_token() {
        assert!(
            parse(&["send", "--url", "http://x/"]).is_err()
                || std::env::var_os("CHANNEL_WEBHOOK_TOKEN").is_some()
        );
        assert!(parse(&["send", "--token", "T"]).is_err());
        assert!(
            parse(&[
                "send",
                "--url",
                "http://x/",
                "--token",
                "T",
                "--timeout",
                "0"
            ])
            .is_err()
        );
    }
}
