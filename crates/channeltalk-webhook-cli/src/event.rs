//! The event to send: built from the command line with the core's test kit, or read from a file.

use std::path::Path;

use channeltalk_webhook::testing::SampleEvent;
use serde_json::Value;

use crate::args::{Chat, EnvelopeArgs, EventArgs, EventType, Person};
use crate::error::CliError;

/// The event the arguments describe, built with the core's [`SampleEvent`].
///
/// `text`, `person` and `chat` only matter for [`EventType::Message`].
///
/// ```
/// use channeltalk_webhook_cli::{EventArgs, EventType, build_event};
///
/// let args = EventArgs { event_type: EventType::User, ..EventArgs::default() };
/// assert_eq!(build_event(&args).json()["type"], "user");
/// ```
#[must_use]
pub fn build_event(args: &EventArgs) -> SampleEvent {
    match args.event_type {
        EventType::UserChat => SampleEvent::user_chat_opened(),
        EventType::User => SampleEvent::user_updated(),
        EventType::Message => {
            let message = match args.person {
                Person::User => SampleEvent::user_message(&args.text),
                Person::Manager => SampleEvent::manager_message(&args.text),
                Person::Bot => SampleEvent::bot_message(&args.text),
            };
            let message = match args.chat {
                Chat::UserChat => message,
                Chat::Group => message.in_team_chat(),
            };
            match &args.message_id {
                Some(id) => message.id(id),
                None => message,
            }
        }
    }
}

/// A fresh message id for one `send`: `sim-` and 16 hex digits from the clock, the process and a
/// counter (as long as the sample's own id, so the body keeps its size; unique enough for a
/// local bot's memory of handled ids).
#[must_use]
pub fn fresh_message_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            u64::try_from(d.as_nanos() & u128::from(u64::MAX)).unwrap_or(0)
        });
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    let mixed = nanos ^ count.rotate_left(40) ^ u64::from(std::process::id()).rotate_left(20);
    format!("sim-{mixed:016x}")
}

/// A one-line description of the event the arguments describe, such as
/// `a message by a manager in a team chat: "hi"`.
#[must_use]
pub fn describe_event(args: &EventArgs) -> String {
    match args.event_type {
        EventType::UserChat => "a user chat opened by a customer (type userChat)".to_owned(),
        EventType::User => "a customer's details changed (type user)".to_owned(),
        EventType::Message => {
            let person = match args.person {
                Person::User => "a user",
                Person::Manager => "a manager",
                Person::Bot => "a bot",
            };
            let chat = match args.chat {
                Chat::UserChat => "a user chat",
                Chat::Group => "a team chat",
            };
            let id = args
                .message_id
                .as_ref()
                .map(|id| format!(", message id {id}"))
                .unwrap_or_default();
            format!("a message by {person} in {chat}: {:?}{id}", args.text)
        }
    }
}

/// `event` in the envelope form `envelope` asks for: its `event` and `type` replaced or removed.
///
/// ```
/// use channeltalk_webhook_cli::{EnvelopeArgs, EventArgs, build_event, with_envelope};
///
/// let envelope = EnvelopeArgs { event: Some("message.created.userChat".into()), no_type: true, ..EnvelopeArgs::default() };
/// let sample = with_envelope(build_event(&EventArgs::default()), &envelope);
/// assert_eq!(sample.json()["event"], "message.created.userChat");
/// assert!(sample.json().get("type").is_none());
/// assert!(sample.event().message().is_some());
/// ```
#[must_use]
pub fn with_envelope(event: SampleEvent, envelope: &EnvelopeArgs) -> SampleEvent {
    let event = match &envelope.event {
        Some(action) => event.action(action),
        None => event,
    };
    match (&envelope.envelope_type, envelope.no_type) {
        (_, true) => event.without("/type"),
        (Some(kind), false) => event.kind(kind),
        (None, false) => event,
    }
}

