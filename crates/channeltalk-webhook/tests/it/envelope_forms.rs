//! Every envelope form Channel uses, odd elements, rich text without markup in `text()`, and the
//! v5 models, parsed from fixtures under `tests/fixtures/`.

use crate::common;

use channeltalk_webhook::model::{Action, Block, EntityType, UserChatState, UserType};
use channeltalk_webhook::model::{ChatDirection, Element, MediumType, Scope};
use channeltalk_webhook::rich_text::{self, Inline};
use channeltalk_webhook::{Entity, Event};
use common::fixture;

#[test]
fn a_capitalised_type_is_a_message() {
    let event = fixture("envelope_type_capitalised");
    assert_eq!(event.entity_type(), Some(&EntityType::Message));
    assert_eq!(event.action(), Some(&Action::Push));
    assert_eq!(event.scope(), None);
    let message = event.message().unwrap();
    assert!(message.is_from_user() && !event.is_from_bot());
    assert_eq!(message.text().as_deref(), Some("배송은 언제 오나요?"));
}

#[test]
fn a_scope_name_in_type_names_the_model() {
    let event = fixture("envelope_scope_in_type_team_chat");
    assert_eq!(event.entity_type(), Some(&EntityType::Message));
    assert_eq!(event.scope(), Some(&Scope::MessageCreatedTeamChat));
    let message = event.message().unwrap();
    assert!(message.is_team_chat() && message.is_from_manager());
    assert_eq!(
        message.root_message_id.as_deref(),
        Some("6600a1b2c3d4e5f60000")
    );
    // v5 fields of the team side.
    let manager = event.refers().manager().unwrap();
    assert_eq!(manager.role_id.as_deref(), Some("r-owner"));
    let group = event.refers().group().unwrap();
    assert_eq!(group.title.as_deref(), Some("Dev team"));
    assert_eq!(group.scope.as_deref(), Some("private"));
}

#[test]
fn a_scope_name_in_event_without_type_names_the_model() {
    let event = fixture("envelope_scope_in_event_no_type");
    assert_eq!(event.entity_type(), Some(&EntityType::Message));
    assert_eq!(event.scope(), Some(&Scope::MessageCreatedUserChat));
    // The action keeps what was sent.
    assert_eq!(
        event.action(),
        Some(&Action::Other("message.created.userChat".into()))
    );
    let message = event.message().unwrap();
    assert_eq!(message.text().as_deref(), Some("こんにちは"));
    let chat = event.refers().user_chat().unwrap();
    assert_eq!(chat.medium_type, Some(MediumType::Native));
}

