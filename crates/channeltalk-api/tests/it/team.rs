//! The team's side over real HTTP against the fake Channel: team chats listed and found by
//! name, threads made, read and listed by id and by name, posts into a thread of a team chat
//! named by its name, and bots created and deleted; with what the fake refuses.

use crate::common;

use channeltalk_api::testing::{Collection, FakeChannel, Fault};
use channeltalk_api::{
    ApiError, BotName, ChatTarget, NewBot, OutgoingMessage, SendMessage, SortOrder,
};
use common::{fixture, last, raw};
use serde_json::json;

const BOT: BotName = BotName::from_static("DeployBot");

#[tokio::test]
async fn team_chats_are_listed_page_by_page_and_found_by_name() {
    let fake = FakeChannel::start().await;
    for index in 0..4 {
        fake.insert(
            Collection::Groups,
            json!({"id": format!("4000{index}"), "channelId": "197228", "name": format!("team-{index}"),
                   "title": format!("Team {index}"), "scope": "public", "managerIds": []}),
        );
    }
    let client = fake.client();
    let groups = client.groups().limit(2).collect_all().await.unwrap();
    assert_eq!(groups.len(), 5);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.path == "/open/v5/groups")
    );
    assert_eq!(requests[1].query_value("since"), Some("2"));

    let dev = client.group_named(FakeChannel::GROUP_NAME).await.unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/groups/@{}", FakeChannel::GROUP_NAME)
    );
    assert_eq!(
        dev.group.as_ref().unwrap().id.as_deref(),
        Some(FakeChannel::GROUP_ID)
    );
    assert_eq!(dev.managers.len(), 3);
    assert!(matches!(
        client.group_named("nope").await.unwrap_err(),
        ApiError::NotFound { .. }
    ));

    fake.add_message(&ChatTarget::group(FakeChannel::GROUP_ID), "standup at 10");
    let messages = client
        .group_messages_named(FakeChannel::GROUP_NAME, SortOrder::Desc)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
    let request = last(&fake);
    assert_eq!(
        request.path,
        format!("/open/v5/groups/@{}/messages", FakeChannel::GROUP_NAME)
    );
    assert_eq!(request.query_value("sortOrder"), Some("desc"));
}

#[tokio::test]
async fn a_thread_is_made_under_a_message_followed_up_by_name_and_read() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    // The alert, posted to the team chat by name; its answer names the message.
    let alert = client
        .send(SendMessage::new(ChatTarget::group_named("dev"), "Deploy failed").bot_name(BOT))
        .await
        .unwrap();
    let root = alert.message.as_ref().unwrap().id.clone();

    let made = client.create_thread_named("dev", &root).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        (
            "POST",
            format!("/open/v5/groups/@dev/threads/{root}").as_str()
        )
    );
    let thread = made.thread.clone().unwrap();
    assert_eq!(thread.root_message_id.as_deref(), Some(root.as_str()));
    assert_eq!(thread.reply_count, Some(0));
    let message = made.message.as_ref().unwrap();
    assert_eq!(message.id, root);
    assert!(message.is_thread_root(), "threadRoot is read");
    assert_eq!(made.managers.len(), 3);
    assert_eq!(made.extra["chat"]["id"], FakeChannel::GROUP_ID);

    // Made again, by id: the same thread.
    let again = client
        .create_thread(FakeChannel::GROUP_ID, &root)
        .await
        .unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/groups/{}/threads/{root}", FakeChannel::GROUP_ID)
    );
    assert_eq!(again.thread.as_ref().unwrap().id, thread.id);

    // Follow-ups in the thread of the team chat named `dev`.
    for (text, broadcast) in [("rolling back", false), ("rolled back", true)] {
        let mut target = ChatTarget::thread("dev", &root);
        if let ChatTarget::Thread { broadcast: b, .. } = &mut target {
            *b = broadcast;
        }
        let sent = client
            .send_to_named_group(
                SendMessage::new(target, text)
                    .bot_name(BOT)
                    .request_id(format!("req-{text}")),
            )
            .await
            .unwrap();
        let request = last(&fake);
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            (
                "POST",
                format!("/open/v5/groups/@dev/threads/{root}/messages").as_str()
            )
        );
        assert_eq!(request.query_value("botName"), Some("DeployBot"));
        assert_eq!(
            request.query_value("broadcast"),
            broadcast.then_some("true")
        );
        assert_eq!(
            request.body,
            json!({"blocks": [{"type": "text", "value": text}], "requestId": format!("req-{text}")})
        );
        let reply = sent.message.as_ref().unwrap();
        assert_eq!(reply.thread_msg, Some(true));
        assert_eq!(reply.root_message_id.as_deref(), Some(root.as_str()));
        assert_eq!(reply.broadcasted_msg, broadcast.then_some(true));
        assert!(!reply.is_thread_root());
    }

    let read = client.thread_named("dev", &root).await.unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/groups/@dev/threads/{root}")
    );
    assert_eq!(read.thread.as_ref().unwrap().reply_count, Some(2));
    let read = client.thread(FakeChannel::GROUP_ID, &root).await.unwrap();
    assert_eq!(read.message.as_ref().unwrap().id, root);

    let replies = client
        .thread_messages(FakeChannel::GROUP_ID, &root, SortOrder::Asc)
        .limit(1)
        .collect_all()
        .await
        .unwrap();
    let texts: Vec<_> = replies
        .iter()
        .map(|m| m.text().unwrap().into_owned())
        .collect();
    assert_eq!(texts, ["rolling back", "rolled back"]);
    let request = last(&fake);
    assert_eq!(
        request.path,
        format!(
            "/open/v5/groups/{}/threads/{root}/messages",
            FakeChannel::GROUP_ID
        )
    );
    assert_eq!(request.query_value("sortOrder"), Some("asc"));
    assert_eq!(request.query_value("since"), Some("1"));
    let newest = client
        .thread_messages_named("dev", &root, SortOrder::Desc)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(newest[0].text().as_deref(), Some("rolled back"));
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/groups/@dev/threads/{root}/messages")
    );

    // The team chat shows the root and the broadcast reply, not the other.
    let chat: Vec<_> = client
        .group_messages(FakeChannel::GROUP_ID, SortOrder::Asc)
        .collect_all()
        .await
        .unwrap()
        .iter()
        .map(|m| m.text().unwrap().into_owned())
        .collect();
    assert_eq!(chat, ["Deploy failed", "rolled back"]);

    assert!(matches!(
        client
            .create_thread_named("dev", "no-such-message")
            .await
            .unwrap_err(),
        ApiError::NotFound { .. }
    ));
    assert!(matches!(
        client
            .thread(FakeChannel::GROUP_ID, "no-such-message")
            .await
            .unwrap_err(),
        ApiError::NotFound { .. }
    ));
}

