//! The three HMAC-SHA256 signatures Shopify uses, keyed with the app's client secret.
//!
//! - **OAuth redirects** (install callback, admin links): hex HMAC in the `hmac` query
//!   parameter over the other parameters, sorted by key, form-encoded and joined with `&`.
//! - **Webhooks**: base64 HMAC of the raw body in `X-Shopify-Hmac-Sha256`.
//! - **App proxy**: hex HMAC in `signature` over the other parameters, repeated keys' values
//!   joined with `,`, as `k=v` strings sorted and concatenated without separator.
//!
//! Verification parses the raw query itself (so duplicated parameters are seen, not silently
//! collapsed), decodes the received MAC and compares with [`Mac::verify_slice`], which runs in
//! constant time.
#![expect(
    clippy::map_err_ignore,
    reason = "verification errors are opaque on purpose: which check failed, or why a decode \
              failed, would help a forger, and the AEAD error carries nothing"
)]

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of an HMAC-SHA256.
const MAC_LEN: usize = 32;

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature (or another required parameter) is absent.
    #[error("missing `{0}`")]
    Missing(&'static str),
    /// A parameter that must appear once appears several times.
    #[error("parameter `{0}` appears more than once")]
    Duplicated(String),
    /// The signature is not hex/base64 of the right length.
    #[error("malformed `{0}`")]
    Malformed(&'static str),
    /// The signature does not match the content.
    #[error("signature does not match")]
    Mismatch,
}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; the error branch is unreachable but typed.
    match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => HmacSha256::new(&Default::default()),
    }
}

fn digest(secret: &[u8], message: &[u8]) -> [u8; MAC_LEN] {
    let mut mac = mac(secret);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn verify(secret: &[u8], message: &[u8], received: &[u8]) -> Result<(), SignatureError> {
    let mut mac = mac(secret);
    mac.update(message);
    mac.verify_slice(received)
        .map_err(|_| SignatureError::Mismatch)
}

fn decode_hex_mac(value: &str, name: &'static str) -> Result<Vec<u8>, SignatureError> {
    if value.len() != MAC_LEN * 2 {
        return Err(SignatureError::Malformed(name));
    }
    hex::decode(value).map_err(|_| SignatureError::Malformed(name))
}

/// Decoded `(key, value)` pairs of a raw query string (`+` is a space, `%XX` decoded).
#[must_use]
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.trim_start_matches('?').as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// OAuth query HMAC

/// The message Shopify signs for an OAuth redirect: every pair but `hmac` (and the legacy
/// `signature`), sorted by key, form-encoded, joined with `&`.
#[must_use]
pub fn oauth_message(pairs: &[(String, String)]) -> String {
    let mut kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "hmac" && k != "signature")
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in kept {
        out.append_pair(k, v);
    }
    out.finish()
}

/// The hex `hmac` Shopify would put on a redirect carrying `pairs`.
#[must_use]
pub fn sign_oauth_query(secret: &[u8], pairs: &[(String, String)]) -> String {
    hex::encode(digest(secret, oauth_message(pairs).as_bytes()))
}

/// Verifies the `hmac` of a raw OAuth redirect query; returns the other parameters.
///
/// # Errors
/// [`SignatureError`] when `hmac` is missing or malformed, any parameter is repeated, or the
/// MAC does not match.
pub fn verify_oauth_query(
    secret: &[u8],
    raw_query: &str,
) -> Result<BTreeMap<String, String>, SignatureError> {
    let pairs = parse_query(raw_query);
    let mut params = BTreeMap::new();
    for (k, v) in &pairs {
        if params.insert(k.clone(), v.clone()).is_some() {
            return Err(SignatureError::Duplicated(k.chars().take(40).collect()));
        }
    }
    let received = params
        .remove("hmac")
        .ok_or(SignatureError::Missing("hmac"))?;
    let received = decode_hex_mac(&received, "hmac")?;
    verify(secret, oauth_message(&pairs).as_bytes(), &received)?;
    params.remove("signature");
    Ok(params)
}

// ---------------------------------------------------------------------------------------------
// Webhook HMAC

/// The base64 `X-Shopify-Hmac-Sha256` Shopify would send with `body`.
#[must_use]
pub fn sign_webhook(secret: &[u8], body: &[u8]) -> String {
    BASE64.encode(digest(secret, body))
}

/// Verifies a webhook's `X-Shopify-Hmac-Sha256` against the raw body, before any parsing.
///
/// # Errors
/// [`SignatureError::Malformed`] when the header is not base64 of 32 bytes,
/// [`SignatureError::Mismatch`] when it does not match.
pub fn verify_webhook(secret: &[u8], body: &[u8], header: &str) -> Result<(), SignatureError> {
    let received = BASE64
        .decode(header.trim())
        .map_err(|_| SignatureError::Malformed("X-Shopify-Hmac-Sha256"))?;
    if received.len() != MAC_LEN {
        return Err(SignatureError::Malformed("X-Shopify-Hmac-Sha256"));
    }
    verify(secret, body, &received)
}

// ---------------------------------------------------------------------------------------------
// App proxy signature

