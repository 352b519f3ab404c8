//! Faults and secrets against a real actix-web `HttpServer` on 127.0.0.1 with one worker,
//! through the conformance crate's one fault harness (`assert_faults`): a handler that is still
//! waiting does not block the only worker, and the token shows up in no log line, no answer and
//! no `Debug` output. Each server runs on a thread of its own and the harness is bounded
//! (`tests/it/common`): a hang fails the test instead of stalling the run.

use actix_web::middleware::Logger;
use actix_web::{App, web};
use channeltalk_webhook::Handler;
use channeltalk_webhook_actix::{Webhook, WebhookReply, resource};
use channeltalk_webhook_conformance::{
    FAULT_TOKEN, Gate, GateHandler, assert_faults, assert_log_keeps_the_secret, captured_log,
    fault_receiver,
};

use crate::common;
use channeltalk_webhook_conformance::guarded_blocking as guarded;
use common::TestServer;

/// Runs the fault harness against `server`, then stops it. Should the harness fail, the
/// server is stopped when dropped, so it does not outlive the test.
fn check(server: TestServer, gate: Gate) {
    let addr = server.addr();
    guarded("the fault harness", move || assert_faults(addr, &gate));
    server.stop();
}

#[test]
fn resource_passes_the_fault_checks() {
    let gate = Gate::new();
    let (receiver, handler) = (fault_receiver(), gate.handler());
    let server =
        start!(move || App::new().service(resource("/webhook", receiver.clone(), handler.clone())));
    check(server, gate);
}

/// An app's own actix handler, on the `Webhook` extractor, awaiting the gate's handler.
async fn extracted(event: Webhook, handler: web::Data<GateHandler>) -> WebhookReply {
    handler.call(event.into_inner()).await.into()
}

#[test]
fn the_extractor_passes_the_fault_checks() {
    let gate = Gate::new();
    let (receiver, handler) = (fault_receiver(), web::Data::new(gate.handler()));
    let server = start!(move || {
        App::new()
            .app_data(receiver.clone())
            .app_data(handler.clone())
            .route("/webhook", web::to(extracted)) // the core answers 405
    });
    check(server, gate);
}

/// actix-web's `Logger` middleware is opt-in. Its default format logs the request line (`%r`),
/// query and token included; a format with the path only (`%U`) keeps the token out.
#[test]
fn actixs_logger_with_a_path_only_format_does_not_show_the_token() {
    let gate = Gate::new();
    let (receiver, handler) = (fault_receiver(), gate.handler());
    let server = start!(move || {
        App::new()
            .wrap(Logger::new(r#"%a "%U" %s %b %T"#).log_target("webhook-requests"))
            .service(resource("/webhook", receiver.clone(), handler.clone()))
    });
    check(server, gate);
    let log = captured_log();
    assert!(
        log.lines()
            .any(|line| line.contains("webhook-requests") && line.contains("\"/webhook\"")),
        "the Logger's lines were not captured"
    );
    assert_log_keeps_the_secret(FAULT_TOKEN);
}
