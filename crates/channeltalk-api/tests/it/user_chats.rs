//! User chats over real HTTP against the fake Channel: lists by state and by user (paging,
//! the joined user and last message), opening a chat to reach a user first, open, snooze,
//! update, delete, signed file links, and what the fake refuses as Channel's schema does.

use crate::common;

use std::time::Duration;

use channeltalk_api::testing::{Collection, FakeChannel, Fault};
use channeltalk_api::{
    ApiError, BotName, ChatTarget, SendMessage, SortOrder, UserChatStateFilter, UserChatUpdate,
};
use channeltalk_webhook::model::UserChatState;
use common::{fixture, last, raw};
use futures_util::StreamExt;
use serde_json::json;

const BOT: BotName = BotName::from_static("EchoBot");

/// Adds user chats `c0`… in `state`, created one second apart, each with a message.
fn add_chats(fake: &FakeChannel, count: usize, state: &str) {
    for index in 0..count {
        let id = format!("{state}-c{index}");
        fake.insert(
            Collection::UserChats,
            json!({"id": id, "channelId": "197228", "userId": FakeChannel::USER_ID,
                   "state": state, "createdAt": 1_700_000_000_000_u64 + index as u64 * 1000}),
        );
        fake.add_message(&ChatTarget::user_chat(&id), &format!("hello from {id}"));
    }
}

#[tokio::test]
async fn user_chats_by_state_page_through_with_their_user_and_last_message() {
    let fake = FakeChannel::start().await;
    add_chats(&fake, 5, "snoozed");
    add_chats(&fake, 2, "closed");
    let client = fake.client();

    let mut pages = client
        .user_chats(UserChatStateFilter::Snoozed, SortOrder::Asc)
        .limit(2);
    let mut ids = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        for view in page.items {
            let chat = view.user_chat.expect("the chat");
            assert_eq!(chat.state, Some(UserChatState::Snoozed));
            assert_eq!(
                view.user.as_ref().and_then(|u| u.name.as_deref()),
                Some("김민수")
            );
            let id = chat.id.unwrap();
            let last = view.message.expect("the last message");
            assert_eq!(last.chat_id, id);
            assert_eq!(
                last.text().as_deref(),
                Some(format!("hello from {id}").as_str())
            );
            ids.push(id);
        }
    }
    assert_eq!(
        ids,
        [
            "snoozed-c0",
            "snoozed-c1",
            "snoozed-c2",
            "snoozed-c3",
            "snoozed-c4"
        ]
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/open/v5/user-chats")
        );
        assert_eq!(request.query_value("state"), Some("snoozed"));
        assert_eq!(request.query_value("sortOrder"), Some("asc"));
        assert_eq!(request.query_value("limit"), Some("2"));
    }
    assert_eq!(requests[0].query_value("since"), None);
    assert_eq!(requests[1].query_value("since"), Some("2"));
    assert_eq!(requests[2].query_value("since"), Some("4"));

    // Newest first, as a stream; the seeded chat is the only opened one.
    let closed: Vec<String> = client
        .user_chats(UserChatStateFilter::Closed, SortOrder::Desc)
        .into_stream()
        .map(|view| view.unwrap().user_chat.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(closed, ["closed-c1", "closed-c0"]);
    let opened = client
        .user_chats(UserChatStateFilter::default(), SortOrder::Both)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!(last(&fake).query_value("sortOrder"), Some("both"));
}

#[tokio::test]
async fn a_page_shaped_like_channels_is_joined_and_a_broken_chat_left_out() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Raw {
        status: 200,
        body: fixture("user_chats_page.json"),
    });
    let mut pages = fake
        .client()
        .user_chats(UserChatStateFilter::Opened, SortOrder::Desc);
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!(
        page.items.len(),
        2,
        "the chat that does not fit is left out"
    );
    assert_eq!(page.next.as_deref(), Some("1726990000000-650a11b2c3"));

    let first = &page.items[0];
    let chat = first.user_chat.as_ref().unwrap();
    assert_eq!(chat.contact_medium_type.as_deref(), Some("native"));
    assert_eq!(
        chat.medium_type, None,
        "the Open API's view has no mediumType"
    );
    assert_eq!(chat.direction, None);
    assert_eq!(chat.goal_state.as_deref(), Some("waiting"));
    assert_eq!(chat.reply_count, Some(2));
    assert_eq!(
        first.user.as_ref().unwrap().member_id.as_deref(),
        Some("member-000042")
    );
    let message = first.message.as_ref().unwrap();
    assert_eq!(
        message.id, "6512f0c2a1b2c3d4e5f60718",
        "the latest of the chat's messages"
    );
    assert_eq!(first.extra["session"]["unread"], 2);

    let second = &page.items[1];
    assert_eq!(
        second
            .user_chat
            .as_ref()
            .unwrap()
            .contact_medium_type
            .as_deref(),
        Some("email")
    );
    assert_eq!(
        second.user.as_ref().unwrap().name.as_deref(),
        Some("Lead 1")
    );
    assert!(second.message.is_none());
}

