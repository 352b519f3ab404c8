//! Faults and secrets against a real actix-web `HttpServer` on 127.0.0.1 with one worker,
//! through the conformance crate's one fault harness (`assert_faults`): a handler that is still
//! waiting does not block the only worker, and the token shows up in no log line, no answer and
//! no `Debug` output.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::middleware::Logger;
use actix_web::{App, web};
use channeltalk_webhook::Handler;
use channeltalk_webhook_actix::{Webhook, WebhookReply, resource};
use channeltalk_webhook_conformance::{
    FAULT_TOKEN, Gate, GateHandler, assert_faults, assert_log_keeps_the_secret, captured_log,
    fault_receiver,
};

mod common;
use common::blocking;

/// Runs the fault harness against the server at `addr`, then stops it.
async fn check(addr: SocketAddr, handle: ServerHandle, gate: Gate) {
    let outcome = blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert_faults(addr, &gate)))
    })
    .await;
    handle.stop(true).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[actix_web::test]
async fn resource_passes_the_fault_checks() {
    let gate = Gate::new();
    let (receiver, handler) = (fault_receiver(), gate.handler());
    let (addr, handle) =
        start!(move || App::new().service(resource("/webhook", receiver.clone(), handler.clone())));
    check(addr, handle, gate).await;
}

/// An app's own actix handler, on the `Webhook` extractor, awaiting the gate's handler.
async fn extracted(event: Webhook, handler: web::Data<GateHandler>) -> WebhookReply {
    handler.call(event.into_inner()).await.into()
}

#[actix_web::test]
async fn the_extractor_passes_the_fault_checks() {
    let gate = Gate::new();
    let (receiver, handler) = (fault_receiver(), web::Data::new(gate.handler()));
    let (addr, handle) = start!(move || {
        App::new()
            .app_data(receiver.clone())
            .app_data(handler.clone())
            .route("/webhook", web::to(extracted)) // the core answers 405
    });
    check(addr, handle, gate).await;
}

/// actix-web's `Logger` middleware is opt-in. Its default format logs the request line (`%r`),
/// query and token included; a format with the path only (`%U`) keeps the token out.
#[actix_web::test]
async fn actixs_logger_with_a_path_only_format_does_not_show_the_token() {
    let gate = Gate::new();
    let (receiver, handler) = (fault_receiver(), gate.handler());
    let (addr, handle) = start!(move || {
        App::new()
            .wrap(Logger::new(r#"%a "%U" %s %b %T"#).log_target("webhook-requests"))
            .service(resource("/webhook", receiver.clone(), handler.clone()))
    });
    check(addr, handle, gate).await;
    let log = captured_log();
    assert!(
        log.lines()
            .any(|line| line.contains("webhook-requests") && line.contains("\"/webhook\"")),
        "the Logger's lines were not captured"
    );
    assert_log_keeps_the_secret(FAULT_TOKEN);
}
