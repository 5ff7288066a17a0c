//! Shop tokens encrypted at rest with XChaCha20-Poly1305.
//!
//! Lives here rather than in `common` because only Shopify credentials use it today, and both
//! the app and the worker already depend on this crate. A stored value is
//! `base64(nonce ‖ ciphertext‖tag)` with a fresh random 24-byte nonce per encryption (large
//! enough that random nonces never collide in practice). The caller passes associated data —
//! the shop and the column — so a ciphertext copied to another shop or column fails to
//! decrypt instead of being accepted.
//!
//! Rotating the key: the new key becomes the current one and the old one is kept as retired.
//! Values sealed with a retired key still open, new values are sealed with the current key,
//! and [`TokenCipher::reseal`] moves a stored value to the current key (`app
//! rotate-token-key` does it for every stored secret), after which the retired key can go.
#![expect(
    clippy::map_err_ignore,
    reason = "verification errors are opaque on purpose: which check failed, or why a decode \
              failed, would help a forger, and the AEAD error carries nothing"
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};

const NONCE_LEN: usize = 24;
/// Key length in bytes.
pub const KEY_LEN: usize = 32;

/// Why a key or a stored token could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The configured key is not base64 of 32 bytes.
    #[error("token encryption key must be base64 of exactly 32 bytes")]
    Key,
    /// The stored value is corrupt, was encrypted with another key, or belongs elsewhere.
    #[error("stored token cannot be decrypted")]
    Decrypt,
    /// Encryption failed (not expected with a valid key).
    #[error("token cannot be encrypted")]
    Encrypt,
}

/// Encrypts tokens with one 32-byte key, and decrypts them with it or a retired one.
#[derive(Clone)]
pub struct TokenCipher {
    cipher: XChaCha20Poly1305,
    retired: Vec<XChaCha20Poly1305>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher([redacted])")
    }
}

impl TokenCipher {
    /// A cipher from a base64-encoded 32-byte key.
    ///
    /// # Errors
    /// [`CipherError::Key`] when the key is not base64 of 32 bytes.
    pub fn from_base64(key: &SecretString) -> Result<Self, CipherError> {
        Ok(Self {
            cipher: cipher_of(key)?,
            retired: Vec::new(),
        })
    }

    /// The same cipher, also opening what the `retired` keys (base64 of 32 bytes each)
    /// sealed.
    ///
    /// # Errors
    /// [`CipherError::Key`] when a key is not base64 of 32 bytes.
    pub fn with_retired(mut self, retired: &[SecretString]) -> Result<Self, CipherError> {
        for key in retired {
            self.retired.push(cipher_of(key)?);
        }
        Ok(self)
    }

    /// Encrypts `plaintext` bound to `context` (e.g. `"shop.myshopify.com/access_token"`).
    ///
    /// # Errors
    /// [`CipherError::Encrypt`] (not expected in practice).
    pub fn encrypt(&self, plaintext: &str, context: &str) -> Result<String, CipherError> {
        let mut nonce = [0_u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Encrypt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(BASE64.encode(out))
    }

    /// Decrypts a value [`TokenCipher::encrypt`] produced with the same `context`, with the
    /// current key or a retired one.
    ///
    /// # Errors
    /// [`CipherError::Decrypt`] when the value is corrupt, foreign, or of another context.
    pub fn decrypt(&self, stored: &str, context: &str) -> Result<SecretString, CipherError> {
        let (plain, _current) = self.open(stored, context)?;
        Ok(plain)
    }

    /// `stored` sealed again with the current key when a retired key sealed it; `None` when
    /// the current key already did.
    ///
    /// # Errors
    /// [`CipherError::Decrypt`] when no key opens it; [`CipherError::Encrypt`] as
    /// [`TokenCipher::encrypt`].
    pub fn reseal(&self, stored: &str, context: &str) -> Result<Option<String>, CipherError> {
        match self.open(stored, context)? {
            (_, true) => Ok(None),
            (plain, false) => self.encrypt(plain.expose_secret(), context).map(Some),
        }
    }

    /// The plaintext, and whether the current key opened it.
    fn open(&self, stored: &str, context: &str) -> Result<(SecretString, bool), CipherError> {
        let bytes = BASE64.decode(stored).map_err(|_| CipherError::Decrypt)?;
        if bytes.len() <= NONCE_LEN {
            return Err(CipherError::Decrypt);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CipherError::Decrypt)?;
        let nonce = XNonce::from(nonce);
        let payload = || Payload {
            msg: sealed,
            aad: context.as_bytes(),
        };
        let keys = std::iter::once(&self.cipher).chain(&self.retired);
        for (n, cipher) in keys.enumerate() {
            if let Ok(plain) = cipher.decrypt(&nonce, payload()) {
                let plain = String::from_utf8(plain).map_err(|_| CipherError::Decrypt)?;
                return Ok((SecretString::from(plain), n == 0));
            }
        }
        Err(CipherError::Decrypt)
    }
}

/// A cipher from a base64-encoded 32-byte key.
fn cipher_of(key: &SecretString) -> Result<XChaCha20Poly1305, CipherError> {
    let bytes = BASE64
        .decode(key.expose_secret().trim())
        .map_err(|_| CipherError::Key)?;
    let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| CipherError::Key)?;
    Ok(XChaCha20Poly1305::new(&Key::from(key)))
}

