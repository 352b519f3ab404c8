#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! An echo bot on the core crate and hyper 1 alone, with no web framework: the server, so
//! that tests can start it on any port. `main.rs` only reads the settings and calls [`serve`].

use std::convert::Infallible;
use std::sync::Arc;

use channeltalk_webhook::{Handler, Receiver, sync_handler};
use echo_common::{PATH, echo};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Serves the echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, receiver: Receiver) -> std::io::Result<()> {
    serve_with(listener, receiver, sync_handler(echo)).await
}

/// Serves `handler` at `/webhook` on `listener` until the process ends: the server of
/// [`serve`] with any core [`Handler`] (tests mount their own, e.g. one that waits).
pub async fn serve_with<H: Handler>(
    listener: TcpListener,
    receiver: Receiver,
    handler: H,
) -> std::io::Result<()> {
    let handler = Arc::new(handler);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait and go on rather than exit.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let (receiver, handler) = (receiver.clone(), handler.clone());
        tokio::spawn(async move {
            let service =
                service_fn(move |request| route(request, receiver.clone(), handler.clone()));
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

/// `/webhook` goes to the receiver (which answers 405 to methods other than POST); other paths 404.
async fn route<H: Handler>(
    request: Request<Incoming>,
    receiver: Receiver,
    handler: Arc<H>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = if request.uri().path() == PATH {
        receiver.handle(request, handler.as_ref()).await
    } else {
        let mut response = Response::new(Bytes::from_static(b"not found\n"));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    };
    Ok(response.map(Full::new))
}
