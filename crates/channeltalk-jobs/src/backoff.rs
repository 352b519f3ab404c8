//! [`Backoff`]: how long a job waits before its next run after a transient failure.
//!
//! Exponential, with jitter so that jobs failed together do not come back together, and
//! capped so that a long outage is retried every few minutes for hours rather than given up
//! after seconds. How long in all is the worker's business (a job's maximum age).

use std::time::Duration;

/// Waits between runs of a failing job: `first`, doubling after each failed attempt up to
/// `longest`, each drawn between half and all of that (jitter).
///
/// ```
/// use std::time::Duration;
/// use channeltalk_jobs::Backoff;
///
/// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(600));
/// let third = backoff.delay(3); // after the third failed attempt: 2 to 4 s
/// assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
/// assert!(backoff.delay(40) <= Duration::from_secs(600));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    longest: Duration,
}

impl Default for Backoff {
    /// 1 s, doubling up to 10 minutes: a job failing for a day is tried about 150 times.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(600))
    }
}

impl Backoff {
    /// `first`, doubling up to `longest` (at least `first`).
    pub const fn new(first: Duration, longest: Duration) -> Self {
        let longest = if longest.as_nanos() < first.as_nanos() {
            first
        } else {
            longest
        };
        Backoff { first, longest }
    }

    /// The wait after `attempts` failed attempts (1 for the first failure).
    pub fn delay(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        let ceiling = self
            .first
            .saturating_mul(1u32 << doublings)
            .min(self.longest);
        let half = ceiling / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_and_stay_capped() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..200 {
            for (attempts, ceiling_ms) in [
                (1, 100),
                (2, 200),
                (3, 400),
                (4, 800),
                (5, 1000),
                (60, 1000),
            ] {
                let delay = backoff.delay(attempts);
                let ceiling = Duration::from_millis(ceiling_ms);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{attempts}: {delay:?}"
                );
            }
        }
        assert_eq!(
            Backoff::new(Duration::from_secs(5), Duration::ZERO),
            Backoff::new(Duration::from_secs(5), Duration::from_secs(5))
        );
    }
}
