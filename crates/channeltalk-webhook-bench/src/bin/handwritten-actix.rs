//! The hand-written echo bot on actix-web (the benchmark's baseline for `echo-actix`).

use std::net::TcpListener;

use channeltalk_webhook_bench::handwritten::{self, PATH, Settings};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.addr)?;
    println!(
        "hand-written actix-web echo bot listening on http://{}{PATH}",
        listener.local_addr()?
    );
    handwritten::actix::serve_variant(listener, settings.token, settings.variant)?.await?;
    Ok(())
}
