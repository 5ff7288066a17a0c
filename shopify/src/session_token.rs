//! App Bridge session tokens: JWTs signed with HS256 and the app's client secret.
//!
//! Verified by hand with `hmac` rather than a JWT crate: only one algorithm is acceptable, and
//! refusing everything else (`none`, RS256 with the secret as a "public key", …) is simpler to
//! see in forty lines than to configure. Checks, in order: three parts; header `alg` is
//! `HS256`; the signature (constant time); then the claims — `exp` and `nbf` with a few
//! seconds of leeway, `aud` is our client id, `iss` is `https://{shop}/admin`, `dest` is
//! `https://{shop}`, and both name the same valid shop.
#![expect(
    clippy::map_err_ignore,
    reason = "verification errors are opaque on purpose: which check failed, or why a decode \
              failed, would help a forger, and the AEAD error carries nothing"
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use entity::ShopDomain;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Why a session token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionTokenError {
    /// Not three base64url parts of JSON.
    #[error("session token is malformed")]
    Malformed,
    /// Signed with something other than HS256.
    #[error("session token uses an unsupported algorithm")]
    Algorithm,
    /// The signature does not match.
    #[error("session token signature does not match")]
    Signature,
    /// `exp` has passed.
    #[error("session token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("session token is not valid yet")]
    NotYetValid,
    /// `aud` is not this app.
    #[error("session token was issued for another app")]
    Audience,
    /// `iss` or `dest` is not a shop, or they name different shops.
    #[error("session token issuer and destination do not match a shop")]
    Shop,
}

/// The claims of a Shopify session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// `https://{shop}/admin`.
    pub iss: String,
    /// `https://{shop}`.
    pub dest: String,
    /// The client id of the app.
    pub aud: String,
    /// The Shopify user id.
    #[serde(default)]
    pub sub: Option<String>,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Not before, unix seconds.
    pub nbf: i64,
    /// Issued at, unix seconds.
    #[serde(default)]
    pub iat: i64,
    /// Unique token id.
    #[serde(default)]
    pub jti: Option<String>,
    /// Admin session id.
    #[serde(default)]
    pub sid: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// A verified session token: the shop it speaks for, and its claims.
#[derive(Debug, Clone)]
pub struct VerifiedSession {
    /// The shop from `dest` (equal to the one in `iss`).
    pub shop: ShopDomain,
    /// All claims.
    pub claims: SessionClaims,
}

fn hs256(secret: &[u8]) -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => Hmac::<Sha256>::new(&Default::default()),
    }
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, SessionTokenError> {
    let bytes = B64URL
        .decode(part)
        .map_err(|_| SessionTokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| SessionTokenError::Malformed)
}

/// Verifies `token` for the app `client_id` at time `now` (unix seconds), allowing `leeway`
/// seconds of clock skew.
///
/// # Errors
/// [`SessionTokenError`] naming the first check that failed.
pub fn verify(
    token: &str,
    secret: &[u8],
    client_id: &str,
    now: i64,
    leeway: i64,
) -> Result<VerifiedSession, SessionTokenError> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SessionTokenError::Malformed);
    };
    let header: Header = decode_json(header)?;
    if header.alg != "HS256" {
        return Err(SessionTokenError::Algorithm);
    }
    let signature = B64URL
        .decode(signature)
        .map_err(|_| SessionTokenError::Malformed)?;
    let signed_len = token.trim().len() - signature_len(token.trim());
    let mut mac = hs256(secret);
    mac.update(&token.trim().as_bytes()[..signed_len]);
    mac.verify_slice(&signature)
        .map_err(|_| SessionTokenError::Signature)?;
    let claims: SessionClaims = decode_json(payload)?;
    if now > claims.exp.saturating_add(leeway) {
        return Err(SessionTokenError::Expired);
    }
    if now < claims.nbf.saturating_sub(leeway) {
        return Err(SessionTokenError::NotYetValid);
    }
    if claims.aud != client_id {
        return Err(SessionTokenError::Audience);
    }
    let dest = claims
        .dest
        .strip_prefix("https://")
        .and_then(|host| ShopDomain::parse(host).ok())
        .ok_or(SessionTokenError::Shop)?;
    let issuer = claims
        .iss
        .strip_prefix("https://")
        .and_then(|rest| rest.strip_suffix("/admin"))
        .and_then(|host| ShopDomain::parse(host).ok())
        .ok_or(SessionTokenError::Shop)?;
    if issuer != dest {
        return Err(SessionTokenError::Shop);
    }
    Ok(VerifiedSession { shop: dest, claims })
}

