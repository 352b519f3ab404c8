//! The worker on the memory queue: the concurrency bound, a shutdown that says what it lost, a
//! full queue, retries on Tokio's paused clock, and the circuit breaker holding claims back.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use channeltalk_jobs::{
    Backoff, Enqueued, Gate, GateSettings, Job, JobError, MemoryQueue, Outcome, Worker,
};
use common::{event, eventually};

#[tokio::test]
async fn no_more_than_the_concurrency_is_in_hand_and_every_job_runs_once() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(Mutex::new(Vec::new()));
    let worker = {
        let (running, most, done) = (running.clone(), most.clone(), done.clone());
        Worker::builder(MemoryQueue::default())
            .concurrency(4)
            .start(move |job: Job| {
                let (running, most, done) = (running.clone(), most.clone(), done.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    done.lock().unwrap().push(job.id().to_owned());
                    Ok(())
                }
            })
    };
    for id in 0..40 {
        assert_eq!(
            worker.jobs().push(&event(&format!("m{id}"))).await,
            Enqueued::Queued
        );
    }
    eventually("every job to run", || done.lock().unwrap().len() == 40).await;
    assert_eq!(most.load(Ordering::SeqCst), 4);
    let mut ids = done.lock().unwrap().clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    let report = worker.shutdown(Duration::from_secs(5)).await;
    assert_eq!((report.in_hand, report.lost), (0, 0), "{report}");
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_waits_for_the_jobs_in_hand_and_reports_what_the_memory_queue_loses() {
    let worker = Worker::builder(MemoryQueue::default())
        .concurrency(2)
        .start(async |job: Job| {
            // One quick job, the others endless.
            if job.id() != "m0" {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(())
        });
    for id in 0..10 {
        assert_eq!(
            worker.jobs().push(&event(&format!("m{id}"))).await,
            Enqueued::Queued
        );
    }
    eventually("two jobs in hand", || worker.in_hand() == 2).await;
    let report = worker.shutdown(Duration::from_secs(3)).await;
    // m0 finished within the wait; m1 did not; eight were never claimed.
    assert_eq!((report.in_hand, report.unfinished), (2, 1), "{report}");
    assert_eq!(report.lost, 9, "{report}");
    assert!(!report.durable);
    assert!(report.to_string().contains("9 jobs lost"), "{report}");
}

#[tokio::test]
async fn a_full_queue_drops_the_job_and_a_repeat_is_not_queued() {
    let queue = MemoryQueue::new(2);
    let worker = Worker::builder(queue.clone())
        .concurrency(1)
        .start(async |_job: Job| {
            std::future::pending::<()>().await;
            Ok(())
        });
    assert_eq!(worker.jobs().push(&event("m1")).await, Enqueued::Queued);
    assert_eq!(worker.jobs().push(&event("m1")).await, Enqueued::Repeat);
    assert_eq!(worker.jobs().push(&event("m2")).await, Enqueued::Queued);
    // In hand or waiting, both count: the third is dropped.
    assert_eq!(worker.jobs().push(&event("m3")).await, Enqueued::Dropped);
    assert_eq!(queue.len(), 2);
    drop(worker);
}

#[tokio::test(start_paused = true)]
async fn failed_runs_come_back_after_their_backoff_until_they_succeed() {
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let worker = {
        let attempts = attempts.clone();
        Worker::builder(MemoryQueue::default())
            .backoff(Backoff::new(
                Duration::from_secs(10),
                Duration::from_secs(60),
            ))
            .start(move |job: Job| {
                let attempts = attempts.clone();
                async move {
                    attempts
                        .lock()
                        .unwrap()
                        .push((job.attempt(), tokio::time::Instant::now()));
                    if job.attempt() < 4 {
                        return Err(JobError::transient("Channel answered 503"));
                    }
                    Ok(())
                }
            })
    };
    let started = tokio::time::Instant::now();
    assert_eq!(worker.jobs().push(&event("m1")).await, Enqueued::Queued);
    eventually("four attempts", || attempts.lock().unwrap().len() == 4).await;
    let seen = attempts.lock().unwrap().clone();
    let numbers: Vec<u32> = seen.iter().map(|(attempt, _)| *attempt).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    // Waits of 5-10 s, 10-20 s, 20-40 s: exponential, with jitter.
    let gaps: Vec<Duration> = seen.windows(2).map(|w| w[1].1 - w[0].1).collect();
    for (gap, ceiling) in gaps.iter().zip([10, 20, 40]) {
        let ceiling = Duration::from_secs(ceiling);
        assert!(
            *gap >= ceiling / 2 && *gap <= ceiling + Duration::from_millis(100),
            "{gaps:?}"
        );
    }
    assert!(seen[0].1 - started < Duration::from_secs(1));
    let report = worker.shutdown(Duration::from_secs(5)).await;
    assert_eq!(report.lost, 0, "{report}");
}

#[tokio::test(start_paused = true)]
async fn while_the_breaker_is_open_only_probes_run_and_held_jobs_spend_no_attempt() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let requests = Arc::new(AtomicUsize::new(0));
    let attempts_seen = Arc::new(Mutex::new(Vec::new()));
    let builder = Worker::builder(MemoryQueue::default())
        .concurrency(8)
        .backoff(Backoff::new(
            Duration::from_millis(500),
            Duration::from_secs(2),
        ))
        .gate_settings(GateSettings::default().failures_to_open(3));
    let gate: Gate = builder.gate();
    let worker = {
        let (down, requests, attempts_seen) =
            (down.clone(), requests.clone(), attempts_seen.clone());
        builder.start(move |job: Job| {
            let (gate, down, requests, attempts_seen) = (
                gate.clone(),
                down.clone(),
                requests.clone(),
                attempts_seen.clone(),
            );
            async move {
                // What the API client does with its gate around each request.
                let pass = gate.admit(Duration::ZERO).await?;
                requests.fetch_add(1, Ordering::SeqCst);
                attempts_seen.lock().unwrap().push(job.attempt());
                if down.load(Ordering::SeqCst) {
                    pass.record(Outcome::Failed).await;
                    return Err(JobError::transient("Channel answered 503"));
                }
                pass.record(Outcome::ANSWERED).await;
                Ok(())
            }
        })
    };
    for id in 0..20 {
        assert_eq!(
            worker.jobs().push(&event(&format!("m{id}"))).await,
            Enqueued::Queued
        );
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    let during = requests.load(Ordering::SeqCst);
    assert!(worker.gate().status().circuit_open);
    // The first jobs fail together and open the breaker; then one probe per interval
    // (1 s, 2 s, 4 s, 8 s, 16 s): a handful of requests in 30 s, not hundreds.
    assert!(during <= 8 + 5, "{during} requests while Channel was down");
    down.store(false, Ordering::SeqCst);
    eventually("every job done", || {
        let seen = attempts_seen.lock().unwrap();
        seen.len() >= 20 && requests.load(Ordering::SeqCst) - during >= 20
    })
    .await;
    assert!(!worker.gate().status().circuit_open);
    // Jobs held back by the open breaker were never counted as attempts: most run as their
    // first or second attempt once Channel is back.
    let seen = attempts_seen.lock().unwrap().clone();
    assert!(seen.iter().all(|&attempt| attempt <= 6), "{seen:?}");
    let report = worker.shutdown(Duration::from_secs(5)).await;
    assert_eq!(report.lost, 0, "{report}");
}
