//! The default shop's shape: counts, the category tree, brands, vendors and unique ids.

use std::collections::{HashMap, HashSet};

use demo::ProductStatus;

use crate::helpers::{all_unique, default_shop};

#[test]
fn the_default_shop_meets_the_size_requirements() {
    let shop = default_shop();
    let tops = shop
        .categories
        .iter()
        .filter(|c| c.parent.is_none())
        .count();
    let leaves = shop
        .categories
        .iter()
        .filter(|c| c.parent.is_some())
        .count();
    assert!(shop.products.len() >= 3_000);
    assert!(tops >= 8, "{tops} top-level categories");
    assert!(leaves >= 30, "{leaves} leaves");
    assert!(shop.brands.len() >= 40);
    assert!(shop.vendors.len() >= 5);
    assert_eq!(shop.shop_domain, "meander-demo.myshopify.com");
    assert_eq!(shop.currency, "USD");
}

#[test]
fn adjacency_is_symmetric_and_only_between_leaves() {
    let shop = default_shop();
    let by_id: HashMap<u32, _> = shop.categories.iter().map(|c| (c.id, c)).collect();
    for category in &shop.categories {
        if category.parent.is_none() {
            assert!(
                category.adjacent.is_empty(),
                "{} is a department",
                category.name
            );
            continue;
        }
        assert!(
            !category.adjacent.is_empty(),
            "{} has no partner",
            category.name
        );
        for other in &category.adjacent {
            let partner = by_id.get(other);
            assert!(
                partner.is_some_and(|p| p.parent.is_some()),
                "{other} is not a leaf"
            );
            assert!(
                partner.is_some_and(|p| p.adjacent.contains(&category.id)),
                "{} -> {other} one-way",
                category.name
            );
            assert_ne!(*other, category.id);
        }
    }
}

#[test]
fn category_paths_and_parents_agree() {
    let shop = default_shop();
    let names: HashMap<u32, &str> = shop
        .categories
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    for leaf in shop.categories.iter().filter(|c| c.parent.is_some()) {
        let parent = leaf
            .parent
            .and_then(|p| names.get(&p))
            .copied()
            .unwrap_or("?");
        assert_eq!(leaf.path, format!("{parent} > {}", leaf.name));
    }
    let dresses = shop.categories.iter().find(|c| c.name == "Dresses");
    let partners: Vec<&str> = dresses.map_or(Vec::new(), |d| {
        d.adjacent
            .iter()
            .filter_map(|a| names.get(a).copied())
            .collect()
    });
    for expected in ["Heels", "Clutches", "Earrings"] {
        assert!(
            partners.contains(&expected),
            "dresses should go with {expected}: {partners:?}"
        );
    }
}

#[test]
fn every_product_hangs_off_a_leaf_of_one_of_its_brands_departments() {
    let shop = default_shop();
    let parents: HashMap<u32, Option<u32>> =
        shop.categories.iter().map(|c| (c.id, c.parent)).collect();
    let brands: HashMap<u32, _> = shop.brands.iter().map(|b| (b.id, b)).collect();
    for product in &shop.products {
        let parent = parents.get(&product.category_id).copied().flatten();
        assert!(parent.is_some(), "{} is not on a leaf", product.title);
        let brand = brands.get(&product.brand_id);
        assert!(brand.is_some_and(|b| parent.is_some_and(|p| b.top_categories.contains(&p))));
        assert!(
            brand.is_some_and(|b| b.vendor == product.vendor && product.title.starts_with(&b.name))
        );
        assert!(shop.vendors.contains(&product.vendor));
    }
    for brand in &shop.brands {
        assert!(
            (1..=3).contains(&brand.top_categories.len()),
            "{}",
            brand.name
        );
    }
    let used_vendors: HashSet<&str> = shop.products.iter().map(|p| p.vendor.as_str()).collect();
    assert!(used_vendors.len() >= 5);
}

#[test]
fn ids_handles_skus_and_emails_are_unique() {
    let shop = default_shop();
    assert!(all_unique(shop.products.iter().map(|p| p.id)));
    assert!(all_unique(shop.products.iter().map(|p| p.handle.as_str())));
    assert!(all_unique(
        shop.products.iter().flat_map(|p| &p.variants).map(|v| v.id)
    ));
    assert!(all_unique(
        shop.products
            .iter()
            .flat_map(|p| &p.variants)
            .map(|v| v.sku.as_str())
    ));
    assert!(all_unique(shop.categories.iter().map(|c| c.id)));
    assert!(all_unique(shop.brands.iter().map(|b| b.id)));
    assert!(all_unique(shop.collections.iter().map(|c| c.id)));
    assert!(all_unique(
        shop.collections.iter().map(|c| c.handle.as_str())
    ));
    assert!(all_unique(shop.customers.iter().map(|c| c.id)));
    assert!(all_unique(shop.customers.iter().map(|c| c.email.as_str())));
    assert!(all_unique(shop.sessions.iter().map(|s| s.id.as_str())));
    assert!(all_unique(shop.orders.iter().map(|o| o.id)));
    assert!(
        shop.customers
            .iter()
            .all(|c| c.email.ends_with("@example.com"))
    );
}

#[test]
fn ids_look_like_shopify_ids() {
    let shop = default_shop();
    let digits = |n: i64| n.to_string().len();
    assert!(shop.products.iter().all(|p| digits(p.id) == 13));
    assert!(
        shop.products
            .windows(2)
            .all(|w| w[0].id < w[1].id && w[0].created_at <= w[1].created_at)
    );
    assert!(shop.orders.iter().all(|o| digits(o.id) == 13));
    assert!(shop.customers.iter().all(|c| digits(c.id) == 13));
}

#[test]
fn collections_hold_existing_active_products() {
    let shop = default_shop();
    let active: HashSet<i64> = shop
        .products
        .iter()
        .filter(|p| p.status == ProductStatus::Active)
        .map(|p| p.id)
        .collect();
    for collection in &shop.collections {
        assert!(
            !collection.product_ids.is_empty(),
            "{} is empty",
            collection.title
        );
        assert!(
            collection.product_ids.iter().all(|id| active.contains(id)),
            "{}",
            collection.title
        );
    }
    for handle in ["new-arrivals", "best-sellers", "sale", "womens-apparel"] {
        assert!(
            shop.collections.iter().any(|c| c.handle == handle),
            "{handle}"
        );
    }
}

#[test]
fn stats_summarise_the_default_shop() {
    let shop = default_shop();
    let stats = shop.stats();
    assert_eq!(stats.products, shop.products.len());
    assert_eq!(stats.orders, shop.orders.len());
    assert!(stats.top_categories >= 8 && stats.leaf_categories >= 30);
    assert!(
        (0.3..0.75).contains(&stats.mean_margin),
        "{}",
        stats.mean_margin
    );
    assert!(stats.complementary_order_share > 0.2);
    assert!(stats.related_view_share > 0.5);
    assert!(stats.top_decile_view_share > 0.35);
}
