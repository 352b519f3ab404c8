//! What happens to a delivery your handler does not see, with the HTTP status it gets. This is
//! the one place where those statuses are decided; `docs/protocol.md` has the status table.
//!
//! - [`Rejection`]: the request is refused (4xx, or 500 when your handler panicked).
//! - [`Skipped`]: a genuine delivery acknowledged (200) without calling your handler.
//! - [`Unhandled`]: either of the two, what the extracting steps of
//!   [`Receiver`](crate::Receiver) return.

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::event::ParseError;
use crate::reply::plain_text;
use crate::token::TokenError;

/// An error from a framework's request body, kept as the source of [`Rejection::Unreadable`].
pub type BodyError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A refused request: it gets a 4xx (or a 500 when your handler panicked) with a one-line
/// plain-text body that says what to fix.
///
/// ```
/// use channeltalk_webhook::{Receiver, WebhookToken};
/// use channeltalk_webhook::adapter::Rejection;
/// use http::StatusCode;
///
/// let receiver = Receiver::new(WebhookToken::new("t")?);
/// let rejection = receiver.begin("POST", Some("token=guess"), None).unwrap_err();
/// assert!(matches!(rejection, Rejection::Unauthorized(_)));
/// assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(rejection.reason(), "wrong token");
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Not a `POST`.
    #[error("method not allowed: Channel delivers webhooks with POST")]
    MethodNotAllowed,
    /// The token check failed.
    #[error(transparent)]
    Unauthorized(#[from] TokenError),
    /// The body is larger than the receiver's limit.
    #[error("payload too large: the body is over the {limit}-byte limit")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read to its end (the client went away, bad chunked encoding).
    #[error("body could not be read: {0}")]
    Unreadable(#[source] BodyError),
    /// The body cannot be a Channel event.
    #[error(transparent)]
    Malformed(#[from] ParseError),
    /// The handler panicked; answered 500 for this request only.
    #[error("internal error: the webhook handler panicked")]
    HandlerPanicked,
}

/// A genuine delivery acknowledged with `200 ok` without calling your handler, so that
/// Channel counts it delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Skipped {
    /// A message written by a bot: answering it could make your bot answer itself forever.
    #[error("message written by a bot")]
    BotMessage,
    /// A delivery already seen (same message id), when deduplication is on.
    #[error("delivery already received")]
    Duplicate,
}

/// A delivery your handler does not see: refused, or acknowledged without it.
///
/// ```
/// use channeltalk_webhook::{Receiver, WebhookToken};
/// use channeltalk_webhook::adapter::{Skipped, Unhandled};
///
/// let receiver = Receiver::new(WebhookToken::new("t")?);
/// let bot = r#"{"type":"message","entity":{"id":"m1","personType":"bot","plainText":"hi"}}"#;
/// let outcome = channeltalk_webhook::testing::block_on(receiver.accept(bot.into())).unwrap_err();
/// assert!(matches!(outcome, Unhandled::Skipped(Skipped::BotMessage)));
/// assert!(outcome.is_acknowledged());
/// assert_eq!(outcome.into_response().body(), "ok");
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Unhandled {
    /// Refused: 4xx or 500.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Acknowledged with 200 without calling the handler.
    #[error("acknowledged without the handler: {0}")]
    Skipped(#[from] Skipped),
}

impl From<ParseError> for Unhandled {
    fn from(error: ParseError) -> Self {
        Unhandled::Rejected(Rejection::Malformed(error))
    }
}

impl Rejection {
    /// The HTTP status this refusal gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Rejection::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Unreadable(_) | Rejection::Malformed(_) => StatusCode::BAD_REQUEST,
            Rejection::HandlerPanicked => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short reason, e.g. `"wrong token"` (for logs and metrics labels).
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::MethodNotAllowed => "method not allowed",
            Rejection::Unauthorized(TokenError::Missing) => "missing token",
            Rejection::Unauthorized(TokenError::Mismatch) => "wrong token",
            Rejection::Unauthorized(_) => "ambiguous token",
            Rejection::PayloadTooLarge { .. } => "payload too large",
            Rejection::Unreadable(_) => "unreadable body",
            Rejection::Malformed(_) => "malformed body",
            Rejection::HandlerPanicked => "internal error",
        }
    }

    /// Builds a [`Rejection::Unreadable`] from a framework's body error, keeping it as the
    /// source.
    pub fn unreadable(error: impl Into<BodyError>) -> Self {
        Rejection::Unreadable(error.into())
    }

    /// The response: the status and a one-line plain-text explanation.
    pub fn into_response(self) -> Response<Bytes> {
        self.to_response()
    }

    /// [`Rejection::into_response`] from a reference.
    pub fn to_response(&self) -> Response<Bytes> {
        let mut response = plain_text(self.status(), Bytes::from(format!("{self}\n")));
        if matches!(self, Rejection::MethodNotAllowed) {
            response
                .headers_mut()
                .insert(http::header::ALLOW, crate::headers::POST_ONLY);
        }
        response
    }
}

