//! Chat tags over real HTTP against the fake Channel: listed page by page, created, written
//! back whole, deleted; what the fake refuses as Channel's schema does.

use crate::common;

use channeltalk_api::testing::{Collection, FakeChannel, Fault};
use channeltalk_api::{ApiError, ChatTagColor, NewChatTag};
use common::{fixture, last, raw};
use serde_json::json;

#[tokio::test]
async fn chat_tags_are_created_listed_written_and_deleted() {
    let fake = FakeChannel::start().await;
    let client = fake.client();

    let created = client
        .create_chat_tag(
            &NewChatTag::new("Bug report", "bug")
                .color(ChatTagColor::Red)
                .description("something broke"),
        )
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/open/v5/chat-tags")
    );
    assert_eq!(
        request.body,
        json!({"name": "Bug report", "key": "bug", "colorVariant": "red",
               "description": "something broke"})
    );
    let id = created.id.clone().unwrap();
    assert_eq!(created.key.as_deref(), Some("bug"));
    assert_eq!(created.color_variant.as_deref(), Some("red"));
    assert!(created.created_at.is_some());

    for index in 0..3 {
        client
            .create_chat_tag(&NewChatTag::new(
                format!("Tag {index}"),
                format!("t{index}"),
            ))
            .await
            .unwrap();
    }
    fake.clear_requests();
    let tags = client.chat_tags().limit(2).collect_all().await.unwrap();
    let mut keys: Vec<_> = tags.iter().map(|t| t.key.clone().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["bug", "refund", "t0", "t1", "t2"]);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.path == "/open/v5/chat-tags")
    );
    assert_eq!(requests[1].query_value("since"), Some("2"));

    let written = client
        .update_chat_tag(
            &id,
            &NewChatTag::new("Bug", "bug").color(ChatTagColor::Navy),
        )
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PATCH", format!("/open/v5/chat-tags/{id}").as_str())
    );
    assert_eq!(
        request.body,
        json!({"name": "Bug", "key": "bug", "colorVariant": "navy"})
    );
    assert_eq!(written.name.as_deref(), Some("Bug"));
    assert_eq!(written.color_variant.as_deref(), Some("navy"));

    // A key already taken is refused.
    let error = client
        .create_chat_tag(&NewChatTag::new("Bug again", "bug"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error}");

    client.delete_chat_tag(&id).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("DELETE", format!("/open/v5/chat-tags/{id}").as_str())
    );
    assert!(fake.get(Collection::ChatTags, &id).is_none());
    assert!(matches!(
        client.delete_chat_tag(&id).await.unwrap_err(),
        ApiError::NotFound { .. }
    ));
    assert!(matches!(
        client
            .update_chat_tag(&id, &NewChatTag::new("x", "x"))
            .await
            .unwrap_err(),
        ApiError::NotFound { .. }
    ));
}

#[tokio::test]
async fn tags_shaped_like_channels_are_read_with_unknown_colors_kept() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Raw {
        status: 200,
        body: fixture("chat_tags.json"),
    });
    let mut pages = fake.client().chat_tags();
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!(page.next.as_deref(), Some("2"));
    assert_eq!(page.items[0].extra["followerIds"], json!(["98765"]));
    assert_eq!(page.items[1].color_variant.as_deref(), Some("aqua"));
    assert_eq!(page.items[1].key.as_deref(), Some("refund/partial"));
}

#[tokio::test]
async fn the_fake_refuses_what_channels_chat_tag_schema_refuses() {
    let fake = FakeChannel::start().await;
    for (method, path, body, status) in [
        ("POST", "/open/v5/chat-tags", json!({"name": "No key"}), 422),
        ("POST", "/open/v5/chat-tags", json!({"key": "no-name"}), 422),
        (
            "POST",
            "/open/v5/chat-tags",
            json!({"name": "x", "key": "x", "colorVariant": "teal"}),
            422,
        ),
        (
            "PATCH",
            "/open/v5/chat-tags/1",
            json!({"name": "Refund"}),
            422,
        ),
        (
            "PATCH",
            "/open/v5/chat-tags/1",
            json!({"name": "R", "key": "refund", "colorVariant": 3}),
            422,
        ),
        ("POST", "/open/v5/chat-tags", json!("not an object"), 400),
    ] {
        let (answer, body) = raw(&fake, method, path, Some(body)).await;
        assert_eq!(answer, status, "{method} {path}: {body}");
    }
    assert_eq!(
        fake.all(Collection::ChatTags).len(),
        1,
        "only the seeded tag"
    );
    assert_eq!(
        fake.get(Collection::ChatTags, "1").unwrap()["colorVariant"],
        "orange"
    );
}
