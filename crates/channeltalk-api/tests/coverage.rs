//! The coverage table of `docs/api.md` against the client itself: every operation the client
//! calls is a row marked *covered*, and every row marked *covered* is an operation the client
//! calls.
//!
//! The client's operations come from the code, in two ways that check each other:
//!
//! - every call of the client is made against the fake Channel, and the `(method, path
//!   template)` of each one is taken from the `channel_api` span the client opens per call
//!   (the template is the one its `Request::new` was given);
//! - every path template written in the crate's sources (a string literal starting with
//!   `"/open/` and holding no `{}`, outside comments and test modules) must be among those
//!   observed, so a call added to the client without being exercised here fails this test.
//!
//! Paths are formatted with positional `{}` (`format!("/open/v5/users/{}", …)`) and templates
//! name their parameters (`"/open/v5/users/{userId}"`): that is how the scan tells them apart.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use channeltalk_api::testing::FakeChannel;
use channeltalk_api::{
    BotName, ChatTarget, Client, NewBot, NewChatTag, NewUserEvent, NewWebhook, SendMessage,
    SortOrder, UserChatStateFilter, UserChatUpdate, UserUpdate, WebhookUpdate,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// `(method, path template)`.
type Operation = (String, String);

/// Collects the method and path template of every `channel_api` span.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<BTreeSet<Operation>>>);

#[derive(Default)]
struct SpanFields {
    method: Option<String>,
    path: Option<String>,
}

impl Visit for SpanFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "method" => self.method = Some(value.to_owned()),
            "path" => self.path = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Calls {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() != "channel_api" {
            return;
        }
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);
        if let (Some(method), Some(path)) = (fields.method, fields.path) {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert((method, path));
        }
    }
}

/// The rows of the coverage table: `(method, path)` and whether it is covered.
fn table() -> Vec<(Operation, bool)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let section = text
        .split_once("## 10. Coverage")
        .map(|(_, section)| section)
        .expect("docs/api.md has a coverage section");
    let mut rows = Vec::new();
    for line in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim())
            .collect();
        assert_eq!(cells.len(), 4, "a row has four cells: {line}");
        let method = cells[0].trim_matches('`');
        let path = cells[1].trim_matches('`');
        assert!(
            ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method),
            "{line}"
        );
        assert!(path.starts_with("/open/v5/"), "{line}");
        let covered = match cells[2] {
            "covered" => true,
            "not covered" => false,
            other => panic!("status {other:?} is neither covered nor not covered: {line}"),
        };
        assert!(!cells[3].is_empty(), "say which call, or why not: {line}");
        rows.push(((method.to_owned(), path.to_owned()), covered));
    }
    rows
}

/// Every path template written in the crate's sources (outside `testing/`).
fn templates_in_sources() -> BTreeSet<String> {
    let mut templates = BTreeSet::new();
    let mut directories = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(directory) = directories.pop() {
        let entries = std::fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("{}: {error}", directory.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "testing") {
                    directories.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            // Test modules (at the end of a file) hold expected paths, not templates.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for (start, _) in line.match_indices("\"/open/") {
                    let literal = &line[start + 1..];
                    let Some(end) = literal.find('"') else {
                        continue;
                    };
                    let literal = &literal[..end];
                    if !literal.contains("{}") {
                        templates.insert(literal.to_owned());
                    }
                }
            }
        }
    }
    templates
}

