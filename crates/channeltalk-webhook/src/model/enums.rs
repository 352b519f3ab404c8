//! The open enums of the model: actions, entity types, chat and person types, states.
//!
//! Each keeps an unknown value in its `Other` variant (see the crate's Stability section).

use super::open_enum::open_enum;

open_enum! {
    /// The envelope's `event`: what happened to the entity.
    ///
    /// ```
    /// use channeltalk_webhook::model::Action;
    /// assert_eq!(Action::from("push"), Action::Push);
    /// assert_eq!(Action::from("archive").as_str(), "archive");
    /// ```
    pub enum Action {
        /// A new message was posted (every new-message delivery).
        Push = "push",
        /// The entity was created or updated.
        Upsert = "upsert",
        /// The entity was updated.
        Update = "update",
        /// The entity was created.
        Create = "create",
    }
}

open_enum! {
    /// The envelope's `type`: which model the `entity` holds.
    pub enum EntityType {
        /// A [`Message`](crate::model::Message).
        Message = "message",
        /// A [`UserChat`](crate::model::UserChat).
        UserChat = "userChat",
        /// A [`User`](crate::model::User).
        User = "user",
    }
}

open_enum! {
    /// Where a message was posted.
    pub enum ChatType {
        /// A team chat (a `group` of managers).
        Group = "group",
        /// A conversation with a customer.
        UserChat = "userChat",
    }
}

open_enum! {
    /// Who wrote a message.
    pub enum PersonType {
        /// A customer.
        User = "user",
        /// A member of the team.
        Manager = "manager",
        /// A bot, including your own quick replies coming back to you.
        Bot = "bot",
    }
}

open_enum! {
    /// A message's delivery state.
    pub enum MessageState {
        /// Being sent.
        Sending = "sending",
        /// Sent.
        Sent = "sent",
        /// Sending failed.
        Failed = "failed",
        /// Removed after it was sent.
        Removed = "removed",
    }
}

open_enum! {
    /// A user chat's state: the newer values and the older ones, which real deliveries still carry.
    pub enum UserChatState {
        /// Just created, before the customer's first message (v5).
        Initial = "initial",
        /// Closed without an answer from the team (v5; see `missedReason`).
        Missed = "missed",
        /// Open (newer API).
        Opened = "opened",
        /// Snoozed (newer API).
        Snoozed = "snoozed",
        /// Waiting in the queue (newer API).
        Queued = "queued",
        /// Closed (both APIs).
        Closed = "closed",
        /// Not assigned to anyone (older API).
        Unassigned = "unassigned",
        /// Assigned to a manager (older API).
        Assigned = "assigned",
        /// On hold (older API).
        Holding = "holding",
        /// Solved (older API).
        Solved = "solved",
        /// Moved to the trash (older API).
        Trash = "trash",
    }
}

open_enum! {
    /// What kind of user a [`User`](crate::model::User) is.
    pub enum UserType {
        /// A signed-in member.
        Member = "member",
        /// An anonymous lead.
        Lead = "lead",
        /// A unified profile.
        Unified = "unified",
    }
}

open_enum! {
    /// Through which medium a user chat reaches the team (v5 `mediumType`).
    pub enum MediumType {
        /// Channel's own messenger (web or in-app).
        Native = "native",
        /// A phone call.
        Phone = "phone",
        /// Email.
        Email = "email",
        /// A connected messaging app.
        App = "app",
    }
}

open_enum! {
    /// Who started a user chat (v5 `direction`).
    pub enum ChatDirection {
        /// The customer.
        Inbound = "INBOUND",
        /// The team (an outbound message or call).
        Outbound = "OUTBOUND",
    }
}

open_enum! {
    /// A webhook scope: which deliveries a (v5) webhook subscribes to.
    ///
    /// The same names appear in webhook management (the Open API's `scopes`) and, depending on
    /// the integration, in a delivery's `event` or `type`. The part before the first `.` names
    /// the model the delivery carries (`lead` and `member` are users).
    ///
    /// ```
    /// use channeltalk_webhook::model::Scope;
    /// assert_eq!(Scope::from("message.created.userChat"), Scope::MessageCreatedUserChat);
    /// // Channel's API description lists these nine scopes and no other; any other value (a
    /// // scope added later, or an integration's `*`) is kept as `Other`.
    /// assert_eq!(Scope::from("*"), Scope::Other("*".into()));
    /// assert_eq!(Scope::from("message.updated.userChat").as_str(), "message.updated.userChat");
    /// ```
    pub enum Scope {
        /// A user chat was opened.
        UserChatOpened = "userChat.opened",
        /// A message was posted in a user chat.
        MessageCreatedUserChat = "message.created.userChat",
        /// A message was posted in a team chat.
        MessageCreatedTeamChat = "message.created.teamChat",
        /// A lead's contact details changed.
        LeadUpsertedContact = "lead.upserted.contact",
        /// A lead's marketing consent changed.
        LeadUpsertedSubscription = "lead.upserted.subscription",
        /// A lead was deleted.
        LeadDeleted = "lead.deleted",
        /// A member's contact details changed.
        MemberUpsertedContact = "member.upserted.contact",
        /// A member's marketing consent changed.
        MemberUpsertedSubscription = "member.upserted.subscription",
        /// A member was deleted.
        MemberDeleted = "member.deleted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        for value in ["push", "upsert", "update", "create"] {
            let action: Action = serde_json::from_str(&format!("\"{value}\"")).unwrap();
            assert!(!action.is_other());
            assert_eq!(
                serde_json::to_string(&action).unwrap(),
                format!("\"{value}\"")
            );
        }
    }

    #[test]
    fn unknown_values_are_kept() {
        let kind: EntityType = serde_json::from_str("\"lead\"").unwrap();
        assert_eq!(kind, EntityType::Other("lead".into()));
        assert_eq!(kind.to_string(), "lead");
        assert_eq!(serde_json::to_string(&kind).unwrap(), "\"lead\"");
    }

    #[test]
    fn values_are_case_sensitive_as_in_json() {
        assert_eq!(
            EntityType::from("UserChat"),
            EntityType::Other("UserChat".into())
        );
        assert_eq!(EntityType::from("userChat"), EntityType::UserChat);
    }
}
