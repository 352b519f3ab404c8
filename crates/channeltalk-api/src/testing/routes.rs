//! The fake's HTTP side: accepting connections, the credential check, scripted faults,
//! recording, and one handler per Open API route.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

use super::store::{CHANNEL_ID, Collection, Store, now_millis, page};
use super::{Credentials, Fault, PostedMessage, RecordedRequest, Shared, lock};
use crate::client::{ACCESS_KEY_HEADER, ACCESS_SECRET_HEADER};
use crate::rate_limit::{LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER};
use crate::send::ChatTarget;

type Answer = Response<Full<Bytes>>;

/// Why the service gave up on a connection (a scripted [`Fault::Drop`]).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped as scripted")
    }
}

impl std::error::Error for Dropped {}

pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Mutex<Shared>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, shared.clone()));
            // A dropped connection ends with an error by design; nothing to report.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(request: Request<Incoming>, shared: Arc<Mutex<Shared>>) -> Result<Answer, Dropped> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|query| {
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let (fault, answer) = {
        let mut shared = lock(&shared);
        let authorized = authorized(&shared.credentials, &parts.headers);
        shared.requests.push(RecordedRequest {
            method: parts.method.to_string(),
            path: path.clone(),
            query: query.clone(),
            headers: recorded_headers(&parts.headers),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            authorized,
            at: SystemTime::now(),
        });
        let route_fault = shared
            .route_faults
            .iter()
            .find(|(method, route, _)| method == parts.method.as_str() && *route == path)
            .map(|(_, _, fault)| fault.clone());
        let fault = shared
            .faults
            .pop_front()
            .or(route_fault)
            .or_else(|| shared.outage.clone());
        let answer = match fault {
            Some(Fault::Drop) => return Err(Dropped),
            Some(Fault::RateLimited { reset_after_secs }) => Some(rate_limited(reset_after_secs)),
            Some(Fault::Status(status)) => Some(json_answer(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                json!({"message": "scripted failure of the fake Channel API"}),
            )),
            Some(Fault::Raw { status, ref body }) => {
                let mut answer = json_answer(StatusCode::OK, Value::Null);
                *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                *answer.body_mut() = Full::new(Bytes::from(body.clone()));
                Some(answer)
            }
            Some(Fault::Slow(_) | Fault::AfterHandling(_)) | None if !authorized => {
                Some(json_answer(
                    StatusCode::UNAUTHORIZED,
                    json!({"message": "invalid x-access-key or x-access-secret"}),
                ))
            }
            Some(Fault::Slow(_) | Fault::AfterHandling(_)) | None => None,
        };
        let answer = answer.unwrap_or_else(|| {
            let call = Call {
                method: &parts.method,
                path: &path,
                query: &query,
                body: &body,
            };
            let answer = route(&call, &mut shared);
            match fault {
                // Done, but the answer says it failed: as when Channel's answer is lost.
                Some(Fault::AfterHandling(status)) => json_answer(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    json!({"message": "scripted failure of the fake Channel API, after the request took effect"}),
                ),
                _ => answer,
            }
        });
        (fault, answer)
    };
    if let Some(Fault::Slow(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    Ok(answer)
}

fn authorized(credentials: &Credentials, headers: &HeaderMap) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    let (key, secret) = (header(ACCESS_KEY_HEADER), header(ACCESS_SECRET_HEADER));
    match credentials {
        Credentials::Exactly {
            key: expected_key,
            secret: expected_secret,
        } => key == expected_key && secret == expected_secret,
        Credentials::AnyNonEmpty => !key.trim().is_empty() && !secret.trim().is_empty(),
    }
}

fn recorded_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if name == ACCESS_SECRET_HEADER {
                "<redacted>".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

fn json_answer(status: StatusCode, body: Value) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body.to_string())));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    answer
        .headers_mut()
        .insert(LIMIT_HEADER, http::HeaderValue::from_static("1000"));
    answer
        .headers_mut()
        .insert(REMAINING_HEADER, http::HeaderValue::from_static("999"));
    answer
}

fn rate_limited(reset_after_secs: u64) -> Answer {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    // Epoch seconds, rounded up so the window never resets before the promised time.
    let reset = now.as_secs() + reset_after_secs + u64::from(now.subsec_nanos() > 0);
    let mut answer = json_answer(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"message": "too many requests"}),
    );
    let headers = answer.headers_mut();
    headers.insert(REMAINING_HEADER, http::HeaderValue::from_static("0"));
    headers.insert(RESET_HEADER, http::HeaderValue::from(reset));
    answer
}

struct Call<'a> {
    method: &'a Method,
    path: &'a str,
    query: &'a [(String, String)],
    body: &'a [u8],
}

impl Call<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(body)) => Some(body),
            _ => None,
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Answer {
    json_answer(status, json!({"message": message}))
}

fn bad_body() -> Answer {
    refuse(StatusCode::BAD_REQUEST, "the body must be a JSON object")
}

fn not_found() -> Answer {
    refuse(StatusCode::NOT_FOUND, "not found")
}

fn ok(body: Value) -> Answer {
    json_answer(StatusCode::OK, body)
}

/// The answer of a deletion: 200 with no body.
fn empty() -> Answer {
    Response::new(Full::new(Bytes::new()))
}

fn unprocessable(problem: &str) -> Answer {
    refuse(StatusCode::UNPROCESSABLE_ENTITY, problem)
}

/// `sortOrder`: one of the schema's three values, or its default (`desc`) when the operation
/// does not require it. `Some(true)` means oldest first (`asc`, and `both`, whose meaning
/// Channel does not document); `None` means Channel refuses it ([`bad_sort_order`]).
fn oldest_first(call: &Call<'_>, required: bool) -> Option<bool> {
    match call.query("sortOrder") {
        Some("asc" | "both") => Some(true),
        Some("desc") => Some(false),
        None if !required => Some(false),
        _ => None,
    }
}

