//! The default shop's sessions and orders: consistency, and the structure a recommender learns.

use std::collections::{HashMap, HashSet};

use demo::{DemoConfig, EventKind, ProductStatus};

use crate::helpers::{Index, default_shop, share};

#[test]
fn every_event_references_a_live_product_and_its_own_variant() {
    let shop = default_shop();
    let index = Index::new(shop);
    for event in shop.sessions.iter().flat_map(|s| &s.events) {
        match event.kind {
            EventKind::Search => assert!(event.query.as_ref().is_some_and(|q| !q.is_empty())),
            kind => {
                let product = event.product_id.and_then(|id| index.products.get(&id));
                assert!(
                    product.is_some_and(
                        |p| p.status == ProductStatus::Active && p.created_at <= event.at
                    ),
                    "{kind:?}"
                );
                if kind != EventKind::View {
                    let variant = event.variant_id.and_then(|id| index.variants.get(&id));
                    assert!(variant.is_some_and(|(p, _)| Some(p.id) == event.product_id));
                }
            }
        }
    }
}

#[test]
fn order_lines_match_products_variants_prices_and_purchase_events() {
    let shop = default_shop();
    let index = Index::new(shop);
    let sessions: HashMap<&str, _> = shop.sessions.iter().map(|s| (s.id.as_str(), s)).collect();
    for order in &shop.orders {
        let session = sessions.get(order.session_id.as_str());
        assert!(session.is_some_and(|s| s.customer_id == order.customer_id));
        let purchased: HashSet<i64> = session
            .map(|s| {
                s.events
                    .iter()
                    .filter(|e| e.kind == EventKind::Purchase)
                    .filter_map(|e| e.variant_id)
                    .collect()
            })
            .unwrap_or_default();
        assert!(!order.lines.is_empty());
        for line in &order.lines {
            let found = index.variants.get(&line.variant_id);
            assert!(
                found.is_some_and(
                    |(p, v)| p.id == line.product_id && v.price_cents == line.price_cents
                )
            );
            assert!((1..=3).contains(&line.quantity));
            assert!(purchased.contains(&line.variant_id));
        }
        assert_eq!(purchased.len(), order.lines.len());
    }
    assert!(
        shop.orders
            .windows(2)
            .all(|w| w[0].id < w[1].id && w[0].created_at <= w[1].created_at)
    );
}

#[test]
fn sessions_have_realistic_lengths_gaps_and_times() {
    let shop = default_shop();
    let config = DemoConfig::default();
    let earliest = config.now - i64::from(config.days) * 86_400;
    for session in &shop.sessions {
        assert!(
            (1..=20).contains(&session.events.len()),
            "{} events",
            session.events.len()
        );
        assert_eq!(session.started_at, session.events[0].at);
        assert!(session.started_at >= earliest);
        assert!(session.events.iter().all(|e| e.at < config.now));
        for pair in session.events.windows(2) {
            let gap = pair[1].at - pair[0].at;
            let checkout =
                pair[1].kind == EventKind::Purchase && pair[0].kind == EventKind::Purchase;
            assert!(
                checkout && gap == 0 || (5..=120).contains(&gap),
                "gap {gap}"
            );
        }
        assert!(["mobile", "desktop", "tablet"].contains(&session.device.as_str()));
    }
    let short = shop.sessions.iter().filter(|s| s.events.len() < 3).count();
    assert!(share(short, shop.sessions.len()) < 0.02);
}

#[test]
fn about_forty_percent_of_sessions_are_known_and_about_eight_percent_buy() {
    let shop = default_shop();
    let known = share(
        shop.sessions
            .iter()
            .filter(|s| s.customer_id.is_some())
            .count(),
        shop.sessions.len(),
    );
    assert!((0.33..0.47).contains(&known), "known {known}");
    let conversion = share(shop.orders.len(), shop.sessions.len());
    assert!(
        (0.06..0.10).contains(&conversion),
        "conversion {conversion}"
    );
    let mut visits: HashMap<i64, usize> = HashMap::new();
    for id in shop.sessions.iter().filter_map(|s| s.customer_id) {
        *visits.entry(id).or_default() += 1;
    }
    assert!(
        visits.values().filter(|&&n| n >= 3).count() > 50,
        "returning customers"
    );
    let first_visit: HashMap<i64, i64> = shop
        .sessions
        .iter()
        .rev()
        .filter_map(|s| Some((s.customer_id?, s.started_at)))
        .collect();
    for customer in &shop.customers {
        assert!(
            first_visit
                .get(&customer.id)
                .is_none_or(|&t| customer.created_at < t)
        );
    }
}

