//! A traffic simulator for the running demo shop (issue #19): the generator's shoppers, with
//! their hidden tastes, visit it over HTTP — recommendations on the home and product pages,
//! clicks and views as pixel events, adds to cart and checkouts through the storefront's
//! forms — over simulated days, under an experiment "relevance only vs diversified" it
//! starts through the admin API (or `--experiment ID`). It prints per-arm CTR, add-to-cart
//! rate, discovery rate, catalog exposure, revenue per session and repeat rate with 95 %
//! intervals from its own log, next to the app's experiment results.
//!
//! ```text
//! cargo run -p app --example traffic -- --url http://127.0.0.1:18471 \
//!     --ingest-key "$(sqlite3 $DATA/meander.db 'select ingest_key from shops where is_demo=1')" \
//!     --admin-key KEY_FROM_THE_LOG --visits 2000 --days 7 --minutes 10 --seed 1
//! ```
//!
//! `--demo-seed/--products/--shoppers` must match the app's demo settings (the defaults do).

#[path = "traffic/mod.rs"]
mod traffic;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use traffic::report::Report;
use traffic::run::{self, Options};
use traffic::storefront::Storefront;

struct Args {
    url: String,
    shop: String,
    ingest_key: String,
    admin_key: String,
    experiment: Option<i64>,
    surface: String,
    demo: demo::DemoConfig,
    options: Options,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        url: "http://127.0.0.1:8080".into(),
        shop: "meander-demo.myshopify.com".into(),
        ingest_key: String::new(),
        admin_key: String::new(),
        experiment: None,
        surface: "pdp".into(),
        demo: demo::DemoConfig::default(),
        options: Options {
            seed: 1,
            days: 7,
            visits: 1_000,
            concurrency: 4,
            rate: None,
            deadline: None,
            run_tag: String::new(),
        },
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        let value = raw
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<f64>()
                .with_context(|| format!("{flag}: a number"))
        };
        match flag.as_str() {
            "--url" => args.url = value,
            "--shop" => args.shop = value,
            "--ingest-key" => args.ingest_key = value,
            "--admin-key" => args.admin_key = value,
            "--experiment" => args.experiment = Some(value.parse()?),
            "--surface" => args.surface = value,
            "--demo-seed" => args.demo.seed = value.parse()?,
            "--products" => args.demo.products = value.parse()?,
            "--shoppers" => args.demo.shoppers = value.parse()?,
            "--sessions" => args.demo.sessions = value.parse()?,
            "--seed" => args.options.seed = value.parse()?,
            "--days" => args.options.days = value.parse()?,
            "--visits" => args.options.visits = value.parse()?,
            "--concurrency" => args.options.concurrency = value.parse()?,
            "--rate" => args.options.rate = Some(number()?),
            "--minutes" => {
                args.options.deadline =
                    Some(Instant::now() + Duration::from_secs_f64(60.0 * number()?));
            }
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    anyhow::ensure!(!args.ingest_key.is_empty(), "--ingest-key is required");
    anyhow::ensure!(!args.admin_key.is_empty(), "--admin-key is required");
    Ok(args)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = parse_args()?;
    eprintln!("generating the audience and its history…");
    let audience = demo::audience::Audience::new(&args.demo);
    let known = run::history(&audience, &demo::generate(&args.demo));
    // After the slow generation, so the first visit does not reuse a connection the server
    // closed while idle.
    let store = Storefront::new(&args.url, &args.shop, &args.ingest_key, &args.admin_key)?;
    let id = match args.experiment {
        Some(id) => id,
        None => {
            let name = format!(
                "Relevance only vs diversified (traffic seed {})",
                args.options.seed
            );
            store
                .start_experiment(&traffic::experiment(&name, &args.surface))
                .await?
        }
    };
    args.options.run_tag = format!("x{id}r{}", args.options.seed);
    let started = Instant::now();
    let log = run::simulate(&store, &audience, known, &args.options).await;
    let elapsed = started.elapsed().as_secs_f64();
    let report = Report::new(&log, audience.active_products());
    println!(
        "{} visits in {elapsed:.0} s ({:.1} visits/s), experiment {id} on `{}`\n",
        log.visits.len(),
        log.visits.len() as f64 / elapsed.max(f64::EPSILON),
        args.surface
    );
    println!("{}", report.table());
    let results = store.settled_results(id, report.shown()).await?;
    println!("{}", report.cross_check(&results));
    Ok(())
}
