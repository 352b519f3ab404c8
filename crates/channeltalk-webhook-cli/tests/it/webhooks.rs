//! `channeltalk-webhook webhooks …` as a process against the fake Channel Open API on
//! 127.0.0.1: output, exit statuses, credentials from the environment and flags, and the
//! access secret never printed.

use std::process::{Command, Output};

use channeltalk_api::testing::{FAKE_ACCESS_KEY, FAKE_ACCESS_SECRET, FakeChannel, Fault};

fn fake() -> FakeChannel {
    FakeChannel::builder().start_in_background().unwrap()
}

/// Runs the binary with the fake's credentials in the environment.
fn run(fake: &FakeChannel, args: &[&str]) -> Output {
    command(args)
        .env("CHANNEL_ACCESS_KEY", FAKE_ACCESS_KEY)
        .env("CHANNEL_ACCESS_SECRET", FAKE_ACCESS_SECRET)
        .env("CHANNEL_API_BASE_URL", fake.base_url())
        .output()
        .unwrap()
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_channeltalk-webhook"));
    command
        .arg("webhooks")
        .args(args)
        .env_remove("CHANNEL_ACCESS_KEY")
        .env_remove("CHANNEL_ACCESS_SECRET")
        .env_remove("CHANNEL_API_BASE_URL");
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    command
}

