//! Property-based fuzzing of what a stranger sends Shopify's signed channels: OAuth and
//! app-proxy queries, webhook HMAC headers and App Bridge session tokens. No input panics;
//! every one is either verified or refused with a typed error.
//!
//! CI runs proptest's default 256 cases per property; the long run is
//! `PROPTEST_CASES=1000000 cargo test -p shopify --test fuzz`.

use proptest::prelude::*;
use shopify::{session_token, signature};

const SECRET: &[u8] = b"hush";

/// Query strings that look like Shopify's: known and unknown names, encoded values, repeats.
fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("shop".to_owned()),
        Just("hmac".to_owned()),
        Just("signature".to_owned()),
        Just("timestamp".to_owned()),
        Just("state".to_owned()),
        Just("code".to_owned()),
        "[a-z_%\\[\\]]{0,12}",
    ];
    let pair = (name, "[ -~]{0,24}").prop_map(|(k, v)| format!("{k}={v}"));
    prop::collection::vec(pair, 0..10).prop_map(|pairs| pairs.join("&"))
}

proptest! {
    #[test]
    fn arbitrary_oauth_queries_never_panic(raw in any::<String>(), shaped in query()) {
        let _ = signature::verify_oauth_query(SECRET, &raw);
        let _ = signature::verify_oauth_query(SECRET, &shaped);
    }

    #[test]
    fn arbitrary_app_proxy_queries_never_panic(raw in any::<String>(), shaped in query()) {
        let _ = signature::verify_app_proxy(SECRET, &raw);
        let _ = signature::verify_app_proxy(SECRET, &shaped);
    }

    #[test]
    fn arbitrary_webhook_bodies_and_headers_never_verify_by_chance(
        body in prop::collection::vec(any::<u8>(), 0..512),
        header in any::<String>(),
    ) {
        let forged = signature::verify_webhook(SECRET, &body, &header);
        prop_assert!(forged.is_err() || header.trim() == signature::sign_webhook(SECRET, &body));
    }

    #[test]
    fn arbitrary_session_tokens_never_panic(
        raw in any::<String>(),
        parts in prop::collection::vec("[A-Za-z0-9_=+/-]{0,64}", 0..5),
    ) {
        let _ = session_token::verify(&raw, SECRET, "client", 1_700_000_000, 5);
        let dotted = parts.join(".");
        let _ = session_token::verify(&dotted, SECRET, "client", 1_700_000_000, 5);
    }
}

#[test]
fn a_signed_query_still_verifies_after_the_fuzzing_helpers() {
    let pairs = vec![
        ("shop".to_owned(), "a.myshopify.com".to_owned()),
        ("timestamp".to_owned(), "1".to_owned()),
    ];
    let hmac = signature::sign_oauth_query(SECRET, &pairs);
    let raw = format!("shop=a.myshopify.com&timestamp=1&hmac={hmac}");
    assert_eq!(
        signature::verify_oauth_query(SECRET, &raw).unwrap()["shop"],
        "a.myshopify.com"
    );
}
