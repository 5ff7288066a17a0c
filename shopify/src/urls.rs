//! Where a shop's OAuth and Admin API endpoints live.

use entity::ShopDomain;

/// Builds a shop's base URL from a template containing `{shop}`.
///
/// Production uses `https://{shop}` (Shopify serves every shop's admin on its own
/// `*.myshopify.com` host). Tests point the template at the fake Shopify, e.g.
/// `http://127.0.0.1:4321/shops/{shop}`, so the shop travels in the path and one local server
/// can play every shop. The shop is a validated [`ShopDomain`], so the result can never point
/// anywhere the template does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopUrls {
    template: String,
}

impl Default for ShopUrls {
    fn default() -> Self {
        Self::new(Self::PRODUCTION)
    }
}

impl ShopUrls {
    /// The production template.
    pub const PRODUCTION: &'static str = "https://{shop}";

    /// A strategy from a template; it must contain `{shop}` (checked by the settings).
    #[must_use]
    pub fn new(template: &str) -> Self {
        Self {
            template: template.trim_end_matches('/').to_owned(),
        }
    }

    /// The shop's base URL, without a trailing slash.
    #[must_use]
    pub fn base(&self, shop: &ShopDomain) -> String {
        self.template.replace("{shop}", shop.as_str())
    }

    /// `…/admin/oauth/authorize`.
    #[must_use]
    pub fn authorize(&self, shop: &ShopDomain) -> String {
        format!("{}/admin/oauth/authorize", self.base(shop))
    }

    /// `…/admin/oauth/access_token`.
    #[must_use]
    pub fn access_token(&self, shop: &ShopDomain) -> String {
        format!("{}/admin/oauth/access_token", self.base(shop))
    }

    /// `…/admin/api/{version}/graphql.json`.
    #[must_use]
    pub fn graphql(&self, shop: &ShopDomain, version: &str) -> String {
        format!("{}/admin/api/{version}/graphql.json", self.base(shop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_and_test_templates() {
        let shop = ShopDomain::parse("demo.myshopify.com").unwrap();
        assert_eq!(
            ShopUrls::default().access_token(&shop),
            "https://demo.myshopify.com/admin/oauth/access_token"
        );
        let local = ShopUrls::new("http://127.0.0.1:9/shops/{shop}/");
        assert_eq!(
            local.authorize(&shop),
            "http://127.0.0.1:9/shops/demo.myshopify.com/admin/oauth/authorize"
        );
    }
}
