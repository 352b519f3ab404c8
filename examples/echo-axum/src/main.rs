//! An echo bot on axum: every customer's or manager's message gets the quick reply
//! `echo: <text>` from "EchoBot".
//!
//! `CHANNEL_WEBHOOK_TOKEN=<the webhook's token> cargo run`, then point the webhook at
//! `http://HOST:PORT/webhook`. Environment: `CHANNEL_WEBHOOK_TOKEN` (when unset, a random
//! token is generated and printed), `HOST` (127.0.0.1), `PORT` (8080), `RUST_LOG` (info).

use channeltalk_webhook::{BotName, Event, QuickReply, Receiver, TokenSource, WebhookToken};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// The name every reply is shown with, checked when the program is compiled.
const BOT: BotName = BotName::from_static("EchoBot");

/// Echoes a message's text. Bot messages (our own replies) never get here: the receiver
/// acknowledges them without calling the handler.
async fn echo(event: Event) -> Option<QuickReply> {
    let text = event.text()?;
    Some(
        QuickReply::new()
            .bot_name(BOT)
            .text(format!("echo: {text}")),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let logs = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(logs).init();

    let (token, source) = WebhookToken::from_env_or_generate("CHANNEL_WEBHOOK_TOKEN")?;
    if source == TokenSource::Generated {
        println!(
            "CHANNEL_WEBHOOK_TOKEN is not set; generated token: {}",
            token.expose_secret()
        );
    }
    let listener = TcpListener::bind(channeltalk_webhook::env::listen_address()?).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);

    // POST /webhook?token=… → `echo`; other methods → 405; other paths → axum's 404.
    let app = channeltalk_webhook_axum::router("/webhook", Receiver::new(token), echo);
    axum::serve(listener, app).await?;
    Ok(())
}
