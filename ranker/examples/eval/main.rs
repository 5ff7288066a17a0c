//! Offline evaluation on MovieLens 100K (genres as categories).
//!
//! ```text
//! bash ../shared/data/fetch-datasets.sh            # once; caches outside the repo
//! cargo run --release -p ranker --example eval -- --movielens ~/.cache/meander-datasets/ml-100k
//! ```
//!
//! Per-user random 75/25 split (ChaCha8, `--seed`, default 42). The relevance baseline is SAR:
//! Jaccard co-occurrence, rating-weighted affinity with a 30-day half-life, seen items removed.
//! Each diversified policy re-ranks the baseline's top `--pool` (default 100) into 10.

mod data;
mod setup;

use std::error::Error;
use std::path::PathBuf;

use ranker::{ItemId, Policy, Ranker, RuleSet, SimilarityConfig, Weights};

use setup::setup;

const K: usize = 10;

/// Command-line flags.
struct Args {
    pub dir: PathBuf,
    pub seed: u64,
    pub pool: usize,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut out = Args {
        dir: PathBuf::new(),
        seed: 42,
        pool: 100,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--movielens" => out.dir = PathBuf::from(value),
            "--seed" => out.seed = value.parse()?,
            "--pool" => out.pool = value.parse()?,
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    if out.dir.join("ml-100k").is_dir() {
        out.dir = out.dir.join("ml-100k");
    }
    if out.dir.as_os_str().is_empty() {
        return Err("usage: eval --movielens DIR [--seed N] [--pool N]".into());
    }
    Ok(out)
}

/// Everything the policies are evaluated on.
/// A similarity mix over the five kernels (category, parent, brand, attributes, embedding).
fn sim(category: f32, attributes: f32, embedding: f32) -> SimilarityConfig {
    SimilarityConfig {
        category,
        parent: 0.0,
        brand: 0.0,
        attributes,
        embedding,
    }
}

/// The policies compared. Similarity: "genre" = primary genre + genre-set overlap; "co-occ" =
/// cosine of the movies' training-user vectors (what SAR's co-occurrence sees).
fn policies() -> Vec<(&'static str, Policy, RuleSet, SimilarityConfig)> {
    let (genre, cooc, mixed) = (sim(0.4, 0.6, 0.0), sim(0.0, 0.0, 1.0), sim(0.15, 0.15, 0.7));
    let rules = RuleSet::none();
    let constrained = RuleSet {
        lambda: 1.0,
        ..rules
    };
    let adjacent = RuleSet {
        adjacent_coverage: true,
        ..constrained
    };
    let (mmr, dpp) = (
        |lambda| Policy::Mmr { lambda },
        |alpha| Policy::Dpp { alpha },
    );
    vec![
        (
            "score only via Ranker (= baseline)",
            Policy::ScoreOnly,
            rules,
            genre,
        ),
        ("MMR λ=0.8, genre sim", mmr(0.8), rules, genre),
        ("DPP α=4, genre sim", dpp(4.0), rules, genre),
        ("MMR λ=0.7, co-occ sim", mmr(0.7), rules, cooc),
        ("MMR λ=0.5, co-occ sim", mmr(0.5), rules, cooc),
        ("MMR λ=0.3, co-occ sim", mmr(0.3), rules, cooc),
        ("DPP α=2, co-occ sim", dpp(2.0), rules, cooc),
        ("DPP α=1, co-occ sim", dpp(1.0), rules, cooc),
        (
            "constrained λ=1, co-occ sim",
            Policy::Constrained,
            constrained,
            cooc,
        ),
        (
            "constrained λ=1, co-occ + adjacent genres",
            Policy::Constrained,
            adjacent,
            cooc,
        ),
        ("DPP α=1, mixed sim", dpp(1.0), rules, mixed),
    ]
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    let setup = setup(&args)?;
    println!(
        "| policy | P@10 | R@10 | NDCG@10 | MAP@10 | MAP | coverage | ILD genre | ILD co-occ | novelty (bits) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let baseline: Vec<Vec<ItemId>> = setup
        .pools
        .iter()
        .map(|p| p.iter().take(K).map(|x| x.0).collect())
        .collect();
    setup.report("SAR baseline (relevance only)", &baseline);
    let relevance_only = Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    for (name, policy, rules, similarity) in policies() {
        let r = Ranker::builder()
            .weights(relevance_only)
            .policy(policy)
            .rules(rules)
            .similarity(similarity)
            .shortlist(args.pool)
            .build()?;
        setup.report(name, &setup.lists(&r)?);
    }
    Ok(())
}
