//! What the jobs count, read from the Prometheus text an application would serve (a binary of
//! its own: the recorder is global, as the worker's tasks run on other threads than the test).

mod common;

use std::sync::Arc;
use std::time::Duration;

use channeltalk_jobs::{
    Claimed, Enqueued, Finish, Finished, IN_HAND_METRIC, JOBS_METRIC, Job, JobError, JobQueue,
    MemoryQueue, Pushed, QUEUED_METRIC, QueueError, QueueFuture, Receipt, SENDING_PAUSED_METRIC,
    StoredJob, Worker,
};
use common::{event, eventually};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// A durable queue that cannot be reached: every call fails, as Redis down does.
struct Unreachable;

fn down<T: Send + 'static>() -> QueueFuture<'static, T> {
    Box::pin(std::future::ready(Err(QueueError::unavailable(
        "connection refused",
    ))))
}

impl JobQueue for Unreachable {
    fn push(&self, _job: StoredJob) -> QueueFuture<'_, Pushed> {
        down()
    }
    fn claim(&self, _max: usize, _wait: Duration) -> QueueFuture<'_, Vec<Claimed>> {
        down()
    }
    fn renew<'a>(&'a self, _receipts: &'a [Receipt]) -> QueueFuture<'a, Vec<Receipt>> {
        down()
    }
    fn finish<'a>(&'a self, _receipt: &'a Receipt, _finish: Finish) -> QueueFuture<'a, Finished> {
        down()
    }
    fn release<'a>(&'a self, _receipts: &'a [Receipt]) -> QueueFuture<'a, ()> {
        down()
    }
    fn maintain(&self) -> QueueFuture<'_, usize> {
        down()
    }
    fn lease(&self) -> Option<Duration> {
        Some(Duration::from_secs(30))
    }
    fn is_durable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "unreachable"
    }
}

/// The value of a metric with these labels (`name=value` pairs, in the exporter's order), if
/// recorded.
fn value(prometheus: &PrometheusHandle, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let labels: Vec<String> = labels
        .iter()
        .map(|(label, value)| format!("{label}=\"{value}\""))
        .collect();
    let series = if labels.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{}}}", labels.join(","))
    };
    prometheus.render().lines().find_map(|line| {
        let (key, value) = line.rsplit_once(' ')?;
        (key == series).then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn every_outcome_and_gauge_is_recorded() {
    let prometheus = PrometheusBuilder::new().install_recorder().unwrap();
    let count = |outcome: &str| value(&prometheus, JOBS_METRIC, &[("outcome", outcome)]);

    // Done, retried, dead; dropped when full.
    let queue = MemoryQueue::new(3);
    let worker = Worker::builder(queue)
        .concurrency(1)
        .backoff(channeltalk_jobs::Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ))
        .start(async |job: Job| match (job.id(), job.attempt()) {
            ("retried", 1) => Err(JobError::transient("503")),
            ("dead", _) => Err(JobError::permanent("404")),
            ("slow", _) => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(())
            }
            _ => Ok(()),
        });
    let jobs = worker.jobs();
    assert_eq!(jobs.push(&event("slow")).await, Enqueued::Queued);
    eventually("the slow job in hand", || {
        value(&prometheus, IN_HAND_METRIC, &[]) == Some(1.0)
    })
    .await;
    assert_eq!(jobs.push(&event("retried")).await, Enqueued::Queued);
    assert_eq!(jobs.push(&event("dead")).await, Enqueued::Queued);
    assert_eq!(jobs.push(&event("over")).await, Enqueued::Dropped);
    eventually("done, retried and dead", || {
        count("done") == Some(2.0) && count("retried") == Some(1.0) && count("dead") == Some(1.0)
    })
    .await;
    assert_eq!(count("dropped"), Some(1.0));
    eventually("the queued gauge to read the empty queue", || {
        value(&prometheus, QUEUED_METRIC, &[]) == Some(0.0)
    })
    .await;
    worker.shutdown(Duration::from_secs(5)).await;

    // Local: the shared queue cannot take the job, this process runs it.
    let worker =
        Worker::builder(Arc::new(Unreachable) as Arc<dyn JobQueue>).start(async |_job: Job| Ok(()));
    assert_eq!(worker.jobs().push(&event("local")).await, Enqueued::Local);
    eventually("the local job to run", || count("done") == Some(3.0)).await;
    assert_eq!(count("local"), Some(1.0));
    assert_eq!(worker.shutdown(Duration::from_secs(5)).await.lost, 0);

    // The pause gauge follows a 429 and its end.
    let gate = channeltalk_jobs::Gate::new();
    gate.admit(Duration::ZERO)
        .await
        .unwrap()
        .record(channeltalk_jobs::Outcome::RateLimited {
            reset_in: Some(Duration::ZERO),
        })
        .await;
    let paused = || {
        value(
            &prometheus,
            SENDING_PAUSED_METRIC,
            &[("reason", "rate_limit")],
        )
    };
    assert_eq!(paused(), Some(1.0));
    drop(gate.admit(Duration::from_secs(1)).await.unwrap());
    assert_eq!(paused(), Some(0.0));
}
