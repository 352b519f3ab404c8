//! Every endpoint against the fake Channel API over real HTTP on 127.0.0.1: the request's
//! shape (method, path, query, headers, body) and the decoding of spec-shaped answers.

use channeltalk_api::testing::{Collection, FAKE_ACCESS_KEY, FakeChannel, Fault, RecordedRequest};
use channeltalk_api::{
    BotName, ChatTarget, NewWebhook, OutgoingMessage, QuickReply, Scope, SendMessage, SortOrder,
    WebhookUpdate,
};
use channeltalk_webhook::model::{ChatType, PersonType, UserChatState};
use channeltalk_webhook::rich_text::RichText;
use futures_util::StreamExt;
use serde_json::json;

const BOT: BotName = BotName::from_static("EchoBot");

fn last(fake: &FakeChannel) -> RecordedRequest {
    fake.requests().pop().expect("a request was made")
}

fn assert_credentials_and_agent(request: &RecordedRequest) {
    assert!(request.authorized);
    assert_eq!(request.header("x-access-key"), Some(FAKE_ACCESS_KEY));
    assert_eq!(request.header("x-access-secret"), Some("<redacted>"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|agent| agent.starts_with("channeltalk-api/"))
    );
}

#[tokio::test]
async fn send_to_a_user_chat_posts_the_quick_reply_body_with_bot_name_and_request_id() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let message = OutgoingMessage::new()
        .text("echo: <b>not bold</b>")
        .text(RichText::new().bold("bold"))
        .option("silent");
    let send = SendMessage::new(
        ChatTarget::user_chat(FakeChannel::USER_CHAT_ID),
        message.clone(),
    )
    .bot_name(BotName::new("상담봇 🤖").unwrap())
    .request_id("req-1");
    let sent = client.send(send).await.unwrap();

    let request = last(&fake);
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/open/v5/user-chats/{}/messages", FakeChannel::USER_CHAT_ID)
    );
    assert_eq!(request.query_value("botName"), Some("상담봇 🤖"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_credentials_and_agent(&request);
    let mut expected = serde_json::to_value(&message).unwrap();
    expected["requestId"] = json!("req-1");
    assert_eq!(request.body, expected);
    assert_eq!(
        request.body["blocks"][0]["value"],
        "echo: &lt;b&gt;not bold&lt;/b&gt;"
    );

    let posted = sent.message.as_ref().expect("the posted message");
    assert_eq!(posted.chat_type, ChatType::UserChat);
    assert_eq!(posted.chat_id, FakeChannel::USER_CHAT_ID);
    assert_eq!(posted.person_type, PersonType::Bot);
    assert_eq!(posted.request_id.as_deref(), Some("req-1"));
    assert_eq!(
        sent.bot.as_ref().unwrap().name.as_deref(),
        Some("상담봇 🤖")
    );
    assert_eq!(sent.attempts, 1);
    assert_eq!(sent.rate_limit.limit, Some(1000));
    assert_eq!(sent.rate_limit.remaining, Some(999));
}

#[tokio::test]
async fn a_quick_reply_can_be_sent_later_unchanged() {
    let fake = FakeChannel::start().await;
    let reply = QuickReply::new().bot_name(BOT).text("later");
    let body = reply.to_body();
    fake.client()
        .send(SendMessage::from_quick_reply(
            ChatTarget::user_chat(FakeChannel::USER_CHAT_ID),
            reply,
        ))
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(request.query_value("botName"), Some("EchoBot"));
    let mut expected: serde_json::Value = serde_json::from_slice(&body).unwrap();
    expected["requestId"] = request.body["requestId"].clone();
    assert_eq!(request.body, expected);
    assert_eq!(fake.posted_messages()[0].text(), "later");
}

#[tokio::test]
async fn sends_to_team_chats_by_id_by_name_and_into_threads() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let root = fake.add_message(&ChatTarget::group(FakeChannel::GROUP_ID), "deploy?");
    let thread = ChatTarget::Thread {
        group_id: FakeChannel::GROUP_ID.into(),
        root_message_id: root.clone(),
        broadcast: true,
    };
    for (target, path) in [
        (
            ChatTarget::group(FakeChannel::GROUP_ID),
            format!("/open/v5/groups/{}/messages", FakeChannel::GROUP_ID),
        ),
        (
            ChatTarget::group_named(FakeChannel::GROUP_NAME),
            format!("/open/v5/groups/@{}/messages", FakeChannel::GROUP_NAME),
        ),
        (
            thread.clone(),
            format!(
                "/open/v5/groups/{}/threads/{root}/messages",
                FakeChannel::GROUP_ID
            ),
        ),
    ] {
        let sent = client
            .send(
                SendMessage::new(target.clone(), OutgoingMessage::new().plain_text("plain"))
                    .bot_name(BOT),
            )
            .await
            .unwrap();
        let request = last(&fake);
        assert_eq!(request.path, path);
        assert_eq!(request.body["plainText"], "plain");
        assert!(request.body.get("blocks").is_none());
        assert_eq!(sent.message.as_ref().unwrap().chat_type, ChatType::Group);
        assert_eq!(fake.posted_messages().last().unwrap().target, target);
    }
    assert_eq!(last(&fake).query_value("broadcast"), Some("true"));
    let posted = fake.posted_messages();
    assert_eq!(posted[2].message["rootMessageId"], json!(root));
}

