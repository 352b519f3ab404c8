//! The hand-written echo bot on axum 0.8: `State`, `Query`, `Bytes` (1 MiB
//! `DefaultBodyLimit`).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::Response;
use axum::routing::post;
use tokio::net::TcpListener;

use super::{BODY_LIMIT, PATH, Params, handle, to_http};

/// The app: the hand-written handler at [`PATH`].
pub fn app(token: String) -> Router {
    Router::new()
        .route(PATH, post(webhook))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Arc::<str>::from(token))
}

async fn webhook(
    State(token): State<Arc<str>>,
    Query(params): Query<Params>,
    body: Bytes,
) -> Response {
    to_http(handle(&token, params.token.as_deref(), &body)).map(Body::from)
}

/// Serves the hand-written echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, token: String) -> std::io::Result<()> {
    axum::serve(listener, app(token)).await
}
