//! An echo bot on actix-web: every customer's or manager's message gets the quick reply
//! `echo: <text>` from "EchoBot".
//!
//! `CHANNEL_WEBHOOK_TOKEN=<the webhook's token> cargo run`, then point the webhook at
//! `http://HOST:PORT/webhook`. Environment: `CHANNEL_WEBHOOK_TOKEN` (when unset, a random
//! token is generated and printed), `HOST` (127.0.0.1), `PORT` (8080), `RUST_LOG` (info).

use actix_web::{App, HttpResponse, HttpServer, web};
use channeltalk_webhook::{BotName, Event, QuickReply, Receiver, TokenSource, WebhookToken};
use channeltalk_webhook_actix::resource;
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

#[actix_web::main]
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
    let listener = std::net::TcpListener::bind(channeltalk_webhook::env::listen_address()?)?;
    println!("listening on http://{}/webhook", listener.local_addr()?);

    let receiver = Receiver::new(token);
    HttpServer::new(move || {
        // POST /webhook?token=… → `echo`; other methods → 405; other paths → 404.
        App::new()
            .service(resource("/webhook", receiver.clone(), echo))
            .default_service(web::to(|| async {
                HttpResponse::NotFound().body("not found\n")
            }))
    })
    .listen(listener)?
    .run()
    .await?;
    Ok(())
}