fn bad_sort_order() -> Answer {
    refuse(
        StatusCode::BAD_REQUEST,
        "sortOrder is required: asc, desc or both",
    )
}

/// Seconds of an ISO 8601 duration (`PT23H50M`, `P1DT2H`, `PT30S`); `None` when it is not one.
fn iso_duration_seconds(text: &str) -> Option<u64> {
    let rest = text.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut total = 0_u64;
    let mut parts = 0;
    let mut read = |text: &str, units: &[(char, u64)]| -> Option<()> {
        let mut number = String::new();
        let mut next_unit = 0;
        for character in text.chars() {
            if character.is_ascii_digit() {
                number.push(character);
                continue;
            }
            let position = units[next_unit..]
                .iter()
                .position(|(unit, _)| *unit == character)?;
            let (_, seconds) = units[next_unit + position];
            total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(seconds)?)?;
            number.clear();
            next_unit += position + 1;
            parts += 1;
        }
        number.is_empty().then_some(())
    };
    read(days, &[('D', 86_400)])?;
    if let Some(time) = time {
        if time.is_empty() {
            return None;
        }
        read(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    (parts > 0).then_some(total)
}

fn route(call: &Call<'_>, shared: &mut Shared) -> Answer {
    let Some(rest) = call.path.strip_prefix("/open/v5/") else {
        return not_found();
    };
    let segments: Vec<String> = rest
        .split('/')
        .map(|segment| {
            form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let store = &mut shared.store;
    match (call.method, segments.as_slice()) {
        (&Method::GET, ["channel"]) => ok(json!({"channel": {
            "id": super::store::CHANNEL_ID, "name": "Fake Channel", "botName": "Fake Channel",
            "timeZone": "Asia/Seoul", "bizGrade": "pro", "color": "#00b2ff"}})),
        (&Method::GET, ["user-chats"]) => list_user_chats(call, store),
        (&Method::GET, ["user-chats", id]) => user_chat_view(store, id),
        (&Method::PATCH, ["user-chats", id]) => update_user_chat(call, store, id),
        (&Method::DELETE, ["user-chats", id]) => match store.remove(Collection::UserChats, id) {
            Some(_) => {
                store.remove_messages(&ChatTarget::user_chat(*id));
                empty()
            }
            None => not_found(),
        },
        (&Method::GET, ["user-chats", id, "messages"]) => list_messages(
            call,
            store,
            &ChatTarget::user_chat(*id),
            store.get(Collection::UserChats, id).is_some(),
        ),
        (&Method::GET, ["user-chats", id, "messages", "file"]) => {
            let exists = store.get(Collection::UserChats, id).is_some();
            file_url(call, store, exists.then(|| ChatTarget::user_chat(*id)))
        }
        (&Method::POST, ["user-chats", id, "messages"]) => {
            let exists = store.get(Collection::UserChats, id).is_some();
            post(call, shared, ChatTarget::user_chat(*id), exists)
        }
        (&Method::PATCH, ["user-chats", id, "assign-to", "managers", manager]) => {
            act_on_user_chat(call, store, id, |chat, store| {
                if store.get(Collection::Managers, manager).is_none() {
                    return false;
                }
                chat["assigneeId"] = json!(manager);
                add_manager_ids(chat, &[manager]);
                true
            })
        }
        (&Method::PATCH, ["user-chats", id, "invite"]) => {
            let ids: Vec<String> = call
                .query
                .iter()
                .filter(|(key, _)| key == "managerIds")
                .map(|(_, value)| value.clone())
                .collect();
            act_on_user_chat(call, store, id, |chat, store| {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                if ids
                    .iter()
                    .any(|id| store.get(Collection::Managers, id).is_none())
                {
                    return false;
                }
                add_manager_ids(chat, &ids);
                true
            })
        }
        (&Method::PATCH, ["user-chats", id, "close"]) => {
            act_on_user_chat(call, store, id, |chat, _| {
                chat["state"] = json!("closed");
                chat["closedAt"] = json!(now_millis());
                true
            })
        }
        (&Method::PUT, ["user-chats", id, "open"]) => {
            act_on_user_chat(call, store, id, |chat, _| {
                chat["state"] = json!("opened");
                chat["openedAt"] = json!(now_millis());
                true
            })
        }
        (&Method::PUT, ["user-chats", id, "snooze"]) => {
            let Some(seconds) = call.query("duration").and_then(iso_duration_seconds) else {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "duration is required: an ISO 8601 duration such as PT23H50M",
                );
            };
            act_on_user_chat(call, store, id, |chat, _| {
                let now = now_millis();
                chat["state"] = json!("snoozed");
                chat["snoozedAt"] = json!(now);
                chat["expiresAt"] = json!(now.saturating_add(seconds.saturating_mul(1000)));
                true
            })
        }
        (&Method::GET, ["users", member]) if member.starts_with('@') => {
            match store.user_id_of_member(&member[1..]) {
                Some(id) => user_view(store, &id),
                None => not_found(),
            }
        }
        (&Method::PUT, ["users", member]) if member.starts_with('@') => {
            upsert_member(call, store, &member[1..])
        }
        (&Method::GET, ["users", id]) => user_view(store, id),
        (&Method::PATCH, ["users", id]) => update_user(call, store, id),
        (&Method::GET, ["users", id, "user-chats"]) => list_user_chats_of_user(call, store, id),
        (&Method::POST, ["users", id, "user-chats"]) => create_user_chat(store, id),
        (&Method::GET, ["users", id, "events"]) => list_events(call, store, id),
        (&Method::POST, ["users", id, "events"]) => create_event(call, store, id),
        (&Method::DELETE, ["users", user, "events", id]) => {
            match store.get(Collection::Events, id) {
                Some(event) if event["userId"] == *user => {
                    store.remove(Collection::Events, id);
                    empty()
                }
                _ => not_found(),
            }
        }
        (&Method::GET, ["managers"]) => {
            list(call, "managers", &store.all(Collection::Managers), false)
        }
        (&Method::GET, ["managers", id]) => match store.get(Collection::Managers, id) {
            Some(manager) => ok(json!({"manager": manager, "online": {"online": true},
                                       "operatorStatus": {"status": "available"}})),
            None => not_found(),
        },
        (&Method::GET, ["bots"]) => list(call, "bots", &store.all(Collection::Bots), true),
        (&Method::POST, ["bots"]) => create_bot(call, store),
        (&Method::DELETE, ["bots", id]) => match store.remove(Collection::Bots, id) {
            Some(_) => empty(),
            None => not_found(),
        },
        (&Method::GET, ["chat-tags"]) => {
            list(call, "chatTags", &store.all(Collection::ChatTags), false)
        }
        (&Method::POST, ["chat-tags"]) => write_chat_tag(call, store, None),
        (&Method::PATCH, ["chat-tags", id]) => write_chat_tag(call, store, Some(id)),
        (&Method::DELETE, ["chat-tags", id]) => match store.remove(Collection::ChatTags, id) {
            Some(_) => empty(),
            None => not_found(),
        },
        (&Method::GET, ["groups"]) => list(call, "groups", &store.all(Collection::Groups), false),
        (&Method::GET, ["groups", group]) => match store.group_id(group) {
            Some(id) => group_view(store, &id),
            None => not_found(),
        },
        (&Method::GET, ["groups", group, "messages"]) => match store.group_id(group) {
            Some(id) => list_messages(call, store, &ChatTarget::group(id), true),
            None => not_found(),
        },
        (&Method::GET, ["groups", group, "messages", "file"]) => {
            let target = store.group_id(group).map(ChatTarget::group);
            file_url(call, store, target)
        }
        (&Method::POST, ["groups", group, "messages"]) => match group.strip_prefix('@') {
            Some(name) => match store.group_id_named(name) {
                Some(id) => post(call, shared, ChatTarget::group(id), true)
                    .with_target(shared, ChatTarget::group_named(name)),
                None => not_found(),
            },
            None => {
                let exists = store.get(Collection::Groups, group).is_some();
                post(call, shared, ChatTarget::group(*group), exists)
            }
        },
        (&Method::GET, ["groups", group, "threads", root]) => match store.group_id(group) {
            Some(id) => match store.thread(&id, root).cloned() {
                Some(thread) => thread_view(store, &id, root, thread),
                None => not_found(),
            },
            None => not_found(),
        },
        (&Method::POST, ["groups", group, "threads", root]) => match store.group_id(group) {
            Some(id) => match store.create_thread(&id, root) {
                Some(thread) => thread_view(store, &id, root, thread),
                None => not_found(),
            },
            None => not_found(),
        },
        (&Method::GET, ["groups", group, "threads", root, "messages"]) => {
            match store.group_id(group) {
                Some(id) => list_thread_messages(call, store, &id, root),
                None => not_found(),
            }
        }
        (&Method::POST, ["groups", group, "threads", root, "messages"]) => {
            let (id, exists) = match store.group_id(group) {
                Some(id) => (id, true),
                None => ((*group).to_owned(), false),
            };
            let target = ChatTarget::Thread {
                group_id: id,
                root_message_id: (*root).to_owned(),
                broadcast: call.query("broadcast") == Some("true"),
            };
            post(call, shared, target, exists)
        }
        (&Method::GET, ["webhooks"]) => list(call, "webhooks", &store.webhooks(), true),
        (&Method::POST, ["webhooks"]) => match call.json() {
            Some(body) => match webhook_problem(&body) {
                Some(problem) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &problem),
                None => ok(json!({"webhook": store.create_webhook(&Value::Object(body))})),
            },
            None => bad_body(),
        },
        (&Method::GET, ["webhooks", id]) => match store.webhook_mut(id) {
            Some(webhook) => ok(json!({"webhook": webhook})),
            None => not_found(),
        },
        (&Method::PATCH, ["webhooks", id]) => match call.json() {
            // The update's schema is the creation's: the same fields are required.
            Some(body) if webhook_problem(&body).is_some() => refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                &webhook_problem(&body).unwrap_or_default(),
            ),
            Some(body) => match store.webhook_mut(id) {
                Some(webhook) => {
                    for (name, value) in body {
                        if !["id", "channelId", "token", "createdAt"].contains(&name.as_str()) {
                            webhook[name] = value;
                        }
                    }
                    ok(json!({"webhook": webhook}))
                }
                None => not_found(),
            },
            None => bad_body(),
        },
        (&Method::DELETE, ["webhooks", id]) => {
            if store.delete_webhook(id) {
                empty()
            } else {
                not_found()
            }
        }
        _ => not_found(),
    }
}

