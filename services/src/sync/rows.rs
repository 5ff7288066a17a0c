//! Bulk lines turned into table rows, deduplicated per batch by primary key (one INSERT …
//! ON CONFLICT may not touch the same row twice on PostgreSQL).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    Money, category, collection, inventory, order, order_line, product, product_collection, variant,
};
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::{Value, json};

use super::records::{
    CategoryRef, CollectionLine, LineError, LineItemLine, OrderLine, ProductLine, VariantLine,
    gid_number,
};
use super::shopper;

/// Rows waiting to be written, keyed so that a repeated object keeps its last version.
#[derive(Default)]
pub struct RowBatch {
    pub categories: HashMap<String, category::ActiveModel>,
    pub products: HashMap<i64, product::ActiveModel>,
    pub variants: HashMap<i64, variant::ActiveModel>,
    pub inventory: HashMap<i64, inventory::ActiveModel>,
    pub collections: HashMap<i64, collection::ActiveModel>,
    pub memberships: HashMap<(i64, i64), product_collection::ActiveModel>,
    pub orders: HashMap<i64, order::ActiveModel>,
    pub order_lines: HashMap<(i64, i32), order_line::ActiveModel>,
    /// Lines represented in this batch.
    pub lines: u64,
}

impl RowBatch {
    /// Adds a product and the categories on its taxonomy path.
    ///
    /// # Errors
    /// [`LineError::BadId`] when its id is not a product GID.
    pub fn add_product(&mut self, shop_id: i64, line: ProductLine) -> Result<(), LineError> {
        let id = gid_number(&line.id)?;
        let category_id = line
            .category
            .as_ref()
            .map(|cat| self.add_categories(shop_id, cat));
        let attributes = line
            .attributes
            .and_then(|meta| serde_json::from_str::<Value>(&meta.value).ok())
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let brand = line.brand.map(|meta| meta.value).filter(|b| !b.is_empty());
        self.products.insert(
            id,
            product::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(id),
                handle: Set(line.handle),
                title: Set(line.title),
                description: Set(line.description),
                product_type: Set(line.product_type),
                brand: Set(brand.unwrap_or_else(|| line.vendor.clone())),
                vendor: Set(line.vendor),
                category_id: Set(category_id),
                tags: Set(json!(line.tags)),
                attributes: Set(attributes),
                status: Set(line.status.to_ascii_lowercase()),
                image_url: Set(line.featured_image.map(|image| image.url)),
                published_at: Set(line.created_at),
                source_updated_at: Set(line.updated_at),
                deleted_at: Set(None),
            },
        );
        Ok(())
    }

    /// Taxonomy ids encode the path (`aa-1-4` under `aa-1` under `aa`); `fullName` names it.
    /// Every level becomes a row so the tree is complete; returns the leaf's key.
    fn add_categories(&mut self, shop_id: i64, cat: &CategoryRef) -> String {
        let leaf = cat.id.rsplit('/').next().unwrap_or(&cat.id).to_owned();
        let names: Vec<&str> = cat.full_name.split(" > ").collect();
        let segments: Vec<&str> = leaf.split('-').collect();
        let levels = if names.len() == segments.len() {
            segments.len()
        } else {
            1
        };
        for depth in 0..levels {
            let key = if levels == 1 {
                leaf.clone()
            } else {
                segments[..=depth].join("-")
            };
            let parent = (depth > 0).then(|| segments[..depth].join("-"));
            let name = if levels == 1 {
                cat.name.as_str()
            } else {
                names[depth]
            };
            let path = if levels == 1 {
                cat.full_name.clone()
            } else {
                names[..=depth].join(" > ")
            };
            self.categories.insert(
                key.clone(),
                category::ActiveModel {
                    shop_id: Set(shop_id),
                    id: Set(key),
                    name: Set(name.to_owned()),
                    parent_id: Set(parent),
                    full_path: Set(path),
                    depth: Set(i32::try_from(depth).unwrap_or(0)),
                },
            );
        }
        leaf
    }

    /// Adds a variant with its stock and unit cost. `stock_at` is when the line's stock was
    /// true at the source: the time of a bulk snapshot, or the variant's `updated_at` in a
    /// webhook payload; a stored stock newer than that is kept.
    ///
    /// # Errors
    /// [`LineError`] for a bad id or a price that does not parse in the shop currency.
    pub fn add_variant(
        &mut self,
        shop_id: i64,
        exponent: u32,
        line: VariantLine,
        stock_at: DateTime<Utc>,
    ) -> Result<(), LineError> {
        let id = gid_number(&line.id)?;
        let price = money(&line.price, exponent)?;
        let compare_at = line
            .compare_at_price
            .as_deref()
            .map(|text| money(text, exponent))
            .transpose()?;
        let item = line.inventory_item.as_ref();
        let unit_cost = match item.and_then(|item| item.unit_cost.as_ref()) {
            Some(cost) => Some(money(&cost.amount, exponent)?),
            None => None,
        };
        self.variants.insert(
            id,
            variant::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(id),
                product_id: Set(gid_number(&line.parent_id)?),
                title: Set(line.title),
                sku: Set(line.sku.filter(|sku| !sku.is_empty())),
                options: Set(json!(
                    line.selected_options
                        .iter()
                        .map(|opt| [opt.name.as_str(), opt.value.as_str()])
                        .collect::<Vec<_>>()
                )),
                price_minor: Set(price),
                compare_at_price_minor: Set(compare_at),
                position: Set(line.position),
                source_updated_at: Set(line.updated_at),
            },
        );
        self.inventory.insert(
            id,
            inventory::ActiveModel {
                shop_id: Set(shop_id),
                variant_id: Set(id),
                inventory_item_id: Set(item.map(|item| gid_number(&item.id)).transpose()?),
                available: Set(line.inventory_quantity.unwrap_or(0)),
                unit_cost_minor: Set(unit_cost),
                updated_at: Set(Utc::now()),
                source_updated_at: Set(Some(stock_at)),
                restocked_at: NotSet,
            },
        );
        Ok(())
    }

    /// Adds a collection.
    ///
    /// # Errors
    /// [`LineError::BadId`].
    pub fn add_collection(&mut self, shop_id: i64, line: CollectionLine) -> Result<(), LineError> {
        let id = gid_number(&line.id)?;
        self.collections.insert(
            id,
            collection::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(id),
                handle: Set(line.handle),
                title: Set(line.title),
                source_updated_at: Set(line.updated_at),
            },
        );
        Ok(())
    }

    /// Adds a collection membership; position follows the order of the file.
    pub fn add_membership(
        &mut self,
        shop_id: i64,
        collection_id: i64,
        product_id: i64,
        position: i32,
    ) {
        self.memberships.insert(
            (collection_id, product_id),
            product_collection::ActiveModel {
                shop_id: Set(shop_id),
                collection_id: Set(collection_id),
                product_id: Set(product_id),
                position: Set(position),
            },
        );
    }

    /// Adds an order (amounts in the shop currency).
    ///
    /// # Errors
    /// [`LineError`] for a bad id or total.
    pub fn add_order(
        &mut self,
        shop_id: i64,
        exponent: u32,
        line: OrderLine,
    ) -> Result<(), LineError> {
        let id = gid_number(&line.id)?;
        let total = money(&line.total_price_set.shop_money.amount, exponent)?;
        let customer_id = line.customer.map(|c| gid_number(&c.id)).transpose()?;
        let shopper = shopper::from_custom_attributes(&line.custom_attributes);
        self.orders.insert(
            id,
            order::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(id),
                customer_id: Set(customer_id),
                session_id: Set(shopper.session_id),
                anonymous_id: Set(shopper.anonymous_id),
                currency: Set(line.currency_code),
                total_minor: Set(total),
                placed_at: Set(line.created_at),
            },
        );
        Ok(())
    }

    /// Adds the `line_no`-th line item of its order.
    ///
    /// # Errors
    /// [`LineError`] for a bad id or price.
    pub fn add_line_item(
        &mut self,
        shop_id: i64,
        exponent: u32,
        line: LineItemLine,
        line_no: i32,
    ) -> Result<(), LineError> {
        let order_id = gid_number(&line.parent_id)?;
        let price = money(&line.original_unit_price_set.shop_money.amount, exponent)?;
        let product_id = line.product.map(|p| gid_number(&p.id)).transpose()?;
        let variant_id = line.variant.map(|v| gid_number(&v.id)).transpose()?;
        self.order_lines.insert(
            (order_id, line_no),
            order_line::ActiveModel {
                shop_id: Set(shop_id),
                order_id: Set(order_id),
                line_no: Set(line_no),
                product_id: Set(product_id),
                variant_id: Set(variant_id),
                quantity: Set(line.quantity),
                price_minor: Set(price),
            },
        );
        Ok(())
    }
}

fn money(text: &str, exponent: u32) -> Result<i64, LineError> {
    Money::parse_decimal(text, exponent)
        .map(Money::minor)
        .map_err(|err| LineError::Malformed(err.into()))
}
