//! Same seed, same shop; different seed, different shop; odd configs never panic.

use demo::{DemoConfig, generate};
use proptest::prelude::*;

fn small(seed: u64) -> DemoConfig {
    DemoConfig {
        seed,
        products: 600,
        shoppers: 300,
        sessions: 1_500,
        ..DemoConfig::default()
    }
}

#[test]
fn the_same_seed_gives_an_identical_shop() -> Result<(), serde_json::Error> {
    let a = generate(&small(7));
    let b = generate(&small(7));
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a)?, serde_json::to_string(&b)?);
    Ok(())
}

#[test]
fn a_different_seed_gives_a_different_shop() {
    let a = generate(&small(7));
    let b = generate(&small(8));
    assert_ne!(a.products, b.products);
    assert_ne!(a.sessions, b.sessions);
    // The taxonomy is fixed, so loaders can rely on category ids.
    assert_eq!(a.categories, b.categories);
}

#[test]
fn the_catalog_does_not_depend_on_how_many_sessions_are_simulated() {
    let a = generate(&small(11));
    let b = generate(&DemoConfig {
        sessions: 10,
        ..small(11)
    });
    assert_eq!(a.products, b.products);
    assert_eq!(a.brands, b.brands);
}

#[test]
fn an_empty_config_gives_an_empty_but_valid_shop() {
    let config = DemoConfig {
        products: 0,
        sessions: 0,
        shoppers: 0,
        ..DemoConfig::default()
    };
    let shop = generate(&config);
    assert!(shop.products.is_empty() && shop.sessions.is_empty() && shop.orders.is_empty());
    assert!(
        shop.categories.len() >= 38,
        "the tree is there even without products"
    );
    assert!(shop.collections.iter().all(|c| c.product_ids.is_empty()));

    let no_products = generate(&DemoConfig {
        products: 0,
        ..small(1)
    });
    assert!(no_products.sessions.is_empty() && no_products.orders.is_empty());
    let no_shoppers = generate(&DemoConfig {
        shoppers: 0,
        ..small(1)
    });
    assert!(no_shoppers.sessions.is_empty() && no_shoppers.customers.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn odd_configs_never_panic_and_stay_consistent(
        seed in any::<u64>(),
        now in prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0_i64), any::<i64>()],
        products in 0_usize..40,
        shoppers in 0_usize..20,
        sessions in 0_usize..60,
        days in prop_oneof![Just(0_u32), Just(u32::MAX), 0_u32..100],
    ) {
        let shop = generate(&DemoConfig { seed, now, products, shoppers, sessions, days });
        prop_assert_eq!(shop.products.len(), products);
        for order in &shop.orders {
            prop_assert!(!order.lines.is_empty());
        }
        for session in &shop.sessions {
            prop_assert!(!session.events.is_empty());
            prop_assert!(session.events.windows(2).all(|w| w[0].at <= w[1].at));
        }
    }
}
