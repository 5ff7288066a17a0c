//! The evaluation set-up: SAR candidates per user, held-out truth, and the metrics table.

use std::collections::{HashMap, HashSet};
use std::error::Error;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::candidates::complements::CategoryGraph;
use ranker::candidates::cooccurrence::{
    CooccurrenceConfig, CooccurrenceModel, EaseConfig, EaseModel, Interaction, Normalisation,
    VectorConfig, affinity, behaviour_vectors, ppmi_rows, sparse_dot,
};
use ranker::metrics::{accuracy, coverage, intra_list_diversity, novelty};
use ranker::{CandidatePool, Catalog, Context, ItemId, Ranker, Source, Surface, SurfacePolicy};

use crate::data::{catalog, load, split};
use crate::{Args, K};

pub struct Setup {
    /// Catalog whose embeddings are the movies' training-user vectors (co-occurrence cosine).
    catalog: Catalog,
    /// Per PPMI share `w` of [`Kernel::Mixed`]: the catalog with the blended embedding.
    mixed: Vec<(f32, Catalog)>,
    /// The catalog whose embeddings are the 64-d behaviour vectors ([`Kernel::Behaviour`]).
    behaviour: Catalog,
    /// Each movie's shifted-PPMI row (unit length), for the PPMI ILD.
    ppmi: Vec<Vec<(ItemId, f32)>>,
    genres: Vec<Vec<u32>>,
    now: i64,
    /// Per evaluated user: the SAR candidates (top `pool`, seen items removed).
    pub pools: Vec<Vec<(ItemId, f32)>>,
    /// Per evaluated user: the EASE candidates (top `pool`, seen items removed).
    pub ease_pools: Vec<Vec<(ItemId, f32)>>,
    /// Per evaluated user: the newest [`SHOP_PROFILE_ITEMS`] training items, the seeds a
    /// shop's profile would pass to a surface policy.
    recent_items: Vec<Vec<ItemId>>,
    /// Per evaluated user: the held-out items.
    truth: Vec<HashSet<ItemId>>,
    /// Users who rated each item in training.
    popularity: HashMap<ItemId, usize>,
    train_users: usize,
}

/// Which relevance model's top items a policy re-ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    /// SAR (the co-occurrence baseline).
    Sar,
    /// EASE item-item regression.
    Ease,
}

/// Which item similarity a diversifying policy's embedding kernel sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// Cosine of the movies' training-user vectors.
    CoOcc,
    /// `(1 − w) · co-occurrence cosine + w · PPMI cosine`.
    Mixed(f32),
    /// The 64-d behaviour vectors' dot product, a low-rank approximation of the co-occurrence
    /// cosine (`ranker::candidates::cooccurrence::behaviour_vectors`), as the worker could
    /// store it per product.
    Behaviour,
}

fn group(rows: &[Interaction]) -> HashMap<u32, Vec<Interaction>> {
    let mut m: HashMap<u32, Vec<Interaction>> = HashMap::new();
    rows.iter()
        .for_each(|e| m.entry(e.user).or_default().push(*e));
    m
}

/// Each movie's training-user incidence vector (dense user indices), in catalog order.
fn user_vectors(n_items: usize, train: &[Interaction]) -> Vec<Vec<f32>> {
    let mut user_index: HashMap<u32, usize> = HashMap::new();
    for e in train {
        let next = user_index.len();
        user_index.entry(e.user).or_insert(next);
    }
    let mut rows = vec![vec![0.0; user_index.len()]; n_items];
    for e in train {
        rows[e.item.index()][user_index[&e.user]] = 1.0;
    }
    rows
}

/// `[√(1−w) · u/‖u‖, √w · p]`: its cosine is the `w`-blend of the two cosines (for items with
/// both parts; an item without PPMI neighbours keeps only its co-occurrence part).
fn blend(users: &[Vec<f32>], ppmi: &[Vec<(ItemId, f32)>], w: f32) -> Vec<Vec<f32>> {
    let n = ppmi.len();
    users
        .iter()
        .zip(ppmi)
        .map(|(u, p)| {
            let norm = u
                .iter()
                .map(|x| x * x)
                .sum::<f32>()
                .sqrt()
                .max(f32::MIN_POSITIVE);
            let mut row: Vec<f32> = u.iter().map(|x| x / norm * (1.0 - w).sqrt()).collect();
            let at = row.len();
            row.resize(at + n, 0.0);
            p.iter()
                .for_each(|(j, v)| row[at + j.index()] = v * w.sqrt());
            row
        })
        .collect()
}

