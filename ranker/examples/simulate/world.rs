//! The simulated world: the demo catalog, shoppers with latent preferences, and the model
//! retrained from logged clicks after every round.

use std::collections::HashSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use ranker::{Catalog, CategoryId, ItemId, ItemSpec};

/// The demo shop as a ranker catalog, plus each item's latent quality and price.
pub struct Shop {
    pub catalog: Catalog,
    pub quality: Vec<f64>,
    pub price: Vec<f64>,
    pub categories: Vec<CategoryId>,
}

/// Builds the catalog from `demo` (leaf categories under departments, brands, vendors, price,
/// margin from unit cost, stock from inventory).
pub fn shop(products: usize, rng: &mut ChaCha8Rng) -> Result<Shop, Box<dyn std::error::Error>> {
    let demo = demo::generate(&demo::DemoConfig {
        products,
        sessions: 0,
        ..demo::DemoConfig::default()
    });
    let mut b = Catalog::builder(0);
    let mut quality = Vec::new();
    let mut price = Vec::new();
    for p in &demo.products {
        let Some(cat) = demo.categories.iter().find(|c| c.id == p.category_id) else {
            continue;
        };
        let path: Vec<&str> = cat.path.split(" > ").collect();
        let category = b.category(&path).ok_or("empty category path")?;
        let Some(v) = p.variants.first() else {
            continue;
        };
        let cents = v.price_cents.max(1) as f32;
        let margin = v.unit_cost_cents.map_or(0.4, |c| 1.0 - c as f32 / cents);
        let spec = ItemSpec::new(p.id, category)
            .brand(b.brand(&format!("brand-{}", p.brand_id)))
            .vendor(b.vendor(&p.vendor))
            .price(cents / 100.0)
            .margin(margin.clamp(0.0, 1.0))
            .stock(true, (v.inventory_available as f32 / 50.0).clamp(0.1, 1.0))
            .created_at(p.created_at);
        b.add_item(spec)?;
        quality.push(rng.random_range(0.5..1.0));
        price.push(f64::from(cents) / 100.0 * f64::from(margin.clamp(0.0, 1.0)));
    }
    let catalog = b.build();
    let categories = catalog.items().iter().map(|i| i.category).collect();
    Ok(Shop {
        catalog,
        quality,
        price,
        categories,
    })
}

/// A shopper: latent affinity per category, and the categories they already know.
pub struct Shopper {
    pub affinity: Vec<f64>,
    pub known: HashSet<CategoryId>,
}

/// Shoppers who love two leaf categories (affinity 1), like their siblings (0.5) and mildly
/// like the rest (0.15); they start knowing their two favourites.
pub fn shoppers(shop: &Shop, n: usize, rng: &mut ChaCha8Rng) -> Vec<Shopper> {
    let n_cats = shop.catalog.categories().len();
    let leaves: Vec<CategoryId> = shop
        .categories
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut leaves = leaves;
    leaves.sort_unstable();
    (0..n)
        .map(|_| {
            let favs = [
                leaves[rng.random_range(0..leaves.len())],
                leaves[rng.random_range(0..leaves.len())],
            ];
            let tree = shop.catalog.categories();
            let affinity = (0..n_cats as u32)
                .map(|c| {
                    let c = CategoryId(c);
                    if favs.contains(&c) {
                        1.0
                    } else if favs.iter().any(|f| tree.tree_adjacent(*f, c)) {
                        0.5
                    } else {
                        0.15
                    }
                })
                .collect();
            Shopper {
                affinity,
                known: favs.into_iter().collect(),
            }
        })
        .collect()
}

/// A uniform draw in `[0, 1)` that depends only on its key (SplitMix64 over the fields): the
/// same shopper seeing the same item in the same round of the same seed draws the same number
/// under every policy (common random numbers), independent of the policy's own randomness.
pub fn uniform(seed: u64, round: usize, shopper: usize, item: usize, salt: u64) -> f64 {
    let mut z = seed;
    for v in [round as u64, shopper as u64, item as u64, salt] {
        z = mix(z ^ v.wrapping_mul(0xD1B5_4A32_D192_ED03));
    }
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Probability that `shopper` clicks `item` when shown (fixed by the world, not the policy).
pub fn click_probability(shop: &Shop, shopper: &Shopper, item: ItemId) -> f64 {
    let c = shop.categories[item.index()].index();
    0.3 * shopper.affinity[c] * shop.quality[item.index()]
}

/// The learnt model: item click counts and per-shopper category click counts, from the logs.
pub struct Model {
    pub clicks: Vec<f64>,
    pub shown: Vec<f64>,
    pub user_cat: Vec<Vec<f64>>,
}

impl Model {
    pub fn new(items: usize, shoppers: usize, categories: usize) -> Self {
        Self {
            clicks: vec![0.0; items],
            shown: vec![0.0; items],
            user_cat: vec![vec![0.0; categories]; shoppers],
        }
    }

    /// The `n` most relevant items for shopper `u`, best first (ties by id).
    pub fn top(&self, shop: &Shop, u: usize, n: usize) -> Vec<(ItemId, f32)> {
        let mut rel = self.relevance(shop, u);
        rel.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        rel.truncate(n);
        rel
    }

    /// Retrains from one round's log of (shopper, item, clicked).
    pub fn learn(&mut self, shop: &Shop, log: &[(usize, ItemId, bool)]) {
        for &(u, item, clicked) in log {
            self.shown[item.index()] += 1.0;
            if clicked {
                self.clicks[item.index()] += 1.0;
                self.user_cat[u][shop.categories[item.index()].index()] += 1.0;
            }
        }
    }

    /// Relevance of each item for shopper `u`: smoothed CTR of the item blended with the
    /// shopper's share of clicks in the item's category (what a real trainer would learn).
    pub fn relevance(&self, shop: &Shop, u: usize) -> Vec<(ItemId, f32)> {
        let row = &self.user_cat[u];
        let total: f64 = row.iter().sum::<f64>() + 1.0;
        (0..self.clicks.len())
            .map(|i| {
                let ctr = (self.clicks[i] + 0.1) / (self.shown[i] + 2.0);
                let cat = (row[shop.categories[i].index()] + 0.1) / total;
                (ItemId(i as u32), (0.5 * ctr + 0.5 * cat) as f32)
            })
            .collect()
    }
}
