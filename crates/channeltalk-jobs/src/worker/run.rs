//! One run of a job: the handler called on the job read again, and what its result means for
//! the job (done, another run later, or dead), the rules in one place.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;

use crate::backoff::Backoff;
use crate::error::{JobError, chain};
use crate::handler::DynJobHandler;
use crate::job::{Job, StoredJob};
use crate::metrics::JobOutcome;
use crate::queue::Finish;

/// What decides a job's next step besides its result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    pub(crate) backoff: Backoff,
    pub(crate) max_age: Duration,
}

/// Runs the handler on `stored` (a panic is caught) and says how the job ends.
pub(crate) async fn run(
    handler: &dyn DynJobHandler,
    rules: Rules,
    stored: StoredJob,
) -> (Finish, JobOutcome) {
    if stored.age(SystemTime::now()) > rules.max_age {
        let reason = format!(
            "older than its maximum age of {} after {} attempt(s)",
            hours(rules.max_age),
            stored.attempts()
        );
        return dead(stored, reason);
    }
    let job = match Job::new(stored.clone()) {
        Ok(job) => job,
        Err(error) => {
            return dead(
                stored,
                format!("the stored delivery is not an event: {error}"),
            );
        }
    };
    let result = AssertUnwindSafe(handler.run_boxed(job))
        .catch_unwind()
        .await;
    match result {
        Ok(Ok(())) => {
            tracing::debug!("job done");
            (Finish::Done, JobOutcome::Done)
        }
        Ok(Err(JobError::Transient(error))) => {
            let job = stored.attempted();
            let after = rules.backoff.delay(job.attempts());
            let error = chain(&*error);
            if job.age(SystemTime::now()) + after > rules.max_age {
                let reason = format!(
                    "still failing after {} attempts over {}: {error}",
                    job.attempts(),
                    hours(rules.max_age)
                );
                return dead(job, reason);
            }
            tracing::warn!(
                attempt = job.attempts(),
                retry_in_ms = millis(after),
                error,
                "job failed; it runs again later"
            );
            (Finish::Retry { job, after }, JobOutcome::Retried)
        }
        Ok(Err(JobError::Held(held))) => {
            // Spread the jobs held back together, so they do not come back together.
            let after = held.retry_in() + Duration::from_millis(fastrand::u64(0..=250));
            if stored.age(SystemTime::now()) + after > rules.max_age {
                let reason = format!("never sent within its maximum age: {held}");
                return dead(stored, reason);
            }
            tracing::debug!(
                retry_in_ms = millis(after),
                reason = %held,
                "job held back; it runs again later (no attempt spent)"
            );
            (Finish::Retry { job: stored, after }, JobOutcome::Retried)
        }
        Ok(Err(JobError::Permanent(error))) => {
            dead(stored, format!("permanent failure: {}", chain(&*error)))
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(non-string panic payload)");
            dead(stored, format!("the job handler panicked: {message}"))
        }
    }
}

