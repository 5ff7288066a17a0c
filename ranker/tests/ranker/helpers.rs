//! Fixtures: a hand-made shop and seeded random shops.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ranker::{CandidatePool, Catalog, CategoryId, ItemId, ItemSpec, Source};

/// Category ids of [`Shop`].
pub struct Cats {
    pub run: CategoryId,
    pub trail: CategoryId,
    pub socks: CategoryId,
    pub hats: CategoryId,
    pub mugs: CategoryId,
}

/// A catalog plus its categories.
pub struct Shop {
    pub catalog: Catalog,
    pub cats: Cats,
}

/// One row of a hand-made shop: category, brand, vendor, family, in stock.
pub type Row = (usize, usize, usize, Option<usize>, bool);

/// Builds a shop from rows; category index 0..5 = run, trail, socks, hats, mugs.
pub fn shop(rows: &[Row]) -> Shop {
    let mut b = Catalog::builder(0);
    let paths: [&[&str]; 5] = [
        &["Apparel", "Shoes", "Running"],
        &["Apparel", "Shoes", "Trail"],
        &["Apparel", "Socks"],
        &["Apparel", "Hats"],
        &["Home", "Mugs"],
    ];
    let cats: Vec<CategoryId> = paths.iter().filter_map(|p| b.category(p)).collect();
    for (i, (cat, brand, vendor, family, stock)) in rows.iter().enumerate() {
        let brand = b.brand(&format!("brand-{brand}"));
        let vendor = b.vendor(&format!("vendor-{vendor}"));
        let mut spec = ItemSpec::new(i as i64 + 1, cats[*cat])
            .brand(brand)
            .vendor(vendor)
            .price(50.0 + (i % 7) as f32)
            .margin(0.3)
            .stock(*stock, 0.7);
        if let Some(f) = family {
            spec = spec.family(b.family(&format!("family-{f}")));
        }
        b.add_item(spec)
            .map_err(|e| format!("fixture row {i}: {e}"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    Shop {
        catalog: b.build(),
        cats: Cats {
            run: cats[0],
            trail: cats[1],
            socks: cats[2],
            hats: cats[3],
            mugs: cats[4],
        },
    }
}

/// A pool holding every item, with relevance falling with the id (item 0 is the most relevant).
pub fn pool_desc(catalog: &Catalog) -> CandidatePool {
    let scored: Vec<(ItemId, f32)> = (0..catalog.len())
        .map(|i| (ItemId(i as u32), 1.0 / (1.0 + i as f32 * 0.1)))
        .collect();
    let mut pool = CandidatePool::new();
    pool.add_source(catalog, Source::CoOccurrence, 1.0, &scored)
        .unwrap_or_else(|e| panic!("{e}"));
    pool
}

/// A random shop and pool drawn from a seeded ChaCha8 generator.
pub fn random_shop(seed: u64, n: usize) -> (Shop, CandidatePool) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rows: Vec<Row> = (0..n)
        .map(|_| {
            let family = rng.random_bool(0.3).then(|| rng.random_range(0..4));
            (
                rng.random_range(0..5),
                rng.random_range(0..4),
                rng.random_range(0..3),
                family,
                rng.random_bool(0.85),
            )
        })
        .collect();
    let shop = shop(&rows);
    let mut scored: Vec<(ItemId, f32)> = Vec::new();
    for i in 0..n {
        if rng.random_bool(0.8) {
            // Coarse scores so that ties (and their deterministic breaking) get exercised.
            scored.push((
                ItemId(i as u32),
                f32::from(rng.random_range(0u8..20)) / 19.0,
            ));
        }
    }
    let mut pool = CandidatePool::new();
    pool.add_source(&shop.catalog, Source::CoOccurrence, 1.0, &scored)
        .unwrap_or_else(|e| panic!("{e}"));
    (shop, pool)
}
