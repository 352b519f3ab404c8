//! Users over real HTTP against the fake Channel: by member id (read, create or change),
//! changed by id, and their events (listed page by page, recorded, forgotten), with what the
//! fake refuses as Channel's schema does.

use crate::common;

use channeltalk_api::testing::{Collection, FakeChannel, Fault};
use channeltalk_api::{ApiError, NewUserEvent, SortOrder, UserUpdate};
use channeltalk_webhook::model::UserType;
use common::{fixture, last, raw};
use serde_json::json;

#[tokio::test]
async fn a_user_is_found_created_and_changed_by_member_id() {
    let fake = FakeChannel::start().await;
    let client = fake.client();

    let found = client.user_by_member_id("member-1").await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/open/v5/users/@member-1")
    );
    assert_eq!(
        found.user.as_ref().unwrap().id.as_deref(),
        Some(FakeChannel::USER_ID)
    );
    assert!(found.extra.contains_key("online"));

    // A member id of your own system, with characters a path must encode.
    let update = UserUpdate::new()
        .profile("name", "Jane Roe")
        .profile("plan", "pro")
        .tags(["vip", "vip", "beta"])
        .language("en")
        .unsubscribe_email(true);
    let created = client.upsert_member("crm/42 x", &update).await.unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PUT", "/open/v5/users/@crm%2F42%20x")
    );
    assert_eq!(
        request.body,
        json!({"profile": {"name": "Jane Roe", "plan": "pro"}, "tags": ["vip", "beta"],
               "language": "en", "unsubscribeEmail": true})
    );
    let user = created.user.clone().unwrap();
    assert_eq!(user.member_id.as_deref(), Some("crm/42 x"));
    assert_eq!(user.kind, Some(UserType::Member));
    assert_eq!(user.name.as_deref(), Some("Jane Roe"));
    assert_eq!(user.tags, ["vip", "beta"]);
    assert_eq!(user.unsubscribe_email, Some(true));

    // The same member again: changed, not created twice.
    let again = client
        .upsert_member(
            "crm/42 x",
            &UserUpdate::new()
                .profile("plan", "team")
                .profile_once("plan", "free"),
        )
        .await
        .unwrap();
    assert_eq!(again.user.as_ref().unwrap().id, user.id);
    assert_eq!(
        again.user.as_ref().unwrap().profile.as_ref().unwrap()["plan"],
        "team"
    );
    assert_eq!(fake.all(Collection::Users).len(), 2);

    let error = client.user_by_member_id("nobody").await.unwrap_err();
    assert!(matches!(error, ApiError::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn a_user_is_changed_by_id_and_channels_limits_hold() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let changed = client
        .update_user(
            FakeChannel::USER_ID,
            &UserUpdate::new()
                .profile("email", "minsu@example.com")
                .profile_once("name", "someone else")
                .unsubscribe_texting(true),
        )
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        (
            "PATCH",
            format!("/open/v5/users/{}", FakeChannel::USER_ID).as_str()
        )
    );
    assert_eq!(
        request.body,
        json!({"profile": {"email": "minsu@example.com"},
               "profileOnce": {"name": "someone else"}, "unsubscribeTexting": true})
    );
    let user = changed.user.as_ref().unwrap();
    assert_eq!(user.email.as_deref(), Some("minsu@example.com"));
    assert_eq!(
        user.name.as_deref(),
        Some("김민수"),
        "profileOnce keeps a value"
    );
    assert_eq!(user.unsubscribe_texting, Some(true));

    let many: Vec<String> = (0..21).map(|index| format!("t{index}")).collect();
    let error = client
        .update_user(FakeChannel::USER_ID, &UserUpdate::new().tags(many))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error}");
    assert!(matches!(
        client
            .update_user("nobody", &UserUpdate::new())
            .await
            .unwrap_err(),
        ApiError::NotFound { .. }
    ));
}

