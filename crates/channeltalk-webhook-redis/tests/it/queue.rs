//! The Redis job queue against a real `redis-server`, run by real workers posting to the fake
//! Channel Open API: repeats across replicas, lease takeover and renewal, shutdown leaving
//! jobs queued, dead letters, retries, Channel down, a 429 seen by every replica, Redis gone.

use crate::common;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channeltalk_api::testing::{FakeChannel, Fault};
use channeltalk_api::{Client, RetryPolicy};
use channeltalk_jobs::{
    Backoff, Enqueued, Finish, Finished, Gate, Job, JobError, JobQueue, Pushed, StoredJob, Worker,
};
use channeltalk_webhook::Event;
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook_redis::RedisQueue;
use common::RedisServer;
use redis::Commands;

/// The per-call timeout of the queues under test.
const TIMEOUT: Duration = Duration::from_millis(500);
/// Only a guard against a hung test: no assertion depends on how long anything takes.
const NO_HANG: Duration = Duration::from_secs(30);

async fn queue(server: &RedisServer, prefix: &str, claim_time: Duration) -> RedisQueue {
    RedisQueue::builder(server.url())
        .key_prefix(prefix)
        .claim_time(claim_time)
        .timeout(TIMEOUT)
        .connect()
        .await
        .expect("connect to the test redis-server")
}

/// A delivered user message with this message id, as a job.
fn job(id: &str) -> StoredJob {
    let body = SampleEvent::user_message(&format!("hi from {id}"))
        .id(id)
        .body();
    StoredJob::from_event(&Event::parse(body).unwrap())
}

fn event(id: &str) -> Event {
    Event::parse(
        SampleEvent::user_message(&format!("hi from {id}"))
            .id(id)
            .body(),
    )
    .unwrap()
}

/// Awaits `future`, failing the test if it hangs.
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(NO_HANG, future)
        .await
        .expect("hung past every timeout")
}

/// Polls `check` until it holds; fails the test after [`NO_HANG`].
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + NO_HANG;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many times each job id was run to its end, shared with a handler.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<HashMap<String, u32>>>);

impl Runs {
    fn add(&self, id: &str) {
        *self.0.lock().unwrap().entry(id.to_owned()).or_default() += 1;
    }

