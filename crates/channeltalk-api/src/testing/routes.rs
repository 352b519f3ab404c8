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

use super::store::{Collection, Store, page};
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
        (&Method::GET, ["user-chats", id]) => user_chat_view(store, id),
        (&Method::GET, ["user-chats", id, "messages"]) => list_messages(
            call,
            store,
            &ChatTarget::user_chat(*id),
            store.get(Collection::UserChats, id).is_some(),
        ),
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
                true
            })
        }
        (&Method::GET, ["users", id]) => match store.get(Collection::Users, id) {
            Some(user) => ok(json!({"user": user, "online": {"online": false}})),
            None => not_found(),
        },
        (&Method::GET, ["managers"]) => {
            list(call, "managers", &store.all(Collection::Managers), false)
        }
        (&Method::GET, ["managers", id]) => match store.get(Collection::Managers, id) {
            Some(manager) => ok(json!({"manager": manager, "online": {"online": true},
                                       "operatorStatus": {"status": "available"}})),
            None => not_found(),
        },
        (&Method::GET, ["bots"]) => list(call, "bots", &store.all(Collection::Bots), true),
        (&Method::GET, ["groups", id]) => match store.get(Collection::Groups, id) {
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
        },
        (&Method::GET, ["groups", id, "messages"]) => {
            let exists = store.get(Collection::Groups, id).is_some();
            list_messages(call, store, &ChatTarget::group(*id), exists)
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
        (&Method::POST, ["groups", group, "threads", root, "messages"]) => {
            let exists = store.get(Collection::Groups, group).is_some();
            let target = ChatTarget::Thread {
                group_id: (*group).to_owned(),
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
                Response::new(Full::new(Bytes::new()))
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
    ok(json!({"userChat": chat, "user": user, "message": last, "chatTags": [], "session": {}}))
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
    let mut messages = store.messages(target);
    match call.query("sortOrder") {
        Some("asc") => {}
        Some("desc") => messages.reverse(),
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "sortOrder is required: asc, desc or both",
            );
        }
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

/// What Channel would refuse in a message body (422).
fn message_problem(body: &Map<String, Value>) -> Option<String> {
    let blocks = body.get("blocks").and_then(Value::as_array);
    let has_text = body
        .get("plainText")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if blocks.is_none_or(Vec::is_empty) && !has_text {
        return Some("the message has no blocks and no plainText".into());
    }
    if body
        .get("buttons")
        .and_then(Value::as_array)
        .is_some_and(|b| b.len() > 2)
    {
        return Some("at most 2 buttons".into());
    }
    let mut texts = Vec::new();
    collect_texts(blocks.map(Vec::as_slice).unwrap_or_default(), &mut texts);
    texts
        .into_iter()
        .find(|text| has_stray_markup(text))
        .map(|text| format!("invalid markup in a text block: {text:?}"))
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
    fn stray_markup_is_found() {
        assert!(has_stray_markup("a < b"));
        assert!(has_stray_markup("<script>"));
        assert!(!has_stray_markup(
            "<b>x</b> &lt; <link type=\"url\" value=\"u\">l</link>"
        ));
    }
}
