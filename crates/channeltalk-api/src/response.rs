//! [`ApiResponse`]: what a successful call gives: the decoded answer with its status, its
//! rate-limit headers and the attempts it took.

use http::StatusCode;

use crate::rate_limit::RateLimit;

/// A successful answer: the decoded data, with the status, rate-limit headers and attempts.
///
/// Dereferences to the data.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The decoded answer.
    pub data: T,
    /// The HTTP status.
    pub status: StatusCode,
    /// The rate-limit headers of the answer.
    pub rate_limit: RateLimit,
    /// Attempts it took (1 when no retry was needed).
    pub attempts: u32,
}

impl<T> ApiResponse<T> {
    /// The decoded answer.
    pub fn into_inner(self) -> T {
        self.data
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            data: f(self.data),
            status: self.status,
            rate_limit: self.rate_limit,
            attempts: self.attempts,
        }
    }
}

impl<T> std::ops::Deref for ApiResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}
