//! A judged evaluation of the lists the app serves, against the demo generator's ground
//! truth: which leaves go together, which products were bought together, what is new and
//! what sells. Loads a demo shop into a temporary SQLite file, trains, precomputes, then
//! serves sampled product pages, carts (and their checkout) and sessions through
//! `app::serving::preview`, exactly as a shopper would get them, and scores every module.
//! Then judges search with queries generated from the same ground truth (`judge/search.rs`),
//! and category pages: in stock first, brands spread, the session's intent followed
//! (`judge/category.rs`).
//!
//! ```text
//! cargo run --release -p app --example judge -- [--seed N] [--products N] [--samples N] \
//!     [--json] [--dump FILE]
//! ```
//!
//! Defaults: seed 42, 3,200 products, 200 samples of each kind. `--json` prints the numbers
//! as JSON instead of tables; `--dump` writes every served list with titles, leaves and the
//! verdict on each reason, one JSON object a line.
//!
//! Items are read from the serialized response, not the Rust types, so the judge keeps
//! working when the reason format changes (see `judge/truth.rs`). Sampling is seeded and the
//! demo shop is anchored at the last UTC midnight, so runs on the same day serve the same
//! lists except for the exploration slots (`preview` seeds them with a random rec id). On
//! another day the history ends at another distance from the clock the app serves with,
//! which moves recency-weighted scores a little.

#[path = "judge/category.rs"]
mod category;
#[path = "judge/report.rs"]
mod report;
#[path = "judge/search.rs"]
mod search;
#[path = "judge/truth.rs"]
mod truth;

use std::io::Write as _;
use std::time::Instant;

use anyhow::Context as _;
use app::serving::cache::ModelCache;
use app::serving::impressions::{self, WriterConfig};
use app::serving::{RecRequest, preview};
use chrono::Utc;
use common::Settings;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ranker::{Surface, TrafficSource};
use serde_json::{Value, json};
use services::signals::{EventInput, EventKind};

use report::{Report, Served};
use truth::Truth;

/// Items per module, the recommendation endpoint's default.
const LIMIT: usize = 8;
/// Views per sampled session.
const SESSION_VIEWS: usize = 3;
/// Seconds in a day.
const DAY: i64 = 86_400;
/// Chance that a further cart line comes from a leaf adjacent to an earlier line's.
const ADJACENT_LINE: f64 = 0.8;

struct Args {
    seed: u64,
    products: usize,
    samples: usize,
    json: bool,
    dump: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        seed: 42,
        products: 3_200,
        samples: 200,
        json: false,
        dump: None,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        if flag == "--json" {
            args.json = true;
            continue;
        }
        let value = raw
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seed" => args.seed = value.parse().context("--seed")?,
            "--products" => args.products = value.parse().context("--products")?,
            "--samples" => args.samples = value.parse().context("--samples")?,
            "--dump" => args.dump = Some(value),
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    Ok(args)
}