fn text(output: &Output) -> (String, String) {
    let (stdout, stderr) = (
        String::from_utf8(output.stdout.clone()).unwrap(),
        String::from_utf8(output.stderr.clone()).unwrap(),
    );
    assert!(
        !stdout.contains(FAKE_ACCESS_SECRET) && !stderr.contains(FAKE_ACCESS_SECRET),
        "the secret was printed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

#[test]
fn create_prints_the_id_and_token_then_get_update_delete() {
    let fake = fake();
    let output = run(
        &fake,
        &[
            "create",
            "--name",
            "my bot",
            "--url",
            "https://bot.example.com/webhook",
            "--scope",
            "message.created.userChat",
            "--scope",
            "userChat.opened",
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let stored = fake.webhooks();
    assert_eq!(stored.len(), 1);
    let id = stored[0]["id"].as_str().unwrap().to_owned();
    let token = stored[0]["token"].as_str().unwrap();
    assert!(
        stdout.contains(&format!("Created webhook {id}")),
        "{stdout}"
    );
    assert!(stdout.contains(token), "{stdout}");
    let request = fake.requests().pop().unwrap();
    assert_eq!(
        request.body,
        serde_json::json!({"name": "my bot", "url": "https://bot.example.com/webhook",
            "scopes": ["message.created.userChat", "userChat.opened"], "apiVersion": "v5"})
    );

    let output = run(&fake, &["get", &id]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout.contains("https://bot.example.com/webhook"),
        "{stdout}"
    );
    assert!(stdout.contains("active"));
    assert!(
        !stdout.contains(token),
        "get hides the token unless asked:\n{stdout}"
    );
    let output = run(&fake, &["get", &id, "--show-token"]);
    assert!(text(&output).0.contains(token));

    fake.block_webhook(&id);
    assert!(text(&run(&fake, &["get", &id])).0.contains("blocked"));
    let output = run(
        &fake,
        &[
            "update",
            &id,
            "--unblock",
            "--url",
            "https://new.example.com/w",
            "--scope",
            "userChat.opened",
        ],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    // Every field Channel requires goes with the change (read, then written back).
    assert_eq!(
        fake.requests().pop().unwrap().body,
        serde_json::json!({"name": "my bot", "url": "https://new.example.com/w",
                           "scopes": ["userChat.opened"], "apiVersion": "v5", "blocked": false})
    );
    assert!(
        stdout.contains("active") && stdout.contains("https://new.example.com/w"),
        "{stdout}"
    );

    let output = run(&fake, &["delete", &id]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output).0.contains(&format!("Deleted webhook {id}")));
    assert!(fake.webhooks().is_empty());
}

#[test]
fn list_shows_every_webhook_across_pages_one_line_each() {
    let fake = fake();
    for index in 0..7 {
        fake.add_webhook(
            &format!("hook {index}"),
            &format!("https://x.example/{index}"),
            &["message.created.userChat", "message.created.teamChat"],
        );
    }
    let blocked = fake.webhooks()[2]["id"].as_str().unwrap().to_owned();
    fake.block_webhook(&blocked);
    let output = run(&fake, &["list", "--page-size", "3"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    assert_eq!(
        lines[0],
        format!(
            "{}\thook 0\thttps://x.example/0\tmessage.created.userChat,message.created.teamChat\tactive",
            fake.webhooks()[0]["id"].as_str().unwrap()
        )
    );
    assert!(lines[2].ends_with("\tblocked"), "{}", lines[2]);
    assert_eq!(lines[7], "7 webhook(s)");
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn flags_override_the_environment() {
    let fake = fake();
    let output = command(&[
        "list",
        "--access-key",
        FAKE_ACCESS_KEY,
        "--access-secret",
        FAKE_ACCESS_SECRET,
    ])
    .env("CHANNEL_ACCESS_KEY", "wrong")
    .env("CHANNEL_ACCESS_SECRET", "wrong")
    .env("CHANNEL_API_BASE_URL", "http://127.0.0.1:1")
    .arg("--api-base-url")
    .arg(fake.base_url())
    .output()
    .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("0 webhook(s)"));
}

#[test]
fn a_refusal_exits_1_with_channels_status_and_message() {
    let fake = fake();
    let output = run(&fake, &["get", "424242"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("not found"), "{stderr}");

    fake.fail_next(Fault::Status(422));
    let output = run(
        &fake,
        &[
            "create",
            "--name",
            "n",
            "--url",
            "https://x",
            "--scope",
            "lead.deleted",
        ],
    );
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("422") && stderr.contains("scripted failure"),
        "{stderr}"
    );
}

#[test]
fn wrong_credentials_exit_1_without_printing_the_secret() {
    let fake = fake();
    let output = command(&["list"])
        .env("CHANNEL_ACCESS_KEY", FAKE_ACCESS_KEY)
        .env(
            "CHANNEL_ACCESS_SECRET",
            format!("{FAKE_ACCESS_SECRET}-wrong"),
        )
        .env("CHANNEL_API_BASE_URL", fake.base_url())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(!stderr.contains("-wrong"), "{stderr}");
}

#[test]
fn usage_and_connection_errors_exit_2() {
    let fake = fake();
    // No credentials.
    let output = command(&["list"])
        .env("CHANNEL_API_BASE_URL", fake.base_url())
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("CHANNEL_ACCESS_KEY is not set"), "{stderr}");
    // Nothing to update.
    let output = run(&fake, &["update", "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("nothing to update"));
    // A missing required flag (clap).
    assert_eq!(
        run(&fake, &["create", "--name", "n"]).status.code(),
        Some(2)
    );
    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = command(&["list"])
        .env("CHANNEL_ACCESS_KEY", FAKE_ACCESS_KEY)
        .env("CHANNEL_ACCESS_SECRET", FAKE_ACCESS_SECRET)
        .env("CHANNEL_API_BASE_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not reach Channel"), "{stderr}");
}

#[test]
fn help_never_shows_the_secret_from_the_environment() {
    let output = command(&["list", "--help"])
        .env("CHANNEL_ACCESS_SECRET", FAKE_ACCESS_SECRET)
        .output()
        .unwrap();
    let (stdout, _) = text(&output);
    assert!(stdout.contains("--access-secret"), "{stdout}");
}

/// `webhooks ensure --name order-bot --url URL --scope … [flags]`, as a deploy script runs it.
fn ensure(fake: &FakeChannel, url: &str, flags: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "ensure",
        "--name",
        "order-bot",
        "--url",
        url,
        "--scope",
        "message.created.userChat",
        "--scope",
        "userChat.opened",
    ];
    args.extend_from_slice(flags);
    let output = run(fake, &args);
    let (stdout, stderr) = text(&output);
    (output.status.code(), stdout, stderr)
}

/// The requests that change something, since `from`.
fn writes(fake: &FakeChannel, from: usize) -> Vec<String> {
    fake.requests()[from..]
        .iter()
        .filter(|request| request.method != "GET")
        .map(|request| format!("{} {}", request.method, request.path))
        .collect()
}

fn named(fake: &FakeChannel) -> Vec<serde_json::Value> {
    fake.webhooks()
        .into_iter()
        .filter(|webhook| webhook["name"] == "order-bot")
        .collect()
}

fn with_thirty_others() -> FakeChannel {
    let fake = fake();
    for n in 0..30 {
        fake.add_webhook(
            &format!("other-{n}"),
            &format!("https://other-{n}.example.com/hook"),
            &["message.created.userChat"],
        );
    }
    fake
}

#[test]
fn ensure_creates_once_then_changes_only_what_differs() {
    let fake = with_thirty_others();
    let (code, stdout, stderr) = ensure(&fake, "https://a.example.com/webhook", &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("Created webhook "), "{stdout}");
    let token = named(&fake)[0]["token"].as_str().unwrap().to_owned();
    assert!(!stdout.contains(&token), "the token only with --show-token");
    assert_eq!(writes(&fake, 0), ["POST /open/v5/webhooks"]);

    let seen = fake.requests().len();
    let (code, stdout, _) = ensure(&fake, "https://a.example.com/webhook", &["--show-token"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("Unchanged webhook "), "{stdout}");
    assert!(stdout.contains(&token), "{stdout}");
    assert!(writes(&fake, seen).is_empty());

    // The tunnel's URL changed: one PATCH with every required field.
    let seen = fake.requests().len();
    let (code, stdout, _) = ensure(&fake, "https://b.example.com/webhook", &[]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.starts_with("Updated webhook ") && stdout.contains("(url)"),
        "{stdout}"
    );
    let id = named(&fake)[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        writes(&fake, seen),
        [format!("PATCH /open/v5/webhooks/{id}")]
    );
    let patch = fake.requests().pop().unwrap().body;
    for field in ["name", "url", "scopes", "apiVersion"] {
        assert!(!patch[field].is_null(), "{field} missing from {patch}");
    }

    // Blocked by Channel: unblocked.
    fake.block_webhook(&id);
    let (code, stdout, _) = ensure(&fake, "https://b.example.com/webhook", &[]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("(unblocked)"), "{stdout}");
    assert_eq!(named(&fake)[0]["blocked"], false);
    assert_eq!(named(&fake).len(), 1);
}

#[test]
fn ensure_finds_a_creation_whose_answer_was_lost_and_gives_the_desk_hint_when_refused() {
    let fake = with_thirty_others();
    fake.fail_route("POST", "/open/v5/webhooks", Fault::AfterHandling(500));
    let (code, stdout, stderr) = ensure(&fake, "https://a.example.com/webhook", &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("Created webhook "), "{stdout}");
    assert_eq!(named(&fake).len(), 1);
    assert_eq!(writes(&fake, 0).len(), 1, "created once");

    let refusing = with_thirty_others();
    refusing.fail_route("POST", "/open/v5/webhooks", Fault::Status(500));
    let (code, stdout, stderr) = ensure(&refusing, "https://a.example.com/webhook", &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("Settings > Webhook"), "{stderr}");
    assert!(named(&refusing).is_empty());
}

#[test]
fn ensure_reports_duplicates_and_prunes_them_only_when_asked() {
    let fake = with_thirty_others();
    let oldest = fake.add_webhook(
        "order-bot",
        "https://a.example.com/webhook",
        &["userChat.opened"],
    );
    let newer = fake.add_webhook(
        "order-bot",
        "https://a.example.com/webhook",
        &["userChat.opened"],
    );
    let seen = fake.requests().len();
    let (code, stdout, stderr) = ensure(&fake, "https://a.example.com/webhook", &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(&oldest) && stderr.contains(&newer),
        "{stderr}"
    );
    assert!(writes(&fake, seen).is_empty());

    let (code, stdout, stderr) = ensure(
        &fake,
        "https://a.example.com/webhook",
        &["--prune-duplicates"],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let kept: Vec<&str> = named(&fake)
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .map(|id| if id == oldest { "oldest" } else { "newer" })
        .collect();
    assert_eq!(kept, ["oldest"]);
}

#[test]
fn an_unknown_scope_is_refused_before_any_request() {
    let fake = fake();
    let output = run(
        &fake,
        &[
            "ensure",
            "--name",
            "bot",
            "--url",
            "https://a.example.com/w",
            "--scope",
            "*",
        ],
    );
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("unknown scope \"*\""), "{stderr}");
    assert!(fake.requests().is_empty());
}