    fn get(&self, id: &str) -> u32 {
        self.0.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn ids(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn all_once(&self, count: usize) -> bool {
        let runs = self.0.lock().unwrap();
        runs.len() == count && runs.values().all(|&n| n == 1)
    }
}

/// A client of `fake` whose requests pass `gate`.
fn client(fake: &FakeChannel, gate: Gate) -> Client {
    fake.client_builder().gate(gate).build().unwrap()
}

/// The fake Channel (it knows the sample events' chats).
async fn fake() -> FakeChannel {
    FakeChannel::start().await
}

#[tokio::test]
async fn a_repeated_message_is_queued_once_across_replicas() {
    let server = RedisServer::start();
    let replica_a = queue(&server, "bot:", Duration::from_secs(30)).await;
    let replica_b = queue(&server, "bot:", Duration::from_secs(30)).await;
    assert_eq!(
        bounded(replica_a.push(job("m1"))).await.unwrap(),
        Pushed::Queued
    );
    assert_eq!(
        bounded(replica_b.push(job("m1"))).await.unwrap(),
        Pushed::Repeat
    );
    // Events without a message id are jobs of their own every time.
    let opened = Event::parse(SampleEvent::user_chat_opened().body()).unwrap();
    for _ in 0..2 {
        let pushed = bounded(replica_b.push(StoredJob::from_event(&opened))).await;
        assert_eq!(pushed.unwrap(), Pushed::Queued);
    }
    let claimed = bounded(replica_b.claim(10, Duration::ZERO)).await.unwrap();
    assert_eq!(claimed.len(), 3);
    assert_eq!(claimed[0].job.id(), "m1");
    assert_eq!(claimed[0].job.body(), job("m1").body());
    for claim in &claimed {
        let finished = bounded(replica_b.finish(&claim.receipt, Finish::Done)).await;
        assert_eq!(finished.unwrap(), Finished::Ended);
    }
    let mut raw = server.raw();
    let length: usize = redis::cmd("XLEN")
        .arg("bot:stream")
        .query(&mut raw)
        .unwrap();
    assert_eq!(length, 0, "done jobs are deleted");
    let ttl: i64 = raw.pttl("bot:message:m1").unwrap();
    assert!(ttl > 23 * 3600 * 1000, "{ttl}");
    assert_eq!(bounded(replica_a.maintain()).await.unwrap(), 0);
}

#[tokio::test]
async fn pushes_made_together_share_script_calls_and_still_answer_one_by_one() {
    let server = RedisServer::start();
    let queue = queue(&server, "batch:", Duration::from_secs(30)).await;
    let mut raw = server.raw();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut raw)
        .unwrap();
    // 150 deliveries at once (this runtime runs them all before the task that sends), 100
    // message ids: the second delivery of an id is a repeat even within one batch.
    let mut pushes = tokio::task::JoinSet::new();
    for n in 0..150 {
        let queue = queue.clone();
        pushes.spawn(async move { queue.push(job(&format!("b{}", n % 100))).await });
    }
    let mut answers = HashMap::new();
    while let Some(pushed) = bounded(pushes.join_next()).await {
        *answers.entry(pushed.unwrap().unwrap()).or_insert(0) += 1;
    }
    assert_eq!(answers[&Pushed::Queued], 100);
    assert_eq!(answers[&Pushed::Repeat], 50);
    let length: usize = redis::cmd("XLEN")
        .arg("batch:stream")
        .query(&mut raw)
        .unwrap();
    assert_eq!(length, 100);
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut raw)
        .unwrap();
    let calls: usize = stats
        .lines()
        .filter(|line| line.starts_with("cmdstat_evalsha:") || line.starts_with("cmdstat_eval:"))
        .filter_map(|line| {
            line.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert!(
        calls > 0 && calls <= 150 / 10,
        "{calls} script calls for 150 pushes"
    );
}

#[tokio::test]
async fn a_lease_left_to_expire_is_taken_over_and_the_late_finisher_changes_nothing() {
    let server = RedisServer::start();
    let claim_time = Duration::from_secs(1);
    let dead_worker = queue(&server, "q:", claim_time).await;
    let survivor = queue(&server, "q:", claim_time).await;
    bounded(dead_worker.push(job("m1"))).await.unwrap();
    let claimed = bounded(dead_worker.claim(10, Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Within the claim time nobody else gets it.
    assert!(
        bounded(survivor.claim(10, Duration::ZERO))
            .await
            .unwrap()
            .is_empty()
    );
    // The first worker stops renewing (it died); after the claim time the job is taken over.
    tokio::time::sleep(claim_time + Duration::from_millis(200)).await;
    let taken = bounded(survivor.claim(10, Duration::ZERO)).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].job.id(), "m1");
    assert_eq!(taken[0].receipt, claimed[0].receipt);
    // The first worker comes back to finish: its lease is gone, nothing changes.
    let late = bounded(dead_worker.finish(&claimed[0].receipt, Finish::Done)).await;
    assert_eq!(late.unwrap(), Finished::LeaseLost);
    let lost = bounded(dead_worker.renew(&[claimed[0].receipt.clone()])).await;
    assert_eq!(lost.unwrap(), [claimed[0].receipt.clone()]);
    let finished = bounded(survivor.finish(&taken[0].receipt, Finish::Done)).await;
    assert_eq!(finished.unwrap(), Finished::Ended);
}

#[tokio::test]
async fn a_worker_keeps_a_slow_job_by_renewing_its_lease() {
    let server = RedisServer::start();
    // Renewed every third of it: a renewal could be late by most of a second on a loaded
    // machine and still come in time.
    let claim_time = Duration::from_secs(1);
    let runs = Runs::default();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let runs = runs.clone();
        let worker =
            Worker::builder(queue(&server, "slow:", claim_time).await).start(move |job: Job| {
                let runs = runs.clone();
                async move {
                    // Three claim times of work.
                    tokio::time::sleep(claim_time * 3).await;
                    runs.add(job.id());
                    Ok(())
                }
            });
        workers.push(worker);
    }
    assert_eq!(workers[0].jobs().push(&event("m1")).await, Enqueued::Queued);
    eventually("the slow job to end", || runs.get("m1") == 1).await;
    // Another claim time or two: the other worker never took it over.
    tokio::time::sleep(claim_time * 2).await;
    assert_eq!(runs.get("m1"), 1);
    for worker in workers {
        let report = bounded(worker.shutdown(Duration::from_secs(5))).await;
        assert_eq!(report.unfinished, 0);
    }
}

#[tokio::test]
async fn shutdown_leaves_the_jobs_queued_for_the_next_worker() {
    let server = RedisServer::start();
    let claim_time = Duration::from_secs(2);
    let hang = Worker::builder(queue(&server, "stop:", claim_time).await)
        .concurrency(2)
        .start(async |_job: Job| {
            std::future::pending::<()>().await;
            Ok(())
        });
    for id in 0..6 {
        let queued = hang.jobs().push(&event(&format!("m{id}"))).await;
        assert_eq!(queued, Enqueued::Queued);
    }
    eventually("two jobs in hand", || hang.in_hand() == 2).await;
    let report = bounded(hang.shutdown(Duration::from_millis(300))).await;
    assert_eq!((report.in_hand, report.unfinished, report.lost), (2, 2, 0));
    assert_eq!(report.queued, 6, "{report}");
    // The next worker (a restarted replica) runs all six, the two released ones at once.
    let runs = Runs::default();
    let next = {
        let runs = runs.clone();
        Worker::builder(queue(&server, "stop:", claim_time).await).start(move |job: Job| {
            let runs = runs.clone();
            async move {
                runs.add(job.id());
                Ok(())
            }
        })
    };
    eventually("all six jobs to run", || runs.ids() == 6).await;
    assert!(runs.all_once(6));
    let report = bounded(next.shutdown(Duration::from_secs(5))).await;
    assert_eq!(report.queued, 0, "{report}");
}

#[tokio::test]
async fn permanent_failures_and_jobs_past_their_age_are_dead_lettered_with_the_reason() {
    let server = RedisServer::start();
    let queue = queue(&server, "dead:", Duration::from_secs(30)).await;
    bounded(queue.push(job("too-old"))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let worker = Worker::builder(queue.clone())
        .max_age(Duration::from_millis(200))
        .start(async |job: Job| {
            if job.id() == "refused" {
                return Err(JobError::permanent("Channel refused the request (404)"));
            }
            Ok(())
        });
    assert_eq!(
        worker.jobs().push(&event("refused")).await,
        Enqueued::Queued
    );
    let mut letters = Vec::new();
    for _ in 0..1500 {
        letters = queue.dead_letters(10).await.unwrap();
        if letters.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut reasons: Vec<(String, String)> = letters
        .iter()
        .map(|letter| (letter.job.id().to_owned(), letter.reason.clone()))
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            (
                "refused".to_owned(),
                "permanent failure: Channel refused the request (404)".to_owned()
            ),
            (
                "too-old".to_owned(),
                "older than its maximum age of 0.2 s after 0 attempt(s)".to_owned()
            ),
        ]
    );
    let report = bounded(worker.shutdown(Duration::from_secs(5))).await;
    assert_eq!(report.queued, 0, "dead jobs leave the queue: {report}");
}

#[tokio::test]
async fn a_transient_failure_runs_again_after_its_backoff_counting_the_attempt() {
    let server = RedisServer::start();
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let worker = {
        let attempts = attempts.clone();
        Worker::builder(queue(&server, "retry:", Duration::from_secs(30)).await)
            .backoff(Backoff::new(
                Duration::from_millis(200),
                Duration::from_millis(400),
            ))
            .start(move |job: Job| {
                let attempts = attempts.clone();
                async move {
                    attempts.lock().unwrap().push(job.attempt());
                    if job.attempt() < 3 {
                        return Err(JobError::transient("Channel answered 503"));
                    }
                    Ok(())
                }
            })
    };
    assert_eq!(worker.jobs().push(&event("m1")).await, Enqueued::Queued);
    eventually("the third attempt", || attempts.lock().unwrap().len() == 3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3]);
    let report = bounded(worker.shutdown(Duration::from_secs(5))).await;
    assert_eq!(report.queued, 0, "{report}");
}

