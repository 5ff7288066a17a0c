//! Judged search: queries generated from the demo generator's ground truth, each with its
//! known relevant set, scored by precision@10 and NDCG@10 for three orders — plain BM25 over
//! the query's words (no understanding), the index's order with the query understood
//! (brand, category, price as filters), and the full ranking as served — plus the category,
//! brand and price-band spread of generic queries' top 10.
//!
//! Queries: every brand with at least 10 active products ("<brand>", and misspelt by one
//! letter), every leaf with at least 10 ("<leaf>", misspelt, "<leaf> under <its median
//! price>"), and generic ones: the departments, "<department> under <price>", and the demo's
//! merchant collections ("gifts", "gifts under 30", "sale", "new arrivals", …) whose members
//! are the relevant set.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::serving::cache::ShopModel;
use app::serving::search::{SearchRequest, search};
use demo::{DemoShop, ProductStatus};
use ranker::TrafficSource;
use serde_json::{Value, json};
use services::search::{MAX_CANDIDATES, ParsedQuery, PriceRange, QueryClass};

/// Cut-off of the metrics.
const K: usize = 10;
/// Brands and leaves with fewer active products are not queried (too few to fill a top 10).
const MIN_SET: usize = 10;

/// One generated query.
struct Query {
    kind: &'static str,
    text: String,
    relevant: HashSet<i64>,
}

/// What a judged product is.
struct Facts {
    leaf: u32,
    brand: u32,
    price_cents: i64,
}

/// The ground truth the queries come from.
pub struct SearchTruth {
    products: HashMap<i64, Facts>,
    queries: Vec<Query>,
}

fn active(shop: &DemoShop) -> impl Iterator<Item = &demo::Product> {
    shop.products
        .iter()
        .filter(|p| p.status == ProductStatus::Active)
}

/// `word` with its third letter replaced: one edit away.
fn misspell(word: &str) -> String {
    let typo = if word.chars().nth(2) == Some('x') {
        'z'
    } else {
        'x'
    };
    word.chars()
        .enumerate()
        .map(|(i, c)| if i == 2 { typo } else { c })
        .collect()
}

/// `name` with its longest word misspelt, when that word is long enough to be matched
/// fuzzily (5 letters and more).
fn misspelt(name: &str) -> Option<String> {
    let word = name.split(' ').max_by_key(|w| w.chars().count())?;
    (word.chars().count() >= 5).then(|| name.replacen(word, &misspell(word), 1))
}

fn median(mut values: Vec<i64>) -> i64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// A whole-unit price just above the median of `relevant`, and the products at or under it:
/// the truth of a "… under <price>" query.
fn under_median_price(
    relevant: &HashSet<i64>,
    products: &HashMap<i64, Facts>,
) -> (i64, HashSet<i64>) {
    let limit = median(relevant.iter().map(|id| products[id].price_cents).collect()) / 100 + 1;
    let under = relevant
        .iter()
        .copied()
        .filter(|id| products[id].price_cents <= limit * 100)
        .collect();
    (limit, under)
}

