//! The jobs' metrics, through the [`metrics`](::metrics) facade (the application installs the
//! exporter): what became of each job, how many wait and how many are in hand, and whether
//! sending is paused. Labels are static strings.

/// The counter of jobs by what became of them, labelled `outcome`:
///
/// - `done`: the handler succeeded;
/// - `retried`: a run failed for a transient reason (or was held back) and the job waits for
///   its next run;
/// - `dead`: the job failed for good (a permanent failure, past its maximum age, a panic) and
///   went to the dead letters;
/// - `dropped`: the queue was full when the delivery arrived: the job was never queued;
/// - `local`: the shared queue could not take the job when the delivery arrived, so this
///   process runs it from memory.
pub const JOBS_METRIC: &str = "channeltalk_jobs_total";

/// The gauge of jobs waiting or running in the queue (for Redis: ready, delayed and claimed,
/// across replicas; the fallback queue of this process included).
pub const QUEUED_METRIC: &str = "channeltalk_jobs_queued";

/// The gauge of jobs this process's worker holds (running or finishing).
pub const IN_HAND_METRIC: &str = "channeltalk_jobs_in_hand";

/// The gauge that is 1 while sending to Channel is paused, labelled `reason`: `rate_limit`
/// (a 429, until `x-ratelimit-reset`) or `circuit_breaker` (Channel failing).
pub const SENDING_PAUSED_METRIC: &str = "channeltalk_sending_paused";

/// What became of a job, for [`JOBS_METRIC`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobOutcome {
    Done,
    Retried,
    Dead,
    Dropped,
    Local,
}

pub(crate) fn count(outcome: JobOutcome) {
    let counter = match outcome {
        JobOutcome::Done => metrics::counter!("channeltalk_jobs_total", "outcome" => "done"),
        JobOutcome::Retried => metrics::counter!("channeltalk_jobs_total", "outcome" => "retried"),
        JobOutcome::Dead => metrics::counter!("channeltalk_jobs_total", "outcome" => "dead"),
        JobOutcome::Dropped => metrics::counter!("channeltalk_jobs_total", "outcome" => "dropped"),
        JobOutcome::Local => metrics::counter!("channeltalk_jobs_total", "outcome" => "local"),
    };
    counter.increment(1);
}

pub(crate) fn queued(jobs: usize) {
    metrics::gauge!("channeltalk_jobs_queued").set(jobs as f64);
}

pub(crate) fn in_hand(jobs: usize) {
    metrics::gauge!("channeltalk_jobs_in_hand").set(jobs as f64);
}

pub(crate) fn sending_paused(reason: &'static str, paused: bool) {
    metrics::gauge!("channeltalk_sending_paused", "reason" => reason).set(if paused {
        1.0
    } else {
        0.0
    });
}
