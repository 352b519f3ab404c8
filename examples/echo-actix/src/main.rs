//! `cargo run -p echo-actix`: the echo bot on actix-web (see `echo-common` for the contract).

use std::net::TcpListener;

use echo_common::Settings;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.addr)?;
    print!("{}", settings.banner("actix-web", listener.local_addr()?));
    echo_actix::serve(listener, settings.receiver())?.await?;
    Ok(())
}
