//! Webhook payloads (REST resource format), typed, and converted into the bulk line types so
//! both paths share one row mapping.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::shopper::NoteAttribute;

use super::records::{
    CategoryRef, CollectionLine, InventoryItemRef, ProductLine, SelectedOption, VariantLine,
};

/// `products/create` and `products/update`.
#[derive(Debug, Deserialize)]
pub struct ProductPayload {
    pub id: i64,
    pub title: String,
    pub handle: String,
    #[serde(default)]
    pub body_html: Option<String>,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub product_type: String,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    #[serde(default = "active")]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub variants: Vec<VariantPayload>,
    #[serde(default)]
    pub options: Vec<OptionPayload>,
    pub image: Option<ImagePayload>,
    pub category: Option<CategoryPayload>,
}

fn active() -> String {
    "active".into()
}

/// One variant inside a product payload.
#[derive(Debug, Deserialize)]
pub struct VariantPayload {
    pub id: i64,
    #[serde(default)]
    pub title: String,
    pub price: String,
    pub sku: Option<String>,
    pub compare_at_price: Option<String>,
    #[serde(default)]
    pub position: i32,
    pub option1: Option<String>,
    pub option2: Option<String>,
    pub option3: Option<String>,
    pub inventory_item_id: Option<i64>,
    pub inventory_quantity: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// Product option names, in order.
#[derive(Debug, Deserialize)]
pub struct OptionPayload {
    pub name: String,
}

/// Main image.
#[derive(Debug, Deserialize)]
pub struct ImagePayload {
    pub src: String,
}

/// Standard taxonomy category.
#[derive(Debug, Deserialize)]
pub struct CategoryPayload {
    pub admin_graphql_api_id: String,
    pub name: String,
    pub full_name: String,
}

/// `inventory_items/update`.
#[derive(Debug, Deserialize)]
pub struct InventoryItemPayload {
    pub id: i64,
    /// Unit cost as a decimal string; `null` when unknown.
    pub cost: Option<String>,
}

/// `inventory_levels/update`.
#[derive(Debug, Deserialize)]
pub struct InventoryLevelPayload {
    pub inventory_item_id: i64,
    pub location_id: i64,
    pub available: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// `orders/create`.
#[derive(Debug, Deserialize)]
pub struct OrderPayload {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub currency: String,
    pub total_price: String,
    pub customer: Option<IdPayload>,
    #[serde(default)]
    pub line_items: Vec<LineItemPayload>,
    /// Cart attributes copied onto the order (the theme script's shopper ids among them).
    #[serde(default)]
    pub note_attributes: Vec<NoteAttribute>,
}

/// An object reduced to its id.
#[derive(Debug, Deserialize)]
pub struct IdPayload {
    pub id: i64,
}

/// An order line.
#[derive(Debug, Deserialize)]
pub struct LineItemPayload {
    pub product_id: Option<i64>,
    pub variant_id: Option<i64>,
    pub quantity: i64,
    pub price: String,
}

/// `collections/create` and `collections/update`.
#[derive(Debug, Deserialize)]
pub struct CollectionPayload {
    pub id: i64,
    pub handle: String,
    pub title: String,
    pub updated_at: DateTime<Utc>,
}

impl ProductPayload {
    /// The product and its variants as bulk lines.
    pub fn into_lines(self) -> (ProductLine, Vec<VariantLine>) {
        let product_gid = format!("gid://shopify/Product/{}", self.id);
        let option_names: Vec<String> = self.options.into_iter().map(|o| o.name).collect();
        let variants = self
            .variants
            .into_iter()
            .map(|variant| variant.into_line(&product_gid, &option_names))
            .collect();
        let product = ProductLine {
            id: product_gid,
            title: self.title,
            handle: self.handle,
            description: self
                .body_html
                .map(|html| strip_tags(&html))
                .unwrap_or_default(),
            vendor: self.vendor,
            product_type: self.product_type,
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            category: self.category.map(|cat| CategoryRef {
                id: cat.admin_graphql_api_id,
                name: cat.name,
                full_name: cat.full_name,
            }),
            brand: None,
            featured_image: self
                .image
                .map(|image| super::records::ImageRef { url: image.src }),
            attributes: None,
        };
        (product, variants)
    }
}

impl VariantPayload {
    fn into_line(self, product_gid: &str, option_names: &[String]) -> VariantLine {
        let values = [self.option1, self.option2, self.option3];
        let selected_options = option_names
            .iter()
            .zip(values)
            .filter_map(|(name, value)| {
                Some(SelectedOption {
                    name: name.clone(),
                    value: value?,
                })
            })
            .collect();
        VariantLine {
            id: format!("gid://shopify/ProductVariant/{}", self.id),
            title: self.title,
            sku: self.sku,
            price: self.price,
            compare_at_price: self.compare_at_price,
            position: self.position,
            updated_at: self.updated_at,
            selected_options,
            inventory_quantity: self.inventory_quantity,
            inventory_item: self.inventory_item_id.map(|id| InventoryItemRef {
                id: format!("gid://shopify/InventoryItem/{id}"),
                unit_cost: None,
            }),
            parent_id: product_gid.to_owned(),
        }
    }
}

impl CollectionPayload {
    /// The collection as a bulk line.
    pub fn into_line(self) -> CollectionLine {
        CollectionLine {
            id: format!("gid://shopify/Collection/{}", self.id),
            handle: self.handle,
            title: self.title,
            updated_at: self.updated_at,
        }
    }
}

/// Descriptions arrive as HTML; the ranker and previews want text.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