#[tokio::test]
async fn a_users_chats_and_a_chat_opened_to_reach_them_first() {
    let fake = FakeChannel::start().await;
    let client = fake.client();

    let created = client.create_user_chat(FakeChannel::USER_ID).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        (
            "POST",
            format!("/open/v5/users/{}/user-chats", FakeChannel::USER_ID).as_str()
        )
    );
    assert_eq!(request.body, serde_json::Value::Null, "no body");
    let chat = created.user_chat.as_ref().unwrap();
    let id = chat.id.clone().unwrap();
    assert_eq!(chat.user_id.as_deref(), Some(FakeChannel::USER_ID));
    assert_eq!(chat.state, Some(UserChatState::Opened));
    assert_eq!(
        created.user.as_ref().unwrap().id.as_deref(),
        Some(FakeChannel::USER_ID)
    );

    // Reach the user in it.
    client
        .send(SendMessage::new(ChatTarget::user_chat(&id), "Your order shipped").bot_name(BOT))
        .await
        .unwrap();

    let chats = client
        .user_chats_of_user(FakeChannel::USER_ID, SortOrder::Desc)
        .limit(1)
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = chats
        .iter()
        .map(|view| view.user_chat.as_ref().unwrap().id.clone().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), FakeChannel::USER_CHAT_ID]);
    assert_eq!(
        chats[0].message.as_ref().unwrap().text().as_deref(),
        Some("Your order shipped")
    );
    let request = last(&fake);
    assert_eq!(
        request.path,
        format!("/open/v5/users/{}/user-chats", FakeChannel::USER_ID)
    );
    assert_eq!(request.query_value("sortOrder"), Some("desc"));
    assert_eq!(request.query_value("since"), Some("1"));

    let error = client.create_user_chat("nobody").await.unwrap_err();
    assert!(matches!(error, ApiError::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn creating_a_chat_is_not_repeated_after_a_lost_answer() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::AfterHandling(500));
    let error = fake
        .client()
        .create_user_chat(FakeChannel::USER_ID)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        fake.requests().len(),
        1,
        "a repeat could open a second chat"
    );
    assert_eq!(fake.all(Collection::UserChats).len(), 2);
}

#[tokio::test]
async fn a_chat_is_snoozed_opened_updated_and_deleted() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let id = FakeChannel::USER_CHAT_ID;

    let snoozed = client
        .snooze_user_chat(id, Duration::from_secs(23 * 3600 + 50 * 60), &BOT)
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PUT", format!("/open/v5/user-chats/{id}/snooze").as_str())
    );
    assert_eq!(request.query_value("duration"), Some("PT23H50M"));
    assert_eq!(request.query_value("botName"), Some("EchoBot"));
    let chat = snoozed.user_chat.as_ref().unwrap();
    assert_eq!(chat.state, Some(UserChatState::Snoozed));
    let (at, until) = (chat.snoozed_at.unwrap(), chat.expires_at.unwrap());
    assert_eq!(until.as_millis() - at.as_millis(), 85_800_000);

    let opened = client.open_user_chat(id, &BOT).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PUT", format!("/open/v5/user-chats/{id}/open").as_str())
    );
    assert_eq!(request.query_value("botName"), Some("EchoBot"));
    assert_eq!(
        opened.user_chat.as_ref().unwrap().state,
        Some(UserChatState::Opened)
    );

    let updated = client
        .update_user_chat(
            id,
            &UserChatUpdate::new()
                .tags(["refund", "vip", "refund"])
                .description("waits for the courier"),
        )
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PATCH", format!("/open/v5/user-chats/{id}").as_str())
    );
    assert_eq!(
        request.body,
        json!({"tags": ["refund", "vip"], "description": "waits for the courier"})
    );
    let chat = updated.user_chat.as_ref().unwrap();
    assert_eq!(chat.tags, ["refund", "vip"]);
    assert_eq!(chat.description.as_deref(), Some("waits for the courier"));
    // The seeded `refund` tag comes with the chat.
    assert_eq!(updated.extra["chatTags"][0]["key"], "refund");

    let nine: Vec<String> = (0..9).map(|index| format!("t{index}")).collect();
    let error = client
        .update_user_chat(id, &UserChatUpdate::new().tags(nine))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error}");

    client.delete_user_chat(id).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("DELETE", format!("/open/v5/user-chats/{id}").as_str())
    );
    assert!(fake.get(Collection::UserChats, id).is_none());
    assert!(matches!(
        client.user_chat(id).await.unwrap_err(),
        ApiError::NotFound { .. }
    ));
    assert!(matches!(
        client.delete_user_chat(id).await.unwrap_err(),
        ApiError::NotFound { .. }
    ));
}