#[tokio::test]
async fn while_channel_is_down_posts_are_held_back_and_every_answer_is_posted_once_after() {
    let server = RedisServer::start();
    let fake = fake().await;
    fake.outage(Fault::Status(503));
    let builder = Worker::builder(queue(&server, "outage:", Duration::from_secs(30)).await)
        .concurrency(8)
        .backoff(Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(500),
        ));
    let client = client(&fake, builder.gate());
    let worker = builder.start(move |job: Job| {
        let client = client.clone();
        async move {
            let post = job.reply("echo").ok_or(JobError::permanent("no chat"))?;
            client.send(post).await?;
            Ok(())
        }
    });
    for id in 0..30 {
        let queued = worker.jobs().push(&event(&format!("m{id}"))).await;
        assert_eq!(queued, Enqueued::Queued);
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let during_outage = fake.requests().len();
    assert!(worker.gate().status().circuit_open);
    fake.end_outage();
    eventually("every answer posted", || fake.posted_messages().len() == 30).await;
    // Eight jobs failing at once open the breaker; then one probe per interval.
    eprintln!("{during_outage} requests while Channel was down");
    assert!(
        during_outage <= 40,
        "{during_outage} requests while Channel was down"
    );
    let posted = fake.posted_messages();
    let mut ids: Vec<String> = posted.iter().filter_map(|p| p.request_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "one requestId per answer");
    assert!(ids.iter().all(|id| id.ends_with("-0")), "{ids:?}");
    let report = bounded(worker.shutdown(Duration::from_secs(5))).await;
    assert_eq!(report.queued, 0, "{report}");
}

