#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! An echo bot on warp with `channeltalk-webhook-warp`: the routes and the server, so that
//! tests can start it on any port. `main.rs` only reads the settings and calls [`serve`].

use channeltalk_webhook::{Receiver, sync_handler};
use echo_common::{PATH, echo};
use tokio::net::TcpListener;
use warp::{Filter, Rejection, Reply};

/// `POST /webhook` to the echo handler (other methods 405, from the core); every other path
/// is warp's 404.
pub fn routes(
    receiver: Receiver,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path(PATH.trim_start_matches('/'))
        .and(warp::path::end())
        .and(channeltalk_webhook_warp::handle(
            receiver,
            sync_handler(echo),
        ))
        .recover(channeltalk_webhook_warp::recover)
}

/// Serves the echo bot on `listener` until the process ends.
pub async fn serve(listener: TcpListener, receiver: Receiver) {
    warp::serve(routes(receiver)).incoming(listener).run().await;
}