#[tokio::test]
async fn an_invalid_message_is_not_sent() {
    let fake = FakeChannel::start().await;
    let error = fake
        .client()
        .send(SendMessage::new(
            ChatTarget::user_chat("1"),
            OutgoingMessage::new(),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(error, channeltalk_api::ApiError::InvalidMessage(_)),
        "{error}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn unescaped_markup_is_refused_with_channels_message_and_not_retried() {
    let fake = FakeChannel::start().await;
    let error = fake
        .client()
        .send(SendMessage::new(
            ChatTarget::user_chat(FakeChannel::USER_CHAT_ID),
            RichText::raw("1 < 2"),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::UNPROCESSABLE_ENTITY));
    assert!(error.is_refusal());
    assert!(error.to_string().contains("invalid markup"), "{error}");
    assert_eq!(error.rate_limit().unwrap().limit, Some(1000));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn messages_of_a_user_chat_page_through_with_string_cursors() {
    let fake = FakeChannel::start().await;
    let chat = ChatTarget::user_chat(FakeChannel::USER_CHAT_ID);
    for index in 0..7 {
        fake.add_message(&chat, &format!("m{index}"));
    }
    let client = fake.client();
    let mut pages = client
        .user_chat_messages(FakeChannel::USER_CHAT_ID, SortOrder::Asc)
        .limit(3);
    let mut texts = Vec::new();
    let mut cursors = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        texts.extend(page.items.iter().map(|m| m.text().unwrap().into_owned()));
        cursors.push(page.next);
    }
    assert_eq!(texts, ["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
    assert_eq!(cursors, [Some("3".to_owned()), Some("6".to_owned()), None]);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].query_value("sortOrder"), Some("asc"));
    assert_eq!(requests[0].query_value("limit"), Some("3"));
    assert_eq!(requests[0].query_value("since"), None);
    assert_eq!(requests[1].query_value("since"), Some("3"));
    assert_eq!(requests[2].query_value("since"), Some("6"));

    // The same list, newest first, as a stream.
    let newest: Vec<String> = client
        .user_chat_messages(FakeChannel::USER_CHAT_ID, SortOrder::Desc)
        .limit(2)
        .into_stream()
        .map(|m| m.unwrap().text().unwrap().into_owned())
        .collect()
        .await;
    assert_eq!(newest, ["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
}

#[tokio::test]
async fn messages_of_a_team_chat() {
    let fake = FakeChannel::start().await;
    fake.add_message(&ChatTarget::group(FakeChannel::GROUP_ID), "hi team");
    let messages = fake
        .client()
        .group_messages(FakeChannel::GROUP_ID, SortOrder::Desc)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].is_team_chat() && messages[0].is_from_manager());
    let request = last(&fake);
    assert_eq!(
        request.path,
        format!("/open/v5/groups/{}/messages", FakeChannel::GROUP_ID)
    );
    assert_eq!(request.query_value("sortOrder"), Some("desc"));
}

#[tokio::test]
async fn reads_a_user_chat_a_user_a_manager_a_group_and_the_channel() {
    let fake = FakeChannel::start().await;
    let client = fake.client();

    let chat = client.user_chat(FakeChannel::USER_CHAT_ID).await.unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/user-chats/{}", FakeChannel::USER_CHAT_ID)
    );
    let user_chat = chat.user_chat.as_ref().unwrap();
    assert_eq!(user_chat.state, Some(UserChatState::Opened));
    assert_eq!(chat.user.as_ref().unwrap().name.as_deref(), Some("김민수"));
    assert!(chat.extra.contains_key("chatTags"));

    let user = client.user(FakeChannel::USER_ID).await.unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/users/{}", FakeChannel::USER_ID)
    );
    assert_eq!(
        user.user.as_ref().unwrap().id.as_deref(),
        Some(FakeChannel::USER_ID)
    );
    assert!(user.extra.contains_key("online"));

    let manager = client.manager(FakeChannel::MANAGER_IDS[1]).await.unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/managers/{}", FakeChannel::MANAGER_IDS[1])
    );
    assert_eq!(
        manager.manager.as_ref().unwrap().name.as_deref(),
        Some("Manager 1")
    );

    let group = client.group(FakeChannel::GROUP_ID).await.unwrap();
    assert_eq!(
        last(&fake).path,
        format!("/open/v5/groups/{}", FakeChannel::GROUP_ID)
    );
    assert_eq!(group.group.as_ref().unwrap().name.as_deref(), Some("dev"));
    assert_eq!(group.managers.len(), 3);

    let channel = client.channel().await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/open/v5/channel")
    );
    assert_credentials_and_agent(&request);
    assert_eq!(
        channel.channel.as_ref().unwrap().name.as_deref(),
        Some("Fake Channel")
    );
    assert!(
        channel
            .channel
            .as_ref()
            .unwrap()
            .extra
            .contains_key("bizGrade")
    );
}

