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

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use ranker::candidates::complements::CategoryGraph;
use ranker::candidates::cooccurrence::{
    CooccurrenceConfig, CooccurrenceModel, Interaction, Normalisation, affinity,
};
use ranker::metrics::{accuracy, coverage, intra_list_diversity, novelty};
use ranker::{
    CandidatePool, Catalog, Context, ItemId, ItemSpec, Policy, Ranker, RuleSet, SimilarityConfig,
    Source, Surface, Weights,
};

const K: usize = 10;

struct Movie {
    id: i64,
    genres: Vec<String>,
}

struct Raw {
    movies: Vec<Movie>,
    /// (user, movie id, rating, time)
    ratings: Vec<(u32, i64, f32, i64)>,
}

fn load(dir: &Path) -> Result<Raw, Box<dyn Error>> {
    let mut movies = Vec::new();
    for line in std::fs::read_to_string(dir.join("ml-100k.item"))?
        .lines()
        .skip(1)
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(id), Some(class)) = (cols.first(), cols.get(3)) else {
            continue;
        };
        let mut genres: Vec<String> = class.split_whitespace().map(str::to_owned).collect();
        if genres.is_empty() {
            genres.push("unknown".into());
        }
        movies.push(Movie {
            id: id.parse()?,
            genres,
        });
    }
    let mut ratings = Vec::new();
    for line in std::fs::read_to_string(dir.join("ml-100k.inter"))?
        .lines()
        .skip(1)
    {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() >= 4 {
            ratings.push((
                cols[0].parse()?,
                cols[1].parse()?,
                cols[2].parse()?,
                cols[3].parse::<f64>()? as i64,
            ));
        }
    }
    Ok(Raw { movies, ratings })
}

/// A catalog and each movie's genre attribute ids.
type Built = (Catalog, Vec<Vec<u32>>);

/// The catalog: primary genre as category, all genres as attributes, and (optionally) each
/// movie's training-user incidence vector as its embedding, so embedding cosine equals the
/// co-occurrence cosine between movies.
fn catalog(
    raw: &Raw,
    train_users: Option<&HashMap<i64, Vec<u32>>>,
    n_users: usize,
) -> Result<Built, Box<dyn Error>> {
    let dim = if train_users.is_some() { n_users } else { 0 };
    let mut b = Catalog::builder(dim);
    let mut genres = Vec::new();
    for m in &raw.movies {
        let category = b.category(&[m.genres[0].as_str()]).ok_or("empty genre")?;
        let attributes: Vec<_> = m.genres.iter().map(|g| b.attribute(g)).collect();
        genres.push(attributes.iter().map(|a| a.0).collect());
        let mut spec = ItemSpec::new(m.id, category).attributes(attributes);
        if let Some(users) = train_users {
            let mut v = vec![0.0; dim];
            users
                .get(&m.id)
                .into_iter()
                .flatten()
                .for_each(|u| v[*u as usize] = 1.0);
            spec = spec.embedding(v);
        }
        b.add_item(spec)?;
    }
    Ok((b.build(), genres))
}

/// Per-user random split: round(75 %) of each user's ratings train, the rest test.
fn split(events: &[Interaction], seed: u64) -> (Vec<Interaction>, Vec<Interaction>) {
    let mut by_user: HashMap<u32, Vec<Interaction>> = HashMap::new();
    for e in events {
        by_user.entry(e.user).or_default().push(*e);
    }
    let mut users: Vec<u32> = by_user.keys().copied().collect();
    users.sort_unstable();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for u in users {
        let mut rows = by_user.remove(&u).unwrap_or_default();
        rows.sort_by_key(|e| (e.at, e.item));
        rows.shuffle(&mut rng);
        let cut = (rows.len() as f64 * 0.75).round() as usize;
        train.extend_from_slice(&rows[..cut]);
        test.extend_from_slice(&rows[cut..]);
    }
    (train, test)
}

