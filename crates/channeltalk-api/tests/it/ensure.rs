//! `Client::ensure_webhook` against the fake Channel holding thirty other webhooks: created
//! once, then left alone; a new URL or scope, or a block, is one update with every required
//! field; a creation whose answer was lost is not repeated; a creation Channel keeps failing
//! ends with the desk hint; duplicates are reported, and pruned only when asked.

use channeltalk_api::testing::{FakeChannel, Fault, RecordedRequest};
use channeltalk_api::{Client, EnsureError, Ensured, NewWebhook};
use channeltalk_webhook::model::Scope;
use serde_json::json;

const NAME: &str = "order-bot";

async fn fake_with_others() -> FakeChannel {
    let fake = FakeChannel::start().await;
    for n in 0..30 {
        fake.add_webhook(
            &format!("other-{n}"),
            &format!("https://other-{n}.example.com/hook"),
            &["message.created.userChat"],
        );
    }
    fake
}

fn wanted(url: &str) -> NewWebhook {
    NewWebhook::new(NAME, url)
        .scope(Scope::MessageCreatedUserChat)
        .scope(Scope::UserChatOpened)
}

/// The requests since `from` that change something.
fn writes(fake: &FakeChannel, from: usize) -> Vec<RecordedRequest> {
    fake.requests()[from..]
        .iter()
        .filter(|request| request.method != "GET")
        .cloned()
        .collect()
}

fn named(fake: &FakeChannel) -> Vec<serde_json::Value> {
    fake.webhooks()
        .into_iter()
        .filter(|webhook| webhook["name"] == NAME)
        .collect()
}

async fn ensure(client: &Client, url: &str) -> Result<Ensured, EnsureError> {
    client.ensure_webhook(&wanted(url), false).await
}

#[tokio::test]
async fn created_once_then_left_alone_then_updated_with_every_field() {
    let fake = fake_with_others().await;
    let client = fake.client();
    let created = ensure(&client, "https://a.example.com/webhook")
        .await
        .unwrap();
    assert_eq!(created.action(), "created");
    assert!(created.webhook().token.is_some());
    let posts = writes(&fake, 0);
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].body,
        json!({"name": NAME, "url": "https://a.example.com/webhook",
               "scopes": ["message.created.userChat", "userChat.opened"], "apiVersion": "v5"})
    );
    // Every page was read to find it: the thirty others come first.
    assert!(fake.requests().iter().filter(|r| r.method == "GET").count() >= 1);

    // The same again: nothing written, whatever order the scopes are given in.
    let seen = fake.requests().len();
    let again = client
        .ensure_webhook(
            &NewWebhook::new(NAME, "https://a.example.com/webhook")
                .scope(Scope::UserChatOpened)
                .scope(Scope::MessageCreatedUserChat),
            false,
        )
        .await
        .unwrap();
    assert_eq!(again.action(), "unchanged");
    assert!(writes(&fake, seen).is_empty());

    // A new URL (a tunnel restarted): one PATCH carrying every required field.
    let seen = fake.requests().len();
    let moved = ensure(&client, "https://b.example.com/webhook")
        .await
        .unwrap();
    let Ensured::Updated { changes, webhook } = &moved else {
        panic!("{moved:?}")
    };
    assert_eq!(changes, &["url"]);
    assert_eq!(
        webhook.url.as_deref(),
        Some("https://b.example.com/webhook")
    );
    let patches = writes(&fake, seen);
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].method, "PATCH");
    assert_eq!(
        patches[0].body,
        json!({"name": NAME, "url": "https://b.example.com/webhook",
               "scopes": ["message.created.userChat", "userChat.opened"], "apiVersion": "v5",
               "blocked": false})
    );

    // Blocked by Channel: unblocked, in one PATCH.
    let id = webhook.id.clone().unwrap();
    fake.block_webhook(&id);
    let seen = fake.requests().len();
    let unblocked = ensure(&client, "https://b.example.com/webhook")
        .await
        .unwrap();
    let Ensured::Updated { changes, webhook } = &unblocked else {
        panic!("{unblocked:?}")
    };
    assert_eq!(changes, &["unblocked"]);
    assert!(!webhook.is_blocked());
    assert_eq!(writes(&fake, seen).len(), 1);

    // Another scope set: updated.
    let fewer = client
        .ensure_webhook(
            &NewWebhook::new(NAME, "https://b.example.com/webhook").scope(Scope::UserChatOpened),
            false,
        )
        .await
        .unwrap();
    assert!(matches!(fewer, Ensured::Updated { ref changes, .. } if changes == &["scopes"]));
    assert_eq!(named(&fake).len(), 1);
    assert_eq!(fake.webhooks().len(), 31);
}

