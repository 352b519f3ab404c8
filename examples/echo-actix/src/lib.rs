#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! An echo bot on actix-web 4 with `channeltalk-webhook-actix`: the server, so that tests can
//! start it on any port. `main.rs` only reads the settings and runs [`serve`].
//!
//! `POST /webhook` goes through the core (echo contract in `echo-common`), other methods on
//! `/webhook` get 405 and every other path 404.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use channeltalk_webhook::{Receiver, sync_handler};
use echo_common::{PATH, echo};

/// Builds the echo bot's server on `listener`. It runs once awaited (or spawned) inside an
/// actix system (`#[actix_web::main]`, `#[actix_web::test]`), until stopped through
/// [`Server::handle`] or by a signal.
pub fn serve(listener: TcpListener, receiver: Receiver) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .service(channeltalk_webhook_actix::resource(
                PATH,
                receiver.clone(),
                sync_handler(echo),
            ))
            .default_service(web::to(not_found))
    })
    .listen(listener)?;
    Ok(server.run())
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("not found\n")
}