#[test]
fn multi_item_orders_often_combine_adjacent_categories() {
    let shop = default_shop();
    let index = Index::new(shop);
    let multi: Vec<_> = shop.orders.iter().filter(|o| o.lines.len() >= 2).collect();
    let complementary = multi
        .iter()
        .filter(|order| {
            let leaves: Vec<u32> = order
                .lines
                .iter()
                .filter_map(|l| index.leaf(l.product_id))
                .collect();
            leaves.iter().enumerate().any(|(i, &a)| {
                leaves[i + 1..]
                    .iter()
                    .any(|&b| a != b && index.related(a, b))
            })
        })
        .count();
    assert!(
        share(multi.len(), shop.orders.len()) > 0.3,
        "{} of {} multi-line",
        multi.len(),
        shop.orders.len()
    );
    assert!(
        share(complementary, multi.len()) > 0.2,
        "{complementary} of {}",
        multi.len()
    );
}

#[test]
fn consecutive_views_stay_in_the_same_or_an_adjacent_leaf() {
    let shop = default_shop();
    let index = Index::new(shop);
    let (mut related, mut pairs) = (0, 0);
    for session in &shop.sessions {
        let leaves: Vec<u32> = session
            .events
            .iter()
            .filter(|e| e.kind == EventKind::View)
            .filter_map(|e| index.leaf(e.product_id?))
            .collect();
        for pair in leaves.windows(2) {
            pairs += 1;
            related += usize::from(index.related(pair[0], pair[1]));
        }
    }
    assert!(share(related, pairs) > 0.5, "{related} of {pairs}");
}

#[test]
fn popularity_has_a_long_tail() {
    let shop = default_shop();
    let mut views: HashMap<i64, usize> = HashMap::new();
    for id in shop
        .sessions
        .iter()
        .flat_map(|s| &s.events)
        .filter(|e| e.kind == EventKind::View)
        .filter_map(|e| e.product_id)
    {
        *views.entry(id).or_default() += 1;
    }
    let mut counts: Vec<usize> = shop
        .products
        .iter()
        .map(|p| views.get(&p.id).copied().unwrap_or(0))
        .collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let total: usize = counts.iter().sum();
    let head: usize = counts.iter().take(counts.len() / 10).sum();
    assert!(
        share(head, total) > 0.35,
        "top 10% get {}",
        share(head, total)
    );
    let viewed = counts.iter().filter(|&&n| n > 0).count();
    assert!(
        share(viewed, counts.len()) > 0.6,
        "the tail is still seen: {viewed}"
    );
}

#[test]
fn returning_visitors_are_loyal_to_brands() {
    let shop = default_shop();
    let index = Index::new(shop);
    let mut by_visitor: HashMap<&str, Vec<u32>> = HashMap::new();
    for session in &shop.sessions {
        let brands = session
            .events
            .iter()
            .filter(|e| e.kind == EventKind::View)
            .filter_map(|e| index.products.get(&e.product_id?))
            .map(|p| p.brand_id);
        by_visitor
            .entry(session.anonymous_id.as_str())
            .or_default()
            .extend(brands);
    }
    let top_share = |brands: &[u32]| {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for &b in brands {
            *counts.entry(b).or_default() += 1;
        }
        share(counts.values().copied().max().unwrap_or(0), brands.len())
    };
    let heavy: Vec<&Vec<u32>> = by_visitor.values().filter(|b| b.len() >= 20).collect();
    let observed = heavy.iter().map(|b| top_share(b)).sum::<f64>() / heavy.len().max(1) as f64;
    // Baseline: the same visitors with views dealt out in a fixed interleaved order.
    let pooled: Vec<u32> = heavy.iter().flat_map(|b| b.iter().copied()).collect();
    let stride = heavy.len().max(1);
    let mut baseline = 0.0;
    for (k, b) in heavy.iter().enumerate() {
        let dealt: Vec<u32> = pooled
            .iter()
            .skip(k)
            .step_by(stride)
            .take(b.len())
            .copied()
            .collect();
        baseline += top_share(&dealt);
    }
    baseline /= heavy.len().max(1) as f64;
    assert!(
        observed > baseline * 1.5,
        "observed {observed} vs baseline {baseline}"
    );
}
