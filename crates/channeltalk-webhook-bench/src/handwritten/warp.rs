//! The hand-written echo bot on warp: `warp::query`, `content_length_limit` and
//! `body::bytes`.

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use warp::{Filter, Rejection, Reply};

use super::{BODY_LIMIT, PATH, Params, handle, to_http};

/// `POST /webhook` to the hand-written handler; warp answers everything else.
pub fn routes(token: String) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let token: Arc<str> = token.into();
    warp::post()
        .and(warp::path(PATH.trim_start_matches('/')))
        .and(warp::path::end())
        .and(warp::query::<Params>())
        .and(warp::body::content_length_limit(BODY_LIMIT as u64))
        .and(warp::body::bytes())
        .map(move |params: Params, body: Bytes| {
            to_http(handle(&token, params.token.as_deref(), &body))
        })
}

/// Serves the hand-written echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, token: String) {
    warp::serve(routes(token)).incoming(listener).run().await;
}
