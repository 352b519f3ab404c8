//! [`Rejection`]: every outcome in which your handler is not called, with the HTTP status it
//! gets. This is the one place where those statuses are decided.
//!
//! | outcome | status |
//! |---|---|
//! | not `POST` | 405 |
//! | token missing, wrong or repeated | 401 |
//! | body over the limit | 413 |
//! | body unreadable, not UTF-8, not JSON, not a JSON object | 400 |
//! | ignored by policy (a bot's message, a repeated delivery) | 200 |
//! | your handler panicked | 500 |

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::event::ParseError;
use crate::reply::plain_text;
use crate::token::TokenError;

/// A request the handler does not see, and how it is answered.
///
/// ```
/// use channeltalk_webhook::{Receiver, WebhookToken};
/// use http::StatusCode;
///
/// let receiver = Receiver::new(WebhookToken::new("t")?);
/// let rejection = receiver.receive(Some("token=guess"), "{}".into()).unwrap_err();
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
    Unreadable(String),
    /// The body cannot be a Channel event.
    #[error(transparent)]
    Malformed(#[from] ParseError),
    /// A genuine delivery the policy skips; acknowledged with 200 so Channel counts it delivered.
    #[error("ignored: {0}")]
    Ignored(IgnoreReason),
    /// The handler panicked; answered 500 for this request only.
    #[error("internal error: the webhook handler panicked")]
    HandlerPanicked,
}

/// Why the policy skipped a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IgnoreReason {
    /// A message written by a bot: answering it could make your bot answer itself forever.
    #[error("message written by a bot")]
    BotMessage,
    /// A delivery already seen (same message id), when deduplication is on.
    #[error("delivery already received")]
    Duplicate,
}

impl Rejection {
    /// The HTTP status this outcome gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Rejection::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Unreadable(_) | Rejection::Malformed(_) => StatusCode::BAD_REQUEST,
            Rejection::Ignored(_) => StatusCode::OK,
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
            Rejection::Ignored(_) => "ignored",
            Rejection::HandlerPanicked => "internal error",
        }
    }

    /// Whether Channel counts this answer as delivered (a 2xx).
    pub fn is_acknowledged(&self) -> bool {
        self.status().is_success()
    }

    /// Builds a [`Rejection::Unreadable`] from a framework's body error.
    pub fn unreadable(error: impl std::fmt::Display) -> Self {
        Rejection::Unreadable(error.to_string())
    }

    /// The response: the status and a one-line plain-text explanation.
    /// Acknowledged outcomes answer `ok`, like [`Reply::Ack`](crate::Reply::Ack).
    pub fn into_response(self) -> Response<Bytes> {
        self.to_response()
    }

    /// [`Rejection::into_response`] from a reference, for frameworks that only lend their
    /// rejections (warp's `Rejection::find`).
    pub fn to_response(&self) -> Response<Bytes> {
        if self.is_acknowledged() {
            return crate::reply::acknowledgement();
        }
        let mut response = plain_text(self.status(), Bytes::from(format!("{self}\n")));
        if matches!(self, Rejection::MethodNotAllowed) {
            response
                .headers_mut()
                .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        }
        response
    }
}

/// Channel delivers with `POST` only: any other method is [`Rejection::MethodNotAllowed`] (405).
/// Takes the method's name so that every framework's method type fits.
///
/// ```
/// assert!(channeltalk_webhook::require_post("POST").is_ok());
/// assert_eq!(channeltalk_webhook::require_post("GET").unwrap_err().status(), 405);
/// ```
pub fn require_post(method: &str) -> Result<(), Rejection> {
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
        let cases = [
            (Rejection::MethodNotAllowed, 405, "POST"),
            (Rejection::from(TokenError::Missing), 401, "?token="),
            (Rejection::from(TokenError::Mismatch), 401, "does not match"),
            (Rejection::from(TokenError::Repeated), 401, "more than once"),
            (Rejection::PayloadTooLarge { limit: 5 }, 413, "5-byte limit"),
            (
                Rejection::unreadable("connection reset"),
                400,
                "connection reset",
            ),
            (
                Rejection::Malformed(ParseError::NotObject),
                400,
                "not an object",
            ),
            (Rejection::HandlerPanicked, 500, "panicked"),
        ];
        for (rejection, status, hint) in cases {
            assert_eq!(rejection.status().as_u16(), status, "{rejection}");
            assert!(!rejection.is_acknowledged());
            let response = rejection.into_response();
            assert_eq!(response.status().as_u16(), status);
            let body = std::str::from_utf8(response.body()).unwrap();
            assert!(body.contains(hint), "{body}");
        }
    }

    #[test]
    fn ignored_deliveries_are_acknowledged() {
        let rejection = Rejection::Ignored(IgnoreReason::BotMessage);
        assert!(rejection.is_acknowledged());
        let response = rejection.into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.body(), "ok");
    }
}