/// How the envelope differs from the classic form, for the description: empty when it does not,
/// else such as ` (event "message.created.userChat", no type)`.
#[must_use]
pub fn describe_envelope(envelope: &EnvelopeArgs) -> String {
    let mut parts = Vec::new();
    if let Some(action) = &envelope.event {
        parts.push(format!("event {action:?}"));
    }
    if let Some(kind) = &envelope.envelope_type {
        parts.push(format!("type {kind:?}"));
    }
    if envelope.no_type {
        parts.push("no type".to_owned());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (sent with {})", parts.join(", "))
    }
}

/// The event as pretty JSON, for `sample`.
#[must_use]
pub fn sample_json(args: &EventArgs) -> String {
    let event = build_event(args);
    // Serializing a `Value` cannot fail (its keys are strings).
    serde_json::to_string_pretty(event.json()).unwrap_or_else(|_| event.body())
}

/// Reads an event file: its bytes, checked to hold one JSON object.
///
/// The bytes are sent as they are (not re-serialized), so a replayed file keeps its key order,
/// numbers and spacing.
///
/// # Errors
///
/// [`CliError::ReadFile`], [`CliError::InvalidJson`] or [`CliError::NotAnObject`].
pub fn read_event_file(path: &Path) -> Result<(Vec<u8>, Value), CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let json: Value = serde_json::from_slice(&bytes).map_err(|source| CliError::InvalidJson {
        path: path.to_owned(),
        source,
    })?;
    let found = match &json {
        Value::Object(_) => return Ok((bytes, json)),
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    };
    Err(CliError::NotAnObject {
        path: path.to_owned(),
        found,
    })
}

