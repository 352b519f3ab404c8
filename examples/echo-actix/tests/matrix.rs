//! The shared bad-input matrix over real HTTP against the actix-web example.

use channeltalk_webhook::{Receiver, WebhookToken};
use channeltalk_webhook_conformance::{Contract, RawRequest, send};

const TOKEN: &str = "s3cr3t+/=&é";

#[actix_web::test]
async fn echo_actix_passes_the_matrix() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        echo_actix::serve(listener, Receiver::new(WebhookToken::new(TOKEN).unwrap())).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    // The matrix client blocks: run it off the actix system's thread.
    let (failures, root) = actix_web::rt::task::spawn_blocking(move || {
        let root = send(addr, &RawRequest::post("/", "{}").method("GET"));
        (Contract::echo(TOKEN).run_matrix(addr), root)
    })
    .await
    .unwrap();
    handle.stop(true).await;

    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let root = root.unwrap();
    assert_eq!(
        (root.status, root.body.as_slice()),
        (404, &b"not found\n"[..])
    );
}
