//! A validated `*.myshopify.com` shop domain.

use std::fmt;
use std::str::FromStr;

/// Why a string is not a shop domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShopDomainError {
    /// Not of the form `name.myshopify.com`.
    #[error("`{0}` is not a myshopify.com shop domain")]
    NotMyshopify(String),
}

const SUFFIX: &str = ".myshopify.com";
/// DNS labels are at most 63 bytes.
const MAX_NAME_LEN: usize = 63;

/// A shop domain matching `^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$`, stored lower-case.
///
/// Shopify only issues such names; anything else (custom domains, URLs, paths) is refused
/// so that it can never be used to redirect a merchant or an API call elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ShopDomain(String);

impl ShopDomain {
    /// Parses and normalises a shop domain.
    ///
    /// # Errors
    /// [`ShopDomainError::NotMyshopify`] when the input is not a myshopify.com name.
    pub fn parse(input: &str) -> Result<Self, ShopDomainError> {
        let lower = input.to_ascii_lowercase();
        let reject = || ShopDomainError::NotMyshopify(input.chars().take(100).collect());
        let name = lower.strip_suffix(SUFFIX).ok_or_else(reject)?;
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !first_ok || !rest_ok || name.len() > MAX_NAME_LEN {
            return Err(reject());
        }
        Ok(Self(lower))
    }

    /// The domain as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `https://{shop}`: the base of the shop's Admin API and OAuth endpoints.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("https://{}", self.0)
    }
}

impl FromStr for ShopDomain {
    type Err = ShopDomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ShopDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ShopDomain {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_lowercases_valid_names() {
        let shop = ShopDomain::parse("My-Store1.MyShopify.com").unwrap();
        assert_eq!(shop.as_str(), "my-store1.myshopify.com");
        assert_eq!(shop.base_url(), "https://my-store1.myshopify.com");
    }

    #[test]
    fn rejects_lookalikes_and_urls() {
        for bad in [
            "",
            ".myshopify.com",
            "-shop.myshopify.com",
            "shop.myshopify.com.evil.com",
            "shop.evil.com",
            "https://shop.myshopify.com",
            "shop.myshopify.com/admin",
            "sh_op.myshopify.com",
            "sub.shop.myshopify.com",
            "shop.myshopify.com ",
            "shop%2emyshopify.com",
        ] {
            assert!(
                ShopDomain::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn rejects_names_longer_than_a_dns_label() {
        let long = format!("{}.myshopify.com", "a".repeat(64));
        assert!(ShopDomain::parse(&long).is_err());
    }

    proptest! {
        #[test]
        fn any_valid_label_round_trips(label in "[a-zA-Z0-9][a-zA-Z0-9-]{0,40}") {
            let shop = ShopDomain::parse(&format!("{label}.myshopify.com")).unwrap();
            prop_assert_eq!(shop.as_str(), format!("{}.myshopify.com", label.to_ascii_lowercase()));
        }

        #[test]
        fn arbitrary_input_never_panics(input in ".{0,80}") {
            let _ = ShopDomain::parse(&input);
        }
    }
}