/// Lets the `@name` route record the target as the client named it.
trait WithTarget {
    fn with_target(self, shared: &mut Shared, target: ChatTarget) -> Self;
}

impl WithTarget for Answer {
    fn with_target(self, shared: &mut Shared, target: ChatTarget) -> Self {
        if self.status().is_success() {
            if let Some(last) = shared.posted.last_mut() {
                last.target = target;
            }
        }
        self
    }
}

/// What Channel's webhook schema refuses in a creation or an update: a required field missing
/// (`name`, `url`, `scopes`, `apiVersion`), or a scope that is not one of its nine.
fn webhook_problem(body: &Map<String, Value>) -> Option<String> {
    if let Some(field) = ["name", "url", "scopes", "apiVersion"]
        .into_iter()
        .find(|field| body.get(*field).is_none_or(Value::is_null))
    {
        return Some(format!("{field} is required"));
    }
    let scopes = body.get("scopes").and_then(Value::as_array)?;
    scopes
        .iter()
        .find(|scope| {
            scope
                .as_str()
                .is_none_or(|scope| channeltalk_webhook::model::Scope::from(scope).is_other())
        })
        .map(|scope| format!("scope {scope} is not one of Channel's webhook scopes"))
}

fn user_chat_view(store: &Store, id: &str) -> Answer {
    let Some(chat) = store.get(Collection::UserChats, id) else {
        return not_found();
    };
    let user = chat["userId"]
        .as_str()
        .and_then(|user| store.get(Collection::Users, user))
        .cloned()
        .unwrap_or(Value::Null);
    let last = store.messages(&ChatTarget::user_chat(id)).last().cloned();
    let tags = chat_tags_of(store, std::slice::from_ref(chat));
    ok(
        json!({"userChat": chat, "user": user, "message": last, "chatTags": tags,
              "session": {"chatId": id, "chatType": "userChat", "alert": 0, "unread": 0}}),
    )
}

