//! Candidate pools per seed product and for the shop as a whole, from the trained models.

use std::collections::{HashMap, HashSet};

use ranker::candidates::complements::{ComplementModel, Pairings};
use ranker::candidates::content::within_categories;
use ranker::candidates::cooccurrence::{CooccurrenceConfig, CooccurrenceModel, Interaction};
use ranker::candidates::{new_arrivals::new_arrivals, popularity::trending};
use ranker::{
    Candidate, CandidatePool, Catalog, CategoryId, ItemId, RankerError, SimilarityConfig, Source,
};
use serde::{Deserialize, Serialize};

/// Neighbours kept per generator and seed.
const NEIGHBOURS: usize = 60;
/// Best items kept per category for pairing with its partner categories.
const PAIRED_PER_CATEGORY: usize = 12;
/// An item counts as popular when it is in the top 1/`LEADER_SHARE` of its category.
const LEADER_SHARE: usize = 4;
/// Size of the shop-wide pool (home, cold start).
const GLOBAL_POOL: usize = 300;
/// Popularity half-life.
const TRENDING_HALF_LIFE_SECS: f64 = 7.0 * 86_400.0;
/// What counts as a new arrival.
const NEW_ARRIVAL_WINDOW_SECS: i64 = 30 * 86_400;

/// A stored candidate: external ids, because dense ranker ids change with every catalog load.
/// Stored as a compact `[id, relevance, sources, primary, via]` array: a 100,000-product shop
/// keeps a few hundred thousand lists of dozens of candidates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredCandidate {
    /// Product id.
    pub id: i64,
    /// Merged relevance in `[0, 1]`.
    pub relevance: f32,
    /// Generators that proposed it.
    pub sources: ranker::SourceSet,
    /// The main generator (drives the reason shown).
    pub primary: Source,
    /// The seed product the main generator proposed it for (the reason names it).
    pub via: Option<i64>,
}

impl Serialize for StoredCandidate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (
            self.id,
            self.relevance,
            self.sources,
            self.primary,
            self.via,
        )
            .serialize(serializer)
    }
}

/// Reads the array form by hand rather than through an untagged enum: an untagged enum
/// buffers every element before trying each shape, which made reading a large shop's pools
/// several times slower. Lists written before candidates knew their seed have four fields
/// and still read.
impl<'de> Deserialize<'de> for StoredCandidate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(CandidateVisitor)
    }
}

struct CandidateVisitor;

impl<'de> serde::de::Visitor<'de> for CandidateVisitor {
    type Value = StoredCandidate;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[id, relevance, sources, primary, via?]")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error as _;
        let missing = |field: usize| A::Error::invalid_length(field, &self);
        Ok(StoredCandidate {
            id: seq.next_element()?.ok_or_else(|| missing(0))?,
            relevance: seq.next_element()?.ok_or_else(|| missing(1))?,
            sources: seq.next_element()?.ok_or_else(|| missing(2))?,
            primary: seq.next_element()?.ok_or_else(|| missing(3))?,
            via: seq.next_element::<Option<i64>>()?.flatten(),
        })
    }
}

/// What the behaviour looked like, for the model record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TrainingStats {
    /// Interactions used for co-occurrence.
    pub interactions: usize,
    /// Purchase lines used for complements.
    pub purchases: usize,
    /// Products with a pool.
    pub seeded_products: usize,
}

/// Pools for every product plus the shop-wide pool.
pub struct Pools {
    /// Per seed product id.
    pub per_product: HashMap<i64, Vec<StoredCandidate>>,
    /// Shop-wide (home page, cold start).
    pub global: Vec<StoredCandidate>,
    /// Training statistics.
    pub stats: TrainingStats,
}

