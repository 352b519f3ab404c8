//! [`Outcome`]: what became of one delivery, and the one place where it is told: the
//! `channeltalk_webhook_deliveries_total` counter of the [`metrics`] facade and the
//! delivery's `tracing` span.
//!
//! Every step of the [`Receiver`](crate::Receiver) that decides how a delivery ends (the
//! head check, the body collector, parsing and the policy, the duplicate check, the handler
//! call) hands its outcome to [`conclude`], so a delivery is counted the same through the bare
//! receiver and every adapter. Labels are `&'static str` and metric keys are statics: counting
//! allocates nothing, and costs next to nothing without a metrics recorder.

use std::fmt;

use tracing::Span;
use tracing::field::Empty;

use crate::event::Event;
use crate::rejection::{Rejection, Skipped, Unhandled};
use crate::reply::Reply;

/// The name of the histogram of handler run times, in seconds (one sample per
/// [`Receiver::call`](crate::Receiver::call), panicked calls included).
pub const HANDLER_DURATION_METRIC: &str = "channeltalk_webhook_handler_duration_seconds";

/// Defines [`Outcome`], its labels and the counter, from one list, so a label cannot be
/// spelled twice.
macro_rules! outcomes {
    (
        metric: $metric:literal;
        $( $(#[$doc:meta])* $variant:ident => $label:literal, )*
    ) => {
        /// The name of the counter of deliveries, one per delivery, labelled `outcome`
        /// ([`Outcome::label`]).
        pub const DELIVERIES_METRIC: &str = $metric;

        /// What became of one delivery: the `outcome` label of
        /// `channeltalk_webhook_deliveries_total` and the `outcome` field of its span.
        ///
        /// ```
        /// use channeltalk_webhook::Reply;
        /// use channeltalk_webhook::adapter::{Rejection, Skipped};
        /// use channeltalk_webhook::metrics::Outcome;
        ///
        /// assert_eq!(Skipped::Duplicate.outcome(), Outcome::Duplicate);
        /// assert_eq!(Outcome::Duplicate.label(), "duplicate");
        /// assert_eq!(Rejection::MethodNotAllowed.outcome().label(), "wrong_method");
        /// assert_eq!(Reply::Ack.outcome().label(), "acknowledged");
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Outcome {
            $( $(#[$doc])* $variant, )*
        }

        impl Outcome {
            /// Every outcome, in the order of the guide's table.
            pub const ALL: &'static [Outcome] = &[$(Outcome::$variant),*];

            /// The label value, e.g. `"duplicate"`.
            pub const fn label(self) -> &'static str {
                match self {
                    $(Outcome::$variant => $label,)*
                }
            }

            /// Adds one to the counter, through a static key (no allocation).
            fn count(self) {
                match self {
                    $(Outcome::$variant => {
                        metrics::counter!($metric, "outcome" => $label).increment(1)
                    })*
                }
            }
        }
    };
}

outcomes! {
    metric: "channeltalk_webhook_deliveries_total";
    /// The handler answered with a quick reply (200).
    Replied => "replied",
    /// The handler ran and answered nothing to post (200 `ok`).
    Acknowledged => "acknowledged",
    /// A message written by a bot, acknowledged without the handler (200).
    BotMessage => "bot_message",
    /// A repeated delivery of a message already handled, acknowledged without the handler
    /// (200).
    Duplicate => "duplicate",
    /// The token was missing, wrong or repeated (401).
    Unauthorized => "unauthorized",
    /// The body was over the limit (413).
    TooLarge => "too_large",
    /// The body was not a Channel event, or could not be read to its end (400).
    Malformed => "malformed",
    /// Not a `POST` (405).
    WrongMethod => "wrong_method",
    /// The handler panicked (500).
    HandlerPanicked => "handler_panicked",
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Rejection {
    /// The outcome this refusal counts as.
    pub fn outcome(&self) -> Outcome {
        match self {
            Rejection::MethodNotAllowed => Outcome::WrongMethod,
            Rejection::Unauthorized(_) => Outcome::Unauthorized,
            Rejection::PayloadTooLarge { .. } => Outcome::TooLarge,
            Rejection::Unreadable(_) | Rejection::Malformed(_) => Outcome::Malformed,
            Rejection::HandlerPanicked => Outcome::HandlerPanicked,
        }
    }
}

impl Skipped {
    /// The outcome this acknowledgement counts as.
    pub fn outcome(self) -> Outcome {
        match self {
            Skipped::BotMessage => Outcome::BotMessage,
            Skipped::Duplicate => Outcome::Duplicate,
        }
    }
}

impl Unhandled {
    /// The outcome this delivery counts as.
    pub fn outcome(&self) -> Outcome {
        match self {
            Unhandled::Rejected(rejection) => rejection.outcome(),
            Unhandled::Skipped(skipped) => skipped.outcome(),
        }
    }
}

impl Reply {
    /// The outcome a delivery answered with this reply counts as.
    pub fn outcome(&self) -> Outcome {
        match self {
            Reply::Ack => Outcome::Acknowledged,
            Reply::Quick(_) => Outcome::Replied,
        }
    }
}

/// The response to a delivery your framework's own handler answered (an adapter's extractor
/// way: the adapter extracted the [`Event`] and your handler returned the [`Reply`]).
/// Counts the outcome (`replied` or `acknowledged`) as [`Receiver::call`](crate::Receiver::call)
/// does for the core's own handlers, so the metrics do not depend on the way in; then builds
/// the response. Adapters call it when they turn their reply type into a response, once per
/// delivery.
///
/// ```
/// use channeltalk_webhook::adapter::answer;
/// use channeltalk_webhook::{QuickReply, Reply};
///
/// let response = answer(Reply::from(QuickReply::new().text("hi")));
/// assert_eq!(response.headers()["x-quick-reply"], "true");
/// ```
pub fn answer(reply: Reply) -> http::Response<bytes::Bytes> {
    conclude(&span(None), reply.outcome());
    reply.into_response()
}

/// The span of one delivery: the message's id and chat type when the delivery is a message
/// (the other fields stay empty), the outcome once [`conclude`] records it.
pub(crate) fn span(event: Option<&Event>) -> Span {
    let span = tracing::info_span!(
        "webhook_delivery",
        message_id = Empty,
        chat_type = Empty,
        outcome = Empty,
    );
    // Read only when someone listens.
    if let (false, Some(event)) = (span.is_disabled(), event) {
        span.record("message_id", event.message_id());
        span.record("chat_type", event.message_chat_type());
    }
    span
}

/// Tells how a delivery ended: counts it and writes the outcome on its span. Called once
/// per delivery, by the step that decides.
pub(crate) fn conclude(span: &Span, outcome: Outcome) {
    span.record("outcome", outcome.label());
    outcome.count();
}

/// Concludes a delivery answered without the handler (refused, or acknowledged by the
/// policy or the duplicate check), in its own span, with a debug line saying why.
pub(crate) fn unhandled(outcome: Outcome, reason: &dyn fmt::Display, event: Option<&Event>) {
    let span = span(event);
    conclude(&span, outcome);
    span.in_scope(|| {
        let refused = match outcome {
            Outcome::BotMessage | Outcome::Duplicate => {
                tracing::debug!(%reason, "acknowledged a delivery without calling the handler");
                return;
            }
            Outcome::Unauthorized => "bad token",
            Outcome::TooLarge => "body too large",
            Outcome::WrongMethod => "method not allowed",
            _ => "malformed body",
        };
        tracing::debug!(%reason, "refused a webhook request: {refused}");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_snake_case_and_duplicate_is_spelled_so() {
        let labels: Vec<_> = Outcome::ALL.iter().map(|outcome| outcome.label()).collect();
        let mut unique = labels.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), labels.len());
        assert_eq!(labels.len(), 9);
        assert!(labels.contains(&"duplicate"));
        for label in labels {
            assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
