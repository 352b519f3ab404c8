//! The hand-written echo bot on axum (the benchmark's baseline for `echo-axum`).

use channeltalk_webhook_bench::handwritten::{self, PATH, Settings};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.addr).await?;
    println!(
        "hand-written axum echo bot listening on http://{}{PATH}",
        listener.local_addr()?
    );
    handwritten::axum::serve_variant(listener, settings.token, settings.variant).await?;
    Ok(())
}
