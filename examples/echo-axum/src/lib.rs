#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! An echo bot on axum 0.8 with `channeltalk-webhook-axum`: the app and the server, so that
//! tests can start it on any port. `main.rs` only reads the settings and calls [`serve`].
//!
//! `POST /webhook` goes through the core (other methods get its 405); other paths get
//! axum's 404.

use axum::Router;
use channeltalk_webhook::Receiver;
use echo_common::{PATH, echo_async};
use tokio::net::TcpListener;

/// The app: the echo handler at [`PATH`].
pub fn app(receiver: Receiver) -> Router {
    channeltalk_webhook_axum::router(PATH, receiver, echo_async)
}

/// Serves the echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, receiver: Receiver) -> std::io::Result<()> {
    axum::serve(listener, app(receiver)).await
}
