//! The webhook's secret [`WebhookToken`] and the check of the `?token=` query parameter.
//!
//! Classic Channel webhooks carry no signature: the secret token in the URL's query is the only
//! authentication. The check percent-decodes the parameter, finds it among any others, and
//! compares it in constant time. It runs before the body is read or parsed.

use std::fmt;

use subtle::ConstantTimeEq;

/// The query parameter Channel puts the token in.
pub const TOKEN_PARAMETER: &str = "token";

/// The webhook's secret token, as shown in the Channel desk.
///
/// `Debug` and `Display` never show it, so it cannot leak through logs or error messages.
///
/// ```
/// use channeltalk_webhook::WebhookToken;
///
/// let token = WebhookToken::new("s3cr3t")?;
/// assert_eq!(format!("{token:?}"), "WebhookToken(<redacted>)");
/// assert!(token.verify_query(Some("token=s3cr3t")).is_ok());
/// assert!(token.verify_query(Some("token=guess")).is_err());
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
#[derive(Clone)]
pub struct WebhookToken(Box<str>);

/// A token that cannot be used as a webhook secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenConfigError {
    /// Empty or only white space.
    #[error("the webhook token is empty; copy it from the webhook's settings in the Channel desk")]
    Empty,
    /// Holds a control character (often a stray newline from a file or a shell).
    #[error(
        "the webhook token contains a control character (a stray newline?); copy it again from the Channel desk"
    )]
    ControlCharacter,
    /// The environment variable is not set or not UTF-8.
    #[error(
        "environment variable {variable} is not set (or not UTF-8); set it to the webhook's token from the Channel desk"
    )]
    NotSet {
        /// The variable's name.
        variable: String,
    },
    /// [`WebhookToken::generate`] found no randomness in the operating system.
    #[error("no webhook token could be generated: the operating system gave no randomness")]
    NoRandomness,
}

/// Where [`WebhookToken::from_env_or_generate`] found the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenSource {
    /// The environment variable.
    Environment,
    /// Made up, as the variable is not set: show it to whoever sets up the webhook.
    Generated,
}

/// Why a request's token was refused. Answered with `401 Unauthorized`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No `token` query parameter, or an empty one.
    #[error("missing token: the webhook URL must end in ?token=<the webhook's token>")]
    Missing,
    /// The `token` parameter does not match.
    #[error("wrong token: the request's token does not match the webhook's token")]
    Mismatch,
    /// More than one `token` parameter.
    #[error("ambiguous token: the `token` query parameter appears more than once")]
    Repeated,
}

impl WebhookToken {
    /// Wraps the secret. Refuses an empty token and one with control characters.
    pub fn new(token: impl Into<String>) -> Result<Self, TokenConfigError> {
        let token = token.into();
        if token.trim().is_empty() {
            return Err(TokenConfigError::Empty);
        }
        if token.chars().any(char::is_control) {
            return Err(TokenConfigError::ControlCharacter);
        }
        Ok(WebhookToken(token.into_boxed_str()))
    }

    /// Reads the token from an environment variable (e.g. `CHANNEL_WEBHOOK_TOKEN`).
    pub fn from_env(variable: &str) -> Result<Self, TokenConfigError> {
        let value = std::env::var(variable).map_err(|_| TokenConfigError::NotSet {
            variable: variable.to_owned(),
        })?;
        Self::new(value)
    }

    /// A fresh random token: 128 bits from the operating system, as 32 hex digits. For a bot
    /// run locally before its webhook exists; never a guessable one (no randomness, no token).
    pub fn generate() -> Result<Self, TokenConfigError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|_| TokenConfigError::NoRandomness)?;
        Self::new(
            bytes
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>(),
        )
    }

    /// The token from `variable` or, when it is not set, a [generated](WebhookToken::generate)
    /// one, saying which. A set but unusable value is an error, not a reason to generate.
    ///
    /// ```
    /// use channeltalk_webhook::{TokenSource, WebhookToken};
    ///
    /// let (token, source) = WebhookToken::from_env_or_generate("A_VARIABLE_NOBODY_SETS")?;
    /// assert_eq!(source, TokenSource::Generated);
    /// assert_eq!(token.expose_secret().len(), 32);
    /// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
    /// ```
    pub fn from_env_or_generate(variable: &str) -> Result<(Self, TokenSource), TokenConfigError> {
        match Self::from_env(variable) {
            Ok(token) => Ok((token, TokenSource::Environment)),
            Err(TokenConfigError::NotSet { .. }) => Ok((Self::generate()?, TokenSource::Generated)),
            Err(error) => Err(error),
        }
    }

    /// The secret itself. Only for where you must hand it on (building the webhook URL).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Checks the `token` parameter of a raw (still percent-encoded) query string, such as
    /// `http::Uri::query()` returns. Other parameters are ignored; a repeated `token` is refused.
    pub fn verify_query(&self, query: Option<&str>) -> Result<(), TokenError> {
        // Fast path for the query Channel sends, `token=<value>` alone with nothing to decode
        // (no `&`, `%` or `+`): the value is compared as it is, without decoding the query.
        if let Some(value) = query.and_then(|query| query.strip_prefix("token=")) {
            if !value.is_empty() && !value.bytes().any(|byte| matches!(byte, b'&' | b'%' | b'+')) {
                return self.verify(value);
            }
        }
        let mut found = None;
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if name == TOKEN_PARAMETER {
                if found.is_some() {
                    return Err(TokenError::Repeated);
                }
                found = Some(value);
            }
        }
        match found {
            None => Err(TokenError::Missing),
            Some(value) if value.is_empty() => Err(TokenError::Missing),
            Some(value) => self.verify(&value),
        }
    }

    /// Compares an already decoded token in constant time (for its content; the length of the
    /// secret is not hidden).
    pub fn verify(&self, candidate: &str) -> Result<(), TokenError> {
        if bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes())) {
            Ok(())
        } else {
            Err(TokenError::Mismatch)
        }
    }
}