impl SearchTruth {
    pub fn new(shop: &DemoShop) -> Self {
        let products: HashMap<i64, Facts> = active(shop)
            .map(|p| {
                let price_cents = p.variants.iter().map(|v| v.price_cents).min().unwrap_or(0);
                let facts = Facts {
                    leaf: p.category_id,
                    brand: p.brand_id,
                    price_cents,
                };
                (p.id, facts)
            })
            .collect();
        let mut queries = Vec::new();
        let ids = |keep: &dyn Fn(&Facts) -> bool| -> HashSet<i64> {
            products
                .iter()
                .filter(|(_, f)| keep(f))
                .map(|(id, _)| *id)
                .collect()
        };
        for brand in &shop.brands {
            let relevant = ids(&|f| f.brand == brand.id);
            if relevant.len() < MIN_SET {
                continue;
            }
            if let Some(typo) = misspelt(&brand.name) {
                queries.push(Query {
                    kind: "brand misspelt",
                    text: typo,
                    relevant: relevant.clone(),
                });
            }
            queries.push(Query {
                kind: "brand",
                text: brand.name.clone(),
                relevant,
            });
        }
        let names: HashMap<u32, &str> = shop
            .categories
            .iter()
            .map(|c| (c.id, c.name.as_str()))
            .collect();
        let parent: HashMap<u32, Option<u32>> =
            shop.categories.iter().map(|c| (c.id, c.parent)).collect();
        for leaf in shop.categories.iter().filter(|c| c.parent.is_some()) {
            let relevant = ids(&|f| names.get(&f.leaf) == Some(&leaf.name.as_str()));
            if relevant.len() < MIN_SET {
                continue;
            }
            let name = leaf.name.to_lowercase();
            if let Some(typo) = misspelt(&name) {
                queries.push(Query {
                    kind: "category misspelt",
                    text: typo,
                    relevant: relevant.clone(),
                });
            }
            let (limit, under) = under_median_price(&relevant, &products);
            queries.push(Query {
                kind: "category under price",
                text: format!("{name} under {limit}"),
                relevant: under,
            });
            queries.push(Query {
                kind: "category",
                text: name,
                relevant,
            });
        }
        for top in shop.categories.iter().filter(|c| c.parent.is_none()) {
            let relevant = ids(&|f| parent.get(&f.leaf).copied().flatten() == Some(top.id));
            if relevant.len() < MIN_SET {
                continue;
            }
            let name = top.name.to_lowercase();
            let (limit, under) = under_median_price(&relevant, &products);
            queries.push(Query {
                kind: "generic",
                text: format!("{name} under {limit}"),
                relevant: under,
            });
            queries.push(Query {
                kind: "generic",
                text: name,
                relevant,
            });
        }
        let live: HashSet<i64> = products.keys().copied().collect();
        for collection in &shop.collections {
            let members: HashSet<i64> = collection
                .product_ids
                .iter()
                .copied()
                .filter(|id| live.contains(id))
                .collect();
            if members.len() < MIN_SET
                || names
                    .values()
                    .any(|n| n.eq_ignore_ascii_case(&collection.title))
            {
                continue;
            }
            let title = collection.title.to_lowercase();
            if title.starts_with("gifts") {
                let cheap = |cents: i64| {
                    members
                        .iter()
                        .copied()
                        .filter(|id| products[id].price_cents <= cents)
                        .collect()
                };
                queries.push(Query {
                    kind: "generic",
                    text: "gifts".into(),
                    relevant: members.clone(),
                });
                queries.push(Query {
                    kind: "generic",
                    text: "gifts under 30".into(),
                    relevant: cheap(3_000),
                });
            }
            queries.push(Query {
                kind: "generic",
                text: title,
                relevant: members,
            });
        }
        Self { products, queries }
    }
}

/// Per kind and order: summed precision and NDCG, and the query count.
#[derive(Default)]
pub struct SearchReport {
    rows: BTreeMap<(&'static str, &'static str), (f64, f64, usize)>,
    /// Per generic query: distinct leaves, brands and price quartiles in the full top 10.
    spread: Vec<(String, usize, usize, usize, f64)>,
    classes: BTreeMap<(&'static str, &'static str), usize>,
}

fn precision_ndcg(order: &[i64], relevant: &HashSet<i64>) -> (f64, f64) {
    let ideal = relevant.len().min(K);
    if ideal == 0 {
        return (1.0, 1.0);
    }
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let hits: Vec<bool> = order
        .iter()
        .take(K)
        .map(|id| relevant.contains(id))
        .collect();
    let precision = hits.iter().filter(|h| **h).count() as f64 / ideal as f64;
    let dcg: f64 = hits
        .iter()
        .enumerate()
        .filter(|(_, h)| **h)
        .map(|(i, _)| gain(i))
        .sum();
    let idcg: f64 = (0..ideal).map(gain).sum();
    (precision, dcg / idcg)
}

/// Plain BM25: the query's words, nothing understood.
fn plain(parsed: &ParsedQuery) -> ParsedQuery {
    let mut analyzer = services::search::analyzer();
    let mut terms = Vec::new();
    let mut stream = analyzer.token_stream(&parsed.normalized);
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    ParsedQuery {
        terms,
        price: PriceRange::default(),
        brand: None,
        categories: Vec::new(),
        class: QueryClass::Generic,
        ..parsed.clone()
    }
}