/// The chat tags the chats carry (by key).
fn chat_tags_of(store: &Store, chats: &[Value]) -> Vec<Value> {
    store
        .all(Collection::ChatTags)
        .into_iter()
        .filter(|tag| {
            chats.iter().any(|chat| {
                chat["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.contains(&tag["key"]))
            })
        })
        .collect()
}

/// A page of user chats, shaped like Channel's user-chat lists: the chats, their users (for
/// the channel's list), their last messages and the tags they carry.
fn user_chats_page(
    call: &Call<'_>,
    store: &Store,
    mut chats: Vec<Value>,
    oldest_first: bool,
    with_users: bool,
) -> Answer {
    chats.sort_by_key(|chat| {
        (
            chat["createdAt"].as_u64().unwrap_or(0),
            chat["id"].as_str().unwrap_or_default().to_owned(),
        )
    });
    if !oldest_first {
        chats.reverse();
    }
    let (chats, next) = match page(&chats, call.query("since"), call.query("limit"), false) {
        Ok(page) => page,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
    };
    let messages: Vec<Value> = chats
        .iter()
        .filter_map(|chat| {
            let id = chat["id"].as_str()?;
            store.messages(&ChatTarget::user_chat(id)).last().cloned()
        })
        .collect();
    let mut body = json!({"userChats": chats, "messages": messages, "sessions": [],
                          "managers": [], "chatTags": chat_tags_of(store, &chats)});
    if with_users {
        let mut users: Vec<Value> = Vec::new();
        for chat in &chats {
            let user = chat["userId"]
                .as_str()
                .and_then(|id| store.get(Collection::Users, id));
            if let Some(user) = user.filter(|user| !users.contains(user)) {
                users.push(user.clone());
            }
        }
        body["users"] = Value::Array(users);
    }
    if !next.is_null() {
        body["next"] = next;
    }
    ok(body)
}

fn list_user_chats(call: &Call<'_>, store: &Store) -> Answer {
    const STATES: [&str; 6] = ["closed", "opened", "snoozed", "queued", "initial", "missed"];
    let state = call.query("state").unwrap_or("opened");
    if !STATES.contains(&state) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "state must be closed, opened, snoozed, queued, initial or missed",
        );
    }
    let Some(oldest_first) = oldest_first(call, false) else {
        return bad_sort_order();
    };
    let chats: Vec<Value> = store
        .all(Collection::UserChats)
        .into_iter()
        .filter(|chat| chat["state"] == state)
        .collect();
    user_chats_page(call, store, chats, oldest_first, true)
}

fn list_user_chats_of_user(call: &Call<'_>, store: &Store, user_id: &str) -> Answer {
    if store.get(Collection::Users, user_id).is_none() {
        return not_found();
    }
    let Some(oldest_first) = oldest_first(call, true) else {
        return bad_sort_order();
    };
    let chats: Vec<Value> = store
        .all(Collection::UserChats)
        .into_iter()
        .filter(|chat| chat["userId"] == user_id)
        .collect();
    user_chats_page(call, store, chats, oldest_first, false)
}

fn create_user_chat(store: &mut Store, user_id: &str) -> Answer {
    if store.get(Collection::Users, user_id).is_none() {
        return not_found();
    }
    let id = store.new_id("ucht");
    let now = now_millis();
    store.insert(
        Collection::UserChats,
        json!({"id": id, "channelId": CHANNEL_ID, "userId": user_id, "state": "opened",
               "managed": false, "contactMediumType": "native", "handling": {"type": "bot"},
               "managerIds": [], "tags": [], "createdAt": now, "openedAt": now,
               "firstOpenedAt": now}),
    );
    user_chat_view(store, &id)
}

/// What Channel's user-chat schema refuses in an update: tags that are not at most 8 unique
/// strings, a description that is not a string, a profile that is not an object, a state or a
/// priority outside their values.
fn user_chat_problem(body: &Map<String, Value>) -> Option<String> {
    if let Some(problem) = tags_problem(body, 8) {
        return Some(problem);
    }
    if body
        .get("description")
        .is_some_and(|value| !value.is_string() && !value.is_null())
    {
        return Some("description must be a string".into());
    }
    if body
        .get("profile")
        .is_some_and(|value| !value.is_object() && !value.is_null())
    {
        return Some("profile must be an object".into());
    }
    enum_problem(
        body,
        "state",
        &["closed", "opened", "snoozed", "queued", "initial", "missed"],
    )
    .or_else(|| enum_problem(body, "priority", &["low", "medium", "high"]))
}

/// `tags`, when present: an array of at most `max` strings, none repeated.
fn tags_problem(body: &Map<String, Value>, max: usize) -> Option<String> {
    let tags = body.get("tags")?;
    let Some(tags) = tags.as_array() else {
        return Some("tags must be an array of strings".into());
    };
    if tags.len() > max {
        return Some(format!("at most {max} tags"));
    }
    if tags.iter().any(|tag| !tag.is_string()) {
        return Some("tags must be strings".into());
    }
    let repeated = tags
        .iter()
        .enumerate()
        .any(|(index, tag)| tags[..index].contains(tag));
    repeated.then(|| "tags must be unique".into())
}

