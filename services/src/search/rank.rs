//! From text hits to a results page: the ranker blends each hit's text relevance with its
//! session intent, margin, inventory and freshness under a search policy — tight (score
//! order, no exploration) for branded and high-intent queries, diversified (MMR over
//! category and brand) with one small exploration slot for generic ones. In-stock products
//! come first, page after page; out-of-stock ones follow in relevance order.

use rand::Rng;
use ranker::policy::{
    ExplorationSpec, Mix, ModuleSpec, POLICY_VERSION, PolicySpec, Scope, SlotSpec,
};
use ranker::{
    Catalog, Context, MerchantRules, Policy, Ranker, ServedItem, Source, Surface, SurfacePolicy,
    Weights,
};

use super::SearchError;
use super::index::Hit;
use super::query::QueryClass;
pub use crate::pages::PAGE_SIZE;
use crate::pages::{Chunks, Order};

/// Text candidates the ranker re-ranks (the results of a query go no deeper).
pub const MAX_CANDIDATES: usize = 200;
/// The module a results page is logged under.
pub const MODULE: &str = "search_results";
/// Share of a hit's relevance that comes from its text score; the rest is its sales prior.
const TEXT_SHARE: f32 = 0.85;
/// Relevance floor: every hit matched the query, so none may drop out for a zero score.
const MIN_RELEVANCE: f32 = 0.01;

/// The search policies, validated once.
#[derive(Debug, Clone)]
pub struct SearchPolicies {
    /// Branded and high-intent: relevance order, no exploration, no brand cap.
    tight: SurfacePolicy,
    /// Generic, first page: MMR with one exploration slot.
    generic: SurfacePolicy,
    /// Generic, further chunks: the same without exploration, so pages stay stable.
    generic_stable: SurfacePolicy,
    /// Out-of-stock tail: relevance order.
    out_of_stock: SurfacePolicy,
}

/// How a results module treats stock and brands.
#[derive(Clone, Copy)]
struct Caps {
    in_stock_only: bool,
    brand_cap: bool,
}

/// Tight: the best matches whatever their brand. Generic: at most two of a brand in the
/// top eight, so a vague query shows more of the catalog.
const TIGHT: Caps = Caps {
    in_stock_only: true,
    brand_cap: false,
};
const GENERIC: Caps = Caps {
    in_stock_only: true,
    brand_cap: true,
};
const OUT_OF_STOCK: Caps = Caps {
    in_stock_only: false,
    brand_cap: false,
};

fn module(reranker: Policy, weights: Weights, caps: Caps) -> ModuleSpec {
    ModuleSpec {
        name: MODULE.into(),
        slots: PAGE_SIZE,
        scope: Scope::Query,
        reranker,
        mix: Mix::default(),
        weights: Some(weights),
        in_stock_only: caps.in_stock_only,
        new_arrival_slots: Vec::new(),
        brand_cap: caps.brand_cap,
    }
}

fn policy(module: ModuleSpec, exploration: ExplorationSpec) -> Result<SurfacePolicy, SearchError> {
    let spec = PolicySpec {
        version: POLICY_VERSION,
        surface: Some(Surface::Search),
        modules: vec![module],
        exploration,
    };
    Ok(spec.validate()?)
}

impl SearchPolicies {
    /// The documented search policies.
    ///
    /// # Errors
    /// [`SearchError::Policy`] if one fails validation (a unit test checks none does).
    pub fn new() -> Result<Self, SearchError> {
        // Text relevance leads; the rest of the blend orders near-equal matches.
        let tight_weights = Weights {
            relevance: 0.80,
            intent: 0.08,
            margin: 0.04,
            inventory: 0.04,
            novelty: 0.04,
        };
        let generic_weights = Weights {
            relevance: 0.55,
            intent: 0.15,
            margin: 0.10,
            inventory: 0.10,
            novelty: 0.10,
        };
        let diversified = Policy::Mmr { lambda: 0.5 };
        let explore = ExplorationSpec {
            enabled: true,
            slots: vec![SlotSpec {
                module: MODULE.into(),
                slot: 5,
                epsilon: 0.10,
            }],
            max_share: 0.05,
            ..ExplorationSpec::default()
        };
        Ok(Self {
            tight: policy(
                module(Policy::ScoreOnly, tight_weights, TIGHT),
                ExplorationSpec::default(),
            )?,
            generic: policy(module(diversified, generic_weights, GENERIC), explore)?,
            generic_stable: policy(
                module(diversified, generic_weights, GENERIC),
                ExplorationSpec::default(),
            )?,
            out_of_stock: policy(
                module(Policy::ScoreOnly, tight_weights, OUT_OF_STOCK),
                ExplorationSpec::default(),
            )?,
        })
    }
}

