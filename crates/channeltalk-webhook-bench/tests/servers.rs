//! The load generator against real servers started in this process: the SDK's echo bot
//! (axum adapter) under the load test's whole mix, and each hand-written bot under the benchmark's
//! genuine deliveries. Short runs at low concurrency: they check answers, not speed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use channeltalk_webhook::{Receiver, WebhookToken};
use channeltalk_webhook_bench::handwritten;
use channeltalk_webhook_bench::load::{LoadConfig, LoadReport, run};
use channeltalk_webhook_bench::mix::{Kind, Mix, Weights};

const TOKEN: &str = "bench-s3cr3t";

async fn load(addr: SocketAddr, weights: Weights, duration: Duration) -> LoadReport {
    let mix = Arc::new(Mix::new(TOKEN, weights).unwrap());
    run(&LoadConfig::new(addr, 4, duration), mix).await
}

fn assert_clean(report: &LoadReport) {
    assert!(
        report.is_clean(),
        "{} wrong answers, {} transport errors:\n{}",
        report.wrong_answers,
        report.transport_errors,
        report.samples.join("\n")
    );
    assert!(report.requests > 0);
    assert_eq!(report.latency.count(), report.requests);
}

async fn local_listener() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_answers_every_kind_of_the_mix() {
    let (listener, addr) = local_listener().await;
    let receiver = Receiver::new(WebhookToken::new(TOKEN).unwrap());
    let echo = channeltalk_webhook_conformance::echo_async;
    let app = channeltalk_webhook_axum::router("/webhook", receiver, echo);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let report = load(addr, Weights::LOADTEST, Duration::from_millis(800)).await;
    assert_clean(&report);
    for kind in Kind::ALL {
        assert!(report.right[kind.index()] > 0, "no {kind} request answered");
        assert_eq!(report.right[kind.index()], report.sent[kind.index()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_gone_gives_transport_errors_and_the_run_still_ends() {
    let (listener, addr) = local_listener().await;
    drop(listener);
    let report = load(addr, Weights::VALID_ONLY, Duration::from_millis(100)).await;
    assert_eq!(report.requests, 0);
    assert!(report.transport_errors > 0);
    assert!(!report.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handwritten_hyper_echoes() {
    let (listener, addr) = local_listener().await;
    tokio::spawn(handwritten::hyper::serve(listener, TOKEN.to_owned()));
    assert_clean(&load(addr, Weights::VALID_ONLY, Duration::from_millis(300)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handwritten_warp_echoes() {
    let (listener, addr) = local_listener().await;
    tokio::spawn(handwritten::warp::serve(listener, TOKEN.to_owned()));
    assert_clean(&load(addr, Weights::VALID_ONLY, Duration::from_millis(300)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handwritten_axum_echoes() {
    let (listener, addr) = local_listener().await;
    tokio::spawn(handwritten::axum::serve(listener, TOKEN.to_owned()));
    assert_clean(&load(addr, Weights::VALID_ONLY, Duration::from_millis(300)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handwritten_actix_echoes() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = handwritten::actix::serve(listener, TOKEN.to_owned()).unwrap();
            handle_tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = handle_rx.recv().unwrap();
    assert_clean(&load(addr, Weights::VALID_ONLY, Duration::from_millis(300)).await);
    handle.stop(false).await;
}
