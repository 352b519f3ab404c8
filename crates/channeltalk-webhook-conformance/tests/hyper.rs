//! The core's `Receiver::handle` served by hyper alone (the mount of the `core-direct`
//! example), through the fault harness: a held delivery does not block the others, and the
//! token is in no answer, log line or `Debug` output.

use std::net::SocketAddr;
use std::sync::Arc;

use channeltalk_webhook::{Handler, Receiver};
use channeltalk_webhook_conformance::{Gate, assert_faults, fault_receiver};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// One task per connection, as in the example.
async fn start<H: Handler>(receiver: Receiver, handler: H) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
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
async fn hyper_alone_passes_the_fault_checks() {
    let gate = Gate::new();
    let addr = start(fault_receiver(), gate.handler()).await;
    tokio::task::spawn_blocking(move || assert_faults(addr, &gate))
        .await
        .unwrap();
}
