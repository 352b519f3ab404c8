//! The example's binary, started as a user starts it, over real HTTP: the whole bad-input
//! matrix, and the token in no answer and no log line.

use channeltalk_webhook_conformance::{
    Contract, Example, assert_answers_keep_the_secret, assert_text_log_keeps_the_secret,
};

/// Distinctive (found in any answer or log line) and full of characters that need encoding.
const TOKEN: &str = "tok-5ecr3t+/=&é";

#[test]
fn echo_axum_passes_the_matrix_and_keeps_the_token_secret() {
    let example = Example::start(env!("CARGO_BIN_EXE_echo-axum"), TOKEN);
    let contract = Contract::echo(TOKEN);
    contract.assert_matrix(example.addr());
    assert_answers_keep_the_secret(example.addr(), &contract);
    assert_text_log_keeps_the_secret(&example.output(), TOKEN);
}