/// Groups decoded pairs by key, keeping each key's values in arrival order (minus `signature`).
fn group(pairs: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k != "signature") {
        grouped.entry(k.clone()).or_default().push(v.clone());
    }
    grouped
}

/// The message Shopify signs for an app-proxy request: `k=v` per key (repeated keys' values
/// joined with `,`), unencoded, sorted, concatenated without separator.
#[must_use]
pub fn app_proxy_message(pairs: &[(String, String)]) -> String {
    let mut parts: Vec<String> = group(pairs)
        .into_iter()
        .map(|(k, values)| format!("{k}={}", values.join(",")))
        .collect();
    parts.sort();
    parts.concat()
}

/// The hex `signature` Shopify would add to an app-proxy request carrying `pairs`.
#[must_use]
pub fn sign_app_proxy(secret: &[u8], pairs: &[(String, String)]) -> String {
    hex::encode(digest(secret, app_proxy_message(pairs).as_bytes()))
}

/// Verifies the `signature` of a raw app-proxy query; returns the parameters grouped by key.
///
/// # Errors
/// [`SignatureError`] when `signature` is missing, repeated, malformed or does not match.
pub fn verify_app_proxy(
    secret: &[u8],
    raw_query: &str,
) -> Result<BTreeMap<String, Vec<String>>, SignatureError> {
    let pairs = parse_query(raw_query);
    let mut signatures = pairs.iter().filter(|(k, _)| k == "signature");
    let received = signatures
        .next()
        .ok_or(SignatureError::Missing("signature"))?;
    if signatures.next().is_some() {
        return Err(SignatureError::Duplicated("signature".into()));
    }
    let received = decode_hex_mac(&received.1, "signature")?;
    verify(secret, app_proxy_message(&pairs).as_bytes(), &received)?;
    Ok(group(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HUSH: &[u8] = b"hush";

    /// shopify.dev, "Implement authorization code grant manually" (secret `hush`), the example
    /// redirect with a `state`.
    const OAUTH_EXAMPLE: &str = "code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173";
    /// The same documentation's earlier example, without `state`.
    const OAUTH_EXAMPLE_NO_STATE: &str = "code=0907a61c0c8d55e99db179b68161bc00&hmac=4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20&shop=some-shop.myshopify.com&timestamp=1337178173";

    #[test]
    fn shopify_documentation_oauth_examples_verify() {
        let params = verify_oauth_query(HUSH, OAUTH_EXAMPLE).unwrap();
        assert_eq!(params["shop"], "some-shop.myshopify.com");
        assert_eq!(params["state"], "0.6784241404160823");
        assert!(!params.contains_key("hmac"));
        verify_oauth_query(HUSH, OAUTH_EXAMPLE_NO_STATE).unwrap();
    }

    #[test]
    fn oauth_parameter_order_does_not_matter_but_content_does() {
        let reordered = "timestamp=1337178173&state=0.6784241404160823&shop=some-shop.myshopify.com&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&code=0907a61c0c8d55e99db179b68161bc00";
        verify_oauth_query(HUSH, reordered).unwrap();
        let tampered = OAUTH_EXAMPLE.replace("some-shop", "evil-shop");
        assert_eq!(
            verify_oauth_query(HUSH, &tampered),
            Err(SignatureError::Mismatch)
        );
        let truncated = OAUTH_EXAMPLE.replace("&timestamp=1337178173", "");
        assert_eq!(
            verify_oauth_query(HUSH, &truncated),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_oauth_query(b"other", OAUTH_EXAMPLE),
            Err(SignatureError::Mismatch)
        );
        let short_mac = OAUTH_EXAMPLE.replace("4bf&shop", "4b&shop");
        assert_eq!(
            verify_oauth_query(HUSH, &short_mac),
            Err(SignatureError::Malformed("hmac"))
        );
        let no_mac = OAUTH_EXAMPLE_NO_STATE.split("&hmac=").next().unwrap();
        assert_eq!(
            verify_oauth_query(HUSH, no_mac),
            Err(SignatureError::Missing("hmac"))
        );
        let duplicated = format!("{OAUTH_EXAMPLE}&shop=evil.myshopify.com");
        assert!(matches!(
            verify_oauth_query(HUSH, &duplicated),
            Err(SignatureError::Duplicated(_))
        ));
    }

    /// shopify.dev, "Authenticate app proxies": the forwarded request of the example (secret
    /// `hush`). The page now shows the shop as a `{shop}` placeholder; its published signature
    /// is the one for `shop-name.myshopify.com`, the name its "Calculate a digital signature"
    /// section uses, so that is the shop here. Everything else is byte for byte.
    const PROXY_EXAMPLE: &str = "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb";

    #[test]
    fn shopify_documentation_app_proxy_example_verifies() {
        let params = verify_app_proxy(HUSH, PROXY_EXAMPLE).unwrap();
        assert_eq!(params["extra"], vec!["1", "2"]);
        assert_eq!(params["path_prefix"], vec!["/apps/awesome_reviews"]);
        assert_eq!(
            app_proxy_message(&parse_query(PROXY_EXAMPLE)),
            "extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555"
        );
    }

    #[test]
    fn app_proxy_tampering_and_truncation_fail() {
        let tampered = PROXY_EXAMPLE.replace("logged_in_customer_id=1", "logged_in_customer_id=2");
        assert_eq!(
            verify_app_proxy(HUSH, &tampered),
            Err(SignatureError::Mismatch)
        );
        let swapped = PROXY_EXAMPLE.replace("extra=1&extra=2", "extra=2&extra=1");
        assert_eq!(
            verify_app_proxy(HUSH, &swapped),
            Err(SignatureError::Mismatch),
            "the order of a repeated key's values is signed"
        );
        let truncated = PROXY_EXAMPLE.replace("extra=1&", "");
        assert_eq!(
            verify_app_proxy(HUSH, &truncated),
            Err(SignatureError::Mismatch)
        );
        let twice = format!("{PROXY_EXAMPLE}&signature=00");
        assert_eq!(
            verify_app_proxy(HUSH, &twice),
            Err(SignatureError::Duplicated("signature".into()))
        );
        assert_eq!(
            verify_app_proxy(HUSH, "shop=a.myshopify.com"),
            Err(SignatureError::Missing("signature"))
        );
    }

    /// Shopify's webhook documentation publishes the algorithm but no body/digest pair; this
    /// vector was computed independently with
    /// `printf '%s' "$BODY" | openssl dgst -sha256 -hmac hush -binary | base64`.
    const WEBHOOK_BODY: &str = r#"{"id":820982911946154508,"email":"jon@example.com"}"#;
    const WEBHOOK_HMAC: &str = "D0UMXmhjwBRi4y66TmhJrDlhQABD7zI2fm3p6/QLMo8=";

    #[test]
    fn webhook_reference_vector_verifies_and_tampering_fails() {
        verify_webhook(HUSH, WEBHOOK_BODY.as_bytes(), WEBHOOK_HMAC).unwrap();
        let tampered = WEBHOOK_BODY.replace("jon", "jan");
        assert_eq!(
            verify_webhook(HUSH, tampered.as_bytes(), WEBHOOK_HMAC),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_webhook(HUSH, &WEBHOOK_BODY.as_bytes()[1..], WEBHOOK_HMAC),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_webhook(HUSH, WEBHOOK_BODY.as_bytes(), "not base64!"),
            Err(SignatureError::Malformed("X-Shopify-Hmac-Sha256"))
        );
        assert_eq!(
            verify_webhook(HUSH, WEBHOOK_BODY.as_bytes(), "AAAA"),
            Err(SignatureError::Malformed("X-Shopify-Hmac-Sha256"))
        );
    }

    fn pairs_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
        proptest::collection::vec(("[a-z_]{1,8}", "\\PC{0,12}"), 0..8)
    }

    fn encode(pairs: &[(String, String)]) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            out.append_pair(k, v);
        }
        out.finish()
    }

    proptest! {
        #[test]
        fn oauth_sign_then_verify_round_trips(pairs in pairs_strategy(), secret in "\\PC{1,20}") {
            let mut unique = std::collections::BTreeMap::new();
            for (k, v) in pairs { if k != "hmac" && k != "signature" { unique.insert(k, v); } }
            let pairs: Vec<(String, String)> = unique.into_iter().collect();
            let mac = sign_oauth_query(secret.as_bytes(), &pairs);
            let mut signed = pairs.clone();
            signed.push(("hmac".into(), mac));
            signed.reverse();
            let verified = verify_oauth_query(secret.as_bytes(), &encode(&signed)).unwrap();
            prop_assert_eq!(verified.len(), pairs.len());
        }

        #[test]
        fn app_proxy_sign_then_verify_round_trips(pairs in pairs_strategy(), secret in "\\PC{1,20}") {
            let pairs: Vec<(String, String)> =
                pairs.into_iter().filter(|(k, _)| k != "signature").collect();
            let sig = sign_app_proxy(secret.as_bytes(), &pairs);
            let mut signed = pairs;
            signed.push(("signature".into(), sig));
            prop_assert!(verify_app_proxy(secret.as_bytes(), &encode(&signed)).is_ok());
        }

        #[test]
        fn webhook_sign_then_verify_round_trips(body in proptest::collection::vec(any::<u8>(), 0..512), flip in any::<usize>()) {
            let header = sign_webhook(HUSH, &body);
            prop_assert!(verify_webhook(HUSH, &body, &header).is_ok());
            if !body.is_empty() {
                let mut tampered = body;
                let at = flip % tampered.len();
                tampered[at] ^= 0x01;
                prop_assert_eq!(verify_webhook(HUSH, &tampered, &header), Err(SignatureError::Mismatch));
            }
        }

        #[test]
        fn arbitrary_queries_never_panic(raw in "\\PC{0,200}") {
            let _ = verify_oauth_query(HUSH, &raw);
            let _ = verify_app_proxy(HUSH, &raw);
            let _ = verify_webhook(HUSH, raw.as_bytes(), &raw);
        }
    }
}
