//! The core's `Receiver::handle` served by hyper alone (the mount of the `core-direct`
//! example), with a handler that waits: a held delivery does not block the others.

use std::net::SocketAddr;
use std::sync::Arc;

use channeltalk_webhook::{Handler, Receiver, WebhookToken};
use channeltalk_webhook_conformance::{Contract, Gate, check_slow_handler_does_not_block};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const TOKEN: &str = "tok-5ecr3t-XYZ";

/// One task per connection, as in the example.
async fn start<H: Handler>(handler: H) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = Receiver::new(WebhookToken::new(TOKEN).unwrap());
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (receiver, handler) = (receiver.clone(), Arc::clone(&handler));
            let service = service_fn(move |request| {
                let (receiver, handler) = (receiver.clone(), Arc::clone(&handler));
                async move {
                    let response = receiver.handle(request, handler.as_ref()).await;
                    Ok::<_, std::convert::Infallible>(response.map(Full::new))
                }
            });
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
    addr
}

/// On a current-thread runtime: the server has one thread, which the held request must not take.
#[tokio::test]
async fn a_slow_handler_does_not_block_other_deliveries() {
    let gate = Gate::new();
    let addr = start(gate.handler()).await;
    tokio::task::spawn_blocking(move || {
        check_slow_handler_does_not_block(addr, &Contract::echo(TOKEN), &gate)
    })
    .await
    .unwrap()
    .unwrap();
}
