//! The README's simulator session, replayed: the built binary against the echo bot prints
//! exactly what the README shows.

use channeltalk_webhook::{Receiver, WebhookToken};

const README: &str = include_str!("../../../../README.md");

/// The README's session: the command line and the lines it prints.
fn session() -> (String, Vec<String>) {
    let start = README
        .find("$ cargo run -q -p channeltalk-webhook-cli -- send")
        .expect("the README shows a simulator session");
    let block = &README[start..];
    let block = &block[..block.find("```").expect("the session's block ends")];
    let mut lines = block.lines().map(str::to_owned);
    let command = lines.next().unwrap_or_default();
    (command, lines.filter(|line| !line.is_empty()).collect())
}

#[test]
fn the_readme_simulator_session_is_what_the_binary_prints() {
    let (command, shown) = session();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let receiver = Receiver::new(WebhookToken::new("TOKEN").unwrap());
            let echo = channeltalk_webhook_conformance::echo_async;
            let app = channeltalk_webhook_axum::router("/webhook", receiver, echo);
            axum::serve(listener, app).await
        })
    });

    let readme_url = "http://127.0.0.1:8080/webhook";
    let url = format!("http://{addr}/webhook");
    let args: Vec<String> = command
        .split_once("-- ")
        .expect("the command passes arguments after --")
        .1
        .split_whitespace()
        .map(|arg| arg.replace(readme_url, &url))
        .collect();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_channeltalk-webhook"))
        .args(&args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let printed = String::from_utf8(output.stdout)
        .unwrap()
        .replace(&url, readme_url);
    let printed: Vec<&str> = printed.lines().collect();
    assert_eq!(
        printed,
        shown,
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success());
}
