//! The hand-written echo bot on actix-web 4: `web::Query`, `web::Bytes` (1 MiB
//! `PayloadConfig`) and an `HttpResponse` built by hand.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use super::{Answer, BODY_LIMIT, BOT_NAME, PATH, Params, Variant};

/// The token and the variant, as app data.
struct Token(String, Variant);

/// Builds the hand-written bot's server on `listener`; it runs once awaited (or spawned)
/// inside an actix system.
pub fn serve(listener: TcpListener, token: String) -> std::io::Result<Server> {
    serve_variant(listener, token, Variant::Value)
}

/// [`serve`] for one [`Variant`]. The careful bot and the floor read the raw query
/// (`HttpRequest::query_string`) instead of `web::Query`.
pub fn serve_variant(
    listener: TcpListener,
    token: String,
    variant: Variant,
) -> std::io::Result<Server> {
    let token = web::Data::new(Token(token, variant));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(token.clone())
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .route(
                PATH,
                match variant {
                    Variant::Value => web::post().to(webhook),
                    Variant::Careful | Variant::Floor => web::post().to(webhook_raw_query),
                },
            )
    })
    .listen(listener)?;
    Ok(server.run())
}

async fn webhook(
    token: web::Data<Token>,
    query: web::Query<Params>,
    body: web::Bytes,
) -> HttpResponse {
    respond(
        token
            .1
            .answer(&token.0, None, query.token.as_deref(), &body),
    )
}

async fn webhook_raw_query(
    token: web::Data<Token>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let query = Some(request.query_string()).filter(|query| !query.is_empty());
    respond(token.1.answer(&token.0, query, None, &body))
}

fn respond(answer: Answer) -> HttpResponse {
    match answer {
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
