//! The Channel models carried in events: messages, chats, users, the team, blocks.
//!
//! Every model ignores fields it does not know, and every enum keeps values it does not know,
//! so new fields and values from Channel never break parsing.

mod block;
mod element;
mod enums;
mod message;
mod open_enum;
mod outgoing;
pub(crate) mod serde_util;
mod team;
mod timestamp;
mod user;
mod user_chat;

pub use block::Block;
pub use element::Element;
pub use enums::{
    Action, ChatDirection, ChatType, EntityType, MediumType, MessageState, PersonType, Scope,
    UserChatState, UserType,
};
pub use message::{Button, File, Form, FormInput, Message, Reaction, WebPage};
pub use outgoing::{MAX_BUTTONS, MessageError, MessageOption, OutgoingMessage};
pub use team::{Bot, Group, Manager};
pub use timestamp::Timestamp;
pub use user::User;
pub use user_chat::UserChat;
