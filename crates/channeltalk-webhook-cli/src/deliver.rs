//! Posting the event like Channel: the URL with `?token=`, the request, and the answer.

use std::fmt;
use std::io;
use std::time::Duration;

use channeltalk_webhook::adapter::TOKEN_PARAMETER;
use channeltalk_webhook::http::Uri;
use channeltalk_webhook::testing::ChannelView;

use crate::args::{EventType, SendArgs};
use crate::error::CliError;
use crate::event::{
    build_event, describe_envelope, describe_event, describe_file_event, fresh_message_id,
    read_event_file, with_envelope,
};

/// What stands for the token wherever the URL is shown.
pub const REDACTED: &str = "***";

/// The URL Channel would post to: `url` with `token=TOKEN` (percent-encoded) appended to its
/// query, any query already in `url` kept. A fragment is dropped (it is never sent), and an
/// empty path becomes `/`.
///
/// # Errors
///
/// [`CliError::TlsUnsupported`] for `https://`, [`CliError::InvalidUrl`] for anything but an
/// `http://host…` URL, [`CliError::TokenInUrl`] when the query already has a `token`.
///
/// ```
/// use channeltalk_webhook_cli::webhook_url;
///
/// assert_eq!(
///     webhook_url("http://127.0.0.1:8080/webhook?bot=a", "s3cr3t+/=&é").unwrap(),
///     "http://127.0.0.1:8080/webhook?bot=a&token=s3cr3t%2B%2F%3D%26%C3%A9"
/// );
/// ```
pub fn webhook_url(url: &str, token: &str) -> Result<String, CliError> {
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    with_token(url, &encoded)
}

/// [`webhook_url`] with the token shown as [`REDACTED`], for display.
///
/// # Errors
///
/// As [`webhook_url`].
pub fn redacted_url(url: &str) -> Result<String, CliError> {
    with_token(url, REDACTED)
}

fn with_token(url: &str, encoded_token: &str) -> Result<String, CliError> {
    let invalid = |reason: &str| CliError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid("no http:// scheme"));
    };
    if scheme.eq_ignore_ascii_case("https") {
        return Err(CliError::TlsUnsupported {
            url: url.to_owned(),
        });
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(invalid("only http:// URLs are supported"));
    }
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (authority_and_path, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match authority_and_path.find('/') {
        Some(slash) => authority_and_path.split_at(slash),
        None => (authority_and_path, "/"),
    };
    if authority.is_empty() {
        return Err(invalid("no host"));
    }
    let has_token = query.is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == TOKEN_PARAMETER)
    });
    if has_token {
        return Err(CliError::TokenInUrl);
    }
    let mut out = format!("http://{authority}{path}?");
    if let Some(query) = query.filter(|query| !query.is_empty()) {
        out.push_str(query);
        if !query.ends_with('&') {
            out.push('&');
        }
    }
    out.push_str(TOKEN_PARAMETER);
    out.push('=');
    // Checked without the token, so that an error can never show it.
    let checkable = format!("{out}t");
    let uri = Uri::try_from(checkable.as_str()).map_err(|error| invalid(&error.to_string()))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    out.push_str(encoded_token);
    Ok(out)
}