impl fmt::Debug for WebhookToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookToken(<redacted>)")
    }
}

impl fmt::Display for WebhookToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> WebhookToken {
        WebhookToken::new("s3cr3t/+=&é").unwrap()
    }

    #[test]
    fn accepts_the_percent_encoded_token_among_other_parameters() {
        let query = "a=1&token=s3cr3t%2F%2B%3D%26%C3%A9&b=2";
        assert_eq!(token().verify_query(Some(query)), Ok(()));
    }

    #[test]
    fn missing_empty_wrong_and_repeated_tokens_are_distinct() {
        let t = token();
        assert_eq!(t.verify_query(None), Err(TokenError::Missing));
        assert_eq!(t.verify_query(Some("")), Err(TokenError::Missing));
        assert_eq!(t.verify_query(Some("token=")), Err(TokenError::Missing));
        assert_eq!(t.verify_query(Some("tok=s3cr3t")), Err(TokenError::Missing));
        assert_eq!(
            t.verify_query(Some("token=s3cr3t")),
            Err(TokenError::Mismatch)
        );
        assert_eq!(
            t.verify_query(Some("token=S3CR3T%2F%2B%3D%26%C3%A9")),
            Err(TokenError::Mismatch)
        );
        let same = "token=s3cr3t%2F%2B%3D%26%C3%A9";
        assert_eq!(
            t.verify_query(Some(&format!("{same}&{same}"))),
            Err(TokenError::Repeated)
        );
    }

    #[test]
    fn the_fast_path_for_a_lone_token_agrees_with_the_general_one() {
        let t = WebhookToken::new("s3cr3t=x").unwrap();
        assert_eq!(t.verify_query(Some("token=s3cr3t=x")), Ok(()));
        assert_eq!(t.verify_query(Some("token=s3cr3t%3Dx")), Ok(()));
        assert_eq!(
            t.verify_query(Some("token=s3cr3t")),
            Err(TokenError::Mismatch)
        );
        assert_eq!(
            t.verify_query(Some("token=s3cr3t=x&token=s3cr3t=x")),
            Err(TokenError::Repeated)
        );
        assert_eq!(t.verify_query(Some("token=s3cr3t=x&")), Ok(()));
        assert_eq!(t.verify_query(Some("token=s3cr3t=x&a=1")), Ok(()));
        assert_eq!(
            t.verify_query(Some("tokens=s3cr3t=x")),
            Err(TokenError::Missing)
        );
    }

    #[test]
    fn plus_in_a_query_is_a_space_as_in_forms() {
        let t = WebhookToken::new("a b").unwrap();
        assert_eq!(t.verify_query(Some("token=a+b")), Ok(()));
        assert_eq!(t.verify_query(Some("token=a%20b")), Ok(()));
    }

    #[test]
    fn the_secret_never_shows_in_debug_display_or_errors() {
        let t = token();
        for shown in [
            format!("{t:?}"),
            format!("{t}"),
            format!("{:?}", t.verify_query(Some("token=x"))),
            TokenError::Mismatch.to_string(),
        ] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }

    #[test]
    fn refuses_unusable_secrets() {
        assert_eq!(WebhookToken::new("").unwrap_err(), TokenConfigError::Empty);
        assert_eq!(
            WebhookToken::new("  ").unwrap_err(),
            TokenConfigError::Empty
        );
        assert_eq!(
            WebhookToken::new("abc\n").unwrap_err(),
            TokenConfigError::ControlCharacter
        );
        assert!(matches!(
            WebhookToken::from_env("CHANNELTALK_WEBHOOK_SURELY_UNSET"),
            Err(TokenConfigError::NotSet { .. })
        ));
    }
}
