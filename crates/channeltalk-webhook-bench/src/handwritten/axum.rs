//! The hand-written echo bot on axum 0.8: `State`, `Query`, `Bytes` (1 MiB
//! `DefaultBodyLimit`).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, RawQuery, State};
use axum::response::Response;
use axum::routing::post;
use tokio::net::TcpListener;

use super::{BODY_LIMIT, PATH, Params, Variant, handle, to_http};

/// The app: the hand-written handler at [`PATH`].
pub fn app(token: String) -> Router {
    app_variant(token, Variant::Value)
}

/// [`app`] for one [`Variant`]. The careful bot and the floor read the raw query
/// (`RawQuery`) instead of `Query`.
pub fn app_variant(token: String, variant: Variant) -> Router {
    let route = match variant {
        Variant::Value => post(webhook),
        Variant::Careful | Variant::Floor => post(
            move |State(token): State<Arc<str>>, RawQuery(query): RawQuery, body: Bytes| async move {
                to_http(variant.answer(&token, query.as_deref(), None, &body)).map(Body::from)
            },
        ),
    };
    Router::new()
        .route(PATH, route)
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
    serve_variant(listener, token, Variant::Value).await
}

/// [`serve`] for one [`Variant`].
pub async fn serve_variant(
    listener: TcpListener,
    token: String,
    variant: Variant,
) -> std::io::Result<()> {
    axum::serve(listener, app_variant(token, variant)).await
}
