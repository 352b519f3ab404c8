//! The `echo-later` binary as a process, against the fake Open API on 127.0.0.1: what a
//! platform sees when it runs the bot, delivers to it and stops it.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use channeltalk_api::ChatTarget;
use channeltalk_api::testing::{FAKE_ACCESS_KEY, FAKE_ACCESS_SECRET, Fault};
use channeltalk_webhook::testing::SampleEvent;
use common::{Bot, TOKEN, agent, bot_command, fake, wait_for_posts};
use serde_json::json;

#[test]
fn the_delivery_is_answered_before_the_echo_is_posted() {
    let fake = fake();
    // An hour of "slow work": the answer cannot wait for it.
    let mut bot = Bot::start(&fake, 3_600_000);
    let (status, quick_reply, body) = bot.deliver(&SampleEvent::user_message("hi").body(), TOKEN);
    assert_eq!((status, quick_reply, body.as_str()), (200, None, "ok"));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    let health = agent()
        .get(&format!("http://{}/healthz", bot.addr))
        .call()
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    // The echo is still pending: SIGKILL loses it, as the guide says.
    bot.child.kill().unwrap();
    assert!(!bot.wait().success());
    assert!(fake.requests().is_empty());
}

#[test]
fn echoes_go_to_the_chat_or_thread_of_the_message() {
    let fake = fake();
    let mut bot = Bot::start(&fake, 0);
    let deliveries = [
        SampleEvent::user_message("<b>hi</b> & bye"),
        SampleEvent::manager_message("deploy?")
            .in_team_chat()
            .id("m-2"),
        SampleEvent::manager_message("and staging?")
            .in_team_chat()
            .id("m-3")
            .with("/entity/rootMessageId", json!("m-1"))
            .with("/entity/threadKey", json!("thread-m-1")),
    ];
    let mut expected = Vec::new();
    for (event, (target, path, text)) in deliveries.iter().zip([
        (
            ChatTarget::user_chat("c-2001"),
            "/open/v5/user-chats/c-2001/messages",
            "echo: &lt;b&gt;hi&lt;/b&gt; &amp; bye",
        ),
        (
            ChatTarget::group("1234"),
            "/open/v5/groups/1234/messages",
            "echo: deploy?",
        ),
        (
            ChatTarget::thread("1234", "m-1"),
            "/open/v5/groups/1234/threads/m-1/messages",
            "echo: and staging?",
        ),
    ]) {
        let before = fake.posted_messages().len();
        assert_eq!(bot.deliver(&event.body(), TOKEN).0, 200);
        let posted = wait_for_posts(&fake, before + 1);
        let message = &posted[before];
        assert_eq!(message.target, target);
        assert_eq!(message.bot_name.as_deref(), Some("EchoBot"));
        assert_eq!(
            message.body["blocks"],
            json!([{"type": "text", "value": text}])
        );
        assert!(message.request_id.is_some());
        expected.push(path);
    }
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, expected);
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.method == "POST" && r.authorized));
    assert!(
        requests
            .iter()
            .all(|r| r.query_value("botName") == Some("EchoBot"))
    );
    bot.terminate();
    assert!(bot.wait().success(), "{}", bot.output());
}

#[test]
fn bots_bad_tokens_and_other_events_post_nothing() {
    let fake = fake();
    let mut bot = Bot::start(&fake, 0);
    for (body, token, status) in [
        (SampleEvent::bot_message("echo: hi").body(), TOKEN, 200),
        (SampleEvent::user_message("hi").body(), "wrong", 401),
        (SampleEvent::user_message("hi").body(), "", 401),
        (SampleEvent::user_chat_opened().body(), TOKEN, 200),
        (SampleEvent::user_updated().body(), TOKEN, 200),
        (
            SampleEvent::user_message("x").without_text().body(),
            TOKEN,
            200,
        ),
        (
            // A bot's message whatever the envelope calls it.
            SampleEvent::bot_message("loop?")
                .with("/type", json!("Message"))
                .body(),
            TOKEN,
            200,
        ),
        (
            "{\"event\":\"push\",\"type\":\"lead\",\"entity\":{}}".to_owned(),
            TOKEN,
            200,
        ),
    ] {
        assert_eq!(bot.deliver(&body, token).0, status, "{body}");
    }
    // The shutdown waits for every job in hand, so after a clean exit nothing is pending.
    bot.terminate();
    assert!(bot.wait().success(), "{}", bot.output());
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    bot.wait_for_line("0 jobs in hand, 0 finished");
}

#[test]
fn rate_limits_and_server_errors_are_retried_with_one_request_id() {
    let fake = fake();
    fake.fail_next(Fault::RateLimited {
        reset_after_secs: 1,
    });
    fake.fail_next(Fault::Status(503));
    fake.fail_next(Fault::Status(500));
    let mut bot = Bot::start(&fake, 0);
    assert_eq!(
        bot.deliver(&SampleEvent::user_message("hi").body(), TOKEN)
            .0,
        200
    );
    let posted = wait_for_posts(&fake, 1);
    bot.wait_for_line("echo posted");
    let requests = fake.requests();
    assert_eq!(requests.len(), 4, "{requests:?}");
    let ids: Vec<&serde_json::Value> = requests.iter().map(|r| &r.body["requestId"]).collect();
    assert!(ids[0].is_string());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].request_id.as_ref(),
        ids[0].as_str().map(str::to_owned).as_ref()
    );
    bot.terminate();
    assert!(bot.wait().success(), "{}", bot.output());
}

#[test]
fn sigterm_with_an_echo_pending_still_posts_it_and_exits_0() {
    let fake = fake();
    let mut bot = Bot::start(&fake, 3000);
    let (status, _, _) = bot.deliver(&SampleEvent::user_message("hi").body(), TOKEN);
    assert_eq!(status, 200);
    assert!(
        fake.posted_messages().is_empty(),
        "the echo must still be pending"
    );
    bot.terminate();
    bot.wait_for_line("SIGTERM: finishing the echoes in hand");
    let status = bot.wait();
    assert_eq!(status.code(), Some(0), "{}", bot.output());
    let posted = fake.posted_messages();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].text(), "echo: hi");
    bot.wait_for_line("echo posted");
    bot.wait_for_line("1 job in hand, 1 finished");
}

#[test]
fn missing_credentials_fail_at_start_naming_the_variable() {
    for (missing, present) in [
        ("CHANNEL_ACCESS_KEY", "CHANNEL_ACCESS_SECRET"),
        ("CHANNEL_ACCESS_SECRET", "CHANNEL_ACCESS_KEY"),
    ] {
        let output = bot_command()
            .env(present, "set")
            .env("CHANNEL_WEBHOOK_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains(&format!("{missing} is not set")),
            "{stderr}"
        );
        assert!(String::from_utf8(output.stdout).unwrap().is_empty());
    }
}

#[test]
fn an_unset_token_is_generated_randomly_and_printed() {
    let fake = fake();
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let mut child = bot_command()
            .env("CHANNEL_ACCESS_KEY", FAKE_ACCESS_KEY)
            .env("CHANNEL_ACCESS_SECRET", FAKE_ACCESS_SECRET)
            .env("CHANNEL_API_BASE_URL", fake.base_url())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        let token = line
            .trim()
            .strip_prefix("CHANNEL_WEBHOOK_TOKEN is not set; generated token: ")
            .unwrap_or_else(|| panic!("{line}"))
            .to_owned();
        assert_eq!(token.len(), 32);
        tokens.push(token);
    }
    assert_ne!(tokens[0], tokens[1]);
}
