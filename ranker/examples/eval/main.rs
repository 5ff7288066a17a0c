//! Offline evaluation on MovieLens 100K (genres as categories).
//!
//! ```text
//! bash ../shared/data/fetch-datasets.sh            # once; caches outside the repo
//! cargo run --release -p ranker --example eval -- --movielens ~/.cache/meander-datasets/ml-100k
//! ```
//!
//! Per-user random 75/25 split (ChaCha8, `--seed`, default 42). The relevance baseline is SAR:
//! Jaccard co-occurrence, rating-weighted affinity with a 30-day half-life, seen items removed.
//! Each diversified policy re-ranks the baseline's top `--pool` (default 100) into 10; the
//! `EASE` rows re-rank the top `--pool` of the EASE item-item regression instead.
//!
//! `--validation` evaluates on a 75/25 split of the *training* ratings instead (the test split is
//! not read; `--validation-train-share 0.9` makes it 90/10, so the tuning model trains on a share
//! of the data closer to the test model's; `--validation-splits K` averages K inner splits);
//! `--profile-items N` scores from each user's N most recent training ratings only (a shop's
//! profiles hold five products); `--sweep` runs the parameter grid of the blended-kernel
//! policies and prints the configuration the selection rule picks. The table's tuned rows
//! come from `--validation --sweep`.

mod data;
mod setup;

use std::error::Error;
use std::path::PathBuf;

use ranker::policy::default_specs;
use ranker::{ItemId, Policy, Ranker, RuleSet, SimilarityConfig, Surface, Weights};

use setup::{Candidates, Kernel, Row, Setup, setup};

const K: usize = 10;

