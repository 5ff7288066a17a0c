//! Property-based fuzzing of what a stranger sends Shopify's signed channels: OAuth and
//! app-proxy queries, webhook HMAC headers and App Bridge session tokens. No input panics;
//! every one is either verified or refused with a typed error, and what a signer made
//! verifies. The corpus under `fuzz/corpus/` (Shopify's documented examples, edge cases) is
//! replayed with its expected outcomes.
//!
//! CI runs proptest's default 256 cases per property; the long run is
//! `PROPTEST_CASES=1000000 cargo test -p shopify --test fuzz`.

#[path = "../../fuzz/replay.rs"]
mod replay;

use entity::ShopDomain;
use proptest::prelude::*;
use shopify::{SessionTokenError, session_token, signature};

const SECRET: &[u8] = b"hush";
/// The clock the session-token corpus was made for.
const NOW: i64 = 1_700_000_000;
const LEEWAY: i64 = 5;

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

/// Shop names as they come: valid ones in any case, near misses, and anything at all.
fn shop_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9][a-zA-Z0-9-]{0,20}\\.myshopify\\.com",
        "[a-z0-9.-]{0,20}\\.(myshopify\\.com|example\\.com)",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn shop_domains_parse_to_lower_case_shopify_hosts_and_round_trip(raw in shop_name()) {
        if let Ok(domain) = ShopDomain::parse(&raw) {
            let text = domain.to_string();
            prop_assert!(text.ends_with(".myshopify.com"));
            prop_assert_eq!(&text, &raw.to_ascii_lowercase());
            prop_assert_eq!(ShopDomain::parse(&text).ok(), Some(domain));
        }
    }

    #[test]
    fn signed_session_tokens_verify_exactly_when_their_claims_hold(
        shop in shop_name(),
        audience in prop_oneof![Just("client".to_owned()), "[a-z]{0,8}"],
        exp in prop_oneof![NOW - 100..NOW + 100, any::<i64>()],
        nbf in prop_oneof![NOW - 100..NOW + 100, any::<i64>()],
        flip in any::<prop::sample::Index>(),
    ) {
        let Ok(domain) = ShopDomain::parse(&shop) else { return Ok(()) };
        let mut claims = session_token::claims_for(&domain, &audience, NOW);
        (claims.exp, claims.nbf) = (exp, nbf);
        let token = session_token::sign(&claims, SECRET);

        let verified = session_token::verify(&token, SECRET, "client", NOW, LEEWAY);

        let in_time = NOW <= exp.saturating_add(LEEWAY) && NOW >= nbf.saturating_sub(LEEWAY);
        match verified {
            Ok(session) => {
                prop_assert!(in_time && audience == "client");
                prop_assert_eq!(session.shop, domain);
                prop_assert_eq!(session.claims.exp, exp);
            }
            Err(SessionTokenError::Expired | SessionTokenError::NotYetValid) => prop_assert!(!in_time),
            Err(SessionTokenError::Audience) => prop_assert!(in_time && audience != "client"),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
        // Any change to the signed text is refused.
        let mut bytes = token.clone().into_bytes();
        let at = flip.index(bytes.len());
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        if tampered != token {
            prop_assert!(session_token::verify(&tampered, SECRET, "client", NOW, LEEWAY).is_err());
        }
    }
}

#[test]
fn the_oauth_query_corpus_gives_its_expected_outcomes() {
    replay::replay("oauth_query", |raw| {
        signature::verify_oauth_query(SECRET, &String::from_utf8_lossy(raw)).is_ok()
    });
}

#[test]
fn the_app_proxy_query_corpus_gives_its_expected_outcomes() {
    replay::replay("app_proxy_query", |raw| {
        signature::verify_app_proxy(SECRET, &String::from_utf8_lossy(raw)).is_ok()
    });
}

#[test]
fn the_session_token_corpus_gives_its_expected_outcomes() {
    replay::replay("session_token", |raw| {
        let token = String::from_utf8_lossy(raw);
        session_token::verify(&token, SECRET, "client", NOW, LEEWAY).is_ok()
    });
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
