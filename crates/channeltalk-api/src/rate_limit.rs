//! [`RateLimit`]: what Channel's `x-ratelimit-*` headers say about the caller's budget.
//!
//! Channel does not publish per-endpoint limits; it reports them on every answer. Reading them
//! from the headers (instead of hard-coding numbers) keeps a bot right when Channel changes them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The rate-limit headers of one answer; each is `None` when Channel did not send it.
///
/// ```
/// use channeltalk_api::RateLimit;
/// use http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("x-ratelimit-limit", "1000".parse()?);
/// headers.insert("x-ratelimit-remaining", "0".parse()?);
/// headers.insert("x-ratelimit-reset", "1700000000".parse()?);
/// let limit = RateLimit::from_headers(&headers);
/// assert_eq!(limit.limit, Some(1000));
/// assert_eq!(limit.remaining, Some(0));
/// assert_eq!(limit.reset_epoch_seconds, Some(1_700_000_000));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `x-ratelimit-limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `x-ratelimit-remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset`: when the window resets, in seconds since the Unix epoch.
    pub reset_epoch_seconds: Option<u64>,
    /// `x-ratelimit-will-be-throttled`: set during Channel's grace period, before it starts
    /// answering 429.
    pub will_be_throttled: Option<bool>,
}

/// `x-ratelimit-limit`.
pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
/// `x-ratelimit-remaining`.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
/// `x-ratelimit-reset` (epoch seconds).
pub const RESET_HEADER: &str = "x-ratelimit-reset";
/// `x-ratelimit-will-be-throttled`.
pub const WILL_BE_THROTTLED_HEADER: &str = "x-ratelimit-will-be-throttled";

impl RateLimit {
    /// Reads the headers; a missing or unreadable header is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let number = |name: &str| text(name).and_then(|value| value.trim().parse::<u64>().ok());
        RateLimit {
            limit: number(LIMIT_HEADER),
            remaining: number(REMAINING_HEADER),
            reset_epoch_seconds: number(RESET_HEADER),
            will_be_throttled: text(WILL_BE_THROTTLED_HEADER)
                .map(|value| value.trim().eq_ignore_ascii_case("true")),
        }
    }

    /// When the window resets.
    pub fn reset_at(&self) -> Option<SystemTime> {
        self.reset_epoch_seconds
            .map(|seconds| UNIX_EPOCH + Duration::from_secs(seconds))
    }

    /// How long from `now` until the window resets (zero when it already has).
    pub fn until_reset(&self, now: SystemTime) -> Option<Duration> {
        self.reset_at()
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_odd_headers_are_none() {
        let mut headers = HeaderMap::new();
        headers.insert(LIMIT_HEADER, "lots".parse().unwrap());
        headers.insert(WILL_BE_THROTTLED_HEADER, "TRUE".parse().unwrap());
        let limit = RateLimit::from_headers(&headers);
        assert_eq!(limit.limit, None);
        assert_eq!(limit.remaining, None);
        assert_eq!(limit.will_be_throttled, Some(true));
        assert_eq!(limit.until_reset(SystemTime::now()), None);
    }

    #[test]
    fn a_past_reset_is_zero_away() {
        let limit = RateLimit {
            reset_epoch_seconds: Some(10),
            ..RateLimit::default()
        };
        assert_eq!(limit.until_reset(SystemTime::now()), Some(Duration::ZERO));
        let now = UNIX_EPOCH + Duration::from_secs(7);
        assert_eq!(limit.until_reset(now), Some(Duration::from_secs(3)));
    }
}
