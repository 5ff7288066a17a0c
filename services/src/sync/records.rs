//! The lines of a Shopify bulk-operation JSONL result, typed.
//!
//! A bulk query over products with nested variants returns one line per product, then one per
//! variant carrying `__parentId` (the product's GID); a query over collections with nested
//! products returns collection lines followed by `{"id": <product GID>, "__parentId":
//! <collection GID>}` membership lines; a query over orders with nested line items returns
//! order lines, each followed by its line items carrying the order's GID as `__parentId`
//! (the order query asks for grouped output). Unknown fields are ignored: Shopify adds fields over
//! time, and a new one must not stop a sync.

use crate::BoxError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::shopper::CustomAttribute;
use crate::signals::id;

/// One classified line.
#[derive(Debug)]
pub enum Line {
    /// A product.
    Product(Box<ProductLine>),
    /// A variant of a product.
    Variant(Box<VariantLine>),
    /// A collection.
    Collection(CollectionLine),
    /// A product belonging to a collection.
    Membership {
        /// Collection id.
        collection_id: i64,
        /// Product id.
        product_id: i64,
    },
    /// An order.
    Order(Box<OrderLine>),
    /// A line item of an order.
    LineItem(Box<LineItemLine>),
    /// A line of a type this sync does not use.
    Other,
}

/// Why a line could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// Not JSON, or a field of the wrong type.
    #[error("malformed line: {0}")]
    Malformed(#[source] BoxError),
    /// A GID that does not end in a numeric id.
    #[error("bad id: {0}")]
    BadId(String),
}

/// A product line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductLine {
    pub id: String,
    pub title: String,
    pub handle: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub product_type: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub category: Option<CategoryRef>,
    /// Metafield `custom.brand`, aliased as `brand` in the bulk query.
    pub brand: Option<MetafieldValue>,
    pub featured_image: Option<ImageRef>,
    /// Extra display attributes (the demo's image hue), aliased metafield.
    pub attributes: Option<MetafieldValue>,
}

/// Standard product taxonomy category.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRef {
    pub id: String,
    pub name: String,
    pub full_name: String,
}

/// A metafield's value.
#[derive(Debug, Deserialize)]
pub struct MetafieldValue {
    pub value: String,
}

/// An image.
#[derive(Debug, Deserialize)]
pub struct ImageRef {
    pub url: String,
}

/// A variant line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantLine {
    pub id: String,
    pub title: String,
    pub sku: Option<String>,
    pub price: String,
    pub compare_at_price: Option<String>,
    #[serde(default)]
    pub position: i32,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub selected_options: Vec<SelectedOption>,
    pub inventory_quantity: Option<i64>,
    pub inventory_item: Option<InventoryItemRef>,
    #[serde(rename = "__parentId")]
    pub parent_id: String,
}

/// One option of a variant.
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct SelectedOption {
    pub name: String,
    pub value: String,
}

/// The variant's inventory item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemRef {
    pub id: String,
    pub unit_cost: Option<MoneyRef>,
}

/// A `MoneyV2`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyRef {
    pub amount: String,
    pub currency_code: String,
}

/// A collection line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionLine {
    pub id: String,
    pub handle: String,
    pub title: String,
    pub updated_at: DateTime<Utc>,
}

/// An order line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// Shop currency.
    pub currency_code: String,
    pub total_price_set: MoneyBag,
    pub customer: Option<IdRef>,
    /// Cart attributes copied onto the order (the theme script's shopper ids among them).
    #[serde(default)]
    pub custom_attributes: Vec<CustomAttribute>,
}

/// A line item line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemLine {
    pub id: String,
    pub quantity: i64,
    pub original_unit_price_set: MoneyBag,
    pub product: Option<IdRef>,
    pub variant: Option<IdRef>,
    #[serde(rename = "__parentId")]
    pub parent_id: String,
}

/// A `MoneyBag`; amounts are kept in the shop currency.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyBag {
    pub shop_money: MoneyRef,
}

/// An object reduced to its GID.
#[derive(Debug, Deserialize)]
pub struct IdRef {
    pub id: String,
}

/// The object type named in a GID (`gid://shopify/ProductVariant/1` → `ProductVariant`).
pub fn gid_type(gid: &str) -> Option<&str> {
    gid.strip_prefix("gid://shopify/")?.split('/').next()
}

/// Parses the numeric part of a GID.
///
/// # Errors
/// [`LineError::BadId`].
pub fn gid_number(gid: &str) -> Result<i64, LineError> {
    id::parse(gid).map_err(LineError::BadId)
}

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, LineError> {
    serde_json::from_value(value).map_err(|err| LineError::Malformed(err.into()))
}

