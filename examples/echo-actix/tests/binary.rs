//! The example's binary, started as a user starts it, over real HTTP: the whole bad-input
//! matrix, and the token in no answer and no log line.

use channeltalk_webhook_conformance::{
    Contract, Example, RawRequest, assert_answers_keep_the_secret,
    assert_text_log_keeps_the_secret, send,
};

/// Distinctive (found in any answer or log line) and full of characters that need encoding.
const TOKEN: &str = "tok-5ecr3t+/=&é";

#[test]
fn echo_actix_passes_the_matrix_and_keeps_the_token_secret() {
    let example = Example::start(env!("CARGO_BIN_EXE_echo-actix"), TOKEN);
    let contract = Contract::echo(TOKEN);
    contract.assert_matrix(example.addr());
    assert_answers_keep_the_secret(example.addr(), &contract);
    let root = send(example.addr(), &RawRequest::post("/", "{}").method("GET")).unwrap();
    assert_eq!(
        (root.status, root.body.as_slice()),
        (404, &b"not found\n"[..])
    );
    assert_text_log_keeps_the_secret(&example.output(), TOKEN);
}