/// Fits co-occurrence (sessions), complements (orders), trending and new arrivals, and
/// merges them into a pool per product and one for the shop.
///
/// # Errors
/// [`RankerError`] when the ranker refuses the inputs.
pub fn build(
    catalog: &Catalog,
    interactions: &[Interaction],
    purchases: &[Interaction],
    now: i64,
) -> Result<Pools, RankerError> {
    let config = CooccurrenceConfig {
        now: Some(now),
        ..CooccurrenceConfig::default()
    };
    let cooccurrence = CooccurrenceModel::fit(catalog.len(), interactions, &config)?;
    let complements = ComplementModel::fit(catalog, purchases, &config)?;
    let every_item = trending(
        catalog.len(),
        interactions,
        now,
        TRENDING_HALF_LIFE_SECS,
        catalog.len(),
    )?;
    let mut popularity = vec![0.0; catalog.len()];
    for (item, score) in &every_item {
        if let Some(slot) = popularity.get_mut(item.index()) {
            *slot = *score;
        }
    }
    // A popular item is shown as "Popular in {its category}", so only the best sellers of
    // each category count (the most viewed when nothing has sold yet), however busy the
    // shop's other categories are.
    let leaders = if purchases.is_empty() {
        category_leaders(catalog, &every_item)
    } else {
        let sellers = trending(
            catalog.len(),
            purchases,
            now,
            TRENDING_HALF_LIFE_SECS,
            catalog.len(),
        )?;
        category_leaders(catalog, &sellers)
    };
    let popular: Vec<(ItemId, f32)> = every_item
        .iter()
        .filter(|(item, _)| leaders.contains(item))
        .take(GLOBAL_POOL)
        .copied()
        .collect();
    let popular = popular.as_slice();
    let pairings = Pairings::build(catalog, &popularity, PAIRED_PER_CATEGORY);
    let alike = within_categories(catalog, &SimilarityConfig::default(), NEIGHBOURS / 3)?;
    let fresh = new_arrivals(catalog, now, NEW_ARRIVAL_WINDOW_SECS, GLOBAL_POOL / 3);
    let mut per_product = HashMap::with_capacity(catalog.len());
    for (index, item) in catalog.items().iter().enumerate() {
        let id = ItemId(u32::try_from(index).unwrap_or(u32::MAX));
        let mut pool = CandidatePool::new();
        pool.add_neighbours(
            catalog,
            Source::CoOccurrence,
            1.0,
            id,
            &cooccurrence.similar(id, NEIGHBOURS),
        )?;
        pool.add_neighbours(
            catalog,
            Source::Complement,
            0.8,
            id,
            &complements.complements(id, NEIGHBOURS / 2),
        )?;
        pool.add_neighbours(
            catalog,
            Source::Pairing,
            0.5,
            id,
            &pairings.for_item(catalog, id, NEIGHBOURS / 2),
        )?;
        if let Some(alike) = alike.get(index) {
            pool.add_neighbours(catalog, Source::Content, 0.4, id, alike)?;
        }
        pool.add_source(
            catalog,
            Source::Popularity,
            0.3,
            &popular[..popular.len().min(NEIGHBOURS)],
        )?;
        pool.add_source(
            catalog,
            Source::NewArrival,
            0.2,
            &fresh[..fresh.len().min(NEIGHBOURS / 3)],
        )?;
        per_product.insert(item.external_id, stored(catalog, pool.candidates()));
    }
    let mut global = CandidatePool::new();
    global.add_source(catalog, Source::Popularity, 1.0, popular)?;
    global.add_source(catalog, Source::NewArrival, 0.6, &fresh)?;
    let stats = TrainingStats {
        interactions: interactions.len(),
        purchases: purchases.len(),
        seeded_products: per_product.len(),
    };
    Ok(Pools {
        per_product,
        global: stored(catalog, global.candidates()),
        stats,
    })
}

/// The items in the top [`LEADER_SHARE`] of their category by `ranked` (best first; items
/// never interacted with are not in it, and never lead).
fn category_leaders(catalog: &Catalog, ranked: &[(ItemId, f32)]) -> HashSet<ItemId> {
    let mut size: HashMap<CategoryId, usize> = HashMap::new();
    for item in catalog.items() {
        *size.entry(item.category).or_default() += 1;
    }
    let mut taken: HashMap<CategoryId, usize> = HashMap::new();
    ranked
        .iter()
        .filter(|(item, _)| {
            let Some(category) = catalog.item(*item).map(|i| i.category) else {
                return false;
            };
            let quota = size.get(&category).map_or(0, |n| n.div_ceil(LEADER_SHARE));
            let seen = taken.entry(category).or_default();
            *seen += 1;
            *seen <= quota
        })
        .map(|(item, _)| *item)
        .collect()
}