/// A delivery ready to be posted: where, what, and how long to wait.
///
/// `Debug` hides the token.
#[derive(Clone)]
pub struct Outgoing {
    url: String,
    given_url: String,
    shown_url: String,
    token: String,
    body: Vec<u8>,
    description: String,
    timeout: Duration,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("url", &self.shown_url)
            .field("body_len", &self.body.len())
            .field("description", &self.description)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Outgoing {
    /// A delivery of `body` (the JSON sent as is) to `url` with `token`.
    ///
    /// # Errors
    ///
    /// As [`webhook_url`].
    pub fn new(
        url: &str,
        token: &str,
        body: Vec<u8>,
        description: impl Into<String>,
        timeout: Duration,
    ) -> Result<Self, CliError> {
        Ok(Outgoing {
            url: webhook_url(url, token)?,
            given_url: url.to_owned(),
            shown_url: redacted_url(url)?,
            token: token.to_owned(),
            body,
            description: description.into(),
            timeout,
        })
    }

    /// The delivery `send` describes: the built event, or the `--file`.
    ///
    /// # Errors
    ///
    /// A bad URL (see [`webhook_url`]) or a bad file (see [`read_event_file`]).
    pub fn from_args(args: &SendArgs) -> Result<Self, CliError> {
        // The URL first: no point reading a file for a request that cannot be made.
        redacted_url(&args.url)?;
        let (body, description) = match &args.file {
            Some(path) => {
                let (bytes, json) = read_event_file(path)?;
                (bytes, describe_file_event(path, &json))
            }
            None => {
                // Every send is a new message, unless the caller names its id (then shown).
                let mut event = args.event.clone();
                if event.event_type == EventType::Message && event.message_id.is_none() {
                    event.message_id = Some(fresh_message_id());
                }
                (
                    with_envelope(build_event(&event), &args.envelope)
                        .body()
                        .into_bytes(),
                    describe_event(&args.event) + &describe_envelope(&args.envelope),
                )
            }
        };
        Self::new(
            &args.url,
            &args.token,
            body,
            description,
            Duration::from_secs(args.timeout),
        )
    }

    /// The URL with the token shown as [`REDACTED`].
    #[must_use]
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// The body that is sent.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// What is sent, in words.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Two lines saying what is about to be sent (without the token).
    #[must_use]
    pub fn preamble(&self) -> String {
        format!(
            "POST {} (token hidden)\nEvent: {} ({} bytes)\n",
            self.shown_url,
            self.description,
            self.body.len()
        )
    }

    /// Posts the body like Channel: `POST`, `Content-Type: application/json`, the token in
    /// the query only. Ignores proxy variables and follows no redirect, so the token goes to
    /// `url` and nowhere else. Any status is an answer, not an error.
    ///
    /// # Errors
    ///
    /// [`CliError::Connect`] when no connection can be made, [`CliError::Timeout`],
    /// [`CliError::Exchange`] when the connection breaks or the answer is not HTTP.
    pub fn send(&self) -> Result<Delivery, CliError> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(self.timeout))
            .user_agent(concat!(
                "channeltalk-webhook-cli/",
                env!("CARGO_PKG_VERSION")
            ))
            .build();
        let agent = ureq::Agent::new_with_config(config);
        let response = agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(&self.body[..])
            .map_err(|error| self.classify(error))?;
        let (parts, mut body) = response.into_parts();
        let body = body.read_to_vec().map_err(|error| self.classify(error))?;
        Ok(Delivery {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                .collect(),
            body,
        })
    }

    fn classify(&self, error: ureq::Error) -> CliError {
        // The URL as given: it cannot hold the token (a `token` parameter is refused).
        let url = self.given_url.clone();
        match error {
            ureq::Error::Io(error) if is_connect_error(&error) => CliError::Connect {
                url,
                reason: io_reason(&error),
            },
            ureq::Error::HostNotFound => CliError::Connect {
                url,
                reason: "host not found".to_owned(),
            },
            ureq::Error::ConnectionFailed => CliError::Connect {
                url,
                reason: "connection failed".to_owned(),
            },
            ureq::Error::Timeout(_) => CliError::Timeout {
                url,
                seconds: self.timeout.as_secs(),
                reason: "timed out".to_owned(),
            },
            ureq::Error::Io(error) => CliError::Exchange {
                url,
                reason: self.redact(&io_reason(&error)),
            },
            other => CliError::Exchange {
                url,
                reason: self.redact(&other.to_string()),
            },
        }
    }

    /// Hides the token in a message, in case a library put the request URL in it.
    fn redact(&self, message: &str) -> String {
        let encoded: String = form_urlencoded::byte_serialize(self.token.as_bytes()).collect();
        message.replace(&self.url, &self.shown_url).replace(
            &format!("{TOKEN_PARAMETER}={encoded}"),
            &format!("{TOKEN_PARAMETER}={REDACTED}"),
        )
    }
}

fn is_connect_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkDown
    )
}

fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::ConnectionReset => "the connection was reset".to_owned(),
        io::ErrorKind::UnexpectedEof => "the connection closed before a full answer".to_owned(),
        _ => error.to_string(),
    }
}