/// Length of the `.signature` suffix, so the signed input is everything before it.
fn signature_len(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

/// Signs `claims` like Shopify does (for the fake Shopify and tests).
#[must_use]
pub fn sign(claims: &SessionClaims, secret: &[u8]) -> String {
    let header = B64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64URL.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut mac = hs256(secret);
    mac.update(signing_input.as_bytes());
    let signature = B64URL.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Claims Shopify would issue for `shop` and `client_id`, valid for a minute from `now`.
#[must_use]
pub fn claims_for(shop: &ShopDomain, client_id: &str, now: i64) -> SessionClaims {
    SessionClaims {
        iss: format!("https://{shop}/admin"),
        dest: format!("https://{shop}"),
        aud: client_id.to_owned(),
        sub: Some("42".into()),
        exp: now + 60,
        nbf: now,
        iat: now,
        jti: Some(format!("jti-{now}")),
        sid: Some("session-1".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"hush";
    const NOW: i64 = 1_800_000_000;

    fn shop() -> ShopDomain {
        ShopDomain::parse("my-shop.myshopify.com").unwrap()
    }

    #[test]
    fn a_token_shopify_would_issue_verifies() {
        let token = sign(&claims_for(&shop(), "client", NOW), SECRET);
        let verified = verify(&token, SECRET, "client", NOW + 10, 5).unwrap();
        assert_eq!(verified.shop, shop());
    }

    #[test]
    fn expiry_and_not_before_allow_only_the_leeway() {
        let token = sign(&claims_for(&shop(), "client", NOW), SECRET);
        assert!(verify(&token, SECRET, "client", NOW + 64, 5).is_ok());
        assert_eq!(
            verify(&token, SECRET, "client", NOW + 66, 5).unwrap_err(),
            SessionTokenError::Expired
        );
        assert!(verify(&token, SECRET, "client", NOW - 4, 5).is_ok());
        assert_eq!(
            verify(&token, SECRET, "client", NOW - 6, 5).unwrap_err(),
            SessionTokenError::NotYetValid
        );
    }

    #[test]
    fn foreign_audience_shop_or_secret_is_refused() {
        let token = sign(&claims_for(&shop(), "client", NOW), SECRET);
        assert_eq!(
            verify(&token, SECRET, "other-app", NOW, 5).unwrap_err(),
            SessionTokenError::Audience
        );
        assert_eq!(
            verify(&token, b"wrong", "client", NOW, 5).unwrap_err(),
            SessionTokenError::Signature
        );
        let mut claims = claims_for(&shop(), "client", NOW);
        claims.dest = "https://other.myshopify.com".into();
        assert_eq!(
            verify(&sign(&claims, SECRET), SECRET, "client", NOW, 5).unwrap_err(),
            SessionTokenError::Shop
        );
        claims.dest = "https://evil.example.com".into();
        claims.iss = "https://evil.example.com/admin".into();
        assert_eq!(
            verify(&sign(&claims, SECRET), SECRET, "client", NOW, 5).unwrap_err(),
            SessionTokenError::Shop
        );
    }

    #[test]
    fn other_algorithms_and_tampered_payloads_are_refused() {
        let token = sign(&claims_for(&shop(), "client", NOW), SECRET);
        let parts: Vec<&str> = token.split('.').collect();
        let none = format!("{}.{}.", B64URL.encode(br#"{"alg":"none"}"#), parts[1]);
        assert_eq!(
            verify(&none, SECRET, "client", NOW, 5).unwrap_err(),
            SessionTokenError::Algorithm
        );
        let mut claims = claims_for(&shop(), "client", NOW);
        claims.exp += 3600;
        let forged_payload = B64URL.encode(serde_json::to_vec(&claims).unwrap());
        let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert_eq!(
            verify(&forged, SECRET, "client", NOW, 5).unwrap_err(),
            SessionTokenError::Signature
        );
        assert_eq!(
            verify("a.b", SECRET, "client", NOW, 5).unwrap_err(),
            SessionTokenError::Malformed
        );
    }

    proptest! {
        #[test]
        fn garbage_never_panics(token in "\\PC{0,300}") {
            let _ = verify(&token, SECRET, "client", NOW, 5);
        }
    }
}