/// What one page request needs.
pub struct PageRequest<'a> {
    /// The shop's ranker.
    pub ranker: &'a Ranker,
    /// The shop's catalog.
    pub catalog: &'a Catalog,
    /// The policies.
    pub policies: &'a SearchPolicies,
    /// The query's class.
    pub class: QueryClass,
    /// 1-based page number.
    pub page: usize,
    /// The merchant's rules.
    pub rules: &'a MerchantRules,
}

/// A results page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The page's items in order.
    pub items: Vec<ServedItem>,
    /// Whether a further page has items.
    pub has_more: bool,
}

impl PageRequest<'_> {
    /// The `page` of `hits` for `ctx` (the search surface, with the query's brand as its
    /// query for a branded search, the session's events); `rng` drives the exploration slot.
    ///
    /// Pages are cut from one order built in chunks of a page ([`crate::pages`]): each
    /// chunk is the ranker's answer over the hits not yet placed, in-stock ones first, under
    /// the merchant's search rules (an excluded hit never shows, a boost or bury shifts it,
    /// a pinned hit takes its slot on page 1; a pin never adds a product the query did not
    /// match). Only the first page of a generic query explores, so every page of a query is
    /// the same order whichever page is asked for (save that page 1's explored slot may
    /// repeat a product of a later page).
    ///
    /// # Errors
    /// [`SearchError::Ranker`] when the ranker refuses the pool (an unknown item: a bug).
    pub fn serve<R: Rng + ?Sized>(
        &self,
        hits: &[Hit],
        ctx: &Context,
        rng: &mut R,
    ) -> Result<Page, SearchError> {
        let start = self.page.saturating_sub(1).saturating_mul(PAGE_SIZE);
        if self.page == 0 || start >= hits.len() {
            return Ok(Page::default());
        }
        let wanted = start + PAGE_SIZE + 1;
        let first = match (self.class, self.page) {
            (QueryClass::Generic, 1) => &self.policies.generic,
            (QueryClass::Generic, _) => &self.policies.generic_stable,
            _ => &self.policies.tight,
        };
        let rest = match self.class {
            QueryClass::Generic => &self.policies.generic_stable,
            _ => &self.policies.tight,
        };
        let chunks = Chunks {
            first,
            rest,
            out_of_stock: &self.policies.out_of_stock,
        };
        let order = Order {
            ranker: self.ranker,
            catalog: self.catalog,
            rules: self.rules,
            source: Source::Content,
        }
        .build(&relevance(hits), ctx, chunks, wanted, rng)?;
        let has_more = order.len() > start + PAGE_SIZE;
        Ok(Page {
            items: order.into_iter().skip(start).take(PAGE_SIZE).collect(),
            has_more,
        })
    }
}

