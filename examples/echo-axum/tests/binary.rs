//! The example's binary, started as a user starts it, over real HTTP: the whole bad-input
//! matrix, and the token in no answer and no log line.

use channeltalk_webhook_conformance::Example;

/// Distinctive (found in any answer or log line) and full of characters that need encoding.
const TOKEN: &str = "tok-5ecr3t+/=&é";

#[test]
fn echo_axum_conforms() {
    let example = Example::start(env!("CARGO_BIN_EXE_echo-axum"), TOKEN);
    example.assert_conforms(TOKEN);
}
