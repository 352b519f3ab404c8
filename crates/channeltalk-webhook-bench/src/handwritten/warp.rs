//! The hand-written echo bot on warp: `warp::query`, `content_length_limit` and
//! `body::bytes`.

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use warp::{Filter, Rejection, Reply};

use super::{BODY_LIMIT, PATH, Params, Variant, handle, to_http};

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

/// [`routes`] for the careful bot or the floor: the raw query (`query::raw`, empty when
/// there is none) instead of `query::<Params>`.
pub fn routes_raw_query(
    token: String,
    variant: Variant,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let token: Arc<str> = token.into();
    warp::post()
        .and(warp::path(PATH.trim_start_matches('/')))
        .and(warp::path::end())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::body::content_length_limit(BODY_LIMIT as u64))
        .and(warp::body::bytes())
        .map(move |query: String, body: Bytes| {
            let query = Some(query.as_str()).filter(|query| !query.is_empty());
            to_http(variant.answer(&token, query, None, &body))
        })
}

/// Serves the hand-written echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, token: String) {
    serve_variant(listener, token, Variant::Value).await;
}

/// [`serve`] for one [`Variant`].
pub async fn serve_variant(listener: TcpListener, token: String, variant: Variant) {
    match variant {
        Variant::Value => warp::serve(routes(token)).incoming(listener).run().await,
        Variant::Careful | Variant::Floor => {
            warp::serve(routes_raw_query(token, variant))
                .incoming(listener)
                .run()
                .await
        }
    }
}