fn stored(catalog: &Catalog, candidates: &[Candidate]) -> Vec<StoredCandidate> {
    candidates
        .iter()
        .filter_map(|c| to_stored(catalog, c))
        .collect()
}

/// A candidate with external ids; `None` for an item the catalog does not know.
#[must_use]
pub fn to_stored(catalog: &Catalog, c: &Candidate) -> Option<StoredCandidate> {
    Some(StoredCandidate {
        id: catalog.item(c.item)?.external_id,
        relevance: c.relevance,
        sources: c.sources,
        primary: c.primary,
        via: c.via.and_then(|v| catalog.item(v)).map(|v| v.external_id),
    })
}

/// Rebuilds a pool against the current catalog, dropping products that left it.
///
/// # Errors
/// [`RankerError`] when the ranker refuses the pool.
pub fn restore(
    catalog: &Catalog,
    stored: &[StoredCandidate],
) -> Result<CandidatePool, RankerError> {
    CandidatePool::from_candidates(catalog, candidates(catalog, stored))
}

/// Stored candidates as the ranker's, dropping products that left the catalog.
#[must_use]
pub fn candidates(catalog: &Catalog, stored: &[StoredCandidate]) -> Vec<Candidate> {
    stored
        .iter()
        .filter_map(|c| {
            Some(Candidate {
                item: catalog.id_of(c.id)?,
                relevance: c.relevance,
                sources: c.sources,
                primary: c.primary,
                via: c.via.and_then(|v| catalog.id_of(v)),
            })
        })
        .collect()
}

/// Maps product ids to dense ids, skipping unknown ones.
#[must_use]
pub fn item_ids(catalog: &Catalog, ids: &[i64]) -> Vec<ItemId> {
    ids.iter().filter_map(|id| catalog.id_of(*id)).collect()
}

#[cfg(test)]
mod tests {
    use ranker::{ItemSpec, SourceSet};

    use super::*;

    #[test]
    fn stored_candidates_keep_their_seed_and_lists_written_before_seeds_still_read() {
        let seeded = StoredCandidate {
            id: 7,
            relevance: 0.5,
            sources: SourceSet::default(),
            primary: Source::Pairing,
            via: Some(3),
        };
        let json = serde_json::to_string(&[seeded]).unwrap();
        let old: Vec<StoredCandidate> =
            serde_json::from_str(r#"[[7, 0.5, 0, "complement"]]"#).unwrap();

        assert_eq!(json, r#"[[7,0.5,0,"pairing",3]]"#);
        assert_eq!(
            serde_json::from_str::<Vec<StoredCandidate>>(&json).unwrap(),
            [seeded]
        );
        assert_eq!(old[0].via, None);
        assert_eq!(old[0].primary, Source::Complement);
    }

    #[test]
    fn only_the_top_quarter_of_each_category_leads_it_however_busy_other_categories_are() {
        let mut builder = Catalog::builder(0);
        let busy = builder.category(&["Busy"]).unwrap();
        let quiet = builder.category(&["Quiet"]).unwrap();
        for id in 0..12 {
            let category = if id < 8 { busy } else { quiet };
            builder.add_item(ItemSpec::new(id, category)).unwrap();
        }
        let catalog = builder.build();
        // Every busy item outsells every quiet one.
        let ranked: Vec<(ItemId, f32)> = (0..12u32).map(|i| (ItemId(i), 12.0 - i as f32)).collect();

        let leaders = category_leaders(&catalog, &ranked);

        let mut ids: Vec<u32> = leaders.iter().map(|i| i.0).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [0, 1, 8],
            "two of eight busy items, one of four quiet ones"
        );
    }
}