#[test]
fn bot_messages_are_recognised_in_every_form() {
    let typed = fixture("envelope_bot_scope_in_event_no_type");
    assert!(typed.message().unwrap().is_from_bot() && typed.is_from_bot());
    let bot = typed.refers().bot().unwrap();
    assert_eq!(
        (bot.ai, bot.description.as_deref()),
        (Some(false), Some("Echoes"))
    );

    let untyped = fixture("envelope_bot_unrecognised_type");
    assert!(matches!(untyped.entity(), Entity::Other(_)));
    assert!(
        untyped.is_from_bot(),
        "personType \"Bot\" under an unknown type"
    );

    for (body, bot) in [
        (r#"{"type":"MESSAGE","entity":{"personType":"BOT"}}"#, true),
        (
            r#"{"type":"message","entity":{"personType":"bot","createdAt":"now"}}"#,
            true,
        ),
        (
            r#"{"type":"userChat","entity":{"id":"c","personType":"bot"}}"#,
            true,
        ),
        (
            r#"{"type":"user","entity":{"personType":"bot"},"entity":{"id":"u"}}"#,
            false,
        ),
        (
            r#"{"type":"message","entity":{"personType":"bot","personType":"user"}}"#,
            false,
        ),
        (r#"{"type":"lead","entity":{"personType":"robot"}}"#, false),
        (r#"{"type":"message","entity":null}"#, false),
        (r#"{"type":"x","entity":["personType","bot"]}"#, false),
    ] {
        let event = Event::parse(body).unwrap();
        assert_eq!(event.is_from_bot(), bot, "{body}");
    }
}

#[test]
fn bullets_holding_null_keep_the_message_typed() {
    let event = fixture("message_bullets_null");
    let message = event.message().expect("typed despite the odd blocks");
    let Block::Bullets { blocks } = &message.blocks[1] else {
        panic!("{:?}", message.blocks[1])
    };
    assert_eq!(blocks[0], Block::Unknown(serde_json::Value::Null));
    assert_eq!(blocks[1], Block::text("2 × socks"));
    assert_eq!(
        message.text().as_deref(),
        Some("Order #42:\n2 × socks\nsize M\n{\"order\": 42}")
    );
}

#[test]
fn links_without_value_and_unreadable_tags_leave_no_markup_in_text() {
    let event = fixture("message_link_without_value");
    let message = event.message().unwrap();
    let text = message.text().unwrap();
    assert_eq!(text, "see https://a.example/x and this @Kim");
    assert!(!text.contains('<') && !text.contains('>'), "{text}");
    let Block::Text { value } = &message.blocks[0] else {
        panic!("{:?}", message.blocks[0])
    };
    assert!(rich_text::parse(value).iter().any(|span| span.inline
        == Inline::Link {
            href: "https://a.example/x".into(),
            label: "https://a.example/x".into()
        }));
}

#[test]
fn odd_buttons_files_and_reactions_are_kept_and_the_rest_stays_typed() {
    let event = fixture("message_odd_elements");
    let message = event.message().expect("typed despite the odd entries");
    assert_eq!(message.text().as_deref(), Some("photo attached"));

    let buttons = &message.buttons;
    assert_eq!(buttons.len(), 5);
    assert!(buttons[0].is_unknown() && buttons[4] == Element::Unknown(5.into()));
    let track = buttons[1].known().unwrap();
    assert_eq!(track.action_type(), Some("web"));
    assert_eq!(track.web_url(), Some("https://shop.example/track/42"));
    assert_eq!(track.url, None);
    let command = buttons[2].known().unwrap();
    assert_eq!(command.action_type(), Some("command"));
    assert_eq!(command.web_url(), None);
    assert_eq!(
        command.action.as_ref().unwrap()["attributes"]["name"],
        "refund"
    );
    let old = buttons[3].known().unwrap();
    assert_eq!(old.web_url(), Some("https://shop.example/old"));

    let files: Vec<_> = message.files.iter().filter_map(Element::known).collect();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].width, files[0].height), (Some(640), Some(480)));
    assert!(matches!(&message.files[2], Element::Unknown(raw) if raw["size"] == "big"));
    assert_eq!(message.reactions[0].known().unwrap().emoji_name, "+1");
    assert!(message.reactions[1].is_unknown() && message.reactions[2].is_unknown());

    // Serialized back, every entry is as sent.
    let again = serde_json::to_value(message).unwrap();
    let sent = event.to_json().unwrap();
    for list in ["buttons", "files", "reactions"] {
        assert_eq!(again[list], sent["entity"][list], "{list}");
    }
}

#[test]
fn v5_user_chat_fields() {
    let event = fixture("user_chat_v5");
    assert_eq!(event.entity_type(), Some(&EntityType::UserChat));
    assert_eq!(event.scope(), Some(&Scope::UserChatOpened));
    let chat = event.user_chat().unwrap();
    assert_eq!(chat.state, Some(UserChatState::Initial));
    assert_eq!(chat.managed, Some(true));
    assert_eq!(chat.medium_type, Some(MediumType::Native));
    assert_eq!(chat.direction, Some(ChatDirection::Inbound));
    assert_eq!(
        chat.first_replied_at.map(|at| at.as_millis()),
        Some(1_700_000_001_000)
    );
    assert_eq!(chat.handling.as_ref().unwrap()["botId"], "bot-1");
}

#[test]
fn v4_handling_is_a_string_and_missed_is_a_state() {
    let event = fixture("user_chat_v4_handling");
    let chat = event.user_chat().expect("UserChat in any letter case");
    assert_eq!(chat.state, Some(UserChatState::Missed));
    assert_eq!(chat.missed_reason.as_deref(), Some("notInOperation"));
    assert_eq!(chat.handling, Some(serde_json::json!("manual")));
}

#[test]
fn lead_and_member_scopes_carry_users() {
    let event = fixture("lead_upserted_contact");
    assert_eq!(event.entity_type(), Some(&EntityType::User));
    assert_eq!(event.scope(), Some(&Scope::LeadUpsertedContact));
    let user = event.user().unwrap();
    assert_eq!(user.kind, Some(UserType::Lead));
    assert_eq!(user.email.as_deref(), Some("lead@example.com"));
    let deleted = Event::parse(r#"{"event":"member.deleted","entity":{"id":"u-9"}}"#).unwrap();
    assert_eq!(deleted.user().unwrap().id.as_deref(), Some("u-9"));
    assert_eq!(deleted.scope(), Some(&Scope::MemberDeleted));
}

#[test]
fn the_one_pass_and_tolerant_paths_agree_on_every_form() {
    // Fields after the entity that change what it is send the parse down the tolerant path.
    for body in [
        r#"{"entity":{"id":"u"},"type":"User"}"#,
        r#"{"type":"x","entity":{"id":"u"},"event":"member.deleted"}"#,
        r#"{"type":"Message","entity":{"id":"u"},"type":"user"}"#,
    ] {
        let event = Event::parse(body).unwrap();
        assert_eq!(event.user().unwrap().id.as_deref(), Some("u"), "{body}");
    }
    let changed = Event::parse(r#"{"type":"user","entity":{"id":"u"},"type":"chat"}"#).unwrap();
    assert!(matches!(changed.entity(), Entity::Other(_)));
}

mod envelope_properties {
    use channeltalk_webhook::Event;
    use channeltalk_webhook::model::EntityType;
    use channeltalk_webhook::testing::SampleEvent;
    use proptest::prelude::*;

    /// `word` with each letter's case chosen by `mask`.
    fn recase(word: &str, mask: u64) -> String {
        word.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask >> (i % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    proptest! {
        /// Whatever form names the model (type in any case, a scope in `type` or in `event`,
        /// with any suffix), a message is typed, and a bot's message is a bot's, in any case.
        #[test]
        fn every_form_of_a_message_is_recognised(
            mask in any::<u64>(),
            person_mask in any::<u64>(),
            suffix in "(\\.[a-zA-Z]{1,12}){0,3}",
            in_event in any::<bool>(),
            keep_type in any::<bool>(),
            bot in any::<bool>(),
        ) {
            let name = recase("message", mask) + &suffix;
            let person = recase(if bot { "bot" } else { "user" }, person_mask);
            let sample = SampleEvent::user_message("hi").with("/entity/personType", serde_json::json!(person));
            let scoped = suffix.starts_with('.');
            let sample = match (in_event && scoped, keep_type) {
                (true, true) => sample.action(&name),
                (true, false) => sample.action(&name).without("/type"),
                (false, _) => sample.kind(&name),
            };
            let event = Event::parse(sample.body()).unwrap();
            prop_assert_eq!(event.entity_type(), Some(&EntityType::Message));
            prop_assert!(event.message().is_some());
            prop_assert_eq!(event.is_from_bot(), bot);
            prop_assert_eq!(event.scope().is_some(), scoped);
            if scoped {
                prop_assert_eq!(event.scope().map(|s| s.as_str()), Some(name.as_str()));
            }
        }
    }
}