/// A field outside its schema's values.
fn enum_problem(body: &Map<String, Value>, field: &str, values: &[&str]) -> Option<String> {
    let value = body.get(field).filter(|value| !value.is_null())?;
    match value.as_str() {
        Some(text) if values.contains(&text) => None,
        _ => Some(format!("{field} must be one of {}", values.join(", "))),
    }
}

fn update_user_chat(call: &Call<'_>, store: &mut Store, id: &str) -> Answer {
    let Some(body) = call.json() else {
        return bad_body();
    };
    if let Some(problem) = user_chat_problem(&body) {
        return unprocessable(&problem);
    }
    let Some(mut chat) = store.get(Collection::UserChats, id).cloned() else {
        return not_found();
    };
    // Only the writable fields change; the rest of the schema is read-only.
    for field in ["tags", "description", "profile"] {
        if let Some(value) = body.get(field) {
            chat[field] = value.clone();
        }
    }
    chat["updatedAt"] = json!(now_millis());
    store.insert(Collection::UserChats, chat);
    user_chat_view(store, id)
}

fn file_url(call: &Call<'_>, store: &Store, chat: Option<ChatTarget>) -> Answer {
    let Some(key) = call.query("key").filter(|key| !key.is_empty()) else {
        return refuse(StatusCode::BAD_REQUEST, "key is required");
    };
    let Some(chat) = chat else {
        return not_found();
    };
    if !store.has_file(&chat, key) {
        return not_found();
    }
    let expires = now_millis() / 1000 + 300;
    let url = format!(
        "https://files.fake-channel.test/{}?Expires={expires}&Signature=fake",
        key.split('/')
            .map(|part| form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>())
            .collect::<Vec<_>>()
            .join("/")
    );
    ok(json!({ "result": url }))
}

fn user_view(store: &Store, id: &str) -> Answer {
    match store.get(Collection::Users, id) {
        Some(user) => ok(json!({"user": user, "online": {"online": false}})),
        None => not_found(),
    }
}

/// What Channel's user schema refuses: tags that are not at most 20 unique strings, a profile
/// that is not an object, fields of the wrong type, a `type` outside its values.
fn user_problem(body: &Map<String, Value>) -> Option<String> {
    if let Some(problem) = tags_problem(body, 20) {
        return Some(problem);
    }
    for field in ["profile", "profileOnce", "web", "mobile"] {
        if body
            .get(field)
            .is_some_and(|value| !value.is_object() && !value.is_null())
        {
            return Some(format!("{field} must be an object"));
        }
    }
    for field in [
        "blocked",
        "unsubscribeEmail",
        "unsubscribeTexting",
        "named",
        "member",
        "constrainted",
    ] {
        if body
            .get(field)
            .is_some_and(|value| !value.is_boolean() && !value.is_null())
        {
            return Some(format!("{field} must be true or false"));
        }
    }
    for field in [
        "language",
        "email",
        "avatarUrl",
        "mobileNumber",
        "landlineNumber",
        "systemLanguage",
    ] {
        if body
            .get(field)
            .is_some_and(|value| !value.is_string() && !value.is_null())
        {
            return Some(format!("{field} must be a string"));
        }
    }
    enum_problem(body, "type", &["member", "lead", "unified"])
}