/// The answer to a delivery: status, headers (values as raw bytes) and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The status code.
    pub status: u16,
    /// The headers, names lower case, values byte for byte.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Delivery {
    /// The answer read the way Channel reads it.
    #[must_use]
    pub fn view(&self) -> ChannelView {
        ChannelView::new(
            self.status,
            self.headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_slice())),
            &self.body,
        )
    }

    /// The first value of a header (case-insensitive name).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_percent_encoded_into_the_query() {
        assert_eq!(
            webhook_url("http://127.0.0.1:8080/webhook", "T").unwrap(),
            "http://127.0.0.1:8080/webhook?token=T"
        );
        assert_eq!(
            webhook_url("http://localhost/webhook", "a b&c=d+e/f?g#h%i").unwrap(),
            "http://localhost/webhook?token=a+b%26c%3Dd%2Be%2Ff%3Fg%23h%25i"
        );
        assert_eq!(
            webhook_url("http://localhost/webhook", "비밀").unwrap(),
            "http://localhost/webhook?token=%EB%B9%84%EB%B0%80"
        );
        assert_eq!(
            webhook_url("http://localhost/webhook", "").unwrap(),
            "http://localhost/webhook?token="
        );
    }

    #[test]
    fn the_encoded_token_reads_back_as_the_token() {
        let token = "s3cr3t+/=&é 🙂";
        let url = webhook_url("http://h/p?x=1", token).unwrap();
        let query = url.split_once('?').unwrap().1;
        let found: Vec<_> = form_urlencoded::parse(query.as_bytes())
            .filter(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
            .collect();
        assert_eq!(found, [token]);
    }

    #[test]
    fn an_existing_query_is_kept() {
        assert_eq!(
            webhook_url("http://h:1/webhook?bot=a&x=%20", "T").unwrap(),
            "http://h:1/webhook?bot=a&x=%20&token=T"
        );
        assert_eq!(
            webhook_url("http://h/w?", "T").unwrap(),
            "http://h/w?token=T"
        );
        assert_eq!(
            webhook_url("http://h/w?a=1&", "T").unwrap(),
            "http://h/w?a=1&token=T"
        );
    }

    #[test]
    fn fragments_are_dropped_and_an_empty_path_is_slash() {
        assert_eq!(
            webhook_url("http://h/w#top", "T").unwrap(),
            "http://h/w?token=T"
        );
        assert_eq!(
            webhook_url("http://h/w?a=1#x?y", "T").unwrap(),
            "http://h/w?a=1&token=T"
        );
        assert_eq!(
            webhook_url("http://h:8080", "T").unwrap(),
            "http://h:8080/?token=T"
        );
        assert_eq!(
            webhook_url("HTTP://h/w", "T").unwrap(),
            "http://h/w?token=T"
        );
    }

    #[test]
    fn the_redacted_url_hides_the_token() {
        assert_eq!(
            redacted_url("http://h/webhook?bot=1").unwrap(),
            "http://h/webhook?bot=1&token=***"
        );
    }

    #[test]
    fn https_is_refused_with_a_clear_message() {
        let error = webhook_url("https://example.com/webhook", "T").unwrap_err();
        assert!(matches!(error, CliError::TlsUnsupported { .. }));
        let message = error.to_string();
        assert!(message.contains("TLS is not compiled in"), "{message}");
        assert!(message.contains("use http://"), "{message}");
    }

    #[test]
    fn bad_urls_are_refused_without_showing_the_token() {
        for url in [
            "127.0.0.1:8080/webhook",
            "ftp://h/w",
            "http:///webhook",
            "http://",
            "http://h h/w",
            "http://h/w w",
        ] {
            let error = webhook_url(url, "SECRET").unwrap_err();
            assert!(
                matches!(error, CliError::InvalidUrl { .. }),
                "{url}: {error:?}"
            );
            assert!(!error.to_string().contains("SECRET"), "{url}: {error}");
        }
    }

    #[test]
    fn a_token_already_in_the_url_is_refused() {
        for url in [
            "http://h/w?token=x",
            "http://h/w?a=1&token=",
            "http://h/w?to%6Ben=x",
        ] {
            let error = webhook_url(url, "T").unwrap_err();
            assert!(matches!(error, CliError::TokenInUrl), "{url}");
        }
        assert!(webhook_url("http://h/w?tokens=1&mytoken=2", "T").is_ok());
    }

    #[test]
    fn debug_and_errors_never_show_the_token() {
        let outgoing = Outgoing::new(
            "http://h/w",
            "SECRET+",
            b"{}".to_vec(),
            "x",
            Duration::from_secs(1),
        )
        .unwrap();
        let debug = format!("{outgoing:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(
            outgoing
                .preamble()
                .contains("http://h/w?token=*** (token hidden)")
        );
        assert!(!outgoing.preamble().contains("SECRET"));
        let redacted = outgoing.redact("bad uri: http://h/w?token=SECRET%2B, /w?token=SECRET%2B");
        assert_eq!(redacted, "bad uri: http://h/w?token=***, /w?token=***");
    }

    #[test]
    fn delivery_headers_are_read_byte_for_byte() {
        let delivery = Delivery {
            status: 200,
            headers: vec![
                ("x-quick-reply".into(), b"true".to_vec()),
                ("x-bot-name".into(), "상담봇".as_bytes().to_vec()),
            ],
            body: br#"{"blocks":[{"type":"text","value":"hi"}]}"#.to_vec(),
        };
        assert_eq!(delivery.header("X-Bot-Name"), Some("상담봇".as_bytes()));
        let view = delivery.view();
        assert!(view.is_quick_reply());
        assert_eq!(view.bot_name().as_deref(), Some("상담봇"));
        assert_eq!(view.texts(), ["hi"]);
    }
}
