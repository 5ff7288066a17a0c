//! One product: title, text, variants with prices, costs and stock, dates and status.

use std::collections::HashMap;

use rand::Rng as _;

use super::Meta;
use super::pricing::{self, StockState};
use super::text::{self, TitleParts};
use super::variants::{self, VariantPlan};
use crate::brands::BrandInfo;
use crate::model::{Product, ProductStatus, Variant};
use crate::rng::{self, Rng};
use crate::taxonomy::{Leaf, LeafSpec, Taxonomy};
use crate::words::slugify;

const DAY: i64 = 86_400;
/// Products created this recently are "new arrivals".
pub(crate) const NEW_ARRIVAL_DAYS: i64 = 14;
/// The oldest products were created this long ago.
const CATALOG_AGE_DAYS: i64 = 730;

/// Whether a product created at `created_at` counts as a new arrival at `now`.
pub(crate) fn is_new_arrival(created_at: i64, now: i64) -> bool {
    now.saturating_sub(created_at) < NEW_ARRIVAL_DAYS * DAY
}

/// Shared inputs for drafting products.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The category tree.
    pub taxonomy: &'a Taxonomy,
    /// The brands.
    pub brands: &'a [BrandInfo],
    /// "Now" in unix seconds.
    pub now: i64,
}

/// A product before ids are assigned, with its simulator metadata.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    /// The public record (ids still zero).
    pub product: Product,
    /// Simulator metadata (attractiveness still zero).
    pub meta: Meta,
}

/// The money side of a product, drawn once and applied to every variant.
#[derive(Debug, Clone, Copy)]
struct Economics {
    base_dollars: f64,
    discount: Option<f64>,
    cost_ratio: Option<f64>,
    stock: StockState,
}

/// Drafts one product of `brand` in `leaf`; `titles` counts handle slugs so handles stay unique.
pub(crate) fn draft(
    rng: &mut Rng,
    ctx: &Context<'_>,
    leaf_index: usize,
    brand_index: usize,
    seq: usize,
    titles: &mut HashMap<String, u32>,
) -> Draft {
    let leaf = &ctx.taxonomy.leaves[leaf_index];
    let info = &ctx.brands[brand_index];
    let brand = &info.brand;
    let parts = fresh_title(rng, ctx.taxonomy, leaf, &brand.name, titles);
    let title = parts.title(&brand.name);
    let handle = unique_handle(titles, &title);
    let economics = Economics::draw(rng, leaf.spec, info);
    let plans = variants::plan(rng, leaf.spec.scheme);
    let image_hue = plans
        .first()
        .and_then(|p| p.hue)
        .unwrap_or_else(|| rng.random_range(0..360));
    let variants = build_variants(rng, &plans, economics, &info.code, seq);
    let created_at = created_at(rng, ctx.now);
    let mut tags = text::tags(ctx.taxonomy, leaf, parts, brand.tier);
    if is_new_arrival(created_at, ctx.now) {
        tags.push("new-arrival".to_owned());
    }
    if economics.discount.is_some() {
        tags.push("sale".to_owned());
    }
    let product = Product {
        id: 0,
        handle,
        description: text::description(rng, ctx.taxonomy, leaf, parts, &brand.name),
        title,
        category_id: leaf.id,
        product_type: leaf.spec.name.to_owned(),
        vendor: brand.vendor.clone(),
        brand_id: brand.id,
        tags,
        created_at,
        status: status(rng),
        image_hue,
        variants,
    };
    let price = product
        .variants
        .first()
        .map_or(0.0, |v| pricing::price_cents_to_dollars(v.price_cents));
    let meta = Meta {
        leaf: leaf_index,
        brand: brand_index,
        price,
        attractiveness: 0.0,
    };
    Draft { product, meta }
}

/// Title words whose title no earlier product has; a few redraws avoid most duplicates and the
/// handle suffix covers the rest.
fn fresh_title(
    rng: &mut Rng,
    taxonomy: &Taxonomy,
    leaf: &Leaf,
    brand: &str,
    titles: &HashMap<String, u32>,
) -> TitleParts {
    let mut parts = TitleParts::draw(rng, taxonomy, leaf);
    for _ in 0..4 {
        if !titles.contains_key(&slugify(&parts.title(brand))) {
            break;
        }
        parts = TitleParts::draw(rng, taxonomy, leaf);
    }
    parts
}

impl Economics {
    /// Base price from leaf × tier with log-normal noise; 14% on sale; 5% with unknown cost.
    fn draw(rng: &mut Rng, leaf: &LeafSpec, info: &BrandInfo) -> Self {
        let tier = info.brand.tier;
        Self {
            base_dollars: leaf.base_price
                * pricing::tier_price_factor(tier)
                * rng::log_normal(rng, 0.3),
            discount: rng
                .random_bool(0.14)
                .then(|| *rng::pick(rng, &[0.2, 0.25, 0.3, 0.4, 0.5]).unwrap_or(&0.2)),
            cost_ratio: rng
                .random_bool(0.95)
                .then(|| pricing::cost_ratio(rng, leaf.cost_ratio, tier, info.cost_shift)),
            stock: pricing::stock_state(rng),
        }
    }
}

fn build_variants(
    rng: &mut Rng,
    plans: &[VariantPlan],
    economics: Economics,
    code: &str,
    seq: usize,
) -> Vec<Variant> {
    plans
        .iter()
        .map(|plan| {
            let price_cents = pricing::charm_cents(economics.base_dollars * plan.price_factor);
            let state = pricing::variant_state(rng, economics.stock);
            Variant {
                id: 0,
                sku: sku(code, seq, plan),
                title: plan
                    .options
                    .iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" / "),
                options: plan.options.clone(),
                price_cents,
                compare_at_price_cents: economics
                    .discount
                    .map(|d| pricing::compare_at_cents(price_cents, d)),
                unit_cost_cents: economics
                    .cost_ratio
                    .map(|r| pricing::cost_cents(price_cents, r)),
                inventory_available: pricing::stock_units(rng, state),
            }
        })
        .collect()
}

/// "SOL-00042-M-NAVY": brand code, catalog sequence, option values.
fn sku(code: &str, seq: usize, plan: &VariantPlan) -> String {
    let mut sku = format!("{code}-{seq:05}");
    for (_, value) in &plan.options {
        let part: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
        if part != "DefaultTitle" {
            sku.push('-');
            sku.push_str(&part.to_ascii_uppercase());
        }
    }
    sku
}

/// The title's slug, suffixed `-2`, `-3`, … when an earlier product took it.
fn unique_handle(seen: &mut HashMap<String, u32>, title: &str) -> String {
    let slug = slugify(title);
    let count = seen.entry(slug.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        slug
    } else {
        format!("{slug}-{count}")
    }
}

/// ~10% new arrivals in the last two weeks; the rest spread over two years before that.
fn created_at(rng: &mut Rng, now: i64) -> i64 {
    let age = if rng.random_bool(0.10) {
        rng.random_range(0..NEW_ARRIVAL_DAYS * DAY)
    } else {
        rng.random_range(NEW_ARRIVAL_DAYS * DAY..CATALOG_AGE_DAYS * DAY)
    };
    now.saturating_sub(age)
}

/// Mostly active; a few drafts being prepared and archived leftovers.
fn status(rng: &mut Rng) -> ProductStatus {
    let u: f64 = rng.random();
    if u < 0.03 {
        ProductStatus::Draft
    } else if u < 0.05 {
        ProductStatus::Archived
    } else {
        ProductStatus::Active
    }
}