#[tokio::test]
async fn creating_a_thread_is_retried_since_a_message_has_one_thread() {
    let fake = FakeChannel::start().await;
    let root = fake.add_message(&ChatTarget::group(FakeChannel::GROUP_ID), "deploy?");
    fake.fail_next(Fault::AfterHandling(502));
    let made = fake
        .client()
        .create_thread(FakeChannel::GROUP_ID, &root)
        .await
        .unwrap();
    assert_eq!(made.attempts, 2);
    assert_eq!(made.thread.as_ref().unwrap().reply_count, Some(0));
}

#[tokio::test]
async fn a_named_group_send_to_a_team_chat_or_a_user_chat() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    client
        .send_to_named_group(SendMessage::new(ChatTarget::group("dev"), "hello team"))
        .await
        .unwrap();
    assert_eq!(last(&fake).path, "/open/v5/groups/@dev/messages");
    client
        .send_to_named_group(SendMessage::new(
            ChatTarget::user_chat(FakeChannel::USER_CHAT_ID),
            "hello customer",
        ))
        .await
        .unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/user-chats/{}/messages", FakeChannel::USER_CHAT_ID)
    );
    let error = client
        .send_to_named_group(SendMessage::new(
            ChatTarget::group("dev"),
            OutgoingMessage::new(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::InvalidMessage(_)), "{error}");
    assert_eq!(fake.requests().len(), 2, "an empty message is not sent");
    let error = client
        .send_to_named_group(SendMessage::new(ChatTarget::thread("ops", "m-1"), "x"))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn a_thread_shaped_like_channels_is_read() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Raw {
        status: 200,
        body: fixture("thread_root.json"),
    });
    fake.fail_next(Fault::Raw {
        status: 200,
        body: fixture("thread_messages.json"),
    });
    let client = fake.client();
    let view = client
        .thread("1234", "66f0a1b2c3d4e5f6a7b8c9d0")
        .await
        .unwrap();
    let message = view.message.as_ref().unwrap();
    assert!(message.is_thread_root());
    assert_eq!(message.thread_root, Some(true));
    let thread = view.thread.as_ref().unwrap();
    assert_eq!(thread.reply_count, Some(3));
    assert_eq!(thread.replied_manager_ids, ["98765"]);
    assert_eq!(thread.extra["futureField"], 1);
    assert_eq!(
        view.bot.as_ref().unwrap().name.as_deref(),
        Some("DeployBot")
    );
    assert_eq!(
        view.managers.len(),
        1,
        "an entry that is not a manager is left out"
    );

    let mut pages = client.thread_messages("1234", "66f0a1b2c3d4e5f6a7b8c9d0", SortOrder::Asc);
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!(page.items.len(), 2);
    let reply = &page.items[1];
    assert_eq!(
        (reply.thread_msg, reply.broadcasted_msg),
        (Some(true), Some(true))
    );
    let web_page = reply
        .web_page
        .as_ref()
        .and_then(|page| page.known())
        .unwrap();
    assert_eq!(web_page.title.as_deref(), Some("Incident 42"));
    let form = reply.form.as_ref().and_then(|form| form.known()).unwrap();
    assert_eq!(form.kind.as_deref(), Some("custom"));
    assert_eq!(
        form.inputs[0].known().unwrap().binding_key.as_deref(),
        Some("severity")
    );
    let file = reply.files[0].known().unwrap();
    assert_eq!(
        file.key.as_deref(),
        Some("pub-file/123456/312345/deploy.log")
    );
    assert_eq!(
        reply.buttons[0].known().unwrap().web_url(),
        Some("https://status.example.com/incidents/42")
    );
    assert_eq!(reply.options, ["doNotSearch"]);
}

