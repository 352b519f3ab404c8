//! The command router: rules in order, first match wins, fallback for the rest.

use channeltalk_webhook::model::{ChatType, EntityType, PersonType};
use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
use channeltalk_webhook::{Command, Router};
use channeltalk_webhook::{Event, Handler, QuickReply, Receiver, WebhookToken, sync_handler};

fn says(text: &'static str) -> impl Handler {
    sync_handler(move |_: Event| QuickReply::new().text(text))
}

fn router() -> Router {
    Router::new()
        .command("/help", says("help"))
        .command(
            "order",
            sync_handler(|event: Event| {
                let command = Command::from_event(&event)?;
                Some(QuickReply::new().text(format!("order [{}]", command.args())))
            }),
        )
        .keyword("Refund", says("refund"))
        .chat_type(ChatType::Group, says("team"))
        .person_type(PersonType::Manager, says("manager"))
        .entity_type(EntityType::UserChat, says("chat opened"))
        .when(|event| event.user().is_some(), says("user changed"))
        .fallback(says("fallback"))
}

fn answer(router: &Router, sample: SampleEvent) -> Vec<String> {
    let reply = block_on(router.call(sample.event()));
    ChannelView::from_response(&reply.into_response()).texts()
}

#[test]
fn commands_match_case_insensitively_as_a_whole_word() {
    let router = router();
    assert_eq!(
        answer(&router, SampleEvent::user_message("/help")),
        ["help"]
    );
    assert_eq!(
        answer(&router, SampleEvent::user_message("  /HELP me")),
        ["help"]
    );
    assert_eq!(
        answer(&router, SampleEvent::user_message("/order  42 today ")),
        ["order [42 today]"]
    );
    assert_eq!(
        answer(&router, SampleEvent::user_message("/helpme")),
        ["fallback"]
    );
    assert_eq!(
        answer(&router, SampleEvent::user_message("please /help")),
        ["fallback"]
    );
}

#[test]
fn keywords_match_anywhere_case_insensitively() {
    let router = router();
    assert_eq!(
        answer(&router, SampleEvent::user_message("I want a REFUND please")),
        ["refund"]
    );
    let korean = Router::new().keyword("환불", says("환불 안내"));
    assert_eq!(
        answer(&korean, SampleEvent::user_message("환불해 주세요")),
        ["환불 안내"]
    );
}

#[test]
fn the_first_matching_rule_wins() {
    let router = router();
    // A manager's /help in a team chat matches the command first.
    assert_eq!(
        answer(
            &router,
            SampleEvent::manager_message("/help").in_team_chat()
        ),
        ["help"]
    );
    assert_eq!(
        answer(
            &router,
            SampleEvent::manager_message("hello").in_team_chat()
        ),
        ["team"]
    );
    assert_eq!(
        answer(&router, SampleEvent::manager_message("hello")),
        ["manager"]
    );
}

#[test]
fn entity_types_and_predicates_route_non_message_events() {
    let router = router();
    assert_eq!(
        answer(&router, SampleEvent::user_chat_opened()),
        ["chat opened"]
    );
    assert_eq!(
        answer(&router, SampleEvent::user_updated()),
        ["user changed"]
    );
}

#[test]
fn guards_apply_before_every_rule_wherever_they_are_written() {
    for router in [
        router().ignore_chat_type(ChatType::Group),
        Router::new()
            .ignore_chat_type(ChatType::Group)
            .command("/help", says("help")),
    ] {
        let team_help = SampleEvent::manager_message("/help").in_team_chat();
        assert!(answer(&router, team_help).is_empty());
        assert_eq!(
            answer(&router, SampleEvent::user_message("/help")),
            ["help"]
        );
    }
    let quiet = router().ignore_when(|event| event.user().is_some());
    assert!(answer(&quiet, SampleEvent::user_updated()).is_empty());
}

#[test]
fn the_fallback_sees_only_messages() {
    let router = Router::new().fallback(says("fallback"));
    assert_eq!(
        answer(&router, SampleEvent::user_message("hi")),
        ["fallback"]
    );
    assert!(answer(&router, SampleEvent::user_chat_opened()).is_empty());
    assert!(answer(&router, SampleEvent::user_updated()).is_empty());
}

#[test]
fn without_a_fallback_unmatched_events_are_acknowledged() {
    let router = Router::new().command("/help", says("help"));
    assert!(answer(&router, SampleEvent::user_message("hi")).is_empty());
    let response = block_on(router.call(SampleEvent::user_message("hi").event())).into_response();
    assert_eq!(response.status(), 200);
}

#[test]
fn a_router_plugs_into_the_receiver_like_any_handler() {
    let receiver = Receiver::new(WebhookToken::new("t").unwrap());
    let response = block_on(receiver.handle(
        SampleEvent::user_message("/help").request("/?token=t"),
        &router(),
    ));
    assert_eq!(ChannelView::from_response(&response).texts(), ["help"]);
    let debug = format!("{:?}", router());
    assert!(
        debug.contains("command /help") && debug.contains("refund"),
        "{debug}"
    );
}
