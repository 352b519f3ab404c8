//! The hand-written echo bot on hyper alone (the benchmark's baseline for `core-direct`).

use channeltalk_webhook_bench::handwritten::{self, PATH, Settings};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.addr).await?;
    println!(
        "hand-written hyper echo bot listening on http://{}{PATH}",
        listener.local_addr()?
    );
    handwritten::hyper::serve(listener, settings.token).await?;
    Ok(())
}