/// A one-line description of an event read from `path`, from its `type` and `event`.
#[must_use]
pub fn describe_file_event(path: &Path, json: &Value) -> String {
    let field = |name: &str| match json.get(name) {
        Some(Value::String(value)) => format!("{value:?}"),
        Some(other) => other.to_string(),
        None => "(none)".to_owned(),
    };
    format!(
        "{} (type {}, event {})",
        path.display(),
        field("type"),
        field("event")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(event_type: EventType, person: Person, chat: Chat) -> EventArgs {
        EventArgs {
            text: "안녕 <b>".to_owned(),
            event_type,
            person,
            chat,
            message_id: None,
        }
    }

    #[test]
    fn every_message_combination_is_built_as_asked() {
        for person in [Person::User, Person::Manager, Person::Bot] {
            for chat in [Chat::UserChat, Chat::Group] {
                let sample = build_event(&args(EventType::Message, person, chat));
                let json = sample.json();
                assert_eq!(json["event"], "push");
                assert_eq!(json["type"], "message");
                let person_type = match person {
                    Person::User => "user",
                    Person::Manager => "manager",
                    Person::Bot => "bot",
                };
                assert_eq!(json["entity"]["personType"], person_type);
                let chat_type = match chat {
                    Chat::UserChat => "userChat",
                    Chat::Group => "group",
                };
                assert_eq!(json["entity"]["chatType"], chat_type);
                assert_eq!(json["entity"]["plainText"], "안녕 <b>");
                // The text is escaped in the block, like Channel sends it.
                assert_eq!(json["entity"]["blocks"][0]["value"], "안녕 &lt;b&gt;");

                let event = sample.event();
                let message = event.message().expect("a message");
                assert_eq!(message.text().as_deref(), Some("안녕 <b>"));
                assert_eq!(message.is_from_bot(), person == Person::Bot);
                assert_eq!(message.is_from_manager(), person == Person::Manager);
                assert_eq!(message.is_team_chat(), chat == Chat::Group);
                let refers = &json["refers"];
                match chat {
                    Chat::UserChat => assert!(refers.get("userChat").is_some()),
                    Chat::Group => {
                        assert!(refers.get("group").is_some());
                        assert!(refers.get("userChat").is_none());
                    }
                }
            }
        }
    }

    #[test]
    fn other_types_ignore_the_message_flags() {
        for person in [Person::User, Person::Manager, Person::Bot] {
            for chat in [Chat::UserChat, Chat::Group] {
                let opened = build_event(&args(EventType::UserChat, person, chat));
                assert_eq!(opened, SampleEvent::user_chat_opened());
                assert_eq!(opened.json()["type"], "userChat");
                assert!(opened.event().message().is_none());

                let user = build_event(&args(EventType::User, person, chat));
                assert_eq!(user, SampleEvent::user_updated());
                assert_eq!(user.json()["type"], "user");
            }
        }
    }

    #[test]
    fn envelope_forms_replace_or_remove_event_and_type() {
        let base = || build_event(&EventArgs::default());
        let classic = with_envelope(base(), &EnvelopeArgs::default());
        assert_eq!(classic, base());
        assert_eq!(describe_envelope(&EnvelopeArgs::default()), "");

        let capitalised = EnvelopeArgs {
            envelope_type: Some("Message".into()),
            ..EnvelopeArgs::default()
        };
        let sample = with_envelope(base(), &capitalised);
        assert_eq!(
            (
                sample.json()["type"].as_str(),
                sample.json()["event"].as_str()
            ),
            (Some("Message"), Some("push"))
        );
        assert!(sample.event().message().is_some());
        assert_eq!(
            describe_envelope(&capitalised),
            " (sent with type \"Message\")"
        );

        let scoped = EnvelopeArgs {
            event: Some("message.created.teamChat".into()),
            no_type: true,
            ..EnvelopeArgs::default()
        };
        let sample = with_envelope(base(), &scoped);
        assert_eq!(sample.json()["event"], "message.created.teamChat");
        assert!(sample.json().get("type").is_none());
        assert_eq!(
            describe_envelope(&scoped),
            " (sent with event \"message.created.teamChat\", no type)"
        );
    }

    #[test]
    fn descriptions_name_the_event() {
        let manager_group = args(EventType::Message, Person::Manager, Chat::Group);
        assert_eq!(
            describe_event(&manager_group),
            "a message by a manager in a team chat: \"안녕 <b>\""
        );
        assert!(
            describe_event(&args(EventType::UserChat, Person::Bot, Chat::Group))
                .contains("userChat")
        );
        assert!(
            describe_event(&args(EventType::User, Person::Bot, Chat::Group)).contains("type user")
        );
    }

    #[test]
    fn samples_are_pretty_json_that_parses_back() {
        let text = sample_json(&EventArgs {
            event_type: EventType::User,
            ..EventArgs::default()
        });
        assert!(text.contains("\n  \"entity\""));
        assert!(text.contains("김민수"), "UTF-8 is kept, not escaped");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["type"], "user");
    }

    fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "channeltalk-webhook-cli-unit-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn event_files_are_checked_and_kept_byte_for_byte() {
        let body = b"{ \"type\": \"message\",\n  \"event\": \"push\", \"n\": 1.50 }\n";
        let path = temp_file("ok.json", body);
        let (bytes, json) = read_event_file(&path).unwrap();
        assert_eq!(bytes, body);
        assert_eq!(
            describe_file_event(&path, &json),
            format!("{} (type \"message\", event \"push\")", path.display())
        );
        std::fs::remove_file(&path).unwrap();

        let path = temp_file("bad.json", b"{\"type\": ");
        let error = read_event_file(&path).unwrap_err();
        assert!(matches!(error, CliError::InvalidJson { .. }));
        assert!(error.to_string().contains("is not valid JSON"), "{error}");
        std::fs::remove_file(&path).unwrap();

        let path = temp_file("array.json", b"[1, 2]");
        let error = read_event_file(&path).unwrap_err();
        assert!(
            error.to_string().contains("must hold a JSON object"),
            "{error}"
        );
        assert!(error.to_string().contains("not an array"), "{error}");
        std::fs::remove_file(&path).unwrap();

        let error = read_event_file(Path::new("/definitely/not/here.json")).unwrap_err();
        assert!(matches!(error, CliError::ReadFile { .. }));
        assert!(
            error
                .to_string()
                .starts_with("could not read /definitely/not/here.json: ")
        );
    }
}
