//! The fake's data: a seeded channel (a user chat, its user, three managers, two bots, a team
//! chat, a chat tag) and whatever tests and clients add, with Channel's pagination.
//!
//! Cursors are positions in a list, sent as Channel does: a number for webhooks and bots, a
//! string for messages and managers. Clients must treat them as opaque, as with Channel.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::send::ChatTarget;

// The channel, user chat, user and team chat of the core's `SampleEvent`s, so that a sample
// event's answer posted through the fake reaches a chat it knows.
pub(super) const CHANNEL_ID: &str = "12345";
pub(super) const USER_CHAT_ID: &str = "c-2001";
pub(super) const USER_ID: &str = "u-1001";
pub(super) const GROUP_ID: &str = "1234";
pub(super) const GROUP_NAME: &str = "dev";
pub(super) const MANAGER_IDS: [&str; 3] = ["98765", "98766", "98767"];

/// The fake's collections of single objects, for [`FakeChannel::insert`](super::FakeChannel::insert).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Collection {
    /// User chats (`{"id": …, …}` as in `UserChat`).
    UserChats,
    /// Users.
    Users,
    /// Managers.
    Managers,
    /// Bots.
    Bots,
    /// Team chats (groups).
    Groups,
    /// Chat tags (`{"id": …, "name": …, "key": …}`).
    ChatTags,
    /// Events of users (`{"id": …, "userId": …, "name": …}`).
    Events,
}

pub(super) struct Store {
    objects: BTreeMap<&'static str, BTreeMap<String, Value>>,
    messages: BTreeMap<String, Vec<Value>>,
    webhooks: BTreeMap<u64, Value>,
    /// Threads by (team chat id, root message id).
    threads: BTreeMap<(String, String), Value>,
    next_id: u64,
}

pub(super) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn collection_key(collection: Collection) -> &'static str {
    match collection {
        Collection::UserChats => "userChats",
        Collection::Users => "users",
        Collection::Managers => "managers",
        Collection::Bots => "bots",
        Collection::Groups => "groups",
        Collection::ChatTags => "chatTags",
        Collection::Events => "events",
    }
}

/// `userChat-ID` or `group-ID`: a chat's key, as messages carry it.
pub(super) fn chat_key(target: &ChatTarget) -> (String, &'static str, String) {
    match target {
        ChatTarget::UserChat(id) => (format!("userChat-{id}"), "userChat", id.clone()),
        ChatTarget::Group(id) | ChatTarget::Thread { group_id: id, .. } => {
            (format!("group-{id}"), "group", id.clone())
        }
        ChatTarget::GroupNamed(name) => (format!("group-@{name}"), "group", name.clone()),
    }
}

impl Store {
    pub(super) fn seeded() -> Store {
        let mut store = Store {
            objects: BTreeMap::new(),
            messages: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            threads: BTreeMap::new(),
            next_id: 1,
        };
        store.insert(
            Collection::Users,
            json!({"id": USER_ID, "channelId": CHANNEL_ID, "memberId": "member-1", "type": "member",
                   "name": "김민수", "profile": {"name": "김민수", "plan": "pro"}, "language": "ko",
                   "createdAt": 1_597_800_948_329_u64}),
        );
        store.insert(
            Collection::UserChats,
            json!({"id": USER_CHAT_ID, "channelId": CHANNEL_ID, "userId": USER_ID, "state": "opened",
                   "managed": false, "contactMediumType": "native", "handling": {"type": "bot"},
                   "managerIds": [], "tags": [], "createdAt": 1_600_158_400_000_u64,
                   "firstAskedAt": 1_600_158_433_443_u64}),
        );
        for (index, id) in MANAGER_IDS.iter().enumerate() {
            store.insert(
                Collection::Managers,
                json!({"id": id, "channelId": CHANNEL_ID, "accountId": format!("55{index}"),
                       "name": format!("Manager {index}"), "roleId": "owner", "operator": true,
                       "createdAt": 1_597_800_948_329_u64}),
            );
        }
        for (id, name) in [("b-1", "EchoBot"), ("b-2", "상담봇")] {
            store.insert(
                Collection::Bots,
                json!({"id": id, "channelId": CHANNEL_ID, "name": name, "ai": false, "createdAt": 1_600_000_000_000_u64}),
            );
        }
        store.insert(
            Collection::Groups,
            json!({"id": GROUP_ID, "channelId": CHANNEL_ID, "name": GROUP_NAME, "title": "Development",
                   "scope": "all", "managerIds": MANAGER_IDS, "active": true, "createdAt": 1_527_207_802_758_u64}),
        );
        store.insert(
            Collection::ChatTags,
            json!({"id": "1", "channelId": CHANNEL_ID, "name": "Refund", "key": "refund",
                   "colorVariant": "orange", "createdAt": 1_600_000_000_000_u64}),
        );
        store
    }

    pub(super) fn remove(&mut self, collection: Collection, id: &str) -> Option<Value> {
        self.objects.get_mut(collection_key(collection))?.remove(id)
    }

