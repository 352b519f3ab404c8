//! The shared bad-input matrix over real HTTP against the warp example.

use channeltalk_webhook::{Receiver, WebhookToken};
use channeltalk_webhook_conformance::Contract;

const TOKEN: &str = "s3cr3t+/=&é";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_warp_passes_the_matrix() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(echo_warp::serve(
        listener,
        Receiver::new(WebhookToken::new(TOKEN).unwrap()),
    ));

    tokio::task::spawn_blocking(move || Contract::echo(TOKEN).assert_matrix(addr))
        .await
        .unwrap();
}