/// Command-line flags.
struct Args {
    pub dir: PathBuf,
    pub seed: u64,
    pub pool: usize,
    pub validation: bool,
    /// Share of the training ratings the validation model trains on.
    pub validation_train_share: f64,
    /// Validation splits (inner seeds `seed + 1 …`) whose averages the sweep selects on.
    pub validation_splits: usize,
    pub sweep: bool,
    /// Score from each user's N most recent training ratings only (all when absent), to see
    /// the models on profiles as thin as a shop's; every training rating stays excluded.
    pub profile_items: Option<usize>,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut out = Args {
        dir: PathBuf::new(),
        seed: 42,
        pool: 100,
        validation: false,
        validation_train_share: 0.75,
        validation_splits: 1,
        sweep: false,
        profile_items: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--validation" => out.validation = true,
            "--sweep" => out.sweep = true,
            "--movielens" => out.dir = PathBuf::from(value()?),
            "--seed" => out.seed = value()?.parse()?,
            "--pool" => out.pool = value()?.parse()?,
            "--validation-train-share" => out.validation_train_share = value()?.parse()?,
            "--profile-items" => out.profile_items = Some(value()?.parse()?),
            "--validation-splits" => out.validation_splits = value()?.parse::<usize>()?.max(1),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    if out.dir.join("ml-100k").is_dir() {
        out.dir = out.dir.join("ml-100k");
    }
    if out.dir.as_os_str().is_empty() {
        return Err(
            "usage: eval --movielens DIR [--seed N] [--pool N] [--profile-items N] [--validation] [--sweep]".into(),
        );
    }
    Ok(out)
}

/// Everything the policies are evaluated on.
/// A similarity mix over the category, attribute and embedding kernels (the others off).
fn sim(category: f32, attributes: f32, embedding: f32) -> SimilarityConfig {
    SimilarityConfig {
        category,
        parent: 0.0,
        brand: 0.0,
        attributes,
        embedding,
        price: 0.0,
    }
}

/// One split's numbers: the baseline's and each named entry's.
type Table = (Row, Vec<(String, Row)>);

/// A named policy with its rules, similarity, embedding kernel and the candidates it re-ranks.
type Entry = (
    String,
    Policy,
    RuleSet,
    SimilarityConfig,
    Kernel,
    Candidates,
);

/// PPMI share of the blended kernel chosen by `--validation --sweep` (the selection rule in
/// `main`: NDCG@10 ≥ 95 % and coverage ≥ 130 % of the baseline, then the highest co-occ ILD).
const CHOSEN_SHARE: f32 = 0.5;
/// DPP α chosen by `--validation --sweep`.
const CHOSEN_ALPHA: f32 = 0.75;
/// DPP α over EASE candidates with the co-occurrence kernel: what `--validation --sweep`
/// picks with either validation share (0.75, 0.9) and with one or three averaged splits.
const CHOSEN_EASE_ALPHA: f32 = 0.25;

/// The policies compared. Similarity: "genre" = primary genre + genre-set overlap; "co-occ" =
/// cosine of the movies' training-user vectors (what SAR's co-occurrence sees); "blend w" =
/// `(1 − w)·co-occ + w·PPMI` cosine, one embedding kernel.
fn policies() -> Vec<Entry> {
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
    let co = Kernel::CoOcc;
    let blend = Kernel::Mixed(CHOSEN_SHARE);
    let vectors = Kernel::Behaviour;
    let sar_rows: Vec<(&'static str, Policy, RuleSet, SimilarityConfig, Kernel)> = vec![
        (
            "score only via Ranker (= baseline)",
            Policy::ScoreOnly,
            rules,
            genre,
            co,
        ),
        ("MMR λ=0.8, genre sim", mmr(0.8), rules, genre, co),
        ("DPP α=4, genre sim", dpp(4.0), rules, genre, co),
        ("MMR λ=0.7, co-occ sim", mmr(0.7), rules, cooc, co),
        ("MMR λ=0.5, co-occ sim", mmr(0.5), rules, cooc, co),
        ("MMR λ=0.3, co-occ sim", mmr(0.3), rules, cooc, co),
        ("DPP α=2, co-occ sim", dpp(2.0), rules, cooc, co),
        ("DPP α=1, co-occ sim", dpp(1.0), rules, cooc, co),
        (
            "constrained λ=1, co-occ sim",
            Policy::Constrained,
            constrained,
            cooc,
            co,
        ),
        (
            "constrained λ=1, co-occ + adjacent genres",
            Policy::Constrained,
            adjacent,
            cooc,
            co,
        ),
        ("DPP α=1, mixed sim", dpp(1.0), rules, mixed, co),
        ("MMR λ=0.45, co-occ sim", mmr(0.45), rules, cooc, co),
        ("MMR λ=0.4, co-occ sim", mmr(0.4), rules, cooc, co),
        ("DPP α=0.75, co-occ sim", dpp(0.75), rules, cooc, co),
        ("DPP α=1, blend 0.5", dpp(1.0), rules, cooc, blend),
        (
            "DPP α=0.75, blend 0.5 (tuned on validation)",
            dpp(CHOSEN_ALPHA),
            rules,
            cooc,
            blend,
        ),
        ("DPP α=0.5, blend 0.5", dpp(0.5), rules, cooc, blend),
        ("MMR λ=0.4, blend 0.5", mmr(0.4), rules, cooc, blend),
        ("MMR λ=0.35, blend 0.5", mmr(0.35), rules, cooc, blend),
        ("DPP α=1, behaviour vectors", dpp(1.0), rules, cooc, vectors),
        ("DPP α=3, behaviour vectors", dpp(3.0), rules, cooc, vectors),
        ("DPP α=6, behaviour vectors", dpp(6.0), rules, cooc, vectors),
        (
            "MMR λ=0.7, behaviour vectors",
            mmr(0.7),
            rules,
            cooc,
            vectors,
        ),
    ];
    let ppmi = Kernel::Mixed(1.0);
    let ease_rows: Vec<(&'static str, Policy, RuleSet, SimilarityConfig, Kernel)> = vec![
        ("EASE relevance only", Policy::ScoreOnly, rules, cooc, co),
        ("EASE + DPP α=1, co-occ sim", dpp(1.0), rules, cooc, co),
        ("EASE + DPP α=0.5, co-occ sim", dpp(0.5), rules, cooc, co),
        ("EASE + DPP α=0.35, co-occ sim", dpp(0.35), rules, cooc, co),
        (
            "EASE + DPP α=0.25, co-occ sim (tuned on validation)",
            dpp(CHOSEN_EASE_ALPHA),
            rules,
            cooc,
            co,
        ),
        ("EASE + DPP α=0.2, co-occ sim", dpp(0.2), rules, cooc, co),
        ("EASE + MMR λ=0.4, co-occ sim", mmr(0.4), rules, cooc, co),
        ("EASE + MMR λ=0.3, co-occ sim", mmr(0.3), rules, cooc, co),
        ("EASE + DPP α=0.6, PPMI sim", dpp(0.6), rules, cooc, ppmi),
        ("EASE + DPP α=0.5, PPMI sim", dpp(0.5), rules, cooc, ppmi),
        ("EASE + DPP α=0.5, genre sim", dpp(0.5), rules, genre, co),
    ];
    let tagged = |rows: Vec<(&'static str, Policy, RuleSet, SimilarityConfig, Kernel)>,
                  c: Candidates| {
        rows.into_iter()
            .map(|(n, p, r, s, k)| (n.to_owned(), p, r, s, k, c))
            .collect::<Vec<Entry>>()
    };
    let mut out = tagged(sar_rows, Candidates::Sar);
    out.extend(tagged(ease_rows, Candidates::Ease));
    out
}

/// The tuning grid: MMR and DPP over SAR's candidates with the co-occurrence kernel and two
/// PPMI blends, and over EASE's candidates with the co-occurrence kernel and with kernels that
/// do not contain the co-occurrence cosine (pure PPMI, genre), for which the co-occ ILD is an
/// independent measure.
fn grid() -> Vec<Entry> {
    let (cooc, genre) = (sim(0.0, 0.0, 1.0), sim(0.4, 0.6, 0.0));
    let mut out = Vec::new();
    for kernel in [Kernel::CoOcc, Kernel::Mixed(0.3), Kernel::Mixed(0.5)] {
        let name = match kernel {
            Kernel::CoOcc => "co-occ".to_owned(),
            Kernel::Mixed(w) => format!("blend {w}"),
            Kernel::Behaviour => "behaviour vectors".to_owned(),
        };
        let (lambdas, alphas) = (&[0.35, 0.4, 0.45, 0.5][..], &[0.75, 1.0, 1.5][..]);
        let rows = (cooc, kernel, Candidates::Sar);
        out.extend(sweep(&name, lambdas, alphas, rows));
    }
    for (name, similarity, kernel) in [
        ("co-occ", cooc, Kernel::CoOcc),
        ("PPMI", cooc, Kernel::Mixed(1.0)),
        ("genre", genre, Kernel::CoOcc),
    ] {
        let lambdas = &[0.3, 0.4, 0.5, 0.6][..];
        let alphas = &[
            0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 1.0,
        ][..];
        let rows = (similarity, kernel, Candidates::Ease);
        out.extend(sweep(name, lambdas, alphas, rows));
    }
    out
}

/// MMR over `lambdas` and DPP over `alphas`, all with one similarity, kernel and candidates.
fn sweep(
    name: &str,
    lambdas: &[f32],
    alphas: &[f32],
    (similarity, kernel, candidates): (SimilarityConfig, Kernel, Candidates),
) -> Vec<Entry> {
    let prefix = match candidates {
        Candidates::Sar => "",
        Candidates::Ease => "EASE + ",
    };
    let mmr = lambdas.iter().map(|&lambda| {
        (
            format!("{prefix}MMR λ={lambda}, {name}"),
            Policy::Mmr { lambda },
        )
    });
    let dpp = alphas.iter().map(|&alpha| {
        (
            format!("{prefix}DPP α={alpha}, {name}"),
            Policy::Dpp { alpha },
        )
    });
    mmr.chain(dpp)
        .map(|(label, policy)| {
            (
                label,
                policy,
                RuleSet::none(),
                similarity,
                kernel,
                candidates,
            )
        })
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    // Share 1.0 is the pure PPMI kernel of the EASE rows.
    let shares = if args.sweep {
        vec![0.3, 0.5, 1.0]
    } else {
        vec![CHOSEN_SHARE, 1.0]
    };
    let entries = if args.sweep { grid() } else { policies() };
    // Validation: one table per inner split; the rule reads their averages, so one small
    // holdout's noise does not pick the policy.
    let splits = if args.validation {
        args.validation_splits
    } else {
        1
    };
    let mut totals: Option<Table> = None;
    for split in 0..splits {
        let inner_seed = args.seed + 1 + u64::try_from(split)?;
        let (base, rows) = table(&args, &shares, &entries, inner_seed)?;
        totals = Some(match totals {
            None => (base, rows),
            Some((sum_base, sum_rows)) => (
                sum_base.plus(&base),
                sum_rows
                    .into_iter()
                    .zip(rows)
                    .map(|((name, sum), (_, row))| (name, sum.plus(&row)))
                    .collect(),
            ),
        });
    }
    if let (true, Some((base, rows))) = (args.sweep, totals) {
        // Selection rule (sums over the splits compare like averages): NDCG@10 within 5 %
        // and coverage +30 % of the baseline, then the highest co-occurrence ILD.
        let best = rows
            .iter()
            .filter(|(_, r)| r.ndcg >= 0.95 * base.ndcg && r.coverage >= 1.3 * base.coverage)
            .max_by(|(_, a), (_, b)| a.ild_cooc.total_cmp(&b.ild_cooc))
            .map(|(name, r)| (name, r.ild_cooc / base.ild_cooc - 1.0));
        println!("\nselected over {splits} split(s): {best:?}");
    }
    Ok(())
}

/// The shipped home and email policies over SAR's candidates, as the worker precomputes a
/// profile's lists (seeded with the user's five newest items): their modules, scopes,
/// discovery slots, re-rankers and rules, with the ranker's default similarity. Twice: on a catalog without item vectors, as a shop's is today
/// (the embedding term drops out, leaving category, parent category and attributes), and with
/// the 64-d behaviour vectors in the embedding slot. Changed for the comparison: 10 slots,
/// relevance-only weights (MovieLens has no margin or stock), no exploration (it is per
/// request) and no new-arrival slot (no catalog dates).
fn shipped(
    setup: &Setup,
    pool: usize,
    weights: Weights,
) -> Result<Vec<(String, Row)>, Box<dyn Error>> {
    let (specs, _) = default_specs();
    let mut rows = Vec::new();
    for (vectors, embedding, kernel) in [
        ("no item vectors", 0.0, Kernel::CoOcc),
        (
            "behaviour vectors",
            SimilarityConfig::default().embedding,
            Kernel::Behaviour,
        ),
    ] {
        let ranker = Ranker::builder()
            .weights(weights)
            .similarity(SimilarityConfig {
                embedding,
                ..SimilarityConfig::default()
            })
            .shortlist(pool)
            .build()?;
        for (name, surface) in [("home", Surface::Home), ("email", Surface::Email)] {
            let mut spec = specs
                .iter()
                .find(|s| s.surface == Some(surface))
                .ok_or("no default policy for the surface")?
                .clone();
            spec.exploration.enabled = false;
            for module in &mut spec.modules {
                module.slots = K;
                module.weights = Some(weights);
                module.new_arrival_slots.clear();
            }
            let label = format!("shipped {name} policy, {vectors}");
            let lists = setup.served(&ranker, &spec.validate()?, Candidates::Sar, kernel)?;
            rows.push((label.clone(), setup.report(&label, &lists)));
        }
    }
    Ok(rows)
}

/// Prints the table of one split (the test split, or the validation split carved with
/// `inner_seed`) and returns the baseline's and every entry's numbers.
fn table(
    args: &Args,
    shares: &[f32],
    entries: &[Entry],
    inner_seed: u64,
) -> Result<Table, Box<dyn Error>> {
    let setup = setup(args, shares, inner_seed)?;
    println!(
        "| policy | P@10 | R@10 | NDCG@10 | MAP@10 | MAP | coverage | ILD genre | ILD co-occ | ILD PPMI | novelty (bits) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let baseline: Vec<Vec<ItemId>> = setup
        .pools
        .iter()
        .map(|p| p.iter().take(K).map(|x| x.0).collect())
        .collect();
    let base = setup.report("SAR baseline (relevance only)", &baseline);
    let relevance_only = Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    let mut rows = Vec::with_capacity(entries.len());
    if !args.sweep {
        rows.extend(shipped(&setup, args.pool, relevance_only)?);
    }
    for (name, policy, rules, similarity, kernel, candidates) in entries {
        let r = Ranker::builder()
            .weights(relevance_only)
            .policy(*policy)
            .rules(*rules)
            .similarity(*similarity)
            .shortlist(args.pool)
            .build()?;
        let row = setup.report(name, &setup.lists(&r, *candidates, *kernel)?);
        rows.push((name.clone(), row));
    }
    Ok((base, rows))
}
