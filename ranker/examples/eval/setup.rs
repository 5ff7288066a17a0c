//! The evaluation set-up: SAR candidates per user, held-out truth, and the metrics table.

use std::collections::{HashMap, HashSet};
use std::error::Error;

use ranker::candidates::complements::CategoryGraph;
use ranker::candidates::cooccurrence::{
    CooccurrenceConfig, CooccurrenceModel, Interaction, Normalisation, affinity,
};
use ranker::metrics::{accuracy, coverage, intra_list_diversity, novelty};
use ranker::{CandidatePool, Catalog, Context, ItemId, Ranker, Source, Surface};

use crate::data::{Built, Raw, catalog, load, split};
use crate::{Args, K};

pub struct Setup {
    catalog: Catalog,
    genres: Vec<Vec<u32>>,
    now: i64,
    /// Per evaluated user: the SAR candidates (top `pool`, seen items removed).
    pub pools: Vec<Vec<(ItemId, f32)>>,
    /// Per evaluated user: the held-out items.
    truth: Vec<HashSet<ItemId>>,
    /// Users who rated each item in training.
    popularity: HashMap<ItemId, usize>,
    train_users: usize,
}

fn group(rows: &[Interaction]) -> HashMap<u32, Vec<Interaction>> {
    let mut m: HashMap<u32, Vec<Interaction>> = HashMap::new();
    rows.iter()
        .for_each(|e| m.entry(e.user).or_default().push(*e));
    m
}

/// The catalog with co-occurrence embeddings and the category graph, fit on `train`.
fn training_catalog(
    raw: &Raw,
    plain: &Catalog,
    train: &[Interaction],
) -> Result<Built, Box<dyn Error>> {
    // Dense user indices and each movie's training users, for the co-occurrence embeddings.
    let mut user_index: HashMap<u32, u32> = HashMap::new();
    let mut movie_users: HashMap<i64, Vec<u32>> = HashMap::new();
    for e in train {
        let next = user_index.len() as u32;
        let u = *user_index.entry(e.user).or_insert(next);
        movie_users
            .entry(plain.items()[e.item.index()].external_id)
            .or_default()
            .push(u);
    }
    let (mut data_catalog, genres) = catalog(raw, Some(&movie_users), user_index.len())?;
    data_catalog.set_category_graph(CategoryGraph::from_purchases(&data_catalog, train, 4, 20)?);
    Ok((data_catalog, genres))
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

/// Loads the data, splits it and builds every user's SAR candidates.
pub fn setup(args: &Args) -> Result<Setup, Box<dyn Error>> {
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
    let (catalog, genres) = training_catalog(&raw, &plain, &train)?;
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
    let pools = users
        .iter()
        .map(|u| {
            let history = train_by.get(u).cloned().unwrap_or_default();
            let seen: Vec<ItemId> = history.iter().map(|e| e.item).collect();
            model.recommend(&affinity(&history, &cfg), args.pool, &seen)
        })
        .collect();
    let popularity = popularity(&train_by);
    Ok(Setup {
        catalog,
        genres,
        now,
        pools,
        truth,
        popularity,
        train_users: train_by.len(),
    })
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

    /// Prints one table row.
    pub fn report(&self, name: &str, lists: &[Vec<ItemId>]) {
        let a = accuracy(lists, &self.truth, K);
        println!(
            "| {name} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} |",
            a.precision,
            a.recall,
            a.ndcg,
            a.map_at_k,
            a.map,
            coverage(lists, self.catalog.len()),
            intra_list_diversity(lists, |a, b| self.genre_distance(a, b)),
            intra_list_diversity(lists, |a, b| self.cooc_distance(a, b)),
            novelty(lists, &self.popularity, self.train_users),
        );
    }

    /// Every user's list under one ranker.
    pub fn lists(&self, r: &Ranker) -> Result<Vec<Vec<ItemId>>, Box<dyn Error>> {
        let mut lists = Vec::with_capacity(self.pools.len());
        for cands in &self.pools {
            let mut pool = CandidatePool::new();
            pool.add_source(&self.catalog, Source::CoOccurrence, 1.0, cands)?;
            let ctx = Context::new(Surface::Email, self.now);
            lists.push(r.rank(&self.catalog, &pool, &ctx, K)?.ids());
        }
        Ok(lists)
    }
}
