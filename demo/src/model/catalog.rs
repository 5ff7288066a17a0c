//! Catalog types: categories, brands, collections, products and variants.

use serde::Serialize;

/// A node of the category tree: a top-level department or a leaf that products belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Stable id: top-level categories are `1..=N`, leaves are `top * 100 + k`.
    pub id: u32,
    /// Display name, e.g. `"Dresses"`.
    pub name: String,
    /// The parent's id; `None` for a top-level category.
    pub parent: Option<u32>,
    /// The full path, e.g. `"Women's Apparel > Dresses"`.
    pub path: String,
    /// Leaf ids whose products go together with this leaf's (dresses → heels → clutches).
    ///
    /// Only leaves carry adjacency, and it is symmetric: `a` lists `b` iff `b` lists `a`.
    pub adjacent: Vec<u32>,
}

impl Category {
    /// Whether this is a leaf (products hang off leaves only).
    #[must_use]
    pub fn is_leaf(&self) -> bool {
        self.parent.is_some()
    }
}

/// A brand's price positioning; it scales prices and shifts unit costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceTier {
    /// Affordable basics: lower prices, thinner margins.
    Budget,
    /// The middle of the market.
    Mid,
    /// Designer and luxury labels: high prices, fat margins.
    Premium,
}

impl PriceTier {
    /// Every tier, cheapest first.
    pub const ALL: [Self; 3] = [Self::Budget, Self::Mid, Self::Premium];

    /// A stable lowercase name (`"budget"`, `"mid"`, `"premium"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Budget => "budget",
            Self::Mid => "mid",
            Self::Premium => "premium",
        }
    }
}

/// A brand: products carry its name in the title and its vendor as the Shopify vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Brand {
    /// Stable id, `1..=N` in the order of the built-in brand table.
    pub id: u32,
    /// Display name, e.g. `"Solenne"`.
    pub name: String,
    /// The seller (marketplace partner) that owns the brand; one of [`crate::DemoShop::vendors`].
    pub vendor: String,
    /// Price positioning.
    pub tier: PriceTier,
    /// Ids of the 1-3 top-level categories the brand sells in.
    pub top_categories: Vec<u32>,
}

/// A Shopify collection: a merchandised list of products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// Shopify-like numeric id (12 digits).
    pub id: i64,
    /// URL handle, e.g. `"new-arrivals"`.
    pub handle: String,
    /// Display title, e.g. `"New Arrivals"`.
    pub title: String,
    /// Member product ids, in catalog order.
    pub product_ids: Vec<i64>,
}

/// Whether a product is published on the storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Published and shoppable.
    Active,
    /// Being prepared; never shown to shoppers.
    Draft,
    /// Retired; never shown to shoppers.
    Archived,
}

impl ProductStatus {
    /// The Shopify Admin API spelling (`"active"`, `"draft"`, `"archived"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Draft => "draft",
            Self::Archived => "archived",
        }
    }
}

/// A product with its variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// Shopify-like numeric id (13 digits), increasing with `created_at`.
    pub id: i64,
    /// Unique URL handle derived from the title.
    pub handle: String,
    /// Title: brand + style + material + noun, e.g. `"Solenne Wrap Silk Midi Dress"`.
    pub title: String,
    /// Two or three sentences of plain-text description.
    pub description: String,
    /// The leaf category id.
    pub category_id: u32,
    /// Shopify product type, e.g. `"Dresses"`.
    pub product_type: String,
    /// Shopify vendor: the seller that owns the brand.
    pub vendor: String,
    /// The brand's id.
    pub brand_id: u32,
    /// Lowercase tags: department, leaf, material, style, tier, and `new-arrival`/`sale` flags.
    pub tags: Vec<String>,
    /// Unix seconds when the product was created.
    pub created_at: i64,
    /// Publication status; most products are active.
    pub status: ProductStatus,
    /// A hue in `0..360` (the main colour's where there is one) for a placeholder image.
    pub image_hue: u16,
    /// One or more variants; the first is the default.
    pub variants: Vec<Variant>,
}

/// One purchasable variant of a product, e.g. size M in navy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// Shopify-like numeric id (14 digits).
    pub id: i64,
    /// Unique stock-keeping unit, e.g. `"SOL-00042-M-NVY"`.
    pub sku: String,
    /// Option values joined by `" / "`, e.g. `"M / Navy"`, or `"Default Title"`.
    pub title: String,
    /// Option name/value pairs in order, e.g. `[("Size", "M"), ("Color", "Navy")]`.
    pub options: Vec<(String, String)>,
    /// Selling price in cents.
    pub price_cents: i64,
    /// The "was" price in cents when the variant is on sale.
    pub compare_at_price_cents: Option<i64>,
    /// Unit cost in cents; `None` when the merchant never entered it (about 5% of products).
    pub unit_cost_cents: Option<i64>,
    /// Units available now: 0 (sold out), low (1-3), healthy, or overstock (hundreds).
    pub inventory_available: i64,
}
