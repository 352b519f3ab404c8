//! The hand-written echo bot on actix-web 4: `web::Query`, `web::Bytes` (1 MiB
//! `PayloadConfig`) and an `HttpResponse` built by hand.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};

use super::{Answer, BODY_LIMIT, BOT_NAME, PATH, Params, handle};

/// The token, as app data.
struct Token(String);

/// Builds the hand-written bot's server on `listener`; it runs once awaited (or spawned)
/// inside an actix system.
pub fn serve(listener: TcpListener, token: String) -> std::io::Result<Server> {
    let token = web::Data::new(Token(token));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(token.clone())
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .route(PATH, web::post().to(webhook))
    })
    .listen(listener)?;
    Ok(server.run())
}

async fn webhook(
    token: web::Data<Token>,
    query: web::Query<Params>,
    body: web::Bytes,
) -> HttpResponse {
    match handle(&token.0, query.token.as_deref(), &body) {
        Answer::QuickReply(reply) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header(("x-quick-reply", "true"))
            .insert_header(("x-bot-name", BOT_NAME))
            .body(reply),
        other => HttpResponse::build(
            StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .content_type("text/plain; charset=utf-8")
        .body(other.text()),
    }
}