impl SearchReport {
    /// Runs every query of `truth` three ways and tallies them.
    pub async fn run(
        truth: &SearchTruth,
        conn: &sea_orm::DatabaseConnection,
        model: &ShopModel,
        shop_id: i64,
    ) -> anyhow::Result<Self> {
        let mut report = Self::default();
        for (i, query) in truth.queries.iter().enumerate() {
            let parsed = model.search.parse(&query.text);
            let understood = model.search.search(&parsed, MAX_CANDIDATES)?;
            let bm25 = model.search.search(&plain(&parsed), MAX_CANDIDATES)?;
            let request = SearchRequest {
                shop_id,
                query: query.text.clone(),
                page: 1,
                session_id: Some(format!("judge-search-{i}")),
                anonymous_id: None,
                customer_id: None,
                traffic_source: TrafficSource::Direct,
            };
            let served = search(conn, model, &request).await?;
            let full: Vec<i64> = served
                .results
                .modules
                .iter()
                .flat_map(|m| &m.items)
                .filter_map(|item| item.product_id.parse().ok())
                .collect();
            let orders = [
                (
                    "bm25",
                    bm25.iter().map(|h| h.product_id).collect::<Vec<_>>(),
                ),
                ("text", understood.iter().map(|h| h.product_id).collect()),
                ("full", full.clone()),
            ];
            for (order, ids) in orders {
                let (p, n) = precision_ndcg(&ids, &query.relevant);
                let row = report.rows.entry((query.kind, order)).or_default();
                row.0 += p;
                row.1 += n;
                row.2 += 1;
            }
            *report
                .classes
                .entry((query.kind, served.query.class.as_str()))
                .or_default() += 1;
            if query.kind == "generic" {
                report.spread.push(spread(truth, &query.text, &full));
            }
        }
        Ok(report)
    }

    pub fn to_text(&self) -> String {
        let mut out = String::from("\nsearch (precision@10 / NDCG@10)\n");
        out.push_str(&format!(
            "{:<22} {:>5} {:>15} {:>15} {:>15}\n",
            "kind", "n", "bm25", "text", "full"
        ));
        let kinds: Vec<&str> = self
            .rows
            .keys()
            .map(|(k, _)| *k)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut kinds = kinds;
        kinds.sort_unstable();
        for kind in kinds {
            let cell = |order: &str| {
                self.rows
                    .get(&(kind, order))
                    .map_or(String::new(), |(p, n, c)| {
                        format!("{:.3} / {:.3}", p / *c as f64, n / *c as f64)
                    })
            };
            let n = self.rows.get(&(kind, "full")).map_or(0, |r| r.2);
            out.push_str(&format!(
                "{kind:<22} {n:>5} {:>15} {:>15} {:>15}\n",
                cell("bm25"),
                cell("text"),
                cell("full")
            ));
        }
        out.push_str("\nclassified as\n");
        for ((kind, class), n) in &self.classes {
            out.push_str(&format!("  {kind:<22} {class:<12} {n}\n"));
        }
        out.push_str(
            "\ngeneric queries, full top 10: leaves, brands, price quartiles, precision\n",
        );
        for (query, leaves, brands, bands, p) in &self.spread {
            out.push_str(&format!(
                "  {query:<32} {leaves:>3} {brands:>3} {bands:>3} {p:>6.2}\n"
            ));
        }
        out
    }

    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|((kind, order), (p, n, c))| {
                json!({"kind": kind, "order": order, "queries": c,
                       "precision_at_10": p / *c as f64, "ndcg_at_10": n / *c as f64})
            })
            .collect();
        let spread: Vec<Value> = self
            .spread
            .iter()
            .map(|(q, l, b, p, prec)| json!({"query": q, "leaves": l, "brands": b, "price_quartiles": p, "precision_at_10": prec}))
            .collect();
        json!({"metrics": rows, "generic_spread": spread})
    }
}

/// Distinct leaves, brands and shop-wide price quartiles in the top 10, and its precision.
fn spread(truth: &SearchTruth, query: &str, full: &[i64]) -> (String, usize, usize, usize, f64) {
    let mut prices: Vec<i64> = truth.products.values().map(|f| f.price_cents).collect();
    prices.sort_unstable();
    let quartile = |cents: i64| prices.partition_point(|p| *p < cents) * 4 / prices.len().max(1);
    let top: Vec<&Facts> = full
        .iter()
        .take(K)
        .filter_map(|id| truth.products.get(id))
        .collect();
    let leaves = top.iter().map(|f| f.leaf).collect::<HashSet<_>>().len();
    let brands = top.iter().map(|f| f.brand).collect::<HashSet<_>>().len();
    let bands = top
        .iter()
        .map(|f| quartile(f.price_cents))
        .collect::<HashSet<_>>()
        .len();
    let relevant = truth
        .queries
        .iter()
        .find(|q| q.text == query)
        .map(|q| &q.relevant);
    let precision = relevant.map_or(0.0, |r| precision_ndcg(full, r).0);
    (query.to_owned(), leaves, brands, bands, precision)
}
