//! Criterion benchmark of one search on a 100,000-product demo catalog: parse, text hits
//! (top 200), and the first page ranked under the search policies. Numbers go to
//! BENCHMARKS.md ("Search (issue 16)").
//!
//! Run with `cargo bench -p services --bench search`. Before criterion's runs it prints the
//! median and p99 of 3,000 searches cycling through the query mix (criterion reports means).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use demo::{DemoConfig, DemoShop, ProductStatus};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::{Catalog, Context, ItemSpec, MerchantRules, Ranker, Surface};
use services::catalog::{CatalogView, InventoryHealth, ItemFacts};
use services::search::{MAX_CANDIDATES, PageRequest, ProductText, SearchIndex, SearchPolicies};

const PRODUCTS: usize = 100_000;
const NOW: i64 = 1_790_000_000;

/// The demo shop's catalog only (no shoppers, sessions or orders).
fn shop() -> DemoShop {
    demo::generate(&DemoConfig {
        seed: 42,
        now: NOW,
        products: PRODUCTS,
        shoppers: 0,
        sessions: 0,
        ..DemoConfig::default()
    })
}

/// The catalog view `services::catalog::view::load` would build from this shop, without the
/// database: paths, brands, lowest price, stock.
fn view(shop: &DemoShop) -> CatalogView {
    let paths: HashMap<u32, &str> = shop
        .categories
        .iter()
        .map(|c| (c.id, c.path.as_str()))
        .collect();
    let brands: HashMap<u32, &str> = shop
        .brands
        .iter()
        .map(|b| (b.id, b.name.as_str()))
        .collect();
    let mut builder = Catalog::builder(0);
    let mut facts = HashMap::new();
    for p in shop
        .products
        .iter()
        .filter(|p| p.status == ProductStatus::Active)
    {
        let segments: Vec<&str> = paths[&p.category_id].split(" > ").collect();
        let Some(category) = builder.category(&segments) else {
            continue;
        };
        let price_minor = p.variants.iter().map(|v| v.price_cents).min().unwrap_or(0);
        let available: i64 = p
            .variants
            .iter()
            .map(|v| v.inventory_available.max(0))
            .sum();
        let spec = ItemSpec::new(p.id, category)
            .brand(builder.brand(brands[&p.brand_id]))
            .price(price_minor as f32 / 100.0)
            .margin(0.4)
            .stock(available > 0, 0.7)
            .created_at(p.created_at);
        if builder.add_item(spec).is_ok() {
            let health = InventoryHealth::classify(available, 0.5);
            let fact = ItemFacts {
                price_minor,
                margin: Some(0.4),
                available,
                units_per_day: (p.id % 7) as f64,
                health,
            };
            facts.insert(p.id, fact);
        }
    }
    CatalogView {
        catalog: builder.build(),
        facts,
    }
}

fn texts(shop: &DemoShop) -> Vec<ProductText> {
    let brands: HashMap<u32, &str> = shop
        .brands
        .iter()
        .map(|b| (b.id, b.name.as_str()))
        .collect();
    shop.products
        .iter()
        .map(|p| ProductText {
            id: p.id,
            title: p.title.clone(),
            product_type: p.product_type.clone(),
            brand: brands[&p.brand_id].to_owned(),
            vendor: p.vendor.clone(),
            tags: p.tags.clone(),
            options: p
                .variants
                .iter()
                .flat_map(|v| v.options.iter().map(|o| o.1.clone()))
                .collect(),
            collections: Vec::new(),
        })
        .collect()
}

struct Bench {
    index: SearchIndex,
    view: CatalogView,
    ranker: Ranker,
    policies: SearchPolicies,
}

impl Bench {
    fn search(&self, query: &str, rng: &mut ChaCha8Rng) -> usize {
        let parsed = self.index.parse(query);
        let hits = self
            .index
            .search(&parsed, MAX_CANDIDATES)
            .unwrap_or_default();
        let ctx =
            Context::new(Surface::Search, NOW).with_query(parsed.brand.clone().unwrap_or_default());
        let page = PageRequest {
            ranker: &self.ranker,
            catalog: &self.view.catalog,
            policies: &self.policies,
            class: parsed.class,
            page: 1,
            rules: &MerchantRules::default(),
        };
        page.serve(&hits, &ctx, rng)
            .map(|p| p.items.len())
            .unwrap_or(0)
    }
}

fn queries(shop: &DemoShop) -> Vec<String> {
    let brand = shop
        .brands
        .first()
        .map_or("brand", |b| b.name.as_str())
        .to_lowercase();
    let mut typo = brand.clone();
    if typo.len() > 3 {
        typo.replace_range(2..3, "x");
    }
    vec![
        brand,
        typo,
        "dresses under 100".into(),
        "silk midi dress".into(),
        "cookware".into(),
        "kitchen".into(),
        "gifts under 100".into(),
        "linen".into(),
        "fall outfit".into(),
        "leather sneakers between 50 and 150".into(),
    ]
}

fn search(c: &mut Criterion) {
    let shop = shop();
    let view = view(&shop);
    let started = Instant::now();
    let index =
        SearchIndex::build(&view, &texts(&shop)).unwrap_or_else(|err| panic!("index: {err}"));
    eprintln!(
        "indexed {} products in {:.2} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );
    let bench = Bench {
        index,
        view,
        ranker: Ranker::builder()
            .build()
            .unwrap_or_else(|err| panic!("ranker: {err}")),
        policies: SearchPolicies::new().unwrap_or_else(|err| panic!("policies: {err}")),
    };
    let queries = queries(&shop);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut times: Vec<Duration> = (0..3_000)
        .map(|i| {
            let start = Instant::now();
            black_box(bench.search(&queries[i % queries.len()], &mut rng));
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    eprintln!(
        "3,000 searches: median {:?}, p99 {:?}, max {:?}",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    let mut group = c.benchmark_group("search_100k");
    for query in &queries {
        group.bench_function(query.as_str(), |b| {
            b.iter(|| black_box(bench.search(query, &mut rng)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(2));
    targets = search
}
criterion_main!(benches);
