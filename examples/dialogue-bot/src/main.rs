//! `dialogue-bot`: an order bot that holds a conversation with each customer, answering with
//! quick replies as "OrderBot". Each user chat has its own state: where the conversation
//! stands, and a tally of `/tally` commands.
//!
//! | at | the customer writes | the bot answers, and goes to |
//! |---|---|---|
//! | the start | `/order` | `Which order number?`, asked for the order |
//! | the start | `/tally` | `tally: K` (1, 2, 3 … per chat), the start |
//! | the start | anything else | `Try /order`, the start |
//! | asked for the order | digits N | `Order N: on its way. Shall I pass you to a person? (yes/no)`, asked yes/no |
//! | asked for the order | anything else | `Please send the order number (digits only).` |
//! | asked yes/no | `yes` | `A person will take over order N.`, the start |
//! | asked yes/no | `no` | `Okay.`, the start |
//! | asked yes/no | anything else | `Please answer yes or no.` |
//! | anywhere | `/cancel` | `Cancelled.`, the start |
//!
//! With `CHANNEL_REDIS_URL` the states live in Redis and replicas share them: messages of one
//! chat may reach any replica, at once, and none is lost. Without it they live in this
//! process. A chat idle for `DIALOGUE_TTL_SECS` starts over. If the states cannot be read, a
//! delivery is still acknowledged (200, no answer), never failed.
//!
//! Environment: `CHANNEL_WEBHOOK_TOKEN` (generated and printed when unset), `HOST`
//! (127.0.0.1), `PORT` (8080), `CHANNEL_REDIS_URL` (`redis://host:port`; unset: memory),
//! `DIALOGUE_TTL_SECS` (3600), `RUST_LOG` (info).

use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook::dialogue::{DialogueStorage, Dialogues, MemoryDialogueStorage};
use channeltalk_webhook::env;
use channeltalk_webhook::{
    BotName, Command, Event, QuickReply, Receiver, Router, TokenSource, WebhookToken,
};
use channeltalk_webhook_redis::RedisDialogueStorage;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

const BOT: BotName = BotName::from_static("OrderBot");

/// One user chat's state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Chat {
    stage: Stage,
    tally: u64,
}

/// Where the conversation stands.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
enum Stage {
    #[default]
    Start,
    AskedOrder,
    AskedHandOff {
        order: String,
    },
}

/// One step of the conversation: a function of the message and the chat's state (it may run
/// again if another message of the chat was stepped on at the same moment).
fn converse(event: &Event, chat: Chat) -> (Chat, QuickReply) {
    let text = event.text().unwrap_or_default();
    let text = text.trim();
    let Chat { stage, tally } = chat;
    let (stage, tally, answer) = match stage {
        Stage::Start => match Command::parse(text).as_ref().map(Command::name) {
            Some("/order") => (Stage::AskedOrder, tally, "Which order number?".to_owned()),
            Some("/tally") => (Stage::Start, tally + 1, format!("tally: {}", tally + 1)),
            _ => (Stage::Start, tally, "Try /order".to_owned()),
        },
        Stage::AskedOrder if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => (
            Stage::AskedHandOff {
                order: text.to_owned(),
            },
            tally,
            format!("Order {text}: on its way. Shall I pass you to a person? (yes/no)"),
        ),
        Stage::AskedOrder => (
            Stage::AskedOrder,
            tally,
            "Please send the order number (digits only).".to_owned(),
        ),
        Stage::AskedHandOff { order } => match text.to_lowercase().as_str() {
            "yes" => (
                Stage::Start,
                tally,
                format!("A person will take over order {order}."),
            ),
            "no" => (Stage::Start, tally, "Okay.".to_owned()),
            _ => (
                Stage::AskedHandOff { order },
                tally,
                "Please answer yes or no.".to_owned(),
            ),
        },
    };
    (Chat { stage, tally }, reply(answer))
}

/// `/cancel`, wherever the conversation stands: back to the start (the tally stays).
fn cancel(_: &Event, chat: Chat) -> (Chat, QuickReply) {
    let chat = Chat {
        stage: Stage::Start,
        ..chat
    };
    (chat, reply("Cancelled.".to_owned()))
}

fn reply(text: String) -> QuickReply {
    QuickReply::new().bot_name(BOT).text(text)
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
    let ttl = Duration::from_secs(env::var_or("DIALOGUE_TTL_SECS", 3600)?);
    // Lazy: a replica starts even while Redis is down (deliveries are then acknowledged
    // without an answer). The URL may hold a password: never print it.
    let storage: Arc<dyn DialogueStorage> = match std::env::var("CHANNEL_REDIS_URL") {
        Ok(url) => {
            println!("dialogues shared through Redis (CHANNEL_REDIS_URL)");
            Arc::new(RedisDialogueStorage::builder(url).connect_lazy()?)
        }
        Err(_) => Arc::new(MemoryDialogueStorage::default()),
    };
    let dialogues = Dialogues::new(storage, Chat::default()).ttl(ttl);
    let bot = Router::new()
        .command("/cancel", dialogues.handler(cancel))
        .fallback(dialogues.handler(converse)); // every other message

    let listener = TcpListener::bind(env::listen_address()?).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    let app = channeltalk_webhook_axum::router("/webhook", Receiver::new(token), bot);
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use channeltalk_webhook::testing::SampleEvent;

    /// Runs the conversation's texts through `converse` (and `/cancel` through `cancel`), as
    /// the router would, and gives the answers.
    fn talk(texts: &[&str]) -> Vec<String> {
        let mut chat = Chat::default();
        texts
            .iter()
            .map(|text| {
                let event = SampleEvent::user_message(text).event();
                let step = if text.trim() == "/cancel" {
                    cancel
                } else {
                    converse
                };
                let (next, answer) = step(&event, chat.clone());
                chat = next;
                answer.blocks()[0].plain_text().into_owned()
            })
            .collect()
    }

    #[test]
    fn the_conversation_goes_as_the_table_says() {
        assert_eq!(
            talk(&[
                "hi", "/order", "abc", "42", "maybe", "yes", "/tally", "/tally"
            ]),
            [
                "Try /order",
                "Which order number?",
                "Please send the order number (digits only).",
                "Order 42: on its way. Shall I pass you to a person? (yes/no)",
                "Please answer yes or no.",
                "A person will take over order 42.",
                "tally: 1",
                "tally: 2",
            ]
        );
        assert_eq!(
            talk(&["/order", "/cancel", "/order", "7", "NO", "/tally"]),
            [
                "Which order number?",
                "Cancelled.",
                "Which order number?",
                "Order 7: on its way. Shall I pass you to a person? (yes/no)",
                "Okay.",
                "tally: 1",
            ]
        );
    }
}