/// A fresh random key, base64-encoded (for `meander` set-up instructions and tests).
#[must_use]
pub fn generate_key() -> String {
    let mut key = [0_u8; KEY_LEN];
    rand::rng().fill_bytes(&mut key);
    BASE64.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> TokenCipher {
        TokenCipher::from_base64(&SecretString::from(generate_key())).unwrap()
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let cipher = cipher();
        let stored = cipher.encrypt("shpat_secret", "a/access").unwrap();
        assert!(!stored.contains("shpat_secret"));
        assert_ne!(stored, cipher.encrypt("shpat_secret", "a/access").unwrap());
        let back = cipher.decrypt(&stored, "a/access").unwrap();
        assert_eq!(back.expose_secret(), "shpat_secret");
    }

    #[test]
    fn other_context_key_or_corruption_fails() {
        let cipher = cipher();
        let stored = cipher.encrypt("shpat_secret", "a/access").unwrap();
        assert_eq!(
            cipher.decrypt(&stored, "b/access").unwrap_err(),
            CipherError::Decrypt
        );
        assert_eq!(
            self::cipher().decrypt(&stored, "a/access").unwrap_err(),
            CipherError::Decrypt
        );
        let mut bytes = BASE64.decode(&stored).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(cipher.decrypt(&BASE64.encode(bytes), "a/access").is_err());
        assert!(cipher.decrypt("!!", "a/access").is_err());
        assert!(cipher.decrypt("", "a/access").is_err());
    }

    #[test]
    fn a_retired_key_still_opens_and_reseal_moves_a_value_to_the_current_key() {
        let old_key = SecretString::from(generate_key());
        let old = TokenCipher::from_base64(&old_key).unwrap();
        let stored = old.encrypt("shpat_secret", "a/access").unwrap();
        let new_key = SecretString::from(generate_key());
        let rotating = TokenCipher::from_base64(&new_key)
            .unwrap()
            .with_retired(std::slice::from_ref(&old_key))
            .unwrap();

        let opened = rotating.decrypt(&stored, "a/access").unwrap();
        let resealed = rotating.reseal(&stored, "a/access").unwrap().unwrap();

        assert_eq!(opened.expose_secret(), "shpat_secret");
        let new_only = TokenCipher::from_base64(&new_key).unwrap();
        assert!(new_only.decrypt(&stored, "a/access").is_err());
        let back = new_only.decrypt(&resealed, "a/access").unwrap();
        assert_eq!(back.expose_secret(), "shpat_secret");
        assert_eq!(rotating.reseal(&resealed, "a/access").unwrap(), None);
        assert_eq!(
            rotating.reseal(&resealed, "b/access").unwrap_err(),
            CipherError::Decrypt,
            "the context still binds"
        );
        assert!(
            TokenCipher::from_base64(&new_key)
                .unwrap()
                .with_retired(&[SecretString::from("c2hvcnQ=")])
                .is_err()
        );
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert_eq!(
            TokenCipher::from_base64(&SecretString::from("c2hvcnQ=")).unwrap_err(),
            CipherError::Key
        );
        assert!(TokenCipher::from_base64(&SecretString::from("not base64")).is_err());
    }
}
