//! Envelope recognition: which model a delivery carries, from every form Channel uses.
//!
//! Real deliveries name their model in more than one way. The classic form is
//! `"event":"push","type":"message"`; `type` also comes capitalised (`"Message"`,
//! `"UserChat"`); newer (v5, scope-based) webhooks carry a scope name such as
//! `message.created.userChat` in `type` or in `event`, with or without the other field. This
//! module is the one place that reads them: everything else asks it.

use crate::model::{EntityType, Scope};

/// What an envelope's `type` and `event` say, read once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Recognised {
    /// The model the entity holds, when either field names one; else `type` as sent.
    pub(crate) entity_type: Option<EntityType>,
    /// The scope name, when `event` or `type` is one (`event` first).
    pub(crate) scope: Option<Scope>,
}

/// Reads `type` (`kind`) and `event` (`action`), either of which may be absent.
///
/// The model comes from the first of: `type` naming a model in any letter case (`message`,
/// `userChat`, `user`) or being a scope name; `event` being a scope name; else `type` as sent
/// (an [`EntityType::Other`]). A scope name is a value with a `.` whose first segment names
/// the model: `message`, `userChat`, `user`, and `lead` / `member`, which are users.
pub(crate) fn recognise(kind: Option<&str>, action: Option<&str>) -> Recognised {
    // The classic form, as Channel sends nearly every delivery: nothing else to look at.
    if let (Some("message"), Some("push")) = (kind, action) {
        return Recognised {
            entity_type: Some(EntityType::Message),
            scope: None,
        };
    }
    recognise_any(kind, action)
}

/// [`recognise`] without its shortcut for the classic form.
fn recognise_any(kind: Option<&str>, action: Option<&str>) -> Recognised {
    let entity_type = kind
        .and_then(model_named_by)
        .or_else(|| action.filter(|a| is_scope_name(a)).and_then(model_named_by))
        .or_else(|| kind.map(EntityType::from));
    let scope = action
        .filter(|a| is_scope_name(a))
        .or(kind.filter(|k| is_scope_name(k)))
        .map(Scope::from);
    Recognised { entity_type, scope }
}

/// A scope name: `segment.segment…`, the first segment not empty.
fn is_scope_name(value: &str) -> bool {
    value
        .split_once('.')
        .is_some_and(|(head, _)| !head.is_empty())
}

/// The model a `type` value or a scope name names, in any letter case.
fn model_named_by(value: &str) -> Option<EntityType> {
    let (head, scoped) = match value.split_once('.') {
        Some((head, _)) => (head, true),
        None => (value, false),
    };
    let is = |name: &str| head.eq_ignore_ascii_case(name);
    if is("message") {
        Some(EntityType::Message)
    } else if is("userChat") {
        Some(EntityType::UserChat)
    } else if is("user") || (scoped && (is("lead") || is("member"))) {
        Some(EntityType::User)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(kind: Option<&str>, action: Option<&str>) -> Option<EntityType> {
        recognise(kind, action).entity_type
    }

    #[test]
    fn the_shortcut_for_the_classic_form_agrees_with_the_general_reading() {
        let classic = (Some("message"), Some("push"));
        assert_eq!(
            recognise(classic.0, classic.1),
            recognise_any(classic.0, classic.1)
        );
    }

    #[test]
    fn type_in_any_letter_case() {
        for kind in ["message", "Message", "MESSAGE", "mEsSaGe"] {
            assert_eq!(model(Some(kind), Some("push")), Some(EntityType::Message));
        }
        for kind in ["userChat", "UserChat", "userchat", "USERCHAT"] {
            assert_eq!(model(Some(kind), None), Some(EntityType::UserChat));
        }
        assert_eq!(model(Some("User"), None), Some(EntityType::User));
    }

    #[test]
    fn scope_names_in_type_or_event() {
        for scope in [
            "message.created.userChat",
            "message.created.teamChat",
            "Message.Created.TeamChat",
            "message.updated.somethingNew",
        ] {
            assert_eq!(
                model(Some(scope), None),
                Some(EntityType::Message),
                "{scope}"
            );
            assert_eq!(
                model(None, Some(scope)),
                Some(EntityType::Message),
                "{scope}"
            );
            assert_eq!(model(Some("weird"), Some(scope)), Some(EntityType::Message));
        }
        assert_eq!(
            model(None, Some("userChat.opened")),
            Some(EntityType::UserChat)
        );
        for scope in [
            "lead.upserted.contact",
            "lead.upserted.subscription",
            "lead.deleted",
            "member.upserted.contact",
            "member.deleted",
        ] {
            assert_eq!(model(None, Some(scope)), Some(EntityType::User), "{scope}");
            assert_eq!(
                model(Some(scope), Some("push")),
                Some(EntityType::User),
                "{scope}"
            );
        }
    }

    #[test]
    fn the_scope_is_kept_as_sent() {
        let both = recognise(
            Some("message.created.teamChat"),
            Some("message.created.userChat"),
        );
        assert_eq!(both.scope, Some(Scope::MessageCreatedUserChat));
        assert_eq!(
            recognise(Some("message.created.teamChat"), Some("push")).scope,
            Some(Scope::MessageCreatedTeamChat)
        );
        assert_eq!(
            recognise(None, Some("Message.Created.UserChat")).scope,
            Some(Scope::Other("Message.Created.UserChat".into()))
        );
        assert_eq!(recognise(Some("message"), Some("push")).scope, None);
    }

    #[test]
    fn type_wins_over_event_and_unknown_values_stay_as_sent() {
        assert_eq!(
            model(Some("userChat"), Some("message.created.userChat")),
            Some(EntityType::UserChat)
        );
        // A bare `lead` or `member` is not a scope name: kept as sent.
        assert_eq!(
            model(Some("lead"), Some("push")),
            Some(EntityType::Other("lead".into()))
        );
        assert_eq!(
            model(Some("member"), None),
            Some(EntityType::Other("member".into()))
        );
        // `event` names a model only as a scope name.
        assert_eq!(model(None, Some("message")), None);
        assert_eq!(model(None, Some("push")), None);
        assert_eq!(
            model(Some(".message"), None),
            Some(EntityType::Other(".message".into()))
        );
        assert_eq!(
            model(Some("messages.created"), None),
            Some(EntityType::Other("messages.created".into()))
        );
        assert_eq!(recognise(None, None), Recognised::default());
    }
}