#[tokio::test]
async fn signed_links_to_files_of_user_chats_and_team_chats() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let chat = ChatTarget::user_chat(FakeChannel::USER_CHAT_ID);
    let key = fake.add_file(&chat, "receipt.png");

    let link = client.file_url(&chat, &key).await.unwrap();
    let request = last(&fake);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path,
        format!(
            "/open/v5/user-chats/{}/messages/file",
            FakeChannel::USER_CHAT_ID
        )
    );
    assert_eq!(request.query_value("key"), Some(key.as_str()));
    let url = link.url.as_deref().unwrap();
    assert!(
        url.starts_with("https://") && url.contains("receipt.png"),
        "{url}"
    );

    // The key comes from a message read back, as a bot would do it.
    let messages = client
        .user_chat_messages(FakeChannel::USER_CHAT_ID, SortOrder::Desc)
        .collect_all()
        .await
        .unwrap();
    let file = messages[0].files[0].known().unwrap();
    assert_eq!(file.key.as_deref(), Some(key.as_str()));
    assert_eq!(file.size, Some(2048));

    let group = ChatTarget::group(FakeChannel::GROUP_ID);
    let key = fake.add_file(&group, "deploy.log");
    for (target, path) in [
        (
            group.clone(),
            format!("/open/v5/groups/{}/messages/file", FakeChannel::GROUP_ID),
        ),
        (
            ChatTarget::thread(FakeChannel::GROUP_ID, "m-1"),
            format!("/open/v5/groups/{}/messages/file", FakeChannel::GROUP_ID),
        ),
        (
            ChatTarget::group_named(FakeChannel::GROUP_NAME),
            format!("/open/v5/groups/@{}/messages/file", FakeChannel::GROUP_NAME),
        ),
    ] {
        let link = client.file_url(&target, &key).await.unwrap();
        assert!(link.url.as_deref().unwrap().contains("deploy.log"));
        assert_eq!(last(&fake).path, path);
    }

    let error = client.file_url(&chat, "pub-file/none").await.unwrap_err();
    assert!(matches!(error, ApiError::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn the_fake_refuses_what_channels_user_chat_schema_refuses() {
    let fake = FakeChannel::start().await;
    let chat = format!("/open/v5/user-chats/{}", FakeChannel::USER_CHAT_ID);
    let user = format!("/open/v5/users/{}", FakeChannel::USER_ID);
    for (method, path, body, status) in [
        (
            "GET",
            "/open/v5/user-chats?state=assigned".to_owned(),
            None,
            400,
        ),
        (
            "GET",
            "/open/v5/user-chats?sortOrder=newest".to_owned(),
            None,
            400,
        ),
        ("GET", "/open/v5/user-chats?limit=0".to_owned(), None, 400),
        ("GET", format!("{user}/user-chats"), None, 400),
        ("PUT", format!("{chat}/open"), None, 400),
        ("PUT", format!("{chat}/snooze?botName=b"), None, 400),
        (
            "PUT",
            format!("{chat}/snooze?botName=b&duration=23h"),
            None,
            400,
        ),
        ("PUT", format!("{chat}/snooze?duration=PT1H"), None, 400),
        (
            "PATCH",
            chat.clone(),
            Some(json!({"tags": ["a", "a"]})),
            422,
        ),
        ("PATCH", chat.clone(), Some(json!({"tags": "a"})), 422),
        (
            "PATCH",
            chat.clone(),
            Some(json!({"priority": "urgent"})),
            422,
        ),
        ("PATCH", chat.clone(), Some(json!({"description": 5})), 422),
        (
            "PATCH",
            chat.clone(),
            Some(json!(["not", "an", "object"])),
            400,
        ),
        ("GET", format!("{chat}/messages/file"), None, 400),
        (
            "GET",
            "/open/v5/user-chats/none/messages/file?key=k".to_owned(),
            None,
            404,
        ),
    ] {
        let (answer, body) = raw(&fake, method, &path, body).await;
        assert_eq!(answer, status, "{method} {path}: {body}");
        assert!(body["message"].is_string(), "{method} {path}: {body}");
    }
    // Nothing was changed by a refused request.
    let stored = fake
        .get(Collection::UserChats, FakeChannel::USER_CHAT_ID)
        .unwrap();
    assert_eq!(stored["state"], "opened");
    assert_eq!(stored["tags"], json!([]));
    let (status, _) = raw(
        &fake,
        "PUT",
        &format!("{chat}/snooze?botName=b&duration=P1DT2H"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}