#[tokio::test]
async fn a_creation_whose_answer_was_lost_is_found_not_repeated() {
    let fake = fake_with_others().await;
    let client = fake.client();
    // The paging reads come first; then the creation takes effect but answers 500.
    fake.fail_route("POST", "/open/v5/webhooks", Fault::AfterHandling(500));
    let ensured = ensure(&client, "https://a.example.com/webhook")
        .await
        .unwrap();
    assert_eq!(ensured.action(), "created");
    assert_eq!(named(&fake).len(), 1);
    assert_eq!(writes(&fake, 0).len(), 1, "the creation was not repeated");
}

#[tokio::test]
async fn a_creation_channel_keeps_failing_ends_with_the_desk_hint_and_no_webhook() {
    let fake = fake_with_others().await;
    let client = fake.client();
    fake.fail_route("POST", "/open/v5/webhooks", Fault::Status(500));
    let error = ensure(&client, "https://a.example.com/webhook")
        .await
        .unwrap_err();
    let EnsureError::CreationRefused { attempts, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*attempts, 3);
    let message = error.to_string();
    assert!(message.contains("Settings > Webhook"), "{message}");
    assert!(named(&fake).is_empty());
    // Created once in the desk, ensure keeps it current.
    fake.end_outage();
    fake.add_webhook(
        NAME,
        "https://old.example.com/webhook",
        &["userChat.opened"],
    );
    let ensured = ensure(&client, "https://a.example.com/webhook")
        .await
        .unwrap();
    assert_eq!(ensured.action(), "updated");
}

#[tokio::test]
async fn duplicates_are_reported_and_pruned_only_when_asked() {
    let fake = fake_with_others().await;
    let client = fake.client();
    let oldest = fake.add_webhook(NAME, "https://a.example.com/webhook", &["userChat.opened"]);
    let newer = fake.add_webhook(NAME, "https://a.example.com/webhook", &["userChat.opened"]);
    let seen = fake.requests().len();
    let error = ensure(&client, "https://a.example.com/webhook")
        .await
        .unwrap_err();
    let EnsureError::Duplicates { ids, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(ids, &[oldest.clone(), newer.clone()]);
    assert!(error.to_string().contains("--prune-duplicates"));
    assert!(writes(&fake, seen).is_empty());
    assert_eq!(named(&fake).len(), 2);

    let ensured = client
        .ensure_webhook(&wanted("https://a.example.com/webhook"), true)
        .await
        .unwrap();
    assert_eq!(ensured.webhook().id.as_deref(), Some(oldest.as_str()));
    let kept: Vec<String> = named(&fake)
        .iter()
        .map(|webhook| webhook["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kept, [oldest]);
}

#[tokio::test]
async fn the_fake_refuses_what_channels_schema_refuses() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let star = NewWebhook::new(NAME, "https://a.example.com/webhook").scope("*");
    let error = client.create_webhook(&star).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422));
    let id = fake.add_webhook(NAME, "https://a.example.com/webhook", &["userChat.opened"]);
    // A partial PATCH is refused: the update's schema requires what the creation's does.
    let partial = reqwest_patch(&fake, &id, json!({"url": "https://b.example.com/webhook"})).await;
    assert_eq!(partial, 422);
}

/// A raw PATCH, as a client that sends only the changed field would.
async fn reqwest_patch(fake: &FakeChannel, id: &str, body: serde_json::Value) -> u16 {
    let response = reqwest_client()
        .patch(format!("{}/open/v5/webhooks/{id}", fake.base_url()))
        .header("x-access-key", channeltalk_api::testing::FAKE_ACCESS_KEY)
        .header(
            "x-access-secret",
            channeltalk_api::testing::FAKE_ACCESS_SECRET,
        )
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}
