//! Faults and secrets against a real actix-web `HttpServer` on 127.0.0.1: a handler
//! that is still waiting does not block other deliveries, and the token shows up in no log
//! line, no answer and no `Debug` output.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::middleware::Logger;
use actix_web::{App, web};
use channeltalk_webhook::{Handler, Receiver, WebhookToken, sync_handler};
use channeltalk_webhook_actix::{Webhook, WebhookReply, resource};
use channeltalk_webhook_conformance::{
    Contract, Gate, GateHandler, assert_answers_keep_the_secret, assert_debug_keeps_the_secret,
    assert_log_keeps_the_secret, capture_log, captured_log, check_slow_handler_does_not_block,
};

/// Distinctive, so that any copy of it in a log or an answer is found.
const TOKEN: &str = "tok-5ecr3t-XYZ";

mod common;
use common::blocking;

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// [`start!`] with the log captured first, so the server's lines are recorded.
macro_rules! start_captured {
    ($factory:expr) => {{
        capture_log();
        start!($factory)
    }};
}

async fn check_slow(addr: SocketAddr, handle: ServerHandle, gate: Gate) {
    let result =
        blocking(move || check_slow_handler_does_not_block(addr, &Contract::echo(TOKEN), &gate))
            .await;
    handle.stop(true).await;
    result.unwrap();
}

#[actix_web::test]
async fn a_slow_handler_mounted_with_resource_does_not_block_the_only_worker() {
    let gate = Gate::new();
    let handler = gate.handler();
    let (addr, handle) = start_captured!(move || App::new().service(resource(
        "/webhook",
        receiver(),
        handler.clone()
    )));
    check_slow(addr, handle, gate).await;
}

/// An app's own actix handler, on the `Webhook` extractor, awaiting the gate's handler.
async fn extracted(event: Webhook, handler: web::Data<GateHandler>) -> WebhookReply {
    handler.call(event.into_inner()).await.into()
}

#[actix_web::test]
async fn a_slow_handler_behind_the_extractor_does_not_block_the_only_worker() {
    let gate = Gate::new();
    let (receiver, handler) = (receiver(), web::Data::new(gate.handler()));
    let (addr, handle) = start_captured!(move || {
        App::new()
            .app_data(receiver.clone())
            .app_data(handler.clone())
            .route("/webhook", web::post().to(extracted))
    });
    check_slow(addr, handle, gate).await;
}

#[actix_web::test]
async fn the_token_is_in_no_log_line_answer_or_debug_output() {
    let receiver = receiver();
    assert_debug_keeps_the_secret(&receiver, TOKEN);
    let (addr, handle) = start_captured!(move || {
        App::new().service(resource(
            "/webhook",
            receiver.clone(),
            sync_handler(channeltalk_webhook_conformance::echo),
        ))
    });
    answers_keep_the_secret(addr, handle).await;
    assert_log_keeps_the_secret(TOKEN);
}

/// actix-web's `Logger` middleware is opt-in. Its default format logs the request line (`%r`),
/// query and token included; a format with the path only (`%U`) keeps the token out.
#[actix_web::test]
async fn actixs_logger_with_a_path_only_format_does_not_show_the_token() {
    let (addr, handle) = start_captured!(move || {
        App::new()
            .wrap(Logger::new(r#"%a "%U" %s %b %T"#).log_target("webhook-requests"))
            .service(resource(
                "/webhook",
                receiver(),
                sync_handler(channeltalk_webhook_conformance::echo),
            ))
    });
    answers_keep_the_secret(addr, handle).await;
    let log = captured_log();
    assert!(
        log.lines()
            .any(|line| line.contains("webhook-requests") && line.contains("\"/webhook\"")),
        "the Logger's lines were not captured"
    );
    assert_log_keeps_the_secret(TOKEN);
}

/// `secret_leaks` against the server at `addr` (no answer shows the token), then stops it.
async fn answers_keep_the_secret(addr: SocketAddr, handle: ServerHandle) {
    let outcome = actix_web::rt::task::spawn_blocking(move || {
        assert_answers_keep_the_secret(addr, &Contract::echo(TOKEN))
    })
    .await;
    handle.stop(true).await;
    outcome.unwrap();
}