#[tokio::test]
async fn bots_are_created_changed_and_deleted() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let bot = client
        .create_bot(&NewBot::new("주문봇", "#5E56F0").avatar_url("https://cdn.example/bot.png"))
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/open/v5/bots")
    );
    assert_eq!(
        request.body,
        json!({"name": "주문봇", "color": "#5E56F0", "avatarUrl": "https://cdn.example/bot.png"})
    );
    let id = bot.id.clone().unwrap();
    assert_eq!(bot.name.as_deref(), Some("주문봇"));
    assert_eq!(bot.color.as_deref(), Some("#5E56F0"));
    assert_eq!(client.bots().collect_all().await.unwrap().len(), 3);

    // The same name again changes that bot.
    let changed = client
        .create_bot(&NewBot::new("주문봇", "#000000"))
        .await
        .unwrap();
    assert_eq!(changed.id.as_deref(), Some(id.as_str()));
    assert_eq!(changed.color.as_deref(), Some("#000000"));

    client.delete_bot(&id).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("DELETE", format!("/open/v5/bots/{id}").as_str())
    );
    assert!(fake.get(Collection::Bots, &id).is_none());
    assert!(matches!(
        client.delete_bot(&id).await.unwrap_err(),
        ApiError::NotFound { .. }
    ));

    fake.fail_next(Fault::Status(500));
    assert!(
        client
            .create_bot(&NewBot::new("x", "#111111"))
            .await
            .is_err()
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        3,
        "a creation is not repeated after a 5xx"
    );
}

#[tokio::test]
async fn the_fake_refuses_what_channels_team_schemas_refuse() {
    let fake = FakeChannel::start().await;
    let root = fake.add_message(&ChatTarget::group(FakeChannel::GROUP_ID), "root");
    let thread = format!("/open/v5/groups/{}/threads/{root}", FakeChannel::GROUP_ID);
    for (method, path, body, status) in [
        (
            "POST",
            "/open/v5/bots".to_owned(),
            Some(json!({"name": "x"})),
            422,
        ),
        (
            "POST",
            "/open/v5/bots".to_owned(),
            Some(json!({"color": "#123456"})),
            422,
        ),
        ("POST", "/open/v5/bots".to_owned(), None, 400),
        (
            "GET",
            format!("{thread}/messages?sortOrder=random"),
            None,
            400,
        ),
        ("GET", format!("{thread}/messages?limit=501"), None, 400),
        (
            "GET",
            "/open/v5/groups/@nope/threads/m/messages".to_owned(),
            None,
            404,
        ),
        (
            "GET",
            format!("/open/v5/groups/{}/messages", FakeChannel::GROUP_ID),
            None,
            400,
        ),
        (
            "POST",
            format!("{thread}/messages"),
            Some(json!({"blocks": [{"type": "text", "value": "x"}],
            "buttons": [{"title": "Docs"}]})),
            422,
        ),
        (
            "POST",
            format!("{thread}/messages"),
            Some(json!({"plainText": "x",
            "options": ["silent", "silent"]})),
            422,
        ),
    ] {
        let (answer, body) = raw(&fake, method, &path, body).await;
        assert_eq!(answer, status, "{method} {path}: {body}");
    }
    assert_eq!(fake.all(Collection::Bots).len(), 2, "no bot created");
    assert!(fake.posted_messages().is_empty());
}
