//! [`RetryPolicy`]: when a failed call is tried again, and how long the client waits first.
//!
//! The rules keep retries safe: a refused request (a 4xx other than 408 and 429) is never
//! repeated; a message send carries one `requestId` across all its attempts so Channel can
//! drop a repeat; a request that is not safe to repeat (creating a webhook) is retried only
//! when it certainly never reached Channel (429, connection refused). Attempts and total time
//! are bounded so a caller always gets an answer. A call's retries are for blips: work that
//! must survive a long outage is a job (`channeltalk-jobs`), retried for hours.

use std::time::Duration;

/// Bounds and pacing of retries.
///
/// ```
/// use channeltalk_api::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .max_elapsed(Duration::from_secs(60));
/// assert_eq!(policy.max_attempts, 5);
/// let never = RetryPolicy::none();
/// assert_eq!(never.max_attempts, 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// Time budget for all attempts and waits: no retry starts whose wait would end after it.
    pub max_elapsed: Duration,
    /// First backoff delay (doubled on each retry, with full jitter).
    pub base_delay: Duration,
    /// Longest backoff delay.
    pub max_delay: Duration,
    /// Longest wait for a rate-limit window to reset.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts within 30 s; backoff from 200 ms doubling up to 5 s, with jitter; a 429 waits
    /// for the window's reset, at most 10 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(30),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(10),
        }
    }
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 429, with how long until the window resets (when Channel said).
    RateLimited(Option<Duration>),
    /// 5xx, a timeout, or the connection broke after the request may have been sent.
    MaybeProcessed,
    /// The connection could not be made: the request never left.
    NotSent,
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Time budget for all attempts and waits: no retry starts whose wait would end after it.
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// First backoff delay (doubled on each retry, with full jitter).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Longest backoff delay.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Longest wait for a rate-limit window to reset; a later reset ends the call with
    /// [`ApiError::RateLimited`](crate::ApiError::RateLimited).
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// The longest a request waits for a rate-limit pause.
    pub(crate) fn rate_limit_wait(&self) -> Duration {
        self.max_rate_limit_wait
    }

    /// The time budget of a call.
    pub(crate) fn budget(&self) -> Duration {
        self.max_elapsed
    }

    /// How long to wait before attempt `attempt + 1`, or `None` to give up. `attempt` counts
    /// from 1; `elapsed` is the time since the call started; `repeatable` says whether the
    /// request may be sent twice (a send with a `requestId`, a read, an update).
    pub(crate) fn delay(
        &self,
        attempt: u32,
        failure: Failure,
        elapsed: Duration,
        repeatable: bool,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts.max(1) {
            return None;
        }
        let delay = match failure {
            Failure::RateLimited(Some(until_reset)) => {
                if until_reset > self.max_rate_limit_wait
                    || elapsed + until_reset > self.max_elapsed
                {
                    return None;
                }
                // The client's gate holds every request until the reset: no wait of our own.
                Duration::ZERO
            }
            Failure::RateLimited(None) | Failure::NotSent => self.backoff(attempt),
            Failure::MaybeProcessed if repeatable => self.backoff(attempt),
            Failure::MaybeProcessed => return None,
        };
        (elapsed + delay <= self.max_elapsed).then_some(delay)
    }

    /// Exponential backoff with full jitter: a random delay up to `base * 2^(attempt-1)`,
    /// capped at `max_delay`, never below a tenth of the base.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let floor_ms = u64::try_from(self.base_delay.as_millis() / 10).unwrap_or(0);
        Duration::from_millis(fastrand::u64(floor_ms.min(ceiling_ms)..=ceiling_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy::default().max_attempts(3);
        assert!(
            policy
                .delay(1, Failure::NotSent, Duration::ZERO, true)
                .is_some()
        );
        assert!(
            policy
                .delay(2, Failure::NotSent, Duration::ZERO, true)
                .is_some()
        );
        assert!(
            policy
                .delay(3, Failure::NotSent, Duration::ZERO, true)
                .is_none()
        );
        assert!(
            RetryPolicy::none()
                .delay(1, Failure::NotSent, Duration::ZERO, true)
                .is_none()
        );
    }

    #[test]
    fn total_time_is_bounded() {
        let policy = RetryPolicy::default().max_elapsed(10 * S);
        assert!(
            policy
                .delay(1, Failure::RateLimited(Some(2 * S)), 9 * S, true)
                .is_none()
        );
        assert!(
            policy
                .delay(1, Failure::RateLimited(Some(2 * S)), S, true)
                .is_some()
        );
    }

    #[test]
    fn rate_limits_are_retried_within_the_bound_the_gate_waiting_for_the_reset() {
        let policy = RetryPolicy::default().max_rate_limit_wait(5 * S);
        let wait = policy
            .delay(1, Failure::RateLimited(Some(3 * S)), Duration::ZERO, false)
            .unwrap();
        assert_eq!(wait, Duration::ZERO);
        assert!(
            policy
                .delay(1, Failure::RateLimited(Some(6 * S)), Duration::ZERO, true)
                .is_none()
        );
    }

    #[test]
    fn only_repeatable_requests_retry_after_they_may_have_been_processed() {
        let policy = RetryPolicy::default();
        assert!(
            policy
                .delay(1, Failure::MaybeProcessed, Duration::ZERO, true)
                .is_some()
        );
        assert!(
            policy
                .delay(1, Failure::MaybeProcessed, Duration::ZERO, false)
                .is_none()
        );
        assert!(
            policy
                .delay(1, Failure::NotSent, Duration::ZERO, false)
                .is_some()
        );
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(400));
        for _ in 0..200 {
            for attempt in 1..20 {
                let delay = policy.backoff(attempt);
                assert!(delay >= Duration::from_millis(10), "{delay:?}");
                assert!(delay <= Duration::from_millis(400), "{delay:?}");
            }
            assert!(policy.backoff(1) <= Duration::from_millis(100));
        }
    }
}