fn dead(job: StoredJob, reason: String) -> (Finish, JobOutcome) {
    tracing::error!(
        attempts = job.attempts(),
        reason,
        "job dead: it will not run again"
    );
    (Finish::Dead { job, reason }, JobOutcome::Dead)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `24 h`, `1.5 h`, `90 s`: a duration for a dead letter's reason.
fn hours(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 3600.0 {
        format!("{} h", (seconds / 360.0).round() / 10.0)
    } else {
        format!("{} s", (seconds * 10.0).round() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Held;
    use channeltalk_webhook::Event;
    use channeltalk_webhook::testing::SampleEvent;
    use std::sync::atomic::{AtomicU32, Ordering};

    const RULES: Rules = Rules {
        backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(600)),
        max_age: Duration::from_secs(24 * 3600),
    };

    fn stored() -> StoredJob {
        let event = Event::parse(SampleEvent::user_message("hi").body()).unwrap();
        StoredJob::from_event(&event)
    }

    async fn outcome(
        handler: impl crate::handler::JobHandler,
        job: StoredJob,
    ) -> (Finish, JobOutcome) {
        run(&handler, RULES, job).await
    }

    #[tokio::test]
    async fn success_is_done() {
        let (finish, outcome) = outcome(async |_job: Job| Ok(()), stored()).await;
        assert!(matches!(finish, Finish::Done));
        assert_eq!(outcome, JobOutcome::Done);
    }

    #[tokio::test]
    async fn a_transient_failure_is_retried_with_one_more_attempt_and_backoff() {
        let (finish, outcome) = outcome(
            async |_job: Job| Err(JobError::transient("503")),
            stored().attempted().attempted(),
        )
        .await;
        let Finish::Retry { job, after } = finish else {
            panic!("{finish:?}")
        };
        assert_eq!(job.attempts(), 3);
        assert!(after >= Duration::from_secs(2) && after <= Duration::from_secs(4));
        assert_eq!(outcome, JobOutcome::Retried);
    }

    #[tokio::test]
    async fn held_back_runs_again_after_the_wait_without_an_attempt() {
        let held = Held::CircuitOpen {
            retry_in: Duration::from_secs(8),
        };
        let (finish, _) = outcome(move |_job: Job| async move { Err(held.into()) }, stored()).await;
        let Finish::Retry { job, after } = finish else {
            panic!("{finish:?}")
        };
        assert_eq!(job.attempts(), 0);
        assert!(after >= Duration::from_secs(8) && after <= Duration::from_millis(8250));
    }

    #[tokio::test]
    async fn permanent_failures_panics_and_old_jobs_are_dead() {
        let calls = std::sync::Arc::new(AtomicU32::new(0));
        let counted = calls.clone();
        let cases: Vec<(StoredJob, Result<(), &str>, &str)> = vec![
            (stored(), Err("permanent"), "permanent failure: 404"),
            (stored(), Err("panic"), "the job handler panicked: boom"),
        ];
        for (job, behaviour, reason) in cases {
            let handler = {
                let counted = counted.clone();
                move |_job: Job| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    async move {
                        match behaviour {
                            Err("panic") => panic!("boom"),
                            Err(_) => Err(JobError::permanent("404")),
                            Ok(()) => Ok(()),
                        }
                    }
                }
            };
            let (finish, outcome) = run(&handler, RULES, job).await;
            let Finish::Dead { reason: said, .. } = finish else {
                panic!("{finish:?}")
            };
            assert_eq!(said, reason);
            assert_eq!(outcome, JobOutcome::Dead);
        }
        // Past its maximum age, a job is dead without running.
        let rules = Rules {
            max_age: Duration::ZERO,
            ..RULES
        };
        let handler = move |_job: Job| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Ok(()) }
        };
        let old = stored();
        std::thread::sleep(Duration::from_millis(2));
        let (finish, _) = run(&handler, rules, old).await;
        let Finish::Dead { reason, .. } = finish else {
            panic!("{finish:?}")
        };
        assert_eq!(
            reason,
            "older than its maximum age of 0 s after 0 attempt(s)"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_retry_that_would_outlive_the_maximum_age_is_dead_instead() {
        let rules = Rules {
            max_age: Duration::from_millis(500),
            ..RULES
        };
        let handler = async |_job: Job| Err(JobError::transient("still 503"));
        let (finish, _) = run(&handler, rules, stored()).await;
        let Finish::Dead { reason, job } = finish else {
            panic!("{finish:?}")
        };
        assert_eq!(job.attempts(), 1);
        assert_eq!(
            reason,
            "still failing after 1 attempts over 0.5 s: still 503"
        );
    }

    #[test]
    fn durations_read_in_hours_or_seconds() {
        assert_eq!(hours(Duration::from_secs(24 * 3600)), "24 h");
        assert_eq!(hours(Duration::from_secs(5400)), "1.5 h");
        assert_eq!(hours(Duration::from_secs(90)), "90 s");
        assert_eq!(hours(Duration::from_millis(1500)), "1.5 s");
    }
}