    /// A fresh id, as a string.
    pub(super) fn new_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{:016x}", self.next_id())
    }

    /// A fresh numeric id, as a string (chat tags), clear of the seeded ones.
    pub(super) fn new_number_id(&mut self) -> String {
        (1000 + self.next_id()).to_string()
    }

    /// The id of the team chat a path segment names: `@name` or an id.
    pub(super) fn group_id(&self, segment: &str) -> Option<String> {
        match segment.strip_prefix('@') {
            Some(name) => self.group_id_named(name),
            None => self
                .get(Collection::Groups, segment)
                .map(|_| segment.to_owned()),
        }
    }

    /// The message `id` of a chat, to change it.
    pub(super) fn message_mut(&mut self, target: &ChatTarget, id: &str) -> Option<&mut Value> {
        self.messages
            .get_mut(&chat_key(target).0)?
            .iter_mut()
            .find(|message| message["id"] == id)
    }

    /// Forgets a chat's messages.
    pub(super) fn remove_messages(&mut self, target: &ChatTarget) {
        self.messages.remove(&chat_key(target).0);
    }

    /// The thread under message `root` of team chat `group_id`, if there is one.
    pub(super) fn thread(&self, group_id: &str, root: &str) -> Option<&Value> {
        self.threads.get(&(group_id.to_owned(), root.to_owned()))
    }

    /// Makes message `root` of team chat `group_id` the root of a thread (once); `None` when
    /// the message does not exist.
    pub(super) fn create_thread(&mut self, group_id: &str, root: &str) -> Option<Value> {
        let target = ChatTarget::group(group_id);
        let message = self.message_mut(&target, root)?;
        message["threadRoot"] = Value::Bool(true);
        let key = (group_id.to_owned(), root.to_owned());
        if !self.threads.contains_key(&key) {
            let id = self.new_id("th");
            let thread = json!({"id": id, "rootMessageId": root, "chatType": "group",
                "chatId": group_id, "managerIds": [], "repliedManagerIds": [], "replyCount": 0});
            self.threads.insert(key.clone(), thread);
        }
        self.threads.get(&key).cloned()
    }

    /// Adds a message carrying one file to a chat, written by the seeded user (or, in a team
    /// chat, a manager); returns the file's key.
    pub(super) fn add_file(&mut self, target: &ChatTarget, name: &str) -> String {
        let person = match target {
            ChatTarget::UserChat(_) => ("user", USER_ID),
            _ => ("manager", MANAGER_IDS[0]),
        };
        let file_id = self.new_id("file");
        let key = format!("pub-file/{CHANNEL_ID}/{file_id}/{name}");
        let mut body = Map::new();
        body.insert(
            "files".into(),
            json!([{"id": file_id, "type": "file", "name": name, "size": 2048,
                    "contentType": "application/octet-stream", "bucket": "bin.channel.io",
                    "key": key}]),
        );
        let message = self.message(target, person, &body);
        self.messages
            .entry(chat_key(target).0)
            .or_default()
            .push(message);
        key
    }

    /// Whether a message of the chat carries a file with this key.
    pub(super) fn has_file(&self, target: &ChatTarget, key: &str) -> bool {
        self.messages(target).iter().any(|message| {
            message["files"]
                .as_array()
                .is_some_and(|files| files.iter().any(|file| file["key"] == key))
        })
    }

    pub(super) fn insert(&mut self, collection: Collection, object: Value) {
        let id = object["id"].as_str().unwrap_or_default().to_owned();
        self.objects
            .entry(collection_key(collection))
            .or_default()
            .insert(id, object);
    }

    pub(super) fn get(&self, collection: Collection, id: &str) -> Option<&Value> {
        self.objects.get(collection_key(collection))?.get(id)
    }

    pub(super) fn all(&self, collection: Collection) -> Vec<Value> {
        self.objects
            .get(collection_key(collection))
            .map(|objects| objects.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The id of the user with this member id.
    pub(super) fn user_id_of_member(&self, member_id: &str) -> Option<String> {
        self.all(Collection::Users)
            .into_iter()
            .find(|user| user["memberId"] == member_id)
            .and_then(|user| user["id"].as_str().map(str::to_owned))
    }

    pub(super) fn group_id_named(&self, name: &str) -> Option<String> {
        self.all(Collection::Groups)
            .into_iter()
            .find(|group| group["name"] == name)
            .and_then(|group| group["id"].as_str().map(str::to_owned))
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A spec-shaped message in `target`, written by `person`.
    fn message(
        &mut self,
        target: &ChatTarget,
        person: (&str, &str),
        body: &Map<String, Value>,
    ) -> Value {
        let (key, chat_type, chat_id) = chat_key(target);
        let mut message = json!({
            "id": format!("msg{:016x}", self.next_id()),
            "channelId": CHANNEL_ID, "chatKey": key, "chatType": chat_type, "chatId": chat_id,
            "personType": person.0, "personId": person.1, "createdAt": now_millis(),
            "state": "sent", "version": 1,
        });
        if let (Some(message), Some(fields)) = (message.as_object_mut(), Some(body)) {
            for (name, value) in fields {
                message.insert(name.clone(), value.clone());
            }
            if let ChatTarget::Thread {
                root_message_id,
                broadcast,
                ..
            } = target
            {
                message.insert(
                    "rootMessageId".into(),
                    Value::String(root_message_id.clone()),
                );
                message.insert("threadMsg".into(), Value::Bool(true));
                if *broadcast {
                    message.insert("broadcastedMsg".into(), Value::Bool(true));
                }
            }
        }
        message
    }

    pub(super) fn add_message(&mut self, target: &ChatTarget, text: &str) -> String {
        let person = match target {
            ChatTarget::UserChat(_) => ("user", USER_ID),
            _ => ("manager", MANAGER_IDS[0]),
        };
        let mut body = Map::new();
        body.insert("plainText".into(), Value::String(text.to_owned()));
        body.insert(
            "blocks".into(),
            json!([{"type": "text", "value": channeltalk_webhook::rich_text::escape(text)}]),
        );
        let message = self.message(target, person, &body);
        let id = message["id"].as_str().unwrap_or_default().to_owned();
        self.messages
            .entry(chat_key(target).0)
            .or_default()
            .push(message);
        id
    }

    /// Posts a bot message; a `requestId` already posted in that chat returns the first one.
    pub(super) fn post_message(
        &mut self,
        target: &ChatTarget,
        body: &Map<String, Value>,
    ) -> (Value, bool) {
        let key = chat_key(target).0;
        if let Some(request_id) = body.get("requestId").and_then(Value::as_str) {
            let earlier = self.messages.get(&key).and_then(|messages| {
                messages
                    .iter()
                    .find(|m| m["requestId"].as_str() == Some(request_id))
            });
            if let Some(earlier) = earlier {
                return (earlier.clone(), false);
            }
        }
        let message = self.message(target, ("bot", "b-1"), body);
        self.messages.entry(key).or_default().push(message.clone());
        if let ChatTarget::Thread {
            group_id,
            root_message_id,
            ..
        } = target
        {
            // Channel makes the thread on the first reply, when the root exists.
            if let Some(mut thread) = self.create_thread(group_id, root_message_id) {
                thread["replyCount"] = json!(thread["replyCount"].as_u64().unwrap_or(0) + 1);
                self.threads
                    .insert((group_id.clone(), root_message_id.clone()), thread);
            }
        }
        (message, true)
    }

    pub(super) fn messages(&self, target: &ChatTarget) -> Vec<Value> {
        self.messages
            .get(&chat_key(target).0)
            .cloned()
            .unwrap_or_default()
    }

    pub(super) fn create_webhook(&mut self, body: &Value) -> Value {
        let id = self.next_id();
        let mut webhook = body.clone();
        if let Some(fields) = webhook.as_object_mut() {
            fields.insert("id".into(), Value::String(id.to_string()));
            fields.insert("channelId".into(), Value::String(CHANNEL_ID.into()));
            fields.insert(
                "token".into(),
                Value::String(format!("whtok-{id:04}-{:08x}", fastrand::u32(..))),
            );
            fields.insert("createdAt".into(), json!(now_millis()));
            fields.insert("blocked".into(), Value::Bool(false));
        }
        self.webhooks.insert(id, webhook.clone());
        webhook
    }

    pub(super) fn webhook_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.webhooks.get_mut(&id.parse::<u64>().ok()?)
    }

    pub(super) fn delete_webhook(&mut self, id: &str) -> bool {
        id.parse::<u64>()
            .ok()
            .and_then(|id| self.webhooks.remove(&id))
            .is_some()
    }

    pub(super) fn webhooks(&self) -> Vec<Value> {
        self.webhooks.values().cloned().collect()
    }
}

/// One page of `items` from `since` (a position), and the next cursor (a JSON number or
/// string, as Channel sends for this list).
pub(super) fn page(
    items: &[Value],
    since: Option<&str>,
    limit: Option<&str>,
    numeric: bool,
) -> Result<(Vec<Value>, Value), String> {
    let limit: usize = match limit {
        None => 25,
        Some(text) => match text.parse::<usize>() {
            Ok(limit @ 1..=500) => limit,
            _ => return Err(format!("limit must be 1 to 500, not {text:?}")),
        },
    };
    let start: usize = match since {
        None => 0,
        Some(text) => text
            .parse()
            .map_err(|_| format!("invalid since cursor {text:?}"))?,
    };
    let end = start.saturating_add(limit).min(items.len());
    let page = items
        .get(start.min(items.len())..end)
        .unwrap_or_default()
        .to_vec();
    let next = if end < items.len() {
        if numeric {
            json!(end)
        } else {
            Value::String(end.to_string())
        }
    } else {
        Value::Null
    };
    Ok((page, next))
}
