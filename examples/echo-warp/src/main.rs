//! `cargo run -p echo-warp`: the echo bot on warp (see `echo-common` for the contract).

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = echo_common::start("warp")?;
    print!("{}", started.banner);
    echo_warp::serve(TcpListener::from_std(started.listener)?, started.receiver).await;
    Ok(())
}
