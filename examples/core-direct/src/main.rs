//! An echo bot on the core crate and hyper alone, no web framework: every customer's or
//! manager's message gets the quick reply `echo: <text>` from "EchoBot".
//!
//! `CHANNEL_WEBHOOK_TOKEN=<the webhook's token> cargo run`, then point the webhook at
//! `http://HOST:PORT/webhook`. Environment: `CHANNEL_WEBHOOK_TOKEN` (when unset, a random
//! token is generated and printed), `HOST` (127.0.0.1), `PORT` (8080), `RUST_LOG` (info).

use channeltalk_webhook::{BotName, Event, QuickReply, Receiver, TokenSource, WebhookToken};
use http_body_util::Full;
use hyper::{Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
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

    let receiver = Receiver::new(token);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait and go on rather than exit.
                eprintln!("accept failed: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let receiver = receiver.clone();
        // /webhook goes to the receiver (405 for methods other than POST); other paths 404.
        let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let receiver = receiver.clone();
            async move {
                let response = if request.uri().path() == "/webhook" {
                    receiver.handle(request, &echo).await
                } else {
                    let mut response = Response::new(Bytes::from_static(b"not found\n"));
                    *response.status_mut() = StatusCode::NOT_FOUND;
                    response
                };
                Ok::<_, std::convert::Infallible>(response.map(Full::new))
            }
        });
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}
