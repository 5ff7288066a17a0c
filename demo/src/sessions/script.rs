//! What a shopper does in one session: browse with category affinity, maybe buy a look.

use rand::Rng as _;

use super::walk::Walk;
use crate::model::OrderLine;
use crate::rng::{self, Rng};

/// Chance that a browsing (non-buying) shopper adds a viewed item to the cart and leaves it.
const ABANDONED_CART_RATE: f64 = 0.07;

/// Browses until the session has `budget` events (or gives up on an empty catalog).
pub(crate) fn browse(walk: &mut Walk<'_>, rng: &mut Rng, budget: usize, buyer: bool) {
    if rng.random_bool(0.12) {
        walk.search(rng, walk.leaf);
    }
    if walk.view(rng, walk.leaf, None, false).is_none() {
        return;
    }
    // A bound on tries, because a leaf can run out of products visible at this time.
    let mut tries = 0;
    while walk.events.len() < budget && tries < budget * 4 {
        tries += 1;
        let anchor = walk.last_view.map(|p| walk.world.catalog.meta[p].price);
        let viewed = match rng.random_range(0..100) {
            // Co-views: mostly the same leaf at a similar price…
            0..52 => walk.view(rng, walk.leaf, anchor, false),
            // …or a leaf that goes with it.
            52..77 => {
                let next = rng::pick(rng, &walk.world.taxonomy.leaves[walk.leaf].adjacent).copied();
                next.and_then(|leaf| walk.view(rng, leaf, None, false))
            }
            77..85 => {
                let leaf = walk.world.leaf_for(rng, walk.shopper);
                walk.search(rng, leaf);
                walk.view(rng, leaf, None, false)
            }
            85..96 => {
                let leaf = walk.world.leaf_for(rng, walk.shopper);
                walk.view(rng, leaf, None, false)
            }
            _ => {
                let leaf = walk.world.any_leaf(rng);
                walk.view(rng, leaf, None, false)
            }
        };
        if let Some(product) = viewed
            && !buyer
            && walk.events.len() < budget
            && rng.random_bool(ABANDONED_CART_RATE)
        {
            walk.add_to_cart(rng, product);
        }
    }
}

/// Buys the item in focus and `extra` complements from adjacent leaves; returns order lines.
pub(crate) fn checkout(walk: &mut Walk<'_>, rng: &mut Rng, extra: usize) -> Vec<OrderLine> {
    let last = walk.last_view;
    let main = match last {
        Some(p) if walk.add_to_cart(rng, p) => p,
        _ => {
            let anchor = walk.last_view.map(|p| walk.world.catalog.meta[p].price);
            let Some(p) = walk.view(rng, walk.leaf, anchor, true) else {
                return Vec::new();
            };
            if !walk.add_to_cart(rng, p) {
                return Vec::new();
            }
            p
        }
    };
    let main_leaf = walk.world.catalog.meta[main].leaf;
    let mut used = vec![main_leaf];
    let mut chain = main_leaf;
    for _ in 0..extra {
        // Complete the look: each complement goes with the main item or the previous one.
        let partners: Vec<usize> = walk.world.taxonomy.leaves[main_leaf]
            .adjacent
            .iter()
            .chain(&walk.world.taxonomy.leaves[chain].adjacent)
            .copied()
            .filter(|l| !used.contains(l))
            .collect();
        // Not every basket is a look: some add a second of the same kind or something unrelated.
        let leaf = match rng.random_range(0..100) {
            0..75 => rng::pick(rng, &partners).copied(),
            75..88 => Some(main_leaf),
            _ => Some(walk.world.leaf_for(rng, walk.shopper)),
        };
        let Some(leaf) = leaf else {
            break;
        };
        used.push(leaf);
        let anchor = walk.world.relative_price(main, leaf);
        if let Some(p) = walk.view(rng, leaf, Some(anchor), true)
            && walk.add_to_cart(rng, p)
        {
            chain = leaf;
        }
    }
    walk.purchase(rng);
    order_lines(walk, rng)
}

/// One order line per cart line, at the variant's price.
fn order_lines(walk: &Walk<'_>, rng: &mut Rng) -> Vec<OrderLine> {
    let products = &walk.world.catalog.products;
    walk.cart
        .iter()
        .map(|line| {
            let variant = &products[line.product].variants[line.variant];
            OrderLine {
                product_id: products[line.product].id,
                variant_id: variant.id,
                quantity: quantity(rng),
                price_cents: variant.price_cents,
            }
        })
        .collect()
}

/// Mostly one unit; basics sometimes come in twos.
fn quantity(rng: &mut Rng) -> i64 {
    match rng.random_range(0..100) {
        0..88 => 1,
        88..98 => 2,
        _ => 3,
    }
}
