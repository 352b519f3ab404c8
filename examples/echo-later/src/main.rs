//! `echo-later`: the echo bot, answering the way a slow bot must. Each delivery is queued as a
//! job and acknowledged at once (200, no quick reply); a worker runs the job, which after
//! `ECHO_DELAY_MS` of "slow work" posts the echo through Channel's Open API. On SIGTERM or
//! SIGINT the bot stops taking deliveries, lets the worker finish the echoes in hand
//! (at most 20 s), and exits 0.
//!
//! With `CHANNEL_QUEUE_URL` the jobs live in Redis: replicas share them, a job survives a
//! deploy, a crash or an outage of Channel (retried for up to a day, posted once thanks to its
//! `requestId`), and a 429 pauses every replica. Without it they live in this process's memory
//! (at most `ECHO_QUEUE_CAPACITY`; what a shutdown leaves is lost, and said so). Repeated
//! deliveries are recognised through `CHANNEL_DEDUP_URL` (Redis) or in memory. `GET /healthz` is
//! for the load balancer, `GET /metrics` (Prometheus text) for monitoring.
//!
//! Environment: `CHANNEL_ACCESS_KEY`, `CHANNEL_ACCESS_SECRET` (required),
//! `CHANNEL_API_BASE_URL` (`https://api.channel.io`), `CHANNEL_WEBHOOK_TOKEN` (generated and
//! printed when unset), `HOST` (127.0.0.1), `PORT` (8080), `ECHO_DELAY_MS` (1000),
//! `ECHO_CONCURRENCY` (32), `CHANNEL_QUEUE_URL` (`redis://host:port`; unset: memory),
//! `CHANNEL_QUEUE_CLAIM_MS` (30000), `ECHO_QUEUE_CAPACITY` (10000, memory queue),
//! `CHANNEL_DEDUP_URL` (`redis://host:port`; unset: in memory).

use std::future::Future;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::routing::get;
use channeltalk_api::{Client, RetryPolicy};
use channeltalk_jobs::{
    Job, JobError, JobQueue, Jobs, MemoryQueue, ShutdownReport, ShutdownSignal, WorkerBuilder,
};
use channeltalk_webhook::metrics::HANDLER_DURATION_METRIC;
use channeltalk_webhook::{
    BotName, Event, MemoryStore, Receiver, TokenSource, WebhookToken, env, with_state,
};
use channeltalk_webhook_redis::{RedisQueue, RedisStore};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

const BOT: BotName = BotName::from_static("EchoBot");
/// How long a shutdown waits for the echoes in hand: less than the 30 s platforms usually allow.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(env::var_or("RUST_LOG", "info".to_owned()).unwrap_or_default())
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("echo-later: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (token, source) = WebhookToken::from_env_or_generate("CHANNEL_WEBHOOK_TOKEN")?;
    if source == TokenSource::Generated {
        println!(
            "CHANNEL_WEBHOOK_TOKEN is not set; generated token: {}",
            token.expose_secret()
        );
    }
    let receiver = Receiver::new(token);
    // Repeated deliveries are recognised: through Redis for replicas, else in this process.
    // Lazy connections: a replica starts even while Redis is down (and then fails open). The
    // URLs may hold a password: never print them.
    let receiver = match std::env::var("CHANNEL_DEDUP_URL") {
        Ok(url) => {
            println!("message ids shared through Redis (CHANNEL_DEDUP_URL)");
            receiver.deduplication(RedisStore::builder(url).connect_lazy()?)
        }
        Err(_) => receiver.deduplication(MemoryStore::default()),
    };
    let queue: Arc<dyn JobQueue> = match std::env::var("CHANNEL_QUEUE_URL") {
        Ok(url) => {
            println!("jobs queued in Redis (CHANNEL_QUEUE_URL)");
            let claim = Duration::from_millis(env::var_or("CHANNEL_QUEUE_CLAIM_MS", 30_000)?);
            Arc::new(RedisQueue::builder(url).claim_time(claim).connect_lazy()?)
        }
        Err(_) => Arc::new(MemoryQueue::new(env::var_or(
            "ECHO_QUEUE_CAPACITY",
            10_000,
        )?)),
    };
    let worker =
        channeltalk_jobs::Worker::builder(queue).concurrency(env::var_or("ECHO_CONCURRENCY", 32)?);
    // The client's posts and the worker's claims pass one gate: a 429 or an outage of Channel
    // holds both back. Short retries of its own: the worker retries a failed job for hours.
    let client = Client::builder_from_env()? // CHANNEL_ACCESS_KEY, _SECRET, CHANNEL_API_BASE_URL
        .gate(worker.gate())
        .retry(RetryPolicy::default().max_elapsed(Duration::from_secs(5)))
        .build()?;
    let delay = Duration::from_millis(env::var_or("ECHO_DELAY_MS", 1000)?);
    let signal = ShutdownSignal::install()?; // from here on, SIGTERM drains instead of killing
    let listener = TcpListener::bind(env::listen_address()?).await?;
    println!(
        "echo-later listening on http://{}/webhook",
        listener.local_addr()?
    );
    let stop = async move { println!("{}: finishing the echoes in hand", signal.wait().await) };
    println!(
        "{}",
        serve(listener, receiver, worker, client, delay, stop).await?
    );
    Ok(())
}

/// Serves `POST /webhook`, `GET /healthz` and `GET /metrics` until `stop`, running the echo jobs
/// meanwhile; then stops the worker and reports what it left.
pub async fn serve(
    listener: TcpListener,
    receiver: Receiver,
    worker: WorkerBuilder,
    client: Client,
    delay: Duration,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<ShutdownReport> {
    let worker = worker.start(move |job: Job| echo(client.clone(), delay, job));
    // Each message is queued before its delivery is acknowledged. (Bot messages never get
    // here: the receiver's default policy acknowledges them itself.)
    let handler = with_state(worker.jobs(), async |jobs: Jobs, event: Event| {
        if event.message_id().is_some() {
            let _ = jobs.push(&event).await; // logged and counted by the SDK when not queued
        }
    });
    let metrics = prometheus();
    let app = channeltalk_webhook_axum::router("/webhook", receiver, handler)
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(move || async move { metrics.render() }));
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await?;
    Ok(worker.shutdown(DRAIN_TIMEOUT).await)
}

/// The job: the slow work, then the echo, posted with the job's `requestId`.
async fn echo(client: Client, delay: Duration, job: Job) -> Result<(), JobError> {
    let Some(text) = job.event().text() else {
        return Ok(()); // nothing to echo
    };
    let Some(post) = job.reply(format!("echo: {text}")) else {
        return Ok(()); // no chat to answer in
    };
    tokio::time::sleep(delay).await; // the slow work
    let target = post.target.to_string();
    client.send(post.bot_name(BOT)).await?; // a failure is retried (or dead) by the worker
    tracing::info!(%target, "echo posted");
    Ok(())
}

/// The Prometheus recorder of this process, installed on first use: every metric of the SDK
/// (deliveries, handler times, jobs, store failures, Open API requests and retries), rendered
/// as text by `GET /metrics`. Histograms get buckets; a task keeps them from growing unbounded.
fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let seconds = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HANDLER_DURATION_METRIC.into()), &seconds)
                .expect("buckets are not empty");
            let handle = builder.install_recorder().unwrap_or_else(|error| {
                tracing::warn!(%error, "no Prometheus recorder: /metrics stays empty");
                PrometheusBuilder::new().build_recorder().handle()
            });
            let upkeep = handle.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    upkeep.run_upkeep();
                }
            });
            handle
        })
        .clone()
}
