//! Faults and secrets against the hyper-only example on 127.0.0.1 (issue 6): a handler that is
//! still waiting does not block other deliveries, and the token shows up in no log line, no
//! answer and no `Debug` output.

use std::net::SocketAddr;

use channeltalk_webhook::{Handler, Receiver, WebhookToken};
use channeltalk_webhook_conformance::{
    Contract, Gate, assert_answers_keep_the_secret, assert_debug_keeps_the_secret,
    assert_log_keeps_the_secret, capture_log, check_slow_handler_does_not_block,
};

/// Distinctive, so that any copy of it in a log or an answer is found.
const TOKEN: &str = "tok-5ecr3t-XYZ";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// `core_direct::serve_with` on a fresh port.
async fn start<H: Handler>(receiver: Receiver, handler: H) -> SocketAddr {
    capture_log();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(core_direct::serve_with(listener, receiver, handler));
    addr
}

/// On a current-thread runtime: the server has one thread, which the held request must not take.
#[tokio::test]
async fn a_slow_handler_does_not_block_other_deliveries() {
    let gate = Gate::new();
    let addr = start(receiver(), gate.handler()).await;
    tokio::task::spawn_blocking(move || {
        check_slow_handler_does_not_block(addr, &Contract::echo(TOKEN), &gate)
    })
    .await
    .unwrap()
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_in_no_log_line_answer_or_debug_output() {
    let receiver = receiver();
    assert_debug_keeps_the_secret(&receiver, TOKEN);
    capture_log();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(core_direct::serve(listener, receiver));
    tokio::task::spawn_blocking(move || {
        assert_answers_keep_the_secret(addr, &Contract::echo(TOKEN))
    })
    .await
    .unwrap();
    assert_log_keeps_the_secret(TOKEN);
}
