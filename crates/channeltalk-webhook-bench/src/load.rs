//! The load generator: a fixed number of keep-alive HTTP/1.1 connections, each driven by one
//! tokio task that sends the mix's requests one after the other until the deadline, checks
//! every answer and records its latency.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;
use tokio::task::JoinHandle;

use crate::check::check;
use crate::client::{Connection, raw_request};
use crate::mix::{Kind, Mix};
use crate::report::Latency;

/// How much load, against what.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The server.
    pub addr: SocketAddr,
    /// How many connections (and tasks) send at the same time.
    pub concurrency: usize,
    /// How long new requests are sent; requests in flight at the end are still awaited.
    pub duration: Duration,
    /// How long one request may take before it counts as a transport error.
    pub timeout: Duration,
}

impl LoadConfig {
    /// `concurrency` connections to `addr` for `duration`, with a 10 s request timeout.
    pub fn new(addr: SocketAddr, concurrency: usize, duration: Duration) -> Self {
        LoadConfig {
            addr,
            concurrency,
            duration,
            timeout: Duration::from_secs(10),
        }
    }
}

/// How many wrong answers or transport errors a report keeps a description of.
const SAMPLES: usize = 8;

/// What a load run saw.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Requests that got a whole response (right or wrong).
    pub requests: u64,
    /// From the first request to the end of the last one.
    pub elapsed: Duration,
    /// The latency of every request that got a whole response.
    pub latency: Latency,
    /// Responses that were not the expected answer.
    pub wrong_answers: u64,
    /// Requests that got no whole response: connection refused or reset, timeout, …
    pub transport_errors: u64,
    /// Requests sent, per [`Kind::index`].
    pub sent: [u64; 4],
    /// Right answers, per [`Kind::index`].
    pub right: [u64; 4],
    /// Connections opened after the first one of each task: after a 413, a response that
    /// ends its connection, an idle connection the server closed, or an error.
    pub reconnects: u64,
    /// Idle keep-alive connections found closed by the server before a request (after a
    /// response that did not say `Connection: close`). Not an error: a server may close an
    /// idle connection; the request then goes on a new one.
    pub idle_closes: u64,
    /// The first few wrong answers and transport errors, described.
    pub samples: Vec<String>,
}

impl LoadReport {
    /// Requests per second.
    pub fn rps(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds == 0.0 {
            0.0
        } else {
            self.requests as f64 / seconds
        }
    }

    /// Whether every request got its expected answer.
    pub fn is_clean(&self) -> bool {
        self.wrong_answers == 0 && self.transport_errors == 0
    }

    /// Adds another report (of a run of the same server), time included.
    pub fn merge(&mut self, other: &LoadReport) {
        self.requests += other.requests;
        self.elapsed += other.elapsed;
        self.latency.merge(&other.latency);
        self.wrong_answers += other.wrong_answers;
        self.transport_errors += other.transport_errors;
        self.reconnects += other.reconnects;
        self.idle_closes += other.idle_closes;
        for kind in Kind::ALL {
            self.sent[kind.index()] += other.sent[kind.index()];
            self.right[kind.index()] += other.right[kind.index()];
        }
        for sample in &other.samples {
            if self.samples.len() < SAMPLES {
                self.samples.push(sample.clone());
            }
        }
    }

    fn sample(&mut self, description: String) {
        if self.samples.len() < SAMPLES {
            self.samples.push(description);
        }
    }

    /// Merges what one task saw into the run's report (time is the run's).
    fn absorb(&mut self, worker: LoadReport) {
        let elapsed = self.elapsed;
        self.merge(&worker);
        self.elapsed = elapsed;
    }
}

/// The request bytes of every probe of the mix, by kind and index.
type Prepared = [Vec<Bytes>; 4];

/// Runs the load: `config.concurrency` tasks, each on its own connection, each sending
/// requests `mix.pick(n)` for its own sequence of `n` until `config.duration` has passed.
///
/// Every response is read whole and checked against its expected answer. After a 413, or a
/// response that ends its connection (`Connection: close`, an answer given before the whole
/// request was written), the task opens a new connection; an idle connection the server
/// closed is replaced too (counted in [`LoadReport::idle_closes`]). A request that gets no
/// whole response, or none within `config.timeout`, is a transport error. Returns once every
/// task has finished its last request.
pub async fn run(config: &LoadConfig, mix: Arc<Mix>) -> LoadReport {
    let host = config.addr.to_string();
    let prepared: Arc<Prepared> = Arc::new(Kind::ALL.map(|kind| {
        mix.probes(kind)
            .iter()
            .map(|probe| raw_request(&probe.target, &host, &probe.body))
            .collect()
    }));
    let started = Instant::now();
    let deadline = started + config.duration;
    let tasks: Vec<JoinHandle<LoadReport>> = (0..config.concurrency.max(1))
        .map(|index| {
            let (config, mix, prepared) = (config.clone(), Arc::clone(&mix), Arc::clone(&prepared));
            // Spread the tasks over the schedule so that they do not send the same request.
            let first = index as u64 * 7_919;
            tokio::spawn(async move { worker(config, mix, prepared, deadline, first).await })
        })
        .collect();
    let mut report = LoadReport::default();
    for task in tasks {
        match task.await {
            Ok(worker) => report.absorb(worker),
            Err(error) => {
                report.transport_errors += 1;
                report.sample(format!("load task failed: {error}"));
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

async fn worker(
    config: LoadConfig,
    mix: Arc<Mix>,
    prepared: Arc<Prepared>,
    deadline: Instant,
    first: u64,
) -> LoadReport {
    let mut report = LoadReport::default();
    let mut connection: Option<Connection> = None;
    let mut opened = 0u64;
    let mut n = first;
    while Instant::now() < deadline {
        if let Some(open) = connection.as_mut() {
            if open.closed_by_peer() {
                report.idle_closes += 1;
                connection = None;
            }
        }
        let mut open = match connection.take() {
            Some(open) => open,
            None => match Connection::connect(config.addr).await {
                Ok(open) => {
                    opened += 1;
                    open
                }
                Err(error) => {
                    report.transport_errors += 1;
                    report.sample(error.to_string());
                    // Do not spin on a server that is gone.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let (kind, index) = mix.position(n);
        n = n.wrapping_add(1);
        let probe = &mix.probes(kind)[index];
        let request = &prepared[kind.index()][index];
        report.sent[kind.index()] += 1;
        let sent = Instant::now();
        let response = match tokio::time::timeout(config.timeout, open.send(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                report.transport_errors += 1;
                report.sample(format!("{} ({kind}): {error}", probe.label));
                continue;
            }
            Err(_) => {
                report.transport_errors += 1;
                report.sample(format!(
                    "{} ({kind}): no answer within {:?}",
                    probe.label, config.timeout
                ));
                continue;
            }
        };
        report.latency.record(sent.elapsed());
        report.requests += 1;
        match check(
            &probe.expected,
            response.status,
            &response.headers,
            &response.body,
        ) {
            Ok(()) => report.right[kind.index()] += 1,
            Err(wrong) => {
                report.wrong_answers += 1;
                report.sample(format!("{} ({kind}): {wrong}", probe.label));
            }
        }
        if response.reusable && response.status != StatusCode::PAYLOAD_TOO_LARGE {
            connection = Some(open);
        }
    }
    report.reconnects = opened.saturating_sub(1);
    report
}