/// SAR as in Microsoft Recommenders (no count decay).
fn sar_config(now: i64) -> CooccurrenceConfig {
    CooccurrenceConfig {
        normalisation: Normalisation::Jaccard,
        half_life_secs: Some(30.0 * 86_400.0),
        now: Some(now),
        min_count: 1,
        max_neighbours: None,
        decay_counts: false,
    }
}

/// Loads the data, splits it (test, or validation carved from training) and builds every
/// user's SAR candidates, the co-occurrence and PPMI item vectors, and one blended catalog per
/// PPMI share in `shares`.
pub fn setup(args: &Args, shares: &[f32], inner_seed: u64) -> Result<Setup, Box<dyn Error>> {
    let raw = load(&args.dir)?;
    let (plain, _) = catalog(&raw, None)?;
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
    let (mut train, mut test) = split(&events, args.seed, 0.75);
    if args.validation {
        // Tuning data carved from training only; the test split is never read.
        (train, test) = split(&train, inner_seed, args.validation_train_share);
    }
    let users_of = user_vectors(plain.len(), &train);
    let ppmi = ppmi_rows(plain.len(), &train, 1.0)?;
    let (mut catalog, genres) = catalog(&raw, Some(&users_of))?;
    catalog.set_category_graph(CategoryGraph::from_purchases(&catalog, &train, 4, 20)?);
    let mut mixed = Vec::new();
    for w in shares {
        let (c, _) = crate::data::catalog(&raw, Some(&blend(&users_of, &ppmi, *w)))?;
        mixed.push((*w, c));
    }
    let vectors = behaviour_vectors(plain.len(), &train, &VectorConfig::default())?;
    let (mut behaviour, _) = crate::data::catalog(&raw, Some(&vectors))?;
    behaviour.set_category_graph(CategoryGraph::from_purchases(&behaviour, &train, 4, 20)?);
    let now = train.iter().map(|e| e.at).max().unwrap_or(0);
    let cfg = sar_config(now);
    let model = CooccurrenceModel::fit(catalog.len(), &train, &cfg)?;
    let mut users: Vec<u32> = test
        .iter()
        .map(|e| e.user)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    users.sort_unstable();
    let (train_by, test_by) = (group(&train), group(&test));
    let truth = users
        .iter()
        .map(|u| test_by[u].iter().map(|e| e.item).collect())
        .collect();
    let ease = EaseModel::fit(catalog.len(), &train, &EaseConfig::default())?;
    let (mut pools, mut ease_pools, mut recent_items) = (Vec::new(), Vec::new(), Vec::new());
    for u in &users {
        let history = train_by.get(u).cloned().unwrap_or_default();
        let seen: Vec<ItemId> = history.iter().map(|e| e.item).collect();
        let newest = recent(history.clone(), Some(SHOP_PROFILE_ITEMS));
        recent_items.push(newest.iter().map(|e| e.item).collect());
        let profile = recent(history, args.profile_items);
        let held: Vec<ItemId> = profile.iter().map(|e| e.item).collect();
        pools.push(model.recommend(&affinity(&profile, &cfg), args.pool, &seen));
        ease_pools.push(ease.recommend(&held, args.pool, &seen));
    }
    let popularity = popularity(&train_by);
    Ok(Setup {
        catalog,
        mixed,
        behaviour,
        ppmi,
        genres,
        now,
        pools,
        ease_pools,
        recent_items,
        truth,
        popularity,
        train_users: train_by.len(),
    })
}

/// Products a shop's profile remembers (`services::recs::profiles::PROFILE_PRODUCTS`).
const SHOP_PROFILE_ITEMS: usize = 5;

/// The user's `limit` most recent training ratings (all of them without a limit).
fn recent(mut history: Vec<Interaction>, limit: Option<usize>) -> Vec<Interaction> {
    if let Some(limit) = limit {
        history.sort_by_key(|e| (std::cmp::Reverse(e.at), e.item.index()));
        history.truncate(limit);
    }
    history
}

/// How many training users rated each item.
fn popularity(train_by: &HashMap<u32, Vec<Interaction>>) -> HashMap<ItemId, usize> {
    let mut popularity: HashMap<ItemId, usize> = HashMap::new();
    for rows in train_by.values() {
        for item in rows.iter().map(|e| e.item).collect::<HashSet<_>>() {
            *popularity.entry(item).or_insert(0) += 1;
        }
    }
    popularity
}

/// The numbers the validation sweep selects on.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub ndcg: f64,
    pub coverage: f64,
    pub ild_cooc: f64,
    pub ild_ppmi: f64,
}

