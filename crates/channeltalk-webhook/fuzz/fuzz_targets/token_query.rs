//! `WebhookToken::verify_query` on arbitrary query strings.
//!
//! The first byte picks one of a few secrets (one needing percent-encoding, one with a space,
//! a one-letter one the fuzzer finds easily); the rest, as lossy UTF-8, is the raw query (an
//! empty rest is also tried as `None`). The expected outcome is computed independently with
//! `form_urlencoded::parse`: `Ok` exactly when there is one `token` parameter and it decodes to
//! the secret; otherwise `Repeated` for two or more, `Missing` for none or an empty one, and
//! `Mismatch` for any other value. The error's text never contains the secret.
#![no_main]

use channeltalk_webhook::WebhookToken;
use channeltalk_webhook::adapter::TokenError;
use libfuzzer_sys::fuzz_target;

const SECRETS: [&str; 4] = ["s3cr3t/+=&é", "a b", "x", "tok%en"];

fn expected(secret: &str, query: Option<&str>) -> Result<(), TokenError> {
    let values: Vec<String> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .collect();
    match values.as_slice() {
        [] => Err(TokenError::Missing),
        [value] if value.is_empty() => Err(TokenError::Missing),
        [value] if value == secret => Ok(()),
        [_] => Err(TokenError::Mismatch),
        _ => Err(TokenError::Repeated),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let secret = SECRETS[usize::from(pick) % SECRETS.len()];
    let token = WebhookToken::new(secret).expect("a valid secret");
    let query = String::from_utf8_lossy(rest);
    let queries = if rest.is_empty() {
        vec![None, Some("")]
    } else {
        vec![Some(query.as_ref())]
    };
    for query in queries {
        let outcome = token.verify_query(query);
        assert_eq!(
            outcome,
            expected(secret, query),
            "query {query:?}, secret {secret:?}"
        );
        if let Err(error) = outcome {
            assert!(!error.to_string().contains(secret));
            assert!(!format!("{error:?}").contains(secret));
        }
    }
    // `verify` agrees with itself on the decoded form.
    if let Some(value) = query.strip_prefix("token=") {
        let _ = token.verify(value);
    }
});
