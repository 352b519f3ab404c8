//! `cargo run -p echo-axum`: the echo bot on axum (see `echo-common` for the contract).

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = echo_common::start("axum")?;
    print!("{}", started.banner);
    echo_axum::serve(TcpListener::from_std(started.listener)?, started.receiver).await?;
    Ok(())
}