/// Each hit's relevance: its text score against the best hit's, with a little of the sales
/// prior (all prior when no hit matched any text).
fn relevance(hits: &[Hit]) -> Vec<(ranker::ItemId, f32)> {
    let best = hits.iter().map(|h| h.text).fold(0.0_f32, f32::max);
    hits.iter()
        .map(|h| {
            let relevance = if best > 0.0 {
                TEXT_SHARE * h.text / best + (1.0 - TEXT_SHARE) * h.prior
            } else {
                h.prior
            };
            (h.item, relevance.max(MIN_RELEVANCE))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use ranker::ItemSpec;

    use super::*;
    use crate::catalog::{CatalogView, InventoryHealth, ItemFacts};
    use crate::search::{ProductText, SearchIndex};

    /// 60 lamps in three categories and four brands; every third is sold out.
    fn shop() -> (CatalogView, SearchIndex) {
        let mut builder = Catalog::builder(0);
        let mut facts = HashMap::new();
        let mut texts = Vec::new();
        for id in 0..60_i64 {
            let leaf = ["Desk", "Floor", "Table"][usize::try_from(id % 3).unwrap()];
            let category = builder.category(&["Lamps", leaf]).unwrap();
            let brand = format!("Brand{}", id % 4);
            let available = if id % 3 == 0 { 0 } else { 5 };
            let spec = ItemSpec::new(id, category)
                .brand(builder.brand(&brand))
                .price(20.0)
                .stock(available > 0, 0.7);
            builder.add_item(spec).unwrap();
            let health = InventoryHealth::classify(available, 0.1);
            let fact = ItemFacts {
                price_minor: 2_000,
                margin: None,
                available,
                units_per_day: 0.1,
                health,
            };
            facts.insert(id, fact);
            texts.push(ProductText {
                id,
                title: format!("{leaf} lamp {id}"),
                brand,
                ..ProductText::default()
            });
        }
        let view = CatalogView {
            catalog: builder.build(),
            facts,
        };
        let index = SearchIndex::build(&view, &texts).unwrap();
        (view, index)
    }

    /// Thirty desk lamps (more than a page): the six best sellers are one brand ("Lumo"),
    /// the others one brand each; the shop's ranker caps a brand at two in the top eight.
    fn desk_lamps() -> (CatalogView, SearchIndex) {
        let mut builder = Catalog::builder(0);
        let mut facts = HashMap::new();
        let mut texts = Vec::new();
        for id in 0..30_i64 {
            let category = builder.category(&["Lighting", "Desk lamps"]).unwrap();
            let brand = if id < 6 {
                "Lumo".to_owned()
            } else {
                format!("Other{id}")
            };
            let spec = ItemSpec::new(id, category)
                .brand(builder.brand(&brand))
                .price(30.0)
                .stock(true, 0.7);
            builder.add_item(spec).unwrap();
            let units_per_day = if id < 6 { 5.0 } else { 0.1 };
            facts.insert(
                id,
                ItemFacts {
                    price_minor: 3_000,
                    margin: None,
                    available: 50,
                    units_per_day,
                    health: InventoryHealth::classify(50, units_per_day),
                },
            );
            texts.push(ProductText {
                id,
                title: format!("Desk lamp {id}"),
                brand,
                ..ProductText::default()
            });
        }
        let view = CatalogView {
            catalog: builder.build(),
            facts,
        };
        let index = SearchIndex::build(&view, &texts).unwrap();
        (view, index)
    }

    /// The ids on the first page of `query` over `shop` under `rules`, and the query's class.
    fn first_page(
        (view, index): (CatalogView, SearchIndex),
        query: &str,
        rules: &MerchantRules,
    ) -> (Vec<i64>, QueryClass) {
        let ranker = Ranker::builder().build().unwrap();
        let policies = SearchPolicies::new().unwrap();
        let parsed = index.parse(query);
        let hits = index.search(&parsed, MAX_CANDIDATES).unwrap();
        let request = PageRequest {
            ranker: &ranker,
            catalog: &view.catalog,
            policies: &policies,
            class: parsed.class,
            page: 1,
            rules,
        };
        let ctx = Context::new(Surface::Search, 0).with_query("");
        let page = request
            .serve(&hits, &ctx, &mut ChaCha8Rng::seed_from_u64(1))
            .unwrap();
        let ids = page.items.iter().map(|i| i.ranked.external_id).collect();
        (ids, parsed.class)
    }

    /// How many of the first eight results of `query` are Lumo lamps, and the query's class.
    fn lumo_in_top_eight(query: &str) -> (usize, QueryClass) {
        let (ids, class) = first_page(desk_lamps(), query, &MerchantRules::default());
        (ids[..8].iter().filter(|id| **id < 6).count(), class)
    }

    #[test]
    fn a_category_query_shows_its_best_matches_whatever_the_brand() {
        assert_eq!(lumo_in_top_eight("desk lamps"), (6, QueryClass::HighIntent));
    }

    #[test]
    fn a_generic_query_keeps_a_brand_to_two_of_the_top_eight() {
        let (lumo, class) = lumo_in_top_eight("lamp");
        assert_eq!(class, QueryClass::Generic);
        assert!(
            (1..=2).contains(&lumo),
            "{lumo} Lumo lamps in the top eight"
        );
    }

    #[test]
    fn the_search_policies_validate() {
        assert!(SearchPolicies::new().is_ok());
    }

    #[test]
    fn pages_put_every_in_stock_match_first_and_never_repeat() {
        let (view, index) = shop();
        let ranker = Ranker::builder().build().unwrap();
        let policies = SearchPolicies::new().unwrap();
        let parsed = index.parse("lamp");
        let hits = index.search(&parsed, MAX_CANDIDATES).unwrap();
        let ctx = Context::new(Surface::Search, 0).with_query("");
        let page = |n: usize| {
            let request = PageRequest {
                ranker: &ranker,
                catalog: &view.catalog,
                policies: &policies,
                class: parsed.class,
                page: n,
                rules: &MerchantRules::default(),
            };
            request
                .serve(&hits, &ctx, &mut ChaCha8Rng::seed_from_u64(1))
                .unwrap()
        };

        let pages: Vec<Page> = (1..=4).map(page).collect();

        assert_eq!(hits.len(), 60);
        assert_eq!(
            pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
            [24, 24, 12, 0]
        );
        assert_eq!(
            pages.iter().map(|p| p.has_more).collect::<Vec<_>>(),
            [true, true, false, false]
        );
        let order: Vec<i64> = pages
            .iter()
            .flat_map(|p| p.items.iter().map(|i| i.ranked.external_id))
            .collect();
        assert_eq!(order.iter().collect::<HashSet<_>>().len(), 60, "no repeats");
        let stocked: Vec<bool> = order.iter().map(|id| id % 3 != 0).collect();
        assert!(
            stocked[..40].iter().all(|s| *s) && stocked[40..].iter().all(|s| !s),
            "{order:?}"
        );
    }

    /// The first page of "floor" (the floor lamps: ids 1, 4, 7, …) under `rules`.
    fn floor_lamps(rules: &MerchantRules) -> Vec<i64> {
        first_page(shop(), "floor", rules).0
    }

    #[test]
    fn search_keeps_the_merchants_exclusions_and_pins_only_what_matches() {
        use ranker::{Action, MerchantRule};
        let plain = floor_lamps(&MerchantRules::default());
        let excluded = plain[0];
        let pinned = *plain.last().unwrap();
        let rules = MerchantRules::new(vec![
            MerchantRule::new(1, Action::Exclude, [excluded]).on(Surface::Search),
            MerchantRule::new(2, Action::Pin { slot: 2 }, [pinned]).on(Surface::Search),
            // A table lamp does not match "floor": its pin must not drag it in.
            MerchantRule::new(3, Action::Pin { slot: 3 }, [2]).on(Surface::Search),
        ]);

        let ruled = floor_lamps(&rules);

        assert!(plain.iter().all(|id| id % 3 == 1), "{plain:?}");
        assert!(!ruled.contains(&excluded), "{ruled:?}");
        assert_eq!(ruled[1], pinned, "{ruled:?}");
        assert!(!ruled.contains(&2), "{ruled:?}");
    }

    #[test]
    fn a_buried_match_moves_down_and_a_boosted_one_up() {
        use ranker::{Action, MerchantRule};
        let plain = floor_lamps(&MerchantRules::default());
        let (top, low) = (plain[0], plain[plain.len() - 2]);
        let rules = MerchantRules::new(vec![
            MerchantRule::new(1, Action::Bury { amount: 0.3 }, [top]),
            MerchantRule::new(2, Action::Boost { amount: 0.3 }, [low]),
        ]);

        let ruled = floor_lamps(&rules);
        let at = |order: &[i64], id: i64| order.iter().position(|x| *x == id).unwrap();

        assert!(
            at(&ruled, top) > at(&plain, top),
            "{ruled:?} against {plain:?}"
        );
        assert!(
            at(&ruled, low) < at(&plain, low),
            "{ruled:?} against {plain:?}"
        );
    }
}
