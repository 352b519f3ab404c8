//! [`CliError`]: everything that stops the simulator before it has an answer to show.

use std::path::PathBuf;

/// Why an event could not be sent or its answer could not be read (exit status 2).
///
/// No message ever contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The URL is an `https` URL.
    #[error(
        "{url}: TLS is not compiled into this simulator; use http:// for local testing \
         (e.g. http://127.0.0.1:8080/webhook)"
    )]
    TlsUnsupported {
        /// The URL as given.
        url: String,
    },
    /// The URL is not an `http://host/…` URL.
    #[error(
        "invalid URL {url:?}: {reason} (expected something like http://127.0.0.1:8080/webhook)"
    )]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL already carries a `token` parameter (a second one would make Channel's request
    /// ambiguous and the bot refuse it).
    #[error(
        "the URL already has a `token` query parameter; give the token with --token only \
         (it is appended as ?token=, like Channel does)"
    )]
    TokenInUrl,
    /// The event file cannot be read.
    #[error("could not read {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The event file is not JSON.
    #[error("{} is not valid JSON: {source}", path.display())]
    InvalidJson {
        /// The file.
        path: PathBuf,
        /// The error, with its line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The event file holds JSON other than an object.
    #[error(
        "{} must hold a JSON object (an event like `channeltalk-webhook sample` prints), not {found}",
        path.display()
    )]
    NotAnObject {
        /// The file.
        path: PathBuf,
        /// What it holds instead (`an array`, `a string`, …).
        found: &'static str,
    },
    /// No connection could be made.
    #[error("could not connect to {url}: {reason}; is your bot running?")]
    Connect {
        /// The URL, without the token.
        url: String,
        /// Why (connection refused, host not found, …).
        reason: String,
    },
    /// The bot did not answer in time.
    #[error(
        "no answer from {url} within {seconds} s ({reason}); Channel would count a delivery \
         that gets no answer as failed"
    )]
    Timeout {
        /// The URL, without the token.
        url: String,
        /// The timeout.
        seconds: u64,
        /// Which phase timed out.
        reason: String,
    },
    /// The connection broke or the answer was not valid HTTP.
    #[error(
        "the exchange with {url} failed: {reason}; Channel would count a delivery without a \
         valid answer as failed"
    )]
    Exchange {
        /// The URL, without the token.
        url: String,
        /// What went wrong.
        reason: String,
    },
}
