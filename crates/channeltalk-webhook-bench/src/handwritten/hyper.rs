//! The hand-written echo bot on hyper 1 alone, with the same connection handling as the
//! `core-direct` example (one task per connection, `http1::Builder` defaults).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::{BODY_LIMIT, PATH, handle, plain, to_http};

/// Serves the hand-written echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, token: String) -> std::io::Result<()> {
    let token: Arc<str> = token.into();
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let token = Arc::clone(&token);
        tokio::spawn(async move {
            let service = service_fn(move |request| webhook(request, Arc::clone(&token)));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn webhook(
    request: Request<Incoming>,
    token: Arc<str>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() != PATH {
        return Ok(plain(404, "not found\n").map(Full::new));
    }
    if request.method() != Method::POST {
        return Ok(plain(405, "method not allowed\n").map(Full::new));
    }
    let given = request.uri().query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
    });
    let body = match Limited::new(request.into_body(), BODY_LIMIT)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Ok(plain(413, "payload too large\n").map(Full::new));
        }
        Err(_) => return Ok(plain(400, "bad request\n").map(Full::new)),
    };
    Ok(to_http(handle(&token, given.as_deref(), &body)).map(Full::new))
}
