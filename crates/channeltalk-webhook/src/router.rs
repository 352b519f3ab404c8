//! [`Router`]: a handler built from rules (command, keyword, chat type, person type, entity
//! type, any predicate). Guards (`ignore_*`) are checked first, wherever they are written;
//! then the first matching rule wins; a fallback takes the messages no rule matched.
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
        Self::parse(&event.text()?)
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
/// 1. **Guards** ([`Router::ignore_chat_type`], [`Router::ignore_when`]): an event a guard
///    matches is acknowledged with no reply, before any rule and wherever the guard is written.
/// 2. **Rules**, in the order written: the first that matches handles the event.
/// 3. **The fallback** ([`Router::fallback`]): a *message* no rule matched. Other events (a
///    chat opened, a user updated) that no rule matched are acknowledged with no reply.
///
/// ```
/// use channeltalk_webhook::{Command, Router};
/// use channeltalk_webhook::{Event, Handler, QuickReply, sync_handler};
/// use channeltalk_webhook::model::ChatType;
/// use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
///
/// let router = Router::new()
///     .command("/help", sync_handler(|_: Event| QuickReply::new().text("Try /order 42")))
///     .command("/order", sync_handler(|event: Event| {
///         let id = Command::from_event(&event)?.args().to_owned();
///         Some(QuickReply::new().text(format!("Looking up order {id}…")))
///     }))
///     .keyword("refund", sync_handler(|_: Event| QuickReply::new().text("A manager will help you.")))
///     .fallback(sync_handler(|_: Event| QuickReply::new().text("Sorry, I did not get that. /help")))
///     .ignore_chat_type(ChatType::Group); // stay quiet in team chats, even for /help
///
/// let answer = |sample: SampleEvent| {
///     let reply = block_on(router.call(sample.event())).into_response();
///     ChannelView::from_response(&reply).texts()
/// };
/// assert_eq!(answer(SampleEvent::user_message("/help")), ["Try /order 42"]);
/// assert!(answer(SampleEvent::manager_message("/help").in_team_chat()).is_empty());
/// assert!(answer(SampleEvent::user_chat_opened()).is_empty()); // not a message: no fallback
/// assert_eq!(answer(SampleEvent::user_message("hi")), ["Sorry, I did not get that. /help"]);
/// ```
#[derive(Default)]
pub struct Router {
    guards: Vec<Rule>,
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

    /// Guard: acknowledges every message posted in a chat of `chat_type` with no reply,
    /// before any rule, wherever this line is written (`ignore_chat_type(ChatType::Group)`:
    /// stay quiet in team chats).
    pub fn ignore_chat_type(mut self, chat_type: ChatType) -> Self {
        self.guards.push(Rule::ChatType(chat_type));
        self
    }

    /// Guard: acknowledges every event for which `predicate` holds with no reply, before any
    /// rule, wherever this line is written.
    pub fn ignore_when(
        mut self,
        predicate: impl Fn(&Event) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.guards.push(Rule::When(Box::new(predicate)));
        self
    }

    /// Messages posted in a user chat or a team chat. To stay quiet in a kind of chat, use the
    /// guard [`Router::ignore_chat_type`], which applies before every rule.
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

    /// The handler for **messages** no rule matches. Other events no rule matches (a chat
    /// opened, a user updated) are acknowledged with no reply, as is everything when there is
    /// no fallback; route them with [`Router::entity_type`] or [`Router::when`].
    pub fn fallback(mut self, handler: impl Handler) -> Self {
        self.fallback = Some(Box::new(handler));
        self
    }
}

impl Handler for Router {
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send {
        let guarded = self.guards.iter().any(|guard| guard.matches(&event));
        let target = if guarded {
            None
        } else {
            let fallback = self.fallback.as_ref().filter(|_| event.message().is_some());
            self.routes
                .iter()
                .find(|(rule, _)| rule.matches(&event))
                .map(|(_, handler)| handler)
                .or(fallback)
        };
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
                "guards",
                &self.guards.iter().map(Rule::describe).collect::<Vec<_>>(),
            )
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
