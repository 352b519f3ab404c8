//! `cargo run -p echo-warp`: the echo bot on warp (see `echo-common` for the contract).

use echo_common::Settings;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.addr).await?;
    print!("{}", settings.banner("warp", listener.local_addr()?));
    echo_warp::serve(listener, settings.receiver()).await;
    Ok(())
}
