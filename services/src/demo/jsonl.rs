//! The demo catalog rendered exactly as a Shopify bulk operation returns it, so the demo
//! shop enters through the same ingest code as a real shop's catalog.

use std::io::Write;

use chrono::{DateTime, SecondsFormat};
use demo::{Category, DemoShop, Product, Variant};
use entity::Money;
use serde_json::{Value, json};

/// Hierarchical key of a demo category, in the style of Shopify's taxonomy ids (`aa-1-4`):
/// top-level `dm3`, leaf `dm3-7` (the generator numbers leaves `top * 100 + k`).
#[must_use]
pub fn category_key(id: u32) -> String {
    if id < 100 {
        format!("dm{id}")
    } else {
        format!("dm{}-{}", id / 100, id % 100)
    }
}

fn timestamp(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn price(cents: i64) -> String {
    Money::from_minor(cents).to_string()
}

/// Writes the products-with-variants and collections-with-products results, one JSON
/// object per line.
///
/// # Errors
/// The writer's I/O error.
pub fn write(shop: &DemoShop, out: &mut impl Write) -> std::io::Result<()> {
    for product in &shop.products {
        writeln!(out, "{}", product_line(shop, product))?;
        for (position, variant) in (1_i32..).zip(&product.variants) {
            writeln!(out, "{}", variant_line(shop, product, variant, position))?;
        }
    }
    for collection in &shop.collections {
        let gid = format!("gid://shopify/Collection/{}", collection.id);
        let line = json!({
            "id": gid, "handle": collection.handle, "title": collection.title,
            "updatedAt": timestamp(0),
        });
        writeln!(out, "{line}")?;
        for product_id in &collection.product_ids {
            let member =
                json!({"id": format!("gid://shopify/Product/{product_id}"), "__parentId": gid});
            writeln!(out, "{member}")?;
        }
    }
    Ok(())
}

fn product_line(shop: &DemoShop, product: &Product) -> Value {
    let brand = shop
        .brands
        .iter()
        .find(|brand| brand.id == product.brand_id);
    let attributes = json!({
        "image_hue": product.image_hue,
        "price_tier": brand.map(|brand| brand.tier.as_str()),
    });
    json!({
        "id": format!("gid://shopify/Product/{}", product.id),
        "title": product.title,
        "handle": product.handle,
        "description": product.description,
        "vendor": product.vendor,
        "productType": product.product_type,
        "tags": product.tags,
        "status": product.status.as_str().to_ascii_uppercase(),
        "createdAt": timestamp(product.created_at),
        "updatedAt": timestamp(product.created_at),
        "category": category_ref(&shop.categories, product.category_id),
        "brand": brand.map(|brand| json!({"value": brand.name})),
        "attributes": {"value": attributes.to_string()},
    })
}

fn category_ref(categories: &[Category], id: u32) -> Value {
    let Some(leaf) = categories.iter().find(|cat| cat.id == id) else {
        return Value::Null;
    };
    json!({
        "id": format!("gid://shopify/TaxonomyCategory/{}", category_key(leaf.id)),
        "name": leaf.name,
        "fullName": leaf.path,
    })
}

fn variant_line(shop: &DemoShop, product: &Product, variant: &Variant, position: i32) -> Value {
    let options: Vec<Value> = variant
        .options
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let unit_cost = variant
        .unit_cost_cents
        .map(|cents| json!({"amount": price(cents), "currencyCode": shop.currency}));
    json!({
        "id": format!("gid://shopify/ProductVariant/{}", variant.id),
        "title": variant.title,
        "sku": variant.sku,
        "price": price(variant.price_cents),
        "compareAtPrice": variant.compare_at_price_cents.map(price),
        "position": position,
        "updatedAt": timestamp(product.created_at),
        "selectedOptions": options,
        "inventoryQuantity": variant.inventory_available,
        "inventoryItem": {
            "id": format!("gid://shopify/InventoryItem/{}", variant.id),
            "unitCost": unit_cost,
        },
        "__parentId": format!("gid://shopify/Product/{}", product.id),
    })
}
