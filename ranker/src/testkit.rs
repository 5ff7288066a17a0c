//! Hand-made fixtures for unit tests.

use crate::candidates::cooccurrence::Interaction;
use crate::candidates::{CandidatePool, Source};
use crate::catalog::{Catalog, ItemId, ItemSpec};

/// One unit-weight interaction per `(user, item)` pair, all at time 0.
pub(crate) fn interactions(pairs: &[(u32, u32)]) -> Vec<Interaction> {
    pairs
        .iter()
        .map(|(user, item)| Interaction {
            user: *user,
            item: ItemId(*item),
            weight: 1.0,
            at: 0,
        })
        .collect()
}

/// A small shop: running/trail shoes, socks, hats and mugs; four brands, three vendors.
///
/// Items 0-5 are running shoes (brand A ×3, B ×2, C), 6-7 trail shoes (B), 8-9 socks (D),
/// 10 a hat (A), 11 a mug (C); 4 and 5 share a variant family; 5 is out of stock.
pub(crate) fn shop() -> Catalog {
    let mut b = Catalog::builder(0);
    let cats = [
        b.category(&["Apparel", "Shoes", "Running"]),
        b.category(&["Apparel", "Shoes", "Trail"]),
        b.category(&["Apparel", "Socks"]),
        b.category(&["Apparel", "Hats"]),
        b.category(&["Home", "Mugs"]),
    ];
    let [Some(run), Some(trail), Some(socks), Some(hats), Some(mugs)] = cats else {
        return Catalog::default();
    };
    let brands = [b.brand("A"), b.brand("B"), b.brand("C"), b.brand("D")];
    let vendors = [b.vendor("V1"), b.vendor("V2"), b.vendor("V3")];
    let fam = b.family("shoe-45");
    let rows = [
        (run, 0, 0, 100.0),
        (run, 0, 0, 110.0),
        (run, 0, 1, 95.0),
        (run, 1, 1, 120.0),
        (run, 1, 2, 90.0),
        (run, 2, 2, 90.0),
        (trail, 1, 0, 130.0),
        (trail, 1, 1, 140.0),
        (socks, 3, 2, 12.0),
        (socks, 3, 2, 15.0),
        (hats, 0, 0, 25.0),
        (mugs, 2, 1, 10.0),
    ];
    for (i, (cat, brand, vendor, price)) in rows.into_iter().enumerate() {
        let mut spec = ItemSpec::new(1000 + i as i64, cat)
            .brand(brands[brand])
            .vendor(vendors[vendor])
            .price(price)
            .margin(0.3)
            .stock(i != 5, 0.8);
        if i == 4 || i == 5 {
            spec = spec.family(fam);
        }
        if b.add_item(spec).is_err() {
            return Catalog::default();
        }
    }
    b.build()
}

/// A pool with every item, relevance decreasing with the id.
pub(crate) fn pool_all(catalog: &Catalog) -> CandidatePool {
    let scored: Vec<(ItemId, f32)> = (0..catalog.len())
        .map(|i| (ItemId(i as u32), 1.0 - i as f32 * 0.05))
        .collect();
    let mut pool = CandidatePool::new();
    if pool
        .add_source(catalog, Source::CoOccurrence, 1.0, &scored)
        .is_err()
    {
        return CandidatePool::new();
    }
    pool
}