#[tokio::test]
async fn an_unknown_id_is_not_found() {
    let fake = FakeChannel::start().await;
    let error = fake.client().user("nobody").await.unwrap_err();
    assert!(
        matches!(error, channeltalk_api::ApiError::NotFound { ref path, .. } if path == "/open/v5/users/nobody"),
        "{error}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn managers_page_with_string_cursors_and_bots_with_numeric_ones() {
    let fake = FakeChannel::start().await;
    for index in 0..5 {
        fake.insert(
            Collection::Managers,
            json!({"id": format!("9{index:04}"), "name": format!("Extra {index}"), "roleId": "agent"}),
        );
        fake.insert(
            Collection::Bots,
            json!({"id": format!("b-x{index}"), "name": format!("Bot {index}"), "ai": true}),
        );
    }
    let client = fake.client();
    let managers = client.managers().limit(3).collect_all().await.unwrap();
    assert_eq!(managers.len(), 8);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.path == "/open/v5/managers"));
    assert_eq!(requests[1].query_value("since"), Some("3"));

    fake.clear_requests();
    let bots: Vec<_> = client
        .bots()
        .limit(2)
        .into_stream()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(bots.len(), 7);
    assert!(bots.iter().all(Result::is_ok));
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[3].query_value("since"), Some("6"));
}

#[tokio::test]
async fn hand_off_assigns_invites_and_closes() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let [first, second, third] = FakeChannel::MANAGER_IDS;

    let chat = client
        .assign_user_chat(FakeChannel::USER_CHAT_ID, first, &BOT)
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(request.method, "PATCH");
    assert_eq!(
        request.path,
        format!(
            "/open/v5/user-chats/{}/assign-to/managers/{first}",
            FakeChannel::USER_CHAT_ID
        )
    );
    assert_eq!(request.query_value("botName"), Some("EchoBot"));
    assert_eq!(
        chat.user_chat.as_ref().unwrap().assignee_id.as_deref(),
        Some(first)
    );

    let chat = client
        .invite_managers(FakeChannel::USER_CHAT_ID, &[second, third], &BOT)
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        request.path,
        format!("/open/v5/user-chats/{}/invite", FakeChannel::USER_CHAT_ID)
    );
    assert_eq!(request.query_values("managerIds"), [second, third]);
    assert_eq!(
        chat.user_chat.as_ref().unwrap().manager_ids,
        [first, second, third]
    );

    let chat = client
        .close_user_chat(FakeChannel::USER_CHAT_ID, &BOT)
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        request.path,
        format!("/open/v5/user-chats/{}/close", FakeChannel::USER_CHAT_ID)
    );
    assert_eq!(request.query_value("botName"), Some("EchoBot"));
    assert_eq!(
        chat.user_chat.as_ref().unwrap().state,
        Some(UserChatState::Closed)
    );
}

