//! The default catalog's realism: stock, margins, prices, variant families, dates and status.

use std::collections::HashMap;

use demo::{DemoConfig, ProductStatus};

use crate::helpers::{default_shop, share};

#[test]
fn stock_has_sold_out_low_healthy_and_overstocked_variants() {
    let shop = default_shop();
    let stock: Vec<i64> = shop
        .products
        .iter()
        .flat_map(|p| &p.variants)
        .map(|v| v.inventory_available)
        .collect();
    let out = share(stock.iter().filter(|&&n| n == 0).count(), stock.len());
    let low = share(
        stock.iter().filter(|&&n| (1..=3).contains(&n)).count(),
        stock.len(),
    );
    let over = share(stock.iter().filter(|&&n| n >= 200).count(), stock.len());
    assert!((0.04..0.13).contains(&out), "out of stock {out}");
    assert!((0.08..0.17).contains(&low), "low stock {low}");
    assert!((0.06..0.15).contains(&over), "overstock {over}");
    assert!(stock.iter().all(|&n| n >= 0));
}

#[test]
fn some_costs_are_unknown_and_margins_vary_by_brand() {
    let shop = default_shop();
    let unknown = share(
        shop.products
            .iter()
            .filter(|p| p.variants[0].unit_cost_cents.is_none())
            .count(),
        shop.products.len(),
    );
    assert!((0.02..0.09).contains(&unknown), "unknown cost {unknown}");
    let mut by_brand: HashMap<u32, Vec<f64>> = HashMap::new();
    for product in &shop.products {
        for variant in &product.variants {
            let Some(cost) = variant.unit_cost_cents else {
                continue;
            };
            let ratio = cost as f64 / variant.price_cents as f64;
            assert!(
                (0.24..=0.71).contains(&ratio),
                "{} cost ratio {ratio}",
                variant.sku
            );
            by_brand
                .entry(product.brand_id)
                .or_default()
                .push(1.0 - ratio);
        }
    }
    let means: Vec<f64> = by_brand
        .values()
        .map(|m| m.iter().sum::<f64>() / m.len() as f64)
        .collect();
    let lowest = means.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(highest - lowest > 0.2, "brand margins {lowest}..{highest}");
}

#[test]
fn prices_are_shelf_prices_and_sales_are_marked_down() {
    let shop = default_shop();
    let variants: Vec<_> = shop.products.iter().flat_map(|p| &p.variants).collect();
    assert!(
        variants
            .iter()
            .all(|v| v.price_cents > 0 && [0, 95, 99].contains(&(v.price_cents % 100)))
    );
    assert!(
        variants
            .iter()
            .all(|v| v.compare_at_price_cents.is_none_or(|c| c > v.price_cents))
    );
    let on_sale = share(
        shop.products
            .iter()
            .filter(|p| p.variants[0].compare_at_price_cents.is_some())
            .count(),
        shop.products.len(),
    );
    assert!((0.05..0.25).contains(&on_sale), "on sale {on_sale}");
    let cheapest = variants.iter().map(|v| v.price_cents).min().unwrap_or(0);
    let dearest = variants.iter().map(|v| v.price_cents).max().unwrap_or(0);
    assert!(
        cheapest < 2_000 && dearest > 40_000,
        "price range {cheapest}..{dearest}"
    );
}

#[test]
fn apparel_comes_in_size_and_colour_families_and_others_in_a_few_variants() {
    let shop = default_shop();
    let departments: HashMap<u32, &str> = shop
        .categories
        .iter()
        .map(|c| (c.id, c.path.split(" > ").next().unwrap_or("")))
        .collect();
    for product in &shop.products {
        let n = product.variants.len();
        assert!((1..=12).contains(&n), "{} has {n} variants", product.title);
        let department = departments.get(&product.category_id).copied().unwrap_or("");
        if department.ends_with("Apparel") || department == "Shoes" {
            assert!(n >= 3, "{} has {n} variants", product.title);
            let options = &product.variants[0].options;
            assert_eq!(
                (options[0].0.as_str(), options[1].0.as_str()),
                ("Size", "Color")
            );
            assert_eq!(
                product.variants[0].title,
                format!("{} / {}", options[0].1, options[1].1)
            );
        }
        if matches!(department, "Home & Living" | "Kitchen" | "Beauty") {
            assert!(n <= 3, "{} has {n} variants", product.title);
        }
    }
}

#[test]
fn about_a_tenth_are_new_arrivals_and_the_rest_spread_over_two_years() {
    let shop = default_shop();
    let now = DemoConfig::default().now;
    let fresh = shop
        .products
        .iter()
        .filter(|p| now - p.created_at < 14 * 86_400)
        .count();
    assert!((0.06..0.14).contains(&share(fresh, shop.products.len())));
    assert!(
        shop.products
            .iter()
            .all(|p| p.created_at <= now && now - p.created_at <= 731 * 86_400)
    );
    let tagged = shop
        .products
        .iter()
        .filter(|p| p.tags.iter().any(|t| t == "new-arrival"))
        .count();
    assert_eq!(tagged, fresh);
}

#[test]
fn most_products_are_active_and_a_few_are_not() {
    let shop = default_shop();
    let active = shop
        .products
        .iter()
        .filter(|p| p.status == ProductStatus::Active)
        .count();
    assert!(share(active, shop.products.len()) > 0.9);
    assert!(
        shop.products
            .iter()
            .any(|p| p.status == ProductStatus::Draft)
    );
    assert!(
        shop.products
            .iter()
            .any(|p| p.status == ProductStatus::Archived)
    );
    assert!(
        shop.products
            .iter()
            .all(|p| p.image_hue < 360 && !p.description.is_empty() && !p.tags.is_empty())
    );
}