/// Makes every call of the client once (their results do not matter here: a span is opened
/// for each call before it is sent).
async fn call_everything(fake: &FakeChannel, client: &Client) {
    const BOT: BotName = BotName::from_static("CoverageBot");
    let chat = FakeChannel::USER_CHAT_ID;
    let user = FakeChannel::USER_ID;
    let group = FakeChannel::GROUP_ID;
    let name = FakeChannel::GROUP_NAME;
    let manager = FakeChannel::MANAGER_IDS[0];
    let root = fake.add_message(&ChatTarget::group(group), "root");
    let key = fake.add_file(&ChatTarget::user_chat(chat), "a.txt");

    // Reading context.
    let _ = client.channel().await;
    let _ = client.user_chat(chat).await;
    let _ = client.user(user).await;
    let _ = client.manager(manager).await;
    let _ = client.group(group).await;
    let _ = client.group_named(name).await;
    let _ = client.managers().next_page().await;
    let _ = client.bots().next_page().await;
    let _ = client.groups().next_page().await;
    let _ = client
        .user_chat_messages(chat, SortOrder::Desc)
        .next_page()
        .await;
    let _ = client
        .group_messages(group, SortOrder::Desc)
        .next_page()
        .await;
    let _ = client
        .group_messages_named(name, SortOrder::Desc)
        .next_page()
        .await;

    // Sending, to every kind of target.
    for target in [
        ChatTarget::user_chat(chat),
        ChatTarget::group(group),
        ChatTarget::group_named(name),
        ChatTarget::thread(group, &root),
    ] {
        let _ = client.send(SendMessage::new(target, "hi")).await;
    }
    let _ = client
        .send_to_named_group(SendMessage::new(ChatTarget::thread(name, &root), "hi"))
        .await;

    // Threads.
    let _ = client.create_thread(group, &root).await;
    let _ = client.create_thread_named(name, &root).await;
    let _ = client.thread(group, &root).await;
    let _ = client.thread_named(name, &root).await;
    let _ = client
        .thread_messages(group, &root, SortOrder::Asc)
        .next_page()
        .await;
    let _ = client
        .thread_messages_named(name, &root, SortOrder::Asc)
        .next_page()
        .await;

    // Files.
    for target in [
        ChatTarget::user_chat(chat),
        ChatTarget::group(group),
        ChatTarget::group_named(name),
    ] {
        let _ = client.file_url(&target, &key).await;
    }

    // User chats.
    let _ = client
        .user_chats(UserChatStateFilter::Opened, SortOrder::Desc)
        .next_page()
        .await;
    let _ = client
        .user_chats_of_user(user, SortOrder::Desc)
        .next_page()
        .await;
    let created = client.create_user_chat(user).await;
    let _ = client.assign_user_chat(chat, manager, &BOT).await;
    let _ = client.invite_managers(chat, &[manager], &BOT).await;
    let _ = client.close_user_chat(chat, &BOT).await;
    let _ = client.open_user_chat(chat, &BOT).await;
    let _ = client
        .snooze_user_chat(chat, Duration::from_secs(3600), &BOT)
        .await;
    let _ = client
        .update_user_chat(chat, &UserChatUpdate::new().description("d"))
        .await;
    if let Some(id) = created
        .ok()
        .and_then(|view| view.into_inner().user_chat?.id)
    {
        let _ = client.delete_user_chat(&id).await;
    }

    // Users and their events.
    let _ = client.user_by_member_id("member-1").await;
    let _ = client.upsert_member("member-2", &UserUpdate::new()).await;
    let _ = client
        .update_user(user, &UserUpdate::new().language("ko"))
        .await;
    let _ = client.user_events(user, SortOrder::Desc).next_page().await;
    let event = client
        .create_user_event(user, &NewUserEvent::new("Signup"))
        .await;
    let event_id = event.ok().and_then(|event| event.into_inner().id);
    let _ = client
        .delete_user_event(user, event_id.as_deref().unwrap_or("none"))
        .await;

    // Chat tags and bots.
    let _ = client.chat_tags().next_page().await;
    let tag = client.create_chat_tag(&NewChatTag::new("Bug", "bug")).await;
    let tag_id = tag.ok().and_then(|tag| tag.into_inner().id);
    let tag_id = tag_id.as_deref().unwrap_or("none");
    let _ = client
        .update_chat_tag(tag_id, &NewChatTag::new("Bugs", "bug"))
        .await;
    let _ = client.delete_chat_tag(tag_id).await;
    let bot = client.create_bot(&NewBot::new("Helper", "#123456")).await;
    let bot_id = bot.ok().and_then(|bot| bot.into_inner().id);
    let _ = client.delete_bot(bot_id.as_deref().unwrap_or("none")).await;

    // Webhooks.
    let new = NewWebhook::new("hook", "https://bot.example/webhook").scope("userChat.opened");
    let _ = client.webhooks().next_page().await;
    let webhook = client.create_webhook(&new).await;
    let webhook_id = webhook.ok().and_then(|webhook| webhook.into_inner().id);
    let webhook_id = webhook_id.as_deref().unwrap_or("none");
    let _ = client.webhook(webhook_id).await;
    let _ = client
        .update_webhook(webhook_id, &WebhookUpdate::new().name("renamed"))
        .await;
    let _ = client.delete_webhook(webhook_id).await;
    let _ = client.ensure_webhook(&new, true).await;
}

#[tokio::test]
async fn the_coverage_table_is_what_the_client_calls() {
    let rows = table();
    let mut seen = BTreeSet::new();
    for (operation, _) in &rows {
        assert!(
            seen.insert(operation.clone()),
            "listed twice: {operation:?}"
        );
    }
    assert_eq!(
        rows.len(),
        88,
        "Channel's API description (27.40.6) has 88 v5 operations"
    );
    let covered: BTreeSet<Operation> = rows
        .into_iter()
        .filter_map(|(operation, covered)| covered.then_some(operation))
        .collect();

    let calls = Calls::default();
    let subscriber = tracing_subscriber::registry().with(calls.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let fake = FakeChannel::start().await;
    let client = fake.client();
    call_everything(&fake, &client).await;
    let called = calls
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();

    let not_listed: Vec<_> = called.difference(&covered).collect();
    assert!(
        not_listed.is_empty(),
        "the client calls these, but docs/api.md does not mark them covered: {not_listed:#?}"
    );
    let not_called: Vec<_> = covered.difference(&called).collect();
    assert!(
        not_called.is_empty(),
        "docs/api.md marks these covered, but the client does not call them: {not_called:#?}"
    );

    let exercised: BTreeSet<String> = called.into_iter().map(|(_, path)| path).collect();
    let written = templates_in_sources();
    let missed: Vec<_> = written.difference(&exercised).collect();
    assert!(
        missed.is_empty(),
        "these templates are in the client's code but no call above used them (add the call to \
         call_everything, and its row to docs/api.md): {missed:#?}"
    );
    assert!(
        written.len() > 30,
        "the scan found the templates: {written:?}"
    );
}