#[tokio::test]
async fn events_are_recorded_listed_page_by_page_and_forgotten() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let mut ids = Vec::new();
    for index in 0..5 {
        let event = client
            .create_user_event(
                FakeChannel::USER_ID,
                &NewUserEvent::new("OrderCompleted").property("order", index),
            )
            .await
            .unwrap();
        ids.push(event.id.clone().unwrap());
        assert_eq!(event.user_id.as_deref(), Some(FakeChannel::USER_ID));
        assert_eq!(event.property.as_ref().unwrap()["order"], index);
    }
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        (
            "POST",
            format!("/open/v5/users/{}/events", FakeChannel::USER_ID).as_str()
        )
    );
    assert_eq!(
        request.body,
        json!({"name": "OrderCompleted", "property": {"order": 4}})
    );

    fake.clear_requests();
    let events = client
        .user_events(FakeChannel::USER_ID, SortOrder::Asc)
        .limit(2)
        .collect_all()
        .await
        .unwrap();
    let listed: Vec<_> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    assert_eq!(listed, ids);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.method == "GET"
        && r.path == format!("/open/v5/users/{}/events", FakeChannel::USER_ID)
        && r.query_value("sortOrder") == Some("asc")));
    assert_eq!(requests[2].query_value("since"), Some("4"));

    client
        .delete_user_event(FakeChannel::USER_ID, &ids[0])
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        (
            "DELETE",
            format!("/open/v5/users/{}/events/{}", FakeChannel::USER_ID, ids[0]).as_str()
        )
    );
    let newest = client
        .user_events(FakeChannel::USER_ID, SortOrder::Desc)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(newest.len(), 4);
    assert_eq!(newest[0].id.as_deref(), Some(ids[4].as_str()));
    assert!(matches!(
        client
            .delete_user_event(FakeChannel::USER_ID, &ids[0])
            .await
            .unwrap_err(),
        ApiError::NotFound { .. }
    ));
}

#[tokio::test]
async fn events_shaped_like_channels_are_read() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::Raw {
        status: 200,
        body: fixture("user_events.json"),
    });
    let mut pages = fake
        .client()
        .user_events("64f1c0a9b8c7d6e5f4a3b2c1", SortOrder::Desc);
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!(page.next.as_deref(), Some("1726560000000-ev2"));
    assert_eq!(page.items.len(), 2);
    let event = &page.items[0];
    assert_eq!(event.name.as_deref(), Some("OrderCompleted"));
    assert_eq!(event.property.as_ref().unwrap()["total"], 129_000);
    assert_eq!(
        event.created_at.map(|at| at.as_millis()),
        Some(1_726_560_000_000)
    );
    assert_eq!(event.extra["nameI18nMap"]["ko"], "주문 완료");
}

#[tokio::test]
async fn recording_an_event_is_not_repeated_after_a_lost_answer() {
    let fake = FakeChannel::start().await;
    fake.fail_next(Fault::AfterHandling(503));
    let error = fake
        .client()
        .create_user_event(FakeChannel::USER_ID, &NewUserEvent::new("Signup"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.all(Collection::Events).len(), 1);
}

#[tokio::test]
async fn the_fake_refuses_what_channels_user_and_event_schemas_refuse() {
    let fake = FakeChannel::start().await;
    let user = format!("/open/v5/users/{}", FakeChannel::USER_ID);
    for (method, path, body, status) in [
        (
            "PATCH",
            user.clone(),
            Some(json!({"tags": ["a", "a"]})),
            422,
        ),
        ("PATCH", user.clone(), Some(json!({"profile": "name"})), 422),
        (
            "PATCH",
            user.clone(),
            Some(json!({"unsubscribeEmail": "yes"})),
            422,
        ),
        ("PATCH", user.clone(), Some(json!({"type": "robot"})), 422),
        ("PATCH", user.clone(), None, 400),
        (
            "PUT",
            "/open/v5/users/@m-9".to_owned(),
            Some(json!({"language": 7})),
            422,
        ),
        ("GET", format!("{user}/events"), None, 400),
        ("GET", format!("{user}/events?sortOrder=up"), None, 400),
        (
            "POST",
            format!("{user}/events"),
            Some(json!({"property": {}})),
            422,
        ),
        (
            "POST",
            format!("{user}/events"),
            Some(json!({"name": "x", "property": [1]})),
            422,
        ),
        (
            "POST",
            "/open/v5/users/nobody/events".to_owned(),
            Some(json!({"name": "x"})),
            404,
        ),
    ] {
        let (answer, body) = raw(&fake, method, &path, body).await;
        assert_eq!(answer, status, "{method} {path}: {body}");
    }
    assert_eq!(fake.all(Collection::Users).len(), 1, "nothing created");
    assert!(fake.all(Collection::Events).is_empty());
}
