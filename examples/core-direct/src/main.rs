//! `cargo run -p core-direct`: the echo bot on hyper alone (see `echo-common` for the contract).

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = echo_common::start("core-direct (hyper)")?;
    print!("{}", started.banner);
    core_direct::serve(TcpListener::from_std(started.listener)?, started.receiver).await?;
    Ok(())
}