impl Unhandled {
    /// The HTTP status: the rejection's, or 200 for a skipped delivery.
    pub fn status(&self) -> StatusCode {
        match self {
            Unhandled::Rejected(rejection) => rejection.status(),
            Unhandled::Skipped(_) => StatusCode::OK,
        }
    }

    /// A short reason, e.g. `"wrong token"` or `"ignored"` (for logs and metrics labels).
    pub fn reason(&self) -> &'static str {
        match self {
            Unhandled::Rejected(rejection) => rejection.reason(),
            Unhandled::Skipped(_) => "ignored",
        }
    }

    /// Whether Channel counts this answer as delivered (a 2xx): true for skipped deliveries.
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Unhandled::Skipped(_))
    }

    /// The response: the rejection's, or `200 ok` (like [`Reply::Ack`](crate::Reply::Ack)).
    pub fn into_response(self) -> Response<Bytes> {
        self.to_response()
    }

    /// [`Unhandled::into_response`] from a reference, for frameworks that only lend their
    /// errors (warp's `Rejection::find`).
    pub fn to_response(&self) -> Response<Bytes> {
        match self {
            Unhandled::Rejected(rejection) => rejection.to_response(),
            Unhandled::Skipped(_) => crate::reply::acknowledgement(),
        }
    }
}

/// Channel delivers with `POST` only: any other method is [`Rejection::MethodNotAllowed`].
pub(crate) fn require_post(method: &str) -> Result<(), Rejection> {
    if method == "POST" {
        Ok(())
    } else {
        Err(Rejection::MethodNotAllowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_status_and_a_body_that_says_what_to_fix() {
        type Case = (fn() -> Rejection, u16, &'static str);
        let cases: [Case; 8] = [
            (|| Rejection::MethodNotAllowed, 405, "POST"),
            (|| TokenError::Missing.into(), 401, "?token="),
            (|| TokenError::Mismatch.into(), 401, "does not match"),
            (|| TokenError::Repeated.into(), 401, "more than once"),
            (
                || Rejection::PayloadTooLarge { limit: 5 },
                413,
                "5-byte limit",
            ),
            (
                || Rejection::unreadable("connection reset"),
                400,
                "connection reset",
            ),
            (
                || Rejection::Malformed(ParseError::NotObject),
                400,
                "not an object",
            ),
            (|| Rejection::HandlerPanicked, 500, "panicked"),
        ];
        for (make, status, hint) in cases {
            let rejection = make();
            assert_eq!(rejection.status().as_u16(), status, "{rejection}");
            assert!(!Unhandled::from(rejection).is_acknowledged());
            let response = make().into_response();
            assert_eq!(response.status().as_u16(), status);
            let body = std::str::from_utf8(response.body()).unwrap();
            assert!(body.contains(hint), "{body}");
        }
    }

    #[test]
    fn the_source_of_an_unreadable_body_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset");
        let rejection = Rejection::unreadable(io);
        let source = std::error::Error::source(&rejection).unwrap();
        assert!(source.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn skipped_deliveries_are_acknowledged() {
        let skipped = Unhandled::Skipped(Skipped::BotMessage);
        assert!(skipped.is_acknowledged());
        let response = skipped.into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.body(), "ok");
    }
}
