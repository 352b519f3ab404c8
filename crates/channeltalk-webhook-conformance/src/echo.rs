//! The echo bot of [`Contract::echo`](crate::Contract::echo), as a core handler, for mounting
//! in adapter tests.

use channeltalk_webhook::{Event, QuickReply};

/// A user's or manager's message with text T gets the quick reply `echo: T` (T escaped as
/// rich text) from `EchoBot`; everything else is acknowledged with no reply.
///
/// ```
/// use channeltalk_webhook::testing::SampleEvent;
///
/// let reply = channeltalk_webhook_conformance::echo(SampleEvent::user_message("<b>hi</b>").event()).unwrap();
/// assert_eq!(reply.to_body(), r#"{"blocks":[{"type":"text","value":"echo: &lt;b&gt;hi&lt;/b&gt;"}]}"#);
/// ```
pub fn echo(event: Event) -> Option<QuickReply> {
    let text = event.text()?;
    let reply = QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("EchoBot"));
    Some(reply.text(format!("echo: {text}")))
}

/// [`echo`] as an `async` handler.
pub async fn echo_async(event: Event) -> Option<QuickReply> {
    echo(event)
}