impl Row {
    /// Field-wise sum (the selection compares sums over splits like averages).
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            ndcg: self.ndcg + other.ndcg,
            coverage: self.coverage + other.coverage,
            ild_cooc: self.ild_cooc + other.ild_cooc,
            ild_ppmi: self.ild_ppmi + other.ild_ppmi,
        }
    }
}

impl Setup {
    /// 1 − Jaccard of two movies' genre sets.
    fn genre_distance(&self, a: ItemId, b: ItemId) -> f64 {
        let (x, y) = (&self.genres[a.index()], &self.genres[b.index()]);
        let both = x.iter().filter(|g| y.contains(g)).count() as f64;
        let union = (x.len() + y.len()) as f64 - both;
        if union > 0.0 { 1.0 - both / union } else { 0.0 }
    }

    /// 1 − cosine of two movies' training-user vectors.
    fn cooc_distance(&self, a: ItemId, b: ItemId) -> f64 {
        match (self.catalog.embedding(a), self.catalog.embedding(b)) {
            (Some(x), Some(y)) => 1.0 - f64::from(ranker::dot(x, y)),
            _ => 1.0,
        }
    }

    /// Measures and prints one table row.
    pub fn report(&self, name: &str, lists: &[Vec<ItemId>]) -> Row {
        let a = accuracy(lists, &self.truth, K);
        let row = Row {
            ndcg: a.ndcg,
            coverage: coverage(lists, self.catalog.len()),
            ild_cooc: intra_list_diversity(lists, |a, b| self.cooc_distance(a, b)),
            ild_ppmi: intra_list_diversity(lists, |a, b| {
                1.0 - f64::from(sparse_dot(&self.ppmi[a.index()], &self.ppmi[b.index()]))
            }),
        };
        println!(
            "| {name} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} |",
            a.precision,
            a.recall,
            a.ndcg,
            a.map_at_k,
            a.map,
            row.coverage,
            intra_list_diversity(lists, |a, b| self.genre_distance(a, b)),
            row.ild_cooc,
            row.ild_ppmi,
            novelty(lists, &self.popularity, self.train_users),
        );
        row
    }

    /// Every user's list under one ranker.
    pub fn lists(
        &self,
        r: &Ranker,
        candidates: Candidates,
        kernel: Kernel,
    ) -> Result<Vec<Vec<ItemId>>, Box<dyn Error>> {
        let catalog = self.catalog_for(kernel)?;
        self.each_pool(catalog, candidates, |pool, ctx| {
            Ok(r.rank(catalog, pool, ctx, K)?.ids())
        })
    }

    /// The catalog whose embeddings a kernel reads.
    fn catalog_for(&self, kernel: Kernel) -> Result<&Catalog, Box<dyn Error>> {
        Ok(match kernel {
            Kernel::CoOcc => &self.catalog,
            Kernel::Behaviour => &self.behaviour,
            Kernel::Mixed(w) => self
                .mixed
                .iter()
                .find(|(share, _)| *share == w)
                .map(|(_, c)| c)
                .ok_or("no catalog for that PPMI share")?,
        })
    }

    /// Every user's list as a surface policy serves it (its modules, scopes, discovery slots
    /// and rules), seeded like a shop's profile with the user's newest items.
    pub fn served(
        &self,
        r: &Ranker,
        policy: &SurfacePolicy,
        candidates: Candidates,
        kernel: Kernel,
    ) -> Result<Vec<Vec<ItemId>>, Box<dyn Error>> {
        let catalog = self.catalog_for(kernel)?;
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut seeds = self.recent_items.iter();
        self.each_pool(catalog, candidates, |pool, ctx| {
            let ctx = ctx
                .clone()
                .with_seeds(seeds.next().cloned().unwrap_or_default());
            let served = r.serve(catalog, pool, &ctx, policy, &mut rng)?;
            Ok(served.items().map(|i| i.ranked.item).collect())
        })
    }

    /// Runs `list` on every user's candidate pool.
    fn each_pool(
        &self,
        catalog: &Catalog,
        candidates: Candidates,
        mut list: impl FnMut(&CandidatePool, &Context) -> Result<Vec<ItemId>, Box<dyn Error>>,
    ) -> Result<Vec<Vec<ItemId>>, Box<dyn Error>> {
        let pools = match candidates {
            Candidates::Sar => &self.pools,
            Candidates::Ease => &self.ease_pools,
        };
        let ctx = Context::new(Surface::Email, self.now);
        let mut lists = Vec::with_capacity(pools.len());
        for cands in pools {
            let mut pool = CandidatePool::new();
            pool.add_source(catalog, Source::CoOccurrence, 1.0, cands)?;
            lists.push(list(&pool, &ctx)?);
        }
        Ok(lists)
    }
}