#[tokio::test]
async fn webhooks_are_created_read_updated_unblocked_listed_and_deleted() {
    let fake = FakeChannel::start().await;
    let client = fake.client();

    let created = client
        .create_webhook(
            &NewWebhook::new("bot", "https://bot.example.com/webhook")
                .scope(Scope::MessageCreatedUserChat)
                .scope("message.created.teamChat"),
        )
        .await
        .unwrap()
        .into_inner();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/open/v5/webhooks")
    );
    assert_eq!(
        request.body,
        json!({"name": "bot", "url": "https://bot.example.com/webhook",
               "scopes": ["message.created.userChat", "message.created.teamChat"], "apiVersion": "v5"})
    );
    let id = created.id.clone().unwrap();
    assert!(
        created
            .token
            .as_deref()
            .is_some_and(|t| t.starts_with("whtok-"))
    );
    assert_eq!(
        created.scopes,
        [Scope::MessageCreatedUserChat, Scope::MessageCreatedTeamChat]
    );

    let got = client.webhook(&id).await.unwrap();
    assert_eq!(last(&fake).path, format!("/open/v5/webhooks/{id}"));
    assert_eq!(got.url.as_deref(), Some("https://bot.example.com/webhook"));

    fake.block_webhook(&id);
    assert!(client.webhook(&id).await.unwrap().is_blocked());
    let updated = client
        .update_webhook(&id, &WebhookUpdate::new().name("renamed").unblock())
        .await
        .unwrap();
    // Read, then written back with every field Channel requires.
    let requests = fake.requests();
    let (read, write) = (&requests[requests.len() - 2], &requests[requests.len() - 1]);
    assert_eq!(
        (read.method.as_str(), write.method.as_str()),
        ("GET", "PATCH")
    );
    assert_eq!(
        write.body,
        json!({"name": "renamed", "url": "https://bot.example.com/webhook",
               "scopes": ["message.created.userChat", "message.created.teamChat"],
               "apiVersion": "v5", "blocked": false})
    );
    assert_eq!(updated.name.as_deref(), Some("renamed"));
    assert!(!updated.is_blocked());

    client.delete_webhook(&id).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("DELETE", format!("/open/v5/webhooks/{id}").as_str())
    );
    assert!(fake.webhooks().is_empty());
    assert!(client.webhook(&id).await.unwrap_err().is_refusal());
}

#[tokio::test]
async fn webhooks_page_with_numeric_cursors_across_three_pages() {
    let fake = FakeChannel::start().await;
    for index in 0..7 {
        fake.add_webhook(
            &format!("hook {index}"),
            "https://x.example/w",
            &["userChat.opened"],
        );
    }
    let client = fake.client();
    let mut pages = client.webhooks().limit(3);
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        sizes.push(page.items.len());
    }
    assert_eq!(sizes, [3, 3, 1]);
    let requests = fake.requests();
    assert_eq!(requests[1].query_value("since"), Some("3"));
    assert_eq!(requests[2].query_value("since"), Some("6"));
    let names: Vec<String> = client
        .webhooks()
        .limit(3)
        .into_stream()
        .map(|w| w.unwrap().name.unwrap())
        .collect()
        .await;
    assert_eq!(names.len(), 7);
    assert_eq!(names[6], "hook 6");
}

#[tokio::test]
async fn paging_returns_every_element_exactly_once_for_any_count_and_page_size() {
    for count in 0..=9 {
        let fake = FakeChannel::start().await;
        for index in 0..count {
            fake.add_webhook(
                &format!("{index}"),
                "https://x.example/w",
                &["userChat.opened"],
            );
        }
        for limit in 1..=4 {
            let names: Vec<String> = fake
                .client()
                .webhooks()
                .limit(limit)
                .collect_all()
                .await
                .unwrap()
                .into_iter()
                .map(|webhook| webhook.name.unwrap())
                .collect();
            let expected: Vec<String> = (0..count).map(|index| index.to_string()).collect();
            assert_eq!(names, expected, "{count} webhooks, {limit} per page");
        }
    }
}

#[tokio::test]
async fn a_repeated_cursor_or_an_empty_page_ends_the_list() {
    let fake = FakeChannel::start().await;
    let page = |id: &str, next: &str| Fault::Raw {
        status: 200,
        body: format!(r#"{{"webhooks":[{{"id":"{id}"}}],"next":{next}}}"#),
    };
    fake.fail_next(page("1", "5"));
    fake.fail_next(page("2", "5"));
    let webhooks = fake.client().webhooks().collect_all().await.unwrap();
    assert_eq!(webhooks.len(), 2);
    assert_eq!(fake.requests().len(), 2);

    fake.clear_requests();
    fake.fail_next(page("1", "7"));
    fake.fail_next(Fault::Raw {
        status: 200,
        body: r#"{"webhooks":[],"next":8}"#.into(),
    });
    let webhooks = fake.client().webhooks().collect_all().await.unwrap();
    assert_eq!(webhooks.len(), 1);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_sample_events_answer_reaches_a_chat_the_fake_knows() {
    use channeltalk_webhook::testing::SampleEvent;
    let fake = FakeChannel::start().await;
    let client = fake.client();
    for sample in [
        SampleEvent::user_message("hi"),
        SampleEvent::manager_message("deploy?").in_team_chat(),
        SampleEvent::user_chat_opened(),
    ] {
        let target = sample.event().reply_target().expect("a chat to answer in");
        let sent = client
            .send(SendMessage::new(target.clone(), "answer"))
            .await;
        assert!(sent.is_ok(), "{target}: {sent:?}");
    }
    assert_eq!(fake.posted_messages().len(), 3);
}