/// Everything a sampled request needs.
struct Judge {
    db: common::Database,
    shop_id: i64,
    model: std::sync::Arc<app::serving::cache::ShopModel>,
    truth: Truth,
    report: Report,
    dump: Option<std::io::BufWriter<std::fs::File>>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let folder = tempfile::tempdir()?;
    let mut settings = Settings::default();
    settings.database.data_dir = folder.path().to_path_buf();
    let db = common::Database::connect(&settings.database).await?;
    db.migrate().await?;
    // The generator shapes session starts by hour of day, so only a shift of whole days
    // gives the same shop: anchor at the last UTC midnight, and runs on the same day agree.
    let anchored = services::demo::anchored_now();
    let config = demo::DemoConfig {
        seed: args.seed,
        products: args.products,
        now: anchored.now - anchored.now.rem_euclid(DAY),
        ..anchored
    };
    let shop_id = services::demo::load_with(&db, &config).await?.shop_id;
    eprintln!("loaded in {:.1} s", started.elapsed().as_secs_f64());
    services::recs::train(&db, shop_id).await?;
    let run =
        services::runs::JobRun::start(&db.conn, shop_id, "precompute_lists", "judge", None).await?;
    let lists = services::recs::lists::precompute_all(&db, shop_id, &run).await?;
    anyhow::ensure!(
        lists.is_some(),
        "no model was trained, nothing to precompute"
    );
    eprintln!(
        "trained and precomputed at {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The serving model exactly as the app's model cache builds it.
    let (log, writer) = impressions::start(db.conn.clone(), WriterConfig::default());
    let model = ModelCache::new(log).get(&db.conn, shop_id).await?;
    let dump = match &args.dump {
        Some(path) => Some(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => None,
    };
    let generated = demo::generate(&config);
    let search_truth = search::SearchTruth::new(&generated);
    let mut judge = Judge {
        db,
        shop_id,
        model,
        truth: Truth::new(&generated, config.now),
        report: Report::default(),
        dump,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let active: Vec<i64> = judge
        .truth
        .by_leaf
        .values()
        .flatten()
        .copied()
        .filter(|id| judge.model.view.catalog.id_of(*id).is_some())
        .collect();
    anyhow::ensure!(!active.is_empty(), "no active product is served");
    for i in 0..args.samples {
        let product = *active.choose(&mut rng).context("no product")?;
        judge.product_page(i, product).await?;
        let lines = judge.sample_cart(&mut rng, &active);
        judge.cart(i, &lines).await?;
        judge.session(i, &mut rng).await?;
    }
    let searched =
        search::SearchReport::run(&search_truth, &judge.db.conn, &judge.model, shop_id).await?;
    let categories = category::CategoryReport::run(&judge, &mut rng).await?;
    writer.shutdown().await;
    if let Some(dump) = &mut judge.dump {
        dump.flush()?;
    }
    if args.json {
        let mut report = judge.report.to_json();
        report["search"] = searched.to_json();
        report["category"] = categories.to_json();
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "seed {}, {} products, {} samples of each kind\n",
            args.seed, args.products, args.samples
        );
        print!("{}", judge.report.to_text());
        print!("{}", searched.to_text());
        print!("{}", categories.to_text());
    }
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

impl Judge {
    fn request(&self, surface: Surface, product_id: Option<i64>, session: &str) -> RecRequest {
        RecRequest {
            shop_id: self.shop_id,
            surface,
            product_id,
            cart: Vec::new(),
            session_id: Some(session.to_owned()),
            anonymous_id: Some(session.to_owned()),
            customer_id: None,
            traffic_source: TrafficSource::Direct,
            modules: None,
            limit: LIMIT,
        }
    }

    /// The request for a cart (or checkout) holding `lines`, newest last as a shopper adds
    /// them; the theme block sends them newest first.
    fn cart_request(&self, surface: Surface, lines: &[i64], session: &str) -> RecRequest {
        RecRequest {
            cart: lines.iter().rev().copied().collect(),
            ..self.request(surface, None, session)
        }
    }

    /// The storefront's events, as the web pixel sends them.
    async fn record(&self, session: &str, kind: EventKind, products: &[i64]) -> anyhow::Result<()> {
        let events: Vec<EventInput> = products
            .iter()
            .map(|product| EventInput::on_product(kind, session, *product, Utc::now()))
            .collect();
        services::signals::ingest(&self.db.conn, self.shop_id, &events, Utc::now()).await?;
        Ok(())
    }

    /// Serves `request`, tallies it and dumps it; returns the response as JSON.
    async fn serve(&mut self, request: &RecRequest, served: &Served) -> anyhow::Result<Value> {
        let response = serde_json::to_value(preview(&self.db.conn, &self.model, request).await?)?;
        self.report.add(&self.truth, served, &response);
        if let Some(out) = &mut self.dump {
            let line = annotate(&self.truth, served, &response);
            writeln!(out, "{line}")?;
        }
        Ok(response)
    }

    fn served(&self, kind: &'static str, surface: Surface) -> Served {
        let tuning = self.model.tuning();
        let expected = tuning.policies().get(surface).modules.iter();
        Served {
            kind,
            expected: expected.map(|m| m.name.clone()).collect(),
            reference: Vec::new(),
            anchors: Vec::new(),
            viewed: Vec::new(),
            cart: Vec::new(),
        }
    }

    /// A product page, after its view (as the storefront records it).
    async fn product_page(&mut self, i: usize, product: i64) -> anyhow::Result<()> {
        let session = format!("judge-pdp-{i}");
        self.record(&session, EventKind::View, &[product]).await?;
        let served = Served {
            reference: self.truth.leaf(product).into_iter().collect(),
            anchors: vec![product],
            viewed: vec![product],
            ..self.served("pdp", Surface::Product)
        };
        let request = self.request(Surface::Product, Some(product), &session);
        self.serve(&request, &served).await?;
        Ok(())
    }

    /// 1-3 distinct lines; after the first, mostly from a leaf adjacent to an earlier line's.
    fn sample_cart(&self, rng: &mut ChaCha8Rng, active: &[i64]) -> Vec<i64> {
        let size = rng.random_range(1..=3);
        let mut lines: Vec<i64> = Vec::new();
        for _ in 0..size * 4 {
            if lines.len() == size {
                break;
            }
            let adjacent_leaf = lines
                .choose(rng)
                .and_then(|l| self.truth.leaf(*l))
                .and_then(|l| self.truth.categories.get(&l))
                .and_then(|c| {
                    let mut leaves: Vec<u32> = c.adjacent.iter().copied().collect();
                    leaves.sort_unstable();
                    leaves.choose(rng).copied()
                });
            let pool = match adjacent_leaf {
                Some(leaf) if rng.random_bool(ADJACENT_LINE) => {
                    self.truth.by_leaf.get(&leaf).map_or(active, Vec::as_slice)
                }
                _ => active,
            };
            if let Some(product) = pool.choose(rng)
                && !lines.contains(product)
                && self.model.view.catalog.id_of(*product).is_some()
            {
                lines.push(*product);
            }
        }
        lines
    }

    /// A cart after viewing and adding each line, then its checkout in the same session.
    async fn cart(&mut self, i: usize, lines: &[i64]) -> anyhow::Result<()> {
        let session = format!("judge-cart-{i}");
        for line in lines {
            self.record(&session, EventKind::View, &[*line]).await?;
            self.record(&session, EventKind::AddToCart, &[*line])
                .await?;
        }
        for (kind, surface) in [("cart", Surface::Cart), ("checkout", Surface::Checkout)] {
            let served = Served {
                reference: lines.iter().filter_map(|l| self.truth.leaf(*l)).collect(),
                anchors: lines.to_vec(),
                viewed: lines.to_vec(),
                cart: lines.to_vec(),
                ..self.served(kind, surface)
            };
            let request = self.cart_request(surface, lines, &session);
            self.serve(&request, &served).await?;
        }
        Ok(())
    }

    /// Home for a new session, then home again after views of products of one leaf.
    async fn session(&mut self, i: usize, rng: &mut ChaCha8Rng) -> anyhow::Result<()> {
        let leaves: Vec<(&u32, &Vec<i64>)> = self
            .truth
            .by_leaf
            .iter()
            .filter(|(_, ids)| ids.len() >= SESSION_VIEWS)
            .collect();
        let (leaf, ids) = leaves.choose(rng).context("no leaf to browse")?;
        let leaf = **leaf;
        let viewed: Vec<i64> = ids.choose_multiple(rng, SESSION_VIEWS).copied().collect();
        let session = format!("judge-session-{i}");
        let before = Served {
            reference: vec![leaf],
            ..self.served("home-before", Surface::Home)
        };
        let request = self.request(Surface::Home, None, &session);
        let first = self.serve(&request, &before).await?;
        self.record(&session, EventKind::View, &viewed).await?;
        let after = Served {
            reference: vec![leaf],
            anchors: viewed.clone(),
            viewed,
            ..self.served("home-after", Surface::Home)
        };
        let second = self.serve(&request, &after).await?;
        self.report.react(&self.truth, leaf, &first, &second);
        Ok(())
    }
}

/// A served list for reading: what it is about, and each item's title, leaf and verdict.
fn annotate(truth: &Truth, served: &Served, response: &Value) -> Value {
    let product = |id: i64| {
        let leaf = truth.leaf(id).map_or("?", |l| truth.path(l));
        json!({"id": id, "title": truth.title(id), "category": leaf})
    };
    let modules: Vec<Value> = report::modules(response)
        .iter()
        .map(|module| {
            let items: Vec<Value> = report::items(module)
                .iter()
                .filter_map(|item| {
                    let id = report::product_id(item)?;
                    let reason = truth::Reason::of(item);
                    let verdict = truth.judge(id, &reason, &served.anchors, &served.viewed);
                    let mut shown = product(id);
                    shown["reason"] = json!(reason.code);
                    shown["reason_product_id"] = json!(reason.product);
                    shown["reason_category"] = json!(reason.category);
                    shown["explored"] = item["explored"].clone();
                    shown["reason_true"] = json!(verdict);
                    Some(shown)
                })
                .collect();
            json!({"name": module["name"], "items": items})
        })
        .collect();
    json!({
        "kind": served.kind,
        "about": served.anchors.iter().map(|id| product(*id)).collect::<Vec<_>>(),
        "modules": modules,
    })
}