/// Applies the writable fields of a user update, as Channel does: `profile` merged (a `null`
/// removes a field), `profileOnce` only where the profile has no value, the rest replaced.
fn apply_user_update(user: &mut Value, body: &Map<String, Value>) {
    let mut profile = user["profile"].as_object().cloned().unwrap_or_default();
    if let Some(changes) = body.get("profile").and_then(Value::as_object) {
        for (key, value) in changes {
            if value.is_null() {
                profile.remove(key);
            } else {
                profile.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(once) = body.get("profileOnce").and_then(Value::as_object) {
        for (key, value) in once {
            profile.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    for (field, key) in [
        ("name", "name"),
        ("email", "email"),
        ("mobileNumber", "mobileNumber"),
    ] {
        if let Some(value) = profile.get(key).filter(|value| value.is_string()) {
            user[field] = value.clone();
        }
    }
    user["profile"] = Value::Object(profile);
    for field in [
        "tags",
        "language",
        "email",
        "avatarUrl",
        "mobileNumber",
        "landlineNumber",
        "systemLanguage",
        "blocked",
        "unsubscribeEmail",
        "unsubscribeTexting",
        "named",
        "web",
        "mobile",
    ] {
        if let Some(value) = body.get(field) {
            user[field] = value.clone();
        }
    }
    user["updatedAt"] = json!(now_millis());
}

fn update_user(call: &Call<'_>, store: &mut Store, id: &str) -> Answer {
    let Some(body) = call.json() else {
        return bad_body();
    };
    if let Some(problem) = user_problem(&body) {
        return unprocessable(&problem);
    }
    let Some(mut user) = store.get(Collection::Users, id).cloned() else {
        return not_found();
    };
    apply_user_update(&mut user, &body);
    store.insert(Collection::Users, user);
    user_view(store, id)
}

fn upsert_member(call: &Call<'_>, store: &mut Store, member_id: &str) -> Answer {
    let Some(body) = call.json() else {
        return bad_body();
    };
    if let Some(problem) = user_problem(&body) {
        return unprocessable(&problem);
    }
    if member_id.is_empty() {
        return not_found();
    }
    let id = match store.user_id_of_member(member_id) {
        Some(id) => id,
        None => {
            let id = store.new_id("u");
            store.insert(
                Collection::Users,
                json!({"id": id, "channelId": CHANNEL_ID, "memberId": member_id,
                       "type": "member", "member": true, "createdAt": now_millis()}),
            );
            id
        }
    };
    let Some(mut user) = store.get(Collection::Users, &id).cloned() else {
        return not_found();
    };
    apply_user_update(&mut user, &body);
    store.insert(Collection::Users, user);
    user_view(store, &id)
}

fn list_events(call: &Call<'_>, store: &Store, user_id: &str) -> Answer {
    if store.get(Collection::Users, user_id).is_none() {
        return not_found();
    }
    let Some(oldest_first) = oldest_first(call, true) else {
        return bad_sort_order();
    };
    let mut events: Vec<Value> = store
        .all(Collection::Events)
        .into_iter()
        .filter(|event| event["userId"] == user_id)
        .collect();
    events.sort_by_key(|event| {
        (
            event["createdAt"].as_u64().unwrap_or(0),
            event["id"].as_str().unwrap_or_default().to_owned(),
        )
    });
    if !oldest_first {
        events.reverse();
    }
    match page(&events, call.query("since"), call.query("limit"), false) {
        Ok((events, next)) => ok(json!({"prev": null, "next": next, "events": events})),
        Err(message) => refuse(StatusCode::BAD_REQUEST, &message),
    }
}

fn create_event(call: &Call<'_>, store: &mut Store, user_id: &str) -> Answer {
    let Some(body) = call.json() else {
        return bad_body();
    };
    if body
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return unprocessable("name is required");
    }
    if body
        .get("property")
        .is_some_and(|value| !value.is_object() && !value.is_null())
    {
        return unprocessable("property must be an object");
    }
    if store.get(Collection::Users, user_id).is_none() {
        return not_found();
    }
    let id = store.new_id("ev");
    let now = now_millis();
    let event = json!({"id": id, "userId": user_id, "channelId": CHANNEL_ID,
        "name": body.get("name"), "property": body.get("property").cloned().unwrap_or(json!({})),
        "createdAt": now, "expireAt": now + 180 * 86_400_000, "version": 1});
    store.insert(Collection::Events, event.clone());
    ok(json!({ "event": event }))
}

fn create_bot(call: &Call<'_>, store: &mut Store) -> Answer {
    let Some(body) = call.json() else {
        return bad_body();
    };
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
    else {
        return unprocessable("name is required");
    };
    if body
        .get("color")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return unprocessable("color is required");
    }
    // Create or update: a bot of that name is changed.
    let existing = store
        .all(Collection::Bots)
        .into_iter()
        .find(|bot| bot["name"] == name);
    let mut bot = match existing {
        Some(bot) => bot,
        None => json!({"id": store.new_id("b-"), "channelId": CHANNEL_ID,
                       "createdAt": now_millis(), "ai": false}),
    };
    for field in ["name", "color", "avatarUrl"] {
        if let Some(value) = body.get(field) {
            bot[field] = value.clone();
        }
    }
    store.insert(Collection::Bots, bot.clone());
    ok(json!({ "bot": bot }))
}

/// Creates (`id` is `None`) or writes a chat tag. The schema requires `name` and `key` on
/// both; `colorVariant` is one of nine colors.
fn write_chat_tag(call: &Call<'_>, store: &mut Store, id: Option<&str>) -> Answer {
    const COLORS: [&str; 9] = [
        "red", "orange", "yellow", "olive", "green", "cobalt", "purple", "pink", "navy",
    ];
    let Some(body) = call.json() else {
        return bad_body();
    };
    for field in ["name", "key"] {
        if body
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return unprocessable(&format!("{field} is required"));
        }
    }
    if let Some(problem) = enum_problem(&body, "colorVariant", &COLORS) {
        return unprocessable(&problem);
    }
    let key = body.get("key").cloned().unwrap_or(Value::Null);
    let taken = store
        .all(Collection::ChatTags)
        .into_iter()
        .any(|tag| tag["key"] == key && id.is_none_or(|id| tag["id"] != id));
    if taken {
        return unprocessable("a chat tag with this key exists");
    }
    let mut tag = match id {
        Some(id) => match store.get(Collection::ChatTags, id) {
            Some(tag) => tag.clone(),
            None => return not_found(),
        },
        None => json!({"id": store.new_number_id(),
                       "channelId": CHANNEL_ID, "createdAt": now_millis()}),
    };
    for field in ["name", "key", "colorVariant", "description"] {
        if let Some(value) = body.get(field) {
            tag[field] = value.clone();
        }
    }
    store.insert(Collection::ChatTags, tag.clone());
    ok(json!({ "chatTag": tag }))
}

fn group_view(store: &Store, id: &str) -> Answer {
    match store.get(Collection::Groups, id) {
        Some(group) => {
            let managers: Vec<Value> = group["managerIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| store.get(Collection::Managers, id.as_str()?).cloned())
                .collect();
            ok(json!({"group": group, "managers": managers, "onlines": []}))
        }
        None => not_found(),
    }
}

/// `ThreadRootMessageView`: the team chat, the root message, the thread, its managers.
fn thread_view(store: &Store, group_id: &str, root: &str, thread: Value) -> Answer {
    let message = store
        .messages(&ChatTarget::group(group_id))
        .into_iter()
        .find(|message| message["id"] == root);
    let group = store.get(Collection::Groups, group_id);
    let managers: Vec<Value> = group
        .and_then(|group| group["managerIds"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|id| store.get(Collection::Managers, id.as_str()?).cloned())
        .collect();
    ok(json!({
        "chat": {"id": group_id, "channelId": CHANNEL_ID, "active": true,
                 "managerIds": group.map(|group| group["managerIds"].clone())},
        "message": message, "thread": thread, "managers": managers,
    }))
}

fn list_thread_messages(call: &Call<'_>, store: &Store, group_id: &str, root: &str) -> Answer {
    let target = ChatTarget::group(group_id);
    let messages = store.messages(&target);
    if !messages.iter().any(|message| message["id"] == root) {
        return not_found();
    }
    let Some(oldest_first) = oldest_first(call, false) else {
        return bad_sort_order();
    };
    let mut replies: Vec<Value> = messages
        .into_iter()
        .filter(|message| message["rootMessageId"] == root && message["id"] != root)
        .collect();
    if !oldest_first {
        replies.reverse();
    }
    match page(&replies, call.query("since"), call.query("limit"), false) {
        Ok((messages, next)) => {
            ok(json!({"prev": null, "next": next, "messages": messages, "bots": []}))
        }
        Err(message) => refuse(StatusCode::BAD_REQUEST, &message),
    }
}

fn add_manager_ids(chat: &mut Value, ids: &[&str]) {
    let mut current: Vec<Value> = chat["managerIds"].as_array().cloned().unwrap_or_default();
    for id in ids {
        if !current.iter().any(|existing| existing == id) {
            current.push(json!(id));
        }
    }
    chat["managerIds"] = Value::Array(current);
}

fn act_on_user_chat(
    call: &Call<'_>,
    store: &mut Store,
    id: &str,
    act: impl FnOnce(&mut Value, &Store) -> bool,
) -> Answer {
    if call.query("botName").is_none_or(str::is_empty) {
        return refuse(StatusCode::BAD_REQUEST, "botName is required");
    }
    let Some(mut chat) = store.get(Collection::UserChats, id).cloned() else {
        return not_found();
    };
    if !act(&mut chat, store) {
        return not_found();
    }
    store.insert(Collection::UserChats, chat);
    user_chat_view(store, id)
}

fn list(call: &Call<'_>, key: &str, items: &[Value], numeric_cursor: bool) -> Answer {
    match page(
        items,
        call.query("since"),
        call.query("limit"),
        numeric_cursor,
    ) {
        Ok((items, next)) => {
            let mut body = Map::new();
            body.insert(key.to_owned(), Value::Array(items));
            if !next.is_null() {
                body.insert("next".into(), next);
            }
            ok(Value::Object(body))
        }
        Err(message) => refuse(StatusCode::BAD_REQUEST, &message),
    }
}

fn list_messages(call: &Call<'_>, store: &Store, target: &ChatTarget, exists: bool) -> Answer {
    if !exists {
        return not_found();
    }
    // A thread's replies stay in their thread unless they were broadcast to the chat.
    let mut messages: Vec<Value> = store
        .messages(target)
        .into_iter()
        .filter(|message| message["threadMsg"] != true || message["broadcastedMsg"] == true)
        .collect();
    match oldest_first(call, true) {
        Some(true) => {}
        Some(false) => messages.reverse(),
        None => return bad_sort_order(),
    }
    match page(&messages, call.query("since"), call.query("limit"), false) {
        Ok((messages, next)) => {
            ok(json!({"prev": null, "next": next, "messages": messages, "bots": []}))
        }
        Err(message) => refuse(StatusCode::BAD_REQUEST, &message),
    }
}

fn post(call: &Call<'_>, shared: &mut Shared, target: ChatTarget, exists: bool) -> Answer {
    if !exists {
        return not_found();
    }
    let Some(body) = call.json() else {
        return bad_body();
    };
    if let Some(problem) = message_problem(&body) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, &problem);
    }
    let (message, new) = shared.store.post_message(&target, &body);
    if new {
        shared.posted.push(PostedMessage {
            target,
            bot_name: call.query("botName").map(str::to_owned),
            request_id: body
                .get("requestId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            body: Value::Object(body),
            message: message.clone(),
            at: SystemTime::now(),
        });
    }
    ok(
        json!({"message": message, "bot": {"id": "b-1", "name": call.query("botName").unwrap_or("Fake Channel")}}),
    )
}

/// The options Channel's message schema accepts.
const MESSAGE_OPTIONS: [&str; 11] = [
    "actAsManager",
    "displayAsChannel",
    "doNotPost",
    "doNotSearch",
    "doNotSendApp",
    "doNotUpdateDesk",
    "immutable",
    "private",
    "silent",
    "silentToManager",
    "silentToUser",
];

/// The button colors Channel's message schema accepts.
const BUTTON_COLORS: [&str; 7] = [
    "cobalt", "green", "orange", "red", "black", "pink", "purple",
];

/// Whether `object` has every field of `fields`, none `null`.
fn has_fields(object: &Value, fields: &[&str]) -> bool {
    object.is_object() && fields.iter().all(|field| !object[*field].is_null())
}

/// What Channel would refuse in a message body (422): nothing to post, unescaped markup,
/// and whatever its schema refuses (more than 2 buttons, a button without its title or
/// action, more than 10 files, a file, web page or form without its required fields, a block
/// type, button color or option outside the schema's values, a repeated option).
fn message_problem(body: &Map<String, Value>) -> Option<String> {
    let blocks = body.get("blocks").and_then(Value::as_array);
    let has_text = body
        .get("plainText")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    let files = body.get("files").and_then(Value::as_array);
    let has_content = files.is_some_and(|files| !files.is_empty())
        || body.get("webPage").is_some_and(|page| !page.is_null())
        || body.get("form").is_some_and(|form| !form.is_null());
    if blocks.is_none_or(Vec::is_empty) && !has_text && !has_content {
        return Some("the message has no blocks, no plainText and no files".into());
    }
    if let Some(problem) = schema_problem(body) {
        return Some(problem);
    }
    let mut texts = Vec::new();
    collect_texts(blocks.map(Vec::as_slice).unwrap_or_default(), &mut texts);
    texts
        .into_iter()
        .find(|text| has_stray_markup(text))
        .map(|text| format!("invalid markup in a text block: {text:?}"))
}

/// The parts of `message.OpenMessageCreateRequest` its schema constrains.
fn schema_problem(body: &Map<String, Value>) -> Option<String> {
    if let Some(blocks) = body.get("blocks").filter(|blocks| !blocks.is_null()) {
        if let Some(problem) = blocks_problem(blocks) {
            return Some(problem);
        }
    }
    if let Some(buttons) = body.get("buttons").filter(|buttons| !buttons.is_null()) {
        let Some(buttons) = buttons.as_array() else {
            return Some("buttons must be an array".into());
        };
        if buttons.len() > 2 {
            return Some("at most 2 buttons".into());
        }
        for button in buttons {
            if !has_fields(button, &["title", "action"]) || !button["title"].is_string() {
                return Some("a button requires title and action".into());
            }
            if !button["action"]["type"].is_string() {
                return Some("a button's action requires type".into());
            }
            if button["action"]["type"] == "web"
                && !button["action"]["attributes"]["url"].is_string()
            {
                return Some("a web action requires attributes.url".into());
            }
            let color = &button["colorVariant"];
            if !color.is_null() && !color.as_str().is_some_and(|c| BUTTON_COLORS.contains(&c)) {
                return Some(format!(
                    "colorVariant must be one of {}",
                    BUTTON_COLORS.join(", ")
                ));
            }
        }
    }
    if let Some(files) = body.get("files").filter(|files| !files.is_null()) {
        let Some(files) = files.as_array() else {
            return Some("files must be an array".into());
        };
        if files.len() > 10 {
            return Some("at most 10 files".into());
        }
        if files
            .iter()
            .any(|file| !has_fields(file, &["bucket", "id", "key", "name", "size"]))
        {
            return Some("a file requires bucket, id, key, name and size".into());
        }
    }
    if let Some(page) = body.get("webPage").filter(|page| !page.is_null()) {
        if !has_fields(page, &["id", "url"]) {
            return Some("webPage requires id and url".into());
        }
    }
    if let Some(form) = body.get("form").filter(|form| !form.is_null()) {
        if !has_fields(form, &["type"]) {
            return Some("form requires type".into());
        }
    }
    if let Some(options) = body.get("options").filter(|options| !options.is_null()) {
        let Some(options) = options.as_array() else {
            return Some("options must be an array".into());
        };
        for (index, option) in options.iter().enumerate() {
            if !option
                .as_str()
                .is_some_and(|o| MESSAGE_OPTIONS.contains(&o))
            {
                return Some(format!(
                    "option {option} is not one of Channel's message options"
                ));
            }
            if options[..index].contains(option) {
                return Some(format!("option {option} is repeated; options are unique"));
            }
        }
    }
    None
}

/// Blocks whose `type` is not `text`, `code` or `bullets` (at any depth).
fn blocks_problem(blocks: &Value) -> Option<String> {
    let Some(blocks) = blocks.as_array() else {
        return Some("blocks must be an array".into());
    };
    for block in blocks {
        if !block["type"]
            .as_str()
            .is_some_and(|kind| ["text", "code", "bullets"].contains(&kind))
        {
            return Some("a block's type must be text, code or bullets".into());
        }
        if let Some(inner) = block.get("blocks").filter(|inner| !inner.is_null()) {
            if let Some(problem) = blocks_problem(inner) {
                return Some(problem);
            }
        }
    }
    None
}

fn collect_texts<'a>(blocks: &'a [Value], texts: &mut Vec<&'a str>) {
    for block in blocks {
        if block["type"] == "text" {
            texts.extend(block["value"].as_str());
        }
        if let Some(inner) = block["blocks"].as_array() {
            collect_texts(inner, texts);
        }
    }
}

/// A `<` that does not open a tag of the rich-text grammar.
fn has_stray_markup(text: &str) -> bool {
    text.match_indices('<').any(|(index, _)| {
        let rest = &text[index + 1..];
        !["b>", "/b>", "i>", "/i>", "link ", "/link>"]
            .iter()
            .any(|tag| rest.starts_with(tag))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_are_read() {
        assert_eq!(iso_duration_seconds("PT23H50M"), Some(23 * 3600 + 50 * 60));
        assert_eq!(iso_duration_seconds("P1DT2H"), Some(86_400 + 7200));
        assert_eq!(iso_duration_seconds("PT30S"), Some(30));
        assert_eq!(iso_duration_seconds("P2D"), Some(172_800));
        for bad in [
            "", "P", "PT", "23H", "PT5X", "PTM", "PT5M3H", "P1H", "PT-5M",
        ] {
            assert_eq!(iso_duration_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_message_schema_is_enforced() {
        let problem = |body: Value| match body {
            Value::Object(body) => message_problem(&body),
            _ => Some("not an object".into()),
        };
        let text = json!([{"type": "text", "value": "hi"}]);
        assert_eq!(
            problem(json!({"blocks": text, "options": ["silent", "private"]})),
            None
        );
        for bad in [
            json!({"blocks": text, "options": ["silent", "silent"]}),
            json!({"blocks": text, "options": ["markAsUnread"]}),
            json!({"blocks": text, "buttons": [{"title": "x", "url": "https://e.com"}]}),
            json!({"blocks": text, "buttons": [{"action": {"type": "web", "attributes": {"url": "u"}}}]}),
            json!({"blocks": text, "buttons": [{"title": "x", "colorVariant": "teal",
                                                "action": {"type": "web", "attributes": {"url": "u"}}}]}),
            json!({"blocks": [{"type": "image", "value": "x"}]}),
            json!({"blocks": [{"type": "bullets", "blocks": [{"value": "x"}]}]}),
            json!({"files": [{"id": "f", "name": "n", "bucket": "b", "key": "k"}]}),
            json!({"blocks": text, "webPage": {"url": "u"}}),
            json!({"blocks": text, "form": {"inputs": []}}),
            json!({}),
        ] {
            assert!(problem(bad.clone()).is_some(), "accepted {bad}");
        }
        let file = json!({"id": "f", "name": "n", "bucket": "b", "key": "k", "size": 1});
        assert_eq!(problem(json!({"files": [file]})), None);
        assert!(problem(json!({"files": vec![file; 11]})).is_some());
    }

    #[test]
    fn stray_markup_is_found() {
        assert!(has_stray_markup("a < b"));
        assert!(has_stray_markup("<script>"));
        assert!(!has_stray_markup(
            "<b>x</b> &lt; <link type=\"url\" value=\"u\">l</link>"
        ));
    }
}