/// Classifies and parses one JSONL line.
///
/// # Errors
/// [`LineError`] when the line is not JSON or its fields do not parse.
pub fn parse_line(text: &str) -> Result<Line, LineError> {
    let value: Value =
        serde_json::from_str(text).map_err(|err| LineError::Malformed(err.into()))?;
    let object_id = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let parent = value
        .get("__parentId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match (gid_type(&object_id), parent.as_deref().and_then(gid_type)) {
        (Some("Product"), None) => Ok(Line::Product(Box::new(typed(value)?))),
        (Some("ProductVariant"), Some("Product")) => Ok(Line::Variant(Box::new(typed(value)?))),
        (Some("Collection"), None) => Ok(Line::Collection(typed(value)?)),
        (Some("Order"), None) => Ok(Line::Order(Box::new(typed(value)?))),
        (Some("LineItem"), Some("Order")) => Ok(Line::LineItem(Box::new(typed(value)?))),
        (Some("Product"), Some("Collection")) => Ok(Line::Membership {
            collection_id: gid_number(parent.as_deref().unwrap_or_default())?,
            product_id: gid_number(&object_id)?,
        }),
        _ => Ok(Line::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_products_variants_collections_and_memberships() {
        let product = r#"{"id":"gid://shopify/Product/9007199254740993","title":"Dress","handle":"dress","status":"ACTIVE","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-02T00:00:00Z","newField":{"x":1}}"#;
        let variant = r#"{"id":"gid://shopify/ProductVariant/2","title":"M","price":"19.990","updatedAt":"2026-01-02T00:00:00Z","__parentId":"gid://shopify/Product/1"}"#;
        let membership =
            r#"{"id":"gid://shopify/Product/1","__parentId":"gid://shopify/Collection/7"}"#;

        assert!(matches!(parse_line(product), Ok(Line::Product(p)) if p.id.ends_with("740993")));
        assert!(matches!(parse_line(variant), Ok(Line::Variant(v)) if v.price == "19.990"));
        assert!(matches!(
            parse_line(membership),
            Ok(Line::Membership {
                collection_id: 7,
                product_id: 1
            })
        ));
        assert!(matches!(
            parse_line(r#"{"id":"gid://shopify/Location/1"}"#),
            Ok(Line::Other)
        ));
    }

    #[test]
    fn classifies_orders_and_their_line_items() {
        let order = r#"{"id":"gid://shopify/Order/9007199254740995","createdAt":"2026-11-01T10:00:00Z","currencyCode":"EUR","totalPriceSet":{"shopMoney":{"amount":"59.9","currencyCode":"EUR"}},"customer":{"id":"gid://shopify/Customer/4"},"unknown":1}"#;
        let item = r#"{"id":"gid://shopify/LineItem/5","quantity":2,"originalUnitPriceSet":{"shopMoney":{"amount":"29.95","currencyCode":"EUR"}},"product":{"id":"gid://shopify/Product/1"},"variant":null,"__parentId":"gid://shopify/Order/9007199254740995"}"#;

        assert!(
            matches!(parse_line(order), Ok(Line::Order(o)) if o.total_price_set.shop_money.amount == "59.9")
        );
        assert!(
            matches!(parse_line(item), Ok(Line::LineItem(i)) if i.quantity == 2 && i.variant.is_none())
        );
        let tagged = r#"{"id":"gid://shopify/Order/7","createdAt":"2026-11-01T10:00:00Z","currencyCode":"EUR","totalPriceSet":{"shopMoney":{"amount":"1","currencyCode":"EUR"}},"customer":null,"customAttributes":[{"key":"_meander_sid","value":"s-9"}]}"#;
        assert!(
            matches!(parse_line(tagged), Ok(Line::Order(o)) if o.custom_attributes[0].value.as_deref() == Some("s-9"))
        );
        let no_price = r#"{"id":"gid://shopify/LineItem/5","quantity":2,"__parentId":"gid://shopify/Order/1"}"#;
        assert!(parse_line(no_price).is_err());
    }

    #[test]
    fn malformed_lines_are_errors_not_panics() {
        assert!(matches!(parse_line("[]"), Ok(Line::Other)));
        for bad in [
            "",
            "{",
            r#"{"id":"gid://shopify/Product/1","title":5}"#,
            r#"{"id":"gid://shopify/Product/x","__parentId":"gid://shopify/Collection/1"}"#,
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }
}