#[tokio::test]
async fn a_429_seen_by_one_replica_holds_back_every_replica_until_the_reset() {
    let server = RedisServer::start();
    let fake = fake().await;
    let gate_a = Worker::builder(queue(&server, "pause:", Duration::from_secs(30)).await).gate();
    let gate_b = Worker::builder(queue(&server, "pause:", Duration::from_secs(30)).await).gate();
    assert!(gate_a.is_shared() && gate_b.is_shared());
    let (client_a, client_b) = (client(&fake, gate_a), client(&fake, gate_b));
    let send = |id: &str| {
        channeltalk_jobs::Job::new(job(id))
            .unwrap()
            .reply("echo")
            .unwrap()
    };
    fake.fail_next(Fault::RateLimited {
        reset_after_secs: 2,
    });
    let first = tokio::spawn({
        let send = send("a1");
        async move { client_a.send(send).await }
    });
    eventually("the 429", || !fake.requests().is_empty()).await;
    let limited_at = fake.requests()[0].at;
    // A request of B's already on its way when A got its 429 would go, as with Channel: B is
    // asked to post once A has shared the pause.
    let mut raw = server.raw();
    eventually("the pause to be shared", || {
        redis::cmd("EXISTS")
            .arg("pause:paused-until")
            .query::<bool>(&mut raw)
            .unwrap()
    })
    .await;
    // Replica B, after A's 429: waits for the reset (or is held back), never sends before.
    let second = bounded(client_b.send(send("b1"))).await;
    assert!(second.is_ok(), "{second:?}");
    assert!(bounded(first).await.unwrap().is_ok());
    let reset = {
        let secs = limited_at.duration_since(UNIX_EPOCH).unwrap();
        UNIX_EPOCH + Duration::from_secs(secs.as_secs() + u64::from(secs.subsec_nanos() > 0) + 2)
    };
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[1..].iter().all(|request| request.at >= reset),
        "a request went before the reset {reset:?}: {:?}",
        requests.iter().map(|r| r.at).collect::<Vec<SystemTime>>()
    );
    assert_eq!(fake.posted_messages().len(), 2);
}

#[tokio::test]
async fn when_redis_cannot_take_a_job_it_runs_from_this_process() {
    let mut server = RedisServer::start();
    let queue = RedisQueue::builder(server.url())
        .key_prefix("gone:")
        .timeout(Duration::from_millis(300))
        .connect_lazy()
        .unwrap();
    server.kill();
    let runs = Runs::default();
    let worker = {
        let runs = runs.clone();
        Worker::builder(queue).start(move |job: Job| {
            let runs = runs.clone();
            async move {
                runs.add(job.id());
                Ok(())
            }
        })
    };
    assert_eq!(
        bounded(worker.jobs().push(&event("m1"))).await,
        Enqueued::Local
    );
    eventually("the job to run from memory", || runs.get("m1") == 1).await;
    let report = bounded(worker.shutdown(Duration::from_secs(5))).await;
    assert_eq!(report.lost, 0, "{report}");
}

#[tokio::test]
async fn a_job_with_posts_carries_one_request_id_per_post_on_every_attempt() {
    let server = RedisServer::start();
    let fake = fake().await;
    // The first attempt posts once, then fails: the retry posts its first message again under
    // the same requestId (Channel drops the repeat), then its second.
    let builder = Worker::builder(queue(&server, "ids:", Duration::from_secs(30)).await).backoff(
        Backoff::new(Duration::from_millis(50), Duration::from_millis(50)),
    );
    let client = fake
        .client_builder()
        .gate(builder.gate())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let attempts = Arc::new(Mutex::new(0));
    let worker = {
        let attempts = attempts.clone();
        builder.start(move |job: Job| {
            let client = client.clone();
            let attempts = attempts.clone();
            async move {
                client.send(job.reply("first").unwrap()).await?;
                let first_attempt = {
                    let mut attempts = attempts.lock().unwrap();
                    *attempts += 1;
                    *attempts == 1
                };
                if first_attempt {
                    return Err(JobError::transient("the model timed out"));
                }
                client.send(job.reply("second").unwrap()).await?;
                Ok(())
            }
        })
    };
    assert_eq!(worker.jobs().push(&event("m7")).await, Enqueued::Queued);
    eventually("both posts", || fake.posted_messages().len() == 2).await;
    let ids: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|request| request.body["requestId"].as_str().map(str::to_owned))
        .collect();
    let expected: Vec<Option<String>> = ["m7-0", "m7-0", "m7-1"]
        .iter()
        .map(|id| Some((*id).to_owned()))
        .collect();
    assert_eq!(ids, expected);
    let texts: Vec<String> = fake.posted_messages().iter().map(|p| p.text()).collect();
    assert_eq!(texts, ["first", "second"]);
    bounded(worker.shutdown(Duration::from_secs(5))).await;
}
