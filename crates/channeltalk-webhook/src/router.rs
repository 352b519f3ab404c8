//! [`Router`]: a handler built from rules (command, keyword, chat type, person type, entity
//! type, any predicate). The first matching rule wins; a fallback takes the rest.
//!
//! A router is itself a [`Handler`], so it plugs into every adapter unchanged.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::event::Event;
use crate::handler::Handler;
use crate::model::{ChatType, EntityType, PersonType};
use crate::reply::Reply;

/// A command at the start of a message: `/help me now` → name `/help`, args `me now`.
///
/// ```
/// use channeltalk_webhook::Command;
///
/// let command = Command::parse("  /Order 42 today").unwrap();
/// assert_eq!(command.name(), "/order");
/// assert_eq!(command.args(), "42 today");
/// assert!(Command::parse("hello /order").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    name: String,
    args: String,
}

impl Command {
    /// Reads a command from a message's text: the first word, when it starts with `/`
    /// (lower-cased), and the rest, trimmed.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim_start();
        if !text.starts_with('/') {
            return None;
        }
        let (name, args) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        Some(Command {
            name: name.to_lowercase(),
            args: args.trim().to_owned(),
        })
    }

    /// The command of an event's message, if its text starts with one.
    pub fn from_event(event: &Event) -> Option<Self> {
        Self::parse(&event.message()?.text()?)
    }

    /// The command, lower-cased, with its `/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rest of the text, trimmed.
    pub fn args(&self) -> &str {
        &self.args
    }
}

/// A [`Handler`] behind a pointer, so that routes can hold handlers of different types.
trait DynHandler: Send + Sync + 'static {
    fn call_boxed(&self, event: Event) -> Pin<Box<dyn Future<Output = Reply> + Send + '_>>;
}

impl<H: Handler> DynHandler for H {
    fn call_boxed(&self, event: Event) -> Pin<Box<dyn Future<Output = Reply> + Send + '_>> {
        Box::pin(self.call(event))
    }
}

type Predicate = Box<dyn Fn(&Event) -> bool + Send + Sync>;

enum Rule {
    Command(String),
    Keyword(String),
    ChatType(ChatType),
    PersonType(PersonType),
    EntityType(EntityType),
    When(Predicate),
}

impl Rule {
    fn matches(&self, event: &Event) -> bool {
        match self {
            Rule::Command(name) => {
                Command::from_event(event).is_some_and(|command| &command.name == name)
            }
            Rule::Keyword(keyword) => event
                .message()
                .and_then(|message| message.text())
                .is_some_and(|text| text.to_lowercase().contains(keyword.as_str())),
            Rule::ChatType(chat_type) => event
                .message()
                .is_some_and(|message| &message.chat_type == chat_type),
            Rule::PersonType(person_type) => event
                .message()
                .is_some_and(|message| &message.person_type == person_type),
            Rule::EntityType(entity_type) => event.entity_type() == Some(entity_type),
            Rule::When(predicate) => predicate(event),
        }
    }

    fn describe(&self) -> String {
        match self {
            Rule::Command(name) => format!("command {name}"),
            Rule::Keyword(keyword) => format!("keyword {keyword:?}"),
            Rule::ChatType(chat_type) => format!("chat type {chat_type}"),
            Rule::PersonType(person_type) => format!("person type {person_type}"),
            Rule::EntityType(entity_type) => format!("entity type {entity_type}"),
            Rule::When(_) => "predicate".to_owned(),
        }
    }
}

/// Dispatches each event to the handler of the first rule it matches.
///
/// ```
/// use channeltalk_webhook::{Command, Router};
/// use channeltalk_webhook::{Event, QuickReply, sync_handler};
/// use channeltalk_webhook::model::{ChatType, EntityType};
/// use channeltalk_webhook::testing::SampleEvent;
///
/// let router = Router::new()
///     .command("/help", sync_handler(|_: Event| QuickReply::new().text("Try /order 42")))
///     .command("/order", sync_handler(|event: Event| {
///         let id = Command::from_event(&event)?.args().to_owned();
///         Some(QuickReply::new().text(format!("Looking up order {id}…")))
///     }))
///     .keyword("refund", sync_handler(|_: Event| QuickReply::new().text("A manager will help you.")))
///     .chat_type(ChatType::Group, sync_handler(|_: Event| ()))       // stay quiet in team chats
///     .entity_type(EntityType::UserChat, sync_handler(|_: Event| ())) // chat opened: nothing to say
///     .fallback(sync_handler(|_: Event| QuickReply::new().text("Sorry, I did not get that. /help")));
/// # let _ = (router, SampleEvent::user_message("x"));
/// ```
#[derive(Default)]
pub struct Router {
    routes: Vec<(Rule, Box<dyn DynHandler>)>,
    fallback: Option<Box<dyn DynHandler>>,
}

impl Router {
    /// A router with no rules: everything is acknowledged with no reply.
    pub fn new() -> Self {
        Self::default()
    }

    fn route(mut self, rule: Rule, handler: impl Handler) -> Self {
        self.routes.push((rule, Box::new(handler)));
        self
    }

    /// Messages whose text starts with the command `name` (`/help`, case-insensitive, as a
    /// whole word); read the arguments with [`Command::from_event`]. A missing `/` is added.
    pub fn command(self, name: &str, handler: impl Handler) -> Self {
        let name = name.trim().to_lowercase();
        let name = if name.starts_with('/') {
            name
        } else {
            format!("/{name}")
        };
        self.route(Rule::Command(name), handler)
    }

    /// Messages whose text contains `keyword`, case-insensitively (like the desk's keyword
    /// filter).
    pub fn keyword(self, keyword: &str, handler: impl Handler) -> Self {
        self.route(Rule::Keyword(keyword.to_lowercase()), handler)
    }

    /// Messages posted in a user chat or a team chat.
    pub fn chat_type(self, chat_type: ChatType, handler: impl Handler) -> Self {
        self.route(Rule::ChatType(chat_type), handler)
    }

    /// Messages written by a user, a manager or a bot (bot messages reach the router only when
    /// the receiver's policy lets them through).
    pub fn person_type(self, person_type: PersonType, handler: impl Handler) -> Self {
        self.route(Rule::PersonType(person_type), handler)
    }

    /// Events of an entity type (`message`, `userChat`, `user`, or any other).
    pub fn entity_type(self, entity_type: EntityType, handler: impl Handler) -> Self {
        self.route(Rule::EntityType(entity_type), handler)
    }

    /// Events for which `predicate` holds.
    pub fn when(
        self,
        predicate: impl Fn(&Event) -> bool + Send + Sync + 'static,
        handler: impl Handler,
    ) -> Self {
        self.route(Rule::When(Box::new(predicate)), handler)
    }

    /// The handler for events no rule matches (without one they are acknowledged).
    pub fn fallback(mut self, handler: impl Handler) -> Self {
        self.fallback = Some(Box::new(handler));
        self
    }
}

impl Handler for Router {
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send {
        let target = self
            .routes
            .iter()
            .find(|(rule, _)| rule.matches(&event))
            .map(|(_, handler)| handler)
            .or(self.fallback.as_ref());
        async move {
            match target {
                Some(handler) => handler.call_boxed(event).await,
                None => Reply::Ack,
            }
        }
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field(
                "rules",
                &self
                    .routes
                    .iter()
                    .map(|(rule, _)| rule.describe())
                    .collect::<Vec<_>>(),
            )
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}
