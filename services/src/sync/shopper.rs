//! Which storefront shopper placed an order. The theme script writes Meander's session and
//! anonymous ids into the cart's attributes (`/cart/update.js`); Shopify copies cart
//! attributes onto the order (REST `note_attributes`, GraphQL `customAttributes`), so an order
//! can be tied to the recommendations its shopper engaged with before buying.

use serde::Deserialize;

use crate::signals::is_valid_id;

/// Cart attribute holding the storefront session id. The leading underscore hides it from
/// the shopper at checkout.
pub const SESSION_ATTRIBUTE: &str = "_meander_sid";
/// Cart attribute holding the anonymous browser id.
pub const ANONYMOUS_ATTRIBUTE: &str = "_meander_aid";

/// The shopper ids found on an order; either may be missing (orders from other channels,
/// shoppers who refused analytics, or themes without the app embed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderShopper {
    /// Meander's session id.
    pub session_id: Option<String>,
    /// Meander's anonymous browser id.
    pub anonymous_id: Option<String>,
}

impl OrderShopper {
    /// Reads the ids from `(key, value)` attribute pairs; values that are not acceptable
    /// storefront ids are ignored, as the storefront itself would refuse them.
    #[must_use]
    pub fn from_attributes<'a>(
        pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Self {
        let mut shopper = Self::default();
        for (key, value) in pairs {
            let Some(value) = value.map(str::trim).filter(|v| is_valid_id(v)) else {
                continue;
            };
            match key {
                SESSION_ATTRIBUTE => shopper.session_id = Some(value.to_owned()),
                ANONYMOUS_ATTRIBUTE => shopper.anonymous_id = Some(value.to_owned()),
                _ => {}
            }
        }
        shopper
    }
}

/// A REST `note_attributes` entry.
#[derive(Debug, Deserialize)]
pub struct NoteAttribute {
    pub name: String,
    pub value: Option<String>,
}

/// A GraphQL `Attribute`.
#[derive(Debug, Deserialize)]
pub struct CustomAttribute {
    pub key: String,
    pub value: Option<String>,
}

/// The shopper named by REST note attributes.
#[must_use]
pub fn from_note_attributes(attributes: &[NoteAttribute]) -> OrderShopper {
    OrderShopper::from_attributes(
        attributes
            .iter()
            .map(|a| (a.name.as_str(), a.value.as_deref())),
    )
}

/// The shopper named by GraphQL custom attributes.
#[must_use]
pub fn from_custom_attributes(attributes: &[CustomAttribute]) -> OrderShopper {
    OrderShopper::from_attributes(
        attributes
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_deref())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_ids_and_ignores_other_attributes() {
        let shopper = OrderShopper::from_attributes([
            ("gift_wrap", Some("yes")),
            (SESSION_ATTRIBUTE, Some("s-1")),
            (ANONYMOUS_ATTRIBUTE, Some(" a-1 ")),
        ]);
        assert_eq!(shopper.session_id.as_deref(), Some("s-1"));
        assert_eq!(shopper.anonymous_id.as_deref(), Some("a-1"));
    }

    #[test]
    fn refuses_values_the_storefront_would_refuse() {
        let long = "x".repeat(500);
        let shopper = OrderShopper::from_attributes([
            (SESSION_ATTRIBUTE, Some("")),
            (ANONYMOUS_ATTRIBUTE, Some(long.as_str())),
        ]);
        assert_eq!(shopper, OrderShopper::default());
        let shopper = OrderShopper::from_attributes([(SESSION_ATTRIBUTE, None)]);
        assert_eq!(shopper.session_id, None);
    }
}
