//! `echo-later`: the echo bot, answering the way a slow bot must. Each delivery is acknowledged
//! at once (200, no quick reply); after `ECHO_DELAY_MS` of "slow work" the echo is posted
//! through Channel's Open API. On SIGTERM or SIGINT the bot stops taking deliveries, waits for
//! the echoes still in flight, and exits 0.
//!
//! Several replicas can run behind a load balancer: a message Channel delivers again, to any
//! of them, is echoed once. They recognise repeats through the message ids they share in
//! Redis (`CHANNEL_DEDUP_URL`); without it each keeps its own in memory. If Redis cannot
//! answer, deliveries go on as first ones (a possible double echo beats a lost one).
//! `GET /healthz` is for the load balancer, `GET /metrics` (Prometheus text) for monitoring.
//!
//! Environment: `CHANNEL_ACCESS_KEY`, `CHANNEL_ACCESS_SECRET` (required),
//! `CHANNEL_API_BASE_URL` (`https://api.channel.io`), `CHANNEL_WEBHOOK_TOKEN` (generated and
//! printed when unset), `HOST` (127.0.0.1), `PORT` (8080), `ECHO_DELAY_MS` (1000),
//! `CHANNEL_DEDUP_URL` (`redis://host:port`, shared by the replicas; unset: in memory).

use std::future::Future;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use axum::routing::get;
use channeltalk_api::later::{DrainReport, Later, ShutdownSignal};
use channeltalk_api::{Client, RetryPolicy, SendMessage};
use channeltalk_webhook::{
    BotName, Event, HANDLER_DURATION_METRIC, MemoryStore, Receiver, WebhookToken, sync_handler,
};
use channeltalk_webhook_redis::RedisStore;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tracing::Instrument;

const BOT: BotName = BotName::from_static("EchoBot");
/// How long a shutdown waits for echoes in flight: less than the 30 s platforms usually allow.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one echo may spend on retries: well inside the drain.
const RETRY_BUDGET: Duration = Duration::from_secs(15);

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(env_or("RUST_LOG", "info".to_owned()).unwrap_or_default())
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
    let client = Client::builder_from_env()? // CHANNEL_ACCESS_KEY, _SECRET, CHANNEL_API_BASE_URL
        .retry(RetryPolicy::default().max_elapsed(RETRY_BUDGET))
        .build()?;
    let token = match std::env::var("CHANNEL_WEBHOOK_TOKEN") {
        Ok(token) => token,
        Err(_) => {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes)
                .map_err(|e| format!("no CHANNEL_WEBHOOK_TOKEN and no randomness: {e}"))?;
            let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            println!("CHANNEL_WEBHOOK_TOKEN is not set; generated token: {token}");
            token
        }
    };
    let receiver = Receiver::new(WebhookToken::new(token)?);
    // Repeated deliveries are recognised: through Redis for replicas, else in this process.
    let receiver = match std::env::var("CHANNEL_DEDUP_URL") {
        Ok(url) => {
            // Lazy: a replica starts even while Redis is down (it then fails open). The URL
            // may hold a password: never print it.
            let store = RedisStore::builder(url).connect_lazy()?;
            println!("message ids shared through Redis (CHANNEL_DEDUP_URL)");
            receiver.with_deduplication(store)
        }
        Err(_) => receiver.with_deduplication(MemoryStore::default()),
    };
    let delay = Duration::from_millis(env_or("ECHO_DELAY_MS", 1000)?);
    let host = env_or("HOST", std::net::IpAddr::from([127, 0, 0, 1]))?;
    let signal = ShutdownSignal::install()?; // from here on, SIGTERM drains instead of killing
    let listener = TcpListener::bind((host, env_or("PORT", 8080)?)).await?;
    println!(
        "echo-later listening on http://{}/webhook",
        listener.local_addr()?
    );
    let stop = async move { println!("{}: finishing the echoes in flight", signal.wait().await) };
    println!("{}", serve(listener, receiver, client, delay, stop).await?);
    Ok(())
}

/// Serves `POST /webhook`, `GET /healthz` and `GET /metrics` until `stop`, then waits for the
/// echoes in flight.
pub async fn serve(
    listener: TcpListener,
    receiver: Receiver,
    client: Client,
    delay: Duration,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<DrainReport> {
    let later = Later::new();
    let handler = {
        let later = later.clone();
        sync_handler(move |event: Event| echo_later(&event, &later, &client, delay))
    };
    let metrics = prometheus();
    let app = channeltalk_webhook_axum::router("/webhook", receiver, handler)
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(move || async move { metrics.render() }));
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await?;
    Ok(later.drain(DRAIN_TIMEOUT).await)
}

/// Starts the echo of a message in the background; the delivery is acknowledged at once.
/// (Bot messages never get here: the receiver's default policy acknowledges them itself.)
fn echo_later(event: &Event, later: &Later, client: &Client, delay: Duration) {
    let Some(message) = event.message() else {
        return;
    };
    let (Some(target), Some(text)) = (message.reply_target(), message.text()) else {
        return;
    };
    let send = SendMessage::new(target, format!("echo: {text}")).bot_name(BOT); // escaped
    let client = client.clone();
    // In the delivery's span, so the echo's log lines carry the message id.
    let echo = async move {
        tokio::time::sleep(delay).await; // the slow work
        let target = send.target().to_string();
        match client.send(send).await {
            Ok(_) => tracing::info!(%target, "echo posted"),
            Err(error) => tracing::error!(%target, %error, "echo not posted"),
        }
    };
    later.spawn(echo.in_current_span());
}

/// The Prometheus recorder of this process, installed on first use: every metric of the SDK
/// (deliveries, handler times, store failures, Open API requests and retries), rendered as
/// text by `GET /metrics`. Histograms get buckets; a task keeps them from growing unbounded.
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

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name}={value:?} is not valid")),
        Err(_) => Ok(default),
    }
}
