//! `cargo run -p echo-actix`: the echo bot on actix-web (see `echo-common` for the contract).

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = echo_common::start("actix-web")?;
    print!("{}", started.banner);
    echo_actix::serve(started.listener, started.receiver)?.await?;
    Ok(())
}