struct Args {
    dir: PathBuf,
    seed: u64,
    pool: usize,
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

fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    let raw = load(&args.dir)?;
    let (plain, _) = catalog(&raw, None, 0)?;
    let events: Vec<Interaction> = raw
        .ratings
        .iter()
        .filter_map(|(u, m, r, at)| {
            Some(Interaction {
                user: *u,
                item: plain.id_of(*m)?,
                weight: *r,
                at: *at,
            })
        })
        .collect();
    let (train, test) = split(&events, args.seed);
    // Dense user indices and each movie's training users, for the co-occurrence embeddings.
    let mut user_index: HashMap<u32, u32> = HashMap::new();
    let mut movie_users: HashMap<i64, Vec<u32>> = HashMap::new();
    for e in &train {
        let next = user_index.len() as u32;
        let u = *user_index.entry(e.user).or_insert(next);
        movie_users
            .entry(plain.items()[e.item.index()].external_id)
            .or_default()
            .push(u);
    }
    let (mut data_catalog, genres) = catalog(&raw, Some(&movie_users), user_index.len())?;
    let now = train.iter().map(|e| e.at).max().unwrap_or(0);
    let cfg = CooccurrenceConfig {
        normalisation: Normalisation::Jaccard,
        half_life_secs: Some(30.0 * 86_400.0),
        now: Some(now),
        min_count: 1,
        max_neighbours: None,
        decay_counts: false,
    };
    let n = data_catalog.len();
    let model = CooccurrenceModel::fit(n, &train, &cfg)?;
    data_catalog.set_category_graph(CategoryGraph::from_purchases(&data_catalog, &train, 4, 20)?);
    let mut users: Vec<u32> = test
        .iter()
        .map(|e| e.user)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    users.sort_unstable();
    let group = |rows: &[Interaction]| {
        let mut m: HashMap<u32, Vec<Interaction>> = HashMap::new();
        rows.iter()
            .for_each(|e| m.entry(e.user).or_default().push(*e));
        m
    };
    let (train_by, test_by) = (group(&train), group(&test));
    let truth: Vec<HashSet<ItemId>> = users
        .iter()
        .map(|u| test_by[u].iter().map(|e| e.item).collect())
        .collect();
    // Per user: the SAR candidates (top `pool`, seen items removed).
    let pools: Vec<Vec<(ItemId, f32)>> = users
        .iter()
        .map(|u| {
            let history = train_by.get(u).cloned().unwrap_or_default();
            let seen: Vec<ItemId> = history.iter().map(|e| e.item).collect();
            model.recommend(&affinity(&history, &cfg), args.pool, &seen)
        })
        .collect();
    let mut popularity: HashMap<ItemId, usize> = HashMap::new();
    for rows in train_by.values() {
        for item in rows.iter().map(|e| e.item).collect::<HashSet<_>>() {
            *popularity.entry(item).or_insert(0) += 1;
        }
    }
    let genre_distance = |a: ItemId, b: ItemId| {
        let (x, y) = (&genres[a.index()], &genres[b.index()]);
        let both = x.iter().filter(|g| y.contains(g)).count() as f64;
        let union = (x.len() + y.len()) as f64 - both;
        if union > 0.0 { 1.0 - both / union } else { 0.0 }
    };
    let baseline: Vec<Vec<ItemId>> = pools
        .iter()
        .map(|p| p.iter().take(K).map(|x| x.0).collect())
        .collect();
    let cooc_distance =
        |a: ItemId, b: ItemId| match (data_catalog.embedding(a), data_catalog.embedding(b)) {
            (Some(x), Some(y)) => 1.0 - f64::from(ranker::dot(x, y)),
            _ => 1.0,
        };
    println!(
        "| policy | P@10 | R@10 | NDCG@10 | MAP@10 | MAP | coverage | ILD genre | ILD co-occ | novelty (bits) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let report = |name: &str, lists: &[Vec<ItemId>]| {
        let a = accuracy(lists, &truth, K);
        println!(
            "| {name} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} |",
            a.precision,
            a.recall,
            a.ndcg,
            a.map_at_k,
            a.map,
            coverage(lists, n),
            intra_list_diversity(lists, genre_distance),
            intra_list_diversity(lists, cooc_distance),
            novelty(lists, &popularity, train_by.len()),
        );
    };
    report("SAR baseline (relevance only)", &baseline);
    let relevance_only = Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    let genre_sim = SimilarityConfig {
        category: 0.4,
        parent: 0.0,
        brand: 0.0,
        attributes: 0.6,
        embedding: 0.0,
    };
    let cooc_sim = SimilarityConfig {
        category: 0.0,
        parent: 0.0,
        brand: 0.0,
        attributes: 0.0,
        embedding: 1.0,
    };
    let mixed_sim = SimilarityConfig {
        category: 0.15,
        parent: 0.0,
        brand: 0.0,
        attributes: 0.15,
        embedding: 0.7,
    };
    let rules = RuleSet::none();
    let constrained = |lambda| RuleSet { lambda, ..rules };
    let adjacent = RuleSet {
        lambda: 1.0,
        adjacent_coverage: true,
        ..rules
    };
    // Similarity: "genre" = primary genre + genre-set overlap; "co-occ" = cosine of the movies'
    // training-user vectors (what SAR's co-occurrence sees).
    let policies: Vec<(String, Policy, RuleSet, SimilarityConfig)> = vec![
        (
            "score only via Ranker (= baseline)".into(),
            Policy::ScoreOnly,
            rules,
            genre_sim,
        ),
        (
            "MMR λ=0.8, genre sim".into(),
            Policy::Mmr { lambda: 0.8 },
            rules,
            genre_sim,
        ),
        (
            "DPP α=4, genre sim".into(),
            Policy::Dpp { alpha: 4.0 },
            rules,
            genre_sim,
        ),
        (
            "MMR λ=0.7, co-occ sim".into(),
            Policy::Mmr { lambda: 0.7 },
            rules,
            cooc_sim,
        ),
        (
            "MMR λ=0.5, co-occ sim".into(),
            Policy::Mmr { lambda: 0.5 },
            rules,
            cooc_sim,
        ),
        (
            "MMR λ=0.3, co-occ sim".into(),
            Policy::Mmr { lambda: 0.3 },
            rules,
            cooc_sim,
        ),
        (
            "DPP α=2, co-occ sim".into(),
            Policy::Dpp { alpha: 2.0 },
            rules,
            cooc_sim,
        ),
        (
            "DPP α=1, co-occ sim".into(),
            Policy::Dpp { alpha: 1.0 },
            rules,
            cooc_sim,
        ),
        (
            "constrained λ=1, co-occ sim".into(),
            Policy::Constrained,
            constrained(1.0),
            cooc_sim,
        ),
        (
            "constrained λ=1, co-occ + adjacent genres".into(),
            Policy::Constrained,
            adjacent,
            cooc_sim,
        ),
        (
            "DPP α=1, mixed sim".into(),
            Policy::Dpp { alpha: 1.0 },
            rules,
            mixed_sim,
        ),
    ];
    for (name, policy, rules, similarity) in policies {
        let r = Ranker::builder()
            .weights(relevance_only)
            .policy(policy)
            .rules(rules)
            .similarity(similarity)
            .shortlist(args.pool)
            .build()?;
        let mut lists = Vec::with_capacity(users.len());
        for cands in &pools {
            let mut pool = CandidatePool::new();
            pool.add_source(&data_catalog, Source::CoOccurrence, 1.0, cands)?;
            lists.push(
                r.rank(&data_catalog, &pool, &Context::new(Surface::Email, now), K)?
                    .ids(),
            );
        }
        report(&name, &lists);
    }
    Ok(())
}
