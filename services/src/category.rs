//! Category and collection pages: every product of a category (the demo shop's) or of a
//! collection (Shopify's) in one order, cut into pages of [`PAGE_SIZE`].
//!
//! "Recommended" is the ranker's order under the `category` surface: in-stock products first;
//! each product's relevance blends its sales with what the shopper's pool (stored profile
//! and the session's viewed products) says of it, and the ranker's blend adds the session's
//! intent, margin, inventory and freshness; MMR over category and brand spreads the
//! sub-categories, and no brand takes more than [`BRAND_CAP`] places in any
//! [`BRAND_WINDOW`] (unless the page has too few brands to keep it); the merchant's rules for
//! the surface apply (exclude, boost, bury, pin to a slot of the first page). It explores
//! nothing, so the same inputs give the same order. The price and newest sorts are the
//! shopper's explicit choice: plain orders that keep only the exclusions.

use std::cmp::Reverse;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::policy::{ExplorationSpec, Mix, ModuleSpec, POLICY_VERSION, PolicySpec, Scope};
use ranker::{
    CandidatePool, Catalog, Context, ItemId, MerchantRules, Policy, RankedItem, Ranker, Reason,
    ScoreComponents, ServedItem, Source, SourceSet, Step, Surface, SurfacePolicy, Weights,
};
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogView, ItemFacts};
pub use crate::pages::PAGE_SIZE;
use crate::pages::{Chunks, Order};

/// The module a category page is logged under.
pub const MODULE: &str = "category_products";
/// At most this many products of one brand in any [`BRAND_WINDOW`] consecutive places.
pub const BRAND_CAP: usize = 2;
/// The window the brand cap counts in (a row and a half of cards).
pub const BRAND_WINDOW: usize = 8;
/// Share of a product's relevance that comes from its sales; the rest is the shopper's pool.
const PRIOR_SHARE: f32 = 0.5;
/// Relevance floor: every product belongs on the page, none may drop out for a zero score.
const MIN_RELEVANCE: f32 = 0.01;

/// Why a category page could not be ordered.
#[derive(Debug, thiserror::Error)]
pub enum CategoryError {
    /// A category policy did not validate.
    #[error("a category policy is invalid")]
    Policy(#[from] ranker::PolicyError),
    /// The ranker refused the products.
    #[error("ranking the category failed")]
    Ranker(#[from] ranker::RankerError),
}

/// How a category page is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// The ranker's personalised order.
    #[default]
    Recommended,
    /// Lowest price first.
    PriceAsc,
    /// Highest price first.
    PriceDesc,
    /// Newest first.
    Newest,
}

impl Sort {
    /// Every sort with its name in URLs and its label.
    pub const ALL: [(Self, &'static str, &'static str); 4] = [
        (Self::Recommended, "recommended", "Recommended"),
        (Self::PriceAsc, "price_asc", "Price: low to high"),
        (Self::PriceDesc, "price_desc", "Price: high to low"),
        (Self::Newest, "newest", "Newest"),
    ];

    /// The name in URLs.
    #[must_use]
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(sort, _, _)| *sort == self)
            .map_or("recommended", |(_, name, _)| name)
    }

    /// The sort named `name` (exact names only).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(sort, _, _)| *sort)
    }
}

/// The category policies, validated once.
#[derive(Debug, Clone)]
pub struct CategoryPolicies {
    /// In stock: the blend under MMR (category and brand), the brand cap on.
    ranked: SurfacePolicy,
    /// Out-of-stock tail: score order.
    out_of_stock: SurfacePolicy,
}

fn policy(reranker: Policy, in_stock_only: bool) -> Result<SurfacePolicy, CategoryError> {
    let module = ModuleSpec {
        name: MODULE.into(),
        slots: PAGE_SIZE,
        scope: Scope::Any,
        reranker,
        mix: Mix::default(),
        // The documented blend: relevance leads, the session's intent follows.
        weights: Some(Weights {
            relevance: 0.55,
            intent: 0.20,
            margin: 0.10,
            inventory: 0.10,
            novelty: 0.05,
        }),
        in_stock_only,
        new_arrival_slots: Vec::new(),
        brand_cap: in_stock_only,
    };
    let spec = PolicySpec {
        version: POLICY_VERSION,
        surface: Some(Surface::Category),
        modules: vec![module],
        exploration: ExplorationSpec::default(),
    };
    Ok(spec.validate()?)
}

impl CategoryPolicies {
    /// The documented category policies.
    ///
    /// # Errors
    /// [`CategoryError::Policy`] if one fails validation (a unit test checks none does).
    pub fn new() -> Result<Self, CategoryError> {
        Ok(Self {
            ranked: policy(Policy::Mmr { lambda: 0.7 }, true)?,
            out_of_stock: policy(Policy::ScoreOnly, false)?,
        })
    }
}

/// What orders one category page.
#[derive(Clone, Copy)]
pub struct Ordering<'a> {
    /// The shop's ranker for the category surface.
    pub ranker: &'a Ranker,
    /// The shop's catalog view (sales, prices).
    pub view: &'a CatalogView,
    /// The policies.
    pub policies: &'a CategoryPolicies,
    /// The merchant's rules.
    pub rules: &'a MerchantRules,
}

impl Ordering<'_> {
    /// Every sellable product of `products` (the caller's ids; unknown ones are left out) in
    /// `sort` order for `ctx` (surface `category`, the session's events); `personal` is the
    /// shopper's pool, which lifts the products it holds in the recommended order.
    ///
    /// # Errors
    /// [`CategoryError::Ranker`] when the ranker refuses the products (a bug).
    pub fn order(
        &self,
        products: &[i64],
        sort: Sort,
        personal: &CandidatePool,
        ctx: &Context,
    ) -> Result<Vec<ServedItem>, CategoryError> {
        let catalog = &self.view.catalog;
        let mut items: Vec<ItemId> = products
            .iter()
            .filter(|id| !self.rules.excludes(Surface::Category, ctx.now, **id))
            .filter_map(|id| catalog.id_of(*id))
            .collect();
        items.sort_unstable();
        items.dedup();
        let price = |item: &ItemId| self.fact(*item).map_or(i64::MAX, |f| f.price_minor);
        let created = |item: &ItemId| catalog.item(*item).map_or(0, |i| i.created_at);
        let external = |item: &ItemId| catalog.item(*item).map_or(0, |i| i.external_id);
        match sort {
            Sort::Recommended => return self.recommended(&items, personal, ctx),
            Sort::PriceAsc => items.sort_by_key(|i| (price(i), external(i))),
            Sort::PriceDesc => items.sort_by_key(|i| (Reverse(price(i)), external(i))),
            Sort::Newest => items.sort_by_key(|i| (Reverse(created(i)), external(i))),
        }
        Ok(items
            .into_iter()
            .filter_map(|item| listed(catalog, item))
            .collect())
    }

    fn fact(&self, item: ItemId) -> Option<&ItemFacts> {
        let external = self.view.catalog.item(item)?.external_id;
        self.view.facts.get(&external)
    }

    /// The ranker's order of `items`, brands then spread over every window.
    fn recommended(
        &self,
        items: &[ItemId],
        personal: &CandidatePool,
        ctx: &Context,
    ) -> Result<Vec<ServedItem>, CategoryError> {
        let catalog = &self.view.catalog;
        let sales = |item: ItemId| {
            self.fact(item)
                .map_or(0.0, |f| f.units_per_day.max(0.0) as f32)
        };
        let mine = |item: ItemId| {
            personal
                .candidates()
                .iter()
                .find(|c| c.item == item)
                .map_or(0.0, |c| c.relevance.max(0.0))
        };
        let best_sales = items.iter().map(|i| sales(*i)).fold(0.0_f32, f32::max);
        let best_mine = items.iter().map(|i| mine(*i)).fold(0.0_f32, f32::max);
        let share = |value: f32, best: f32| if best > 0.0 { value / best } else { 0.0 };
        let rows: Vec<(ItemId, f32)> = items
            .iter()
            .map(|item| {
                let relevance = PRIOR_SHARE * share(sales(*item), best_sales)
                    + (1.0 - PRIOR_SHARE) * share(mine(*item), best_mine);
                (*item, relevance.max(MIN_RELEVANCE))
            })
            .collect();
        let chunks = Chunks {
            first: &self.policies.ranked,
            rest: &self.policies.ranked,
            out_of_stock: &self.policies.out_of_stock,
        };
        // No policy explores, so the generator is never drawn from: fixed seed, same order.
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let order = Order {
            ranker: self.ranker,
            catalog,
            rules: self.rules,
            source: Source::Popularity,
        }
        .build(&rows, ctx, chunks, rows.len(), &mut rng)?;
        let (in_stock, out): (Vec<ServedItem>, Vec<ServedItem>) = order
            .into_iter()
            .partition(|s| catalog.item(s.ranked.item).is_some_and(|i| i.in_stock));
        let mut spread = spread_brands(catalog, in_stock);
        spread.extend(spread_brands(catalog, out));
        Ok(spread)
    }
}

/// A product in a plain sort: shown for sure, at the place the sort gives it.
fn listed(catalog: &Catalog, item: ItemId) -> Option<ServedItem> {
    let found = catalog.item(item)?;
    Some(ServedItem {
        ranked: RankedItem {
            item,
            external_id: found.external_id,
            score: 0.0,
            components: ScoreComponents::default(),
            reason: Reason::PopularIn(found.category),
            sources: SourceSet::default(),
        },
        propensity: 1.0,
        explored: false,
        step: Step::Relevance,
        arm: None,
        rule: None,
    })
}

/// An item with its place in the order it came in.
type Placed = (usize, ServedItem);

/// Keeps the order but lets at most [`BRAND_CAP`] products of one brand into any run of
/// [`BRAND_WINDOW`]: a product over the cap waits for the next place it fits (the next
/// product takes the place when none fits). Pinned products keep their places.
fn spread_brands(catalog: &Catalog, items: Vec<ServedItem>) -> Vec<ServedItem> {
    let brand = |s: &ServedItem| catalog.item(s.ranked.item).and_then(|i| i.brand);
    let total = items.len();
    let (pinned, mut waiting): (Vec<Placed>, Vec<Placed>) = items
        .into_iter()
        .enumerate()
        .partition(|(_, s)| s.step == Step::Pinned);
    let mut placed: Vec<ServedItem> = Vec::with_capacity(total);
    while placed.len() < total {
        if let Some((_, pin)) = pinned.iter().find(|(at, _)| *at == placed.len()) {
            placed.push(*pin);
            continue;
        }
        if waiting.is_empty() {
            break;
        }
        let window = &placed[placed.len().saturating_sub(BRAND_WINDOW - 1)..];
        let fits = |(_, s): &Placed| {
            brand(s)
                .is_none_or(|b| window.iter().filter(|w| brand(w) == Some(b)).count() < BRAND_CAP)
        };
        let next = waiting.iter().position(fits).unwrap_or(0);
        placed.push(waiting.remove(next).1);
    }
    placed
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use ranker::{Action, Catalog, EventKind, ItemSpec, MerchantRule, SessionEvent};

    use super::*;
    use crate::catalog::InventoryHealth;

    const LEAVES: [&str; 3] = ["Running", "Boots", "Sandals"];

    /// 60 shoes in three sub-categories: the twelve best sellers are one brand ("Big") and
    /// running shoes, the others two each of 24 brands; every seventh is sold out.
    fn shoes() -> CatalogView {
        let mut builder = Catalog::builder(0);
        let mut facts = HashMap::new();
        for id in 0..60_i64 {
            let leaf = if id < 12 {
                LEAVES[0]
            } else {
                LEAVES[usize::try_from(id % 3).unwrap()]
            };
            let category = builder.category(&["Shoes", leaf]).unwrap();
            let brand = if id < 12 {
                "Big".to_owned()
            } else {
                format!("B{}", id % 24)
            };
            let available = if id % 7 == 3 { 0 } else { 10 };
            let units_per_day = if id < 12 { 5.0 } else { 0.1 };
            let spec = ItemSpec::new(id, category)
                .brand(builder.brand(&brand))
                .price(10.0 + f32::from(u8::try_from(id).unwrap()))
                .created_at(id * 86_400)
                .stock(available > 0, 0.7);
            builder.add_item(spec).unwrap();
            facts.insert(
                id,
                ItemFacts {
                    price_minor: 1_000 + id * 100,
                    margin: None,
                    available,
                    units_per_day,
                    health: InventoryHealth::classify(available, units_per_day),
                },
            );
        }
        CatalogView {
            catalog: builder.build(),
            facts,
        }
    }

    fn ids(order: &[ServedItem]) -> Vec<i64> {
        order.iter().map(|s| s.ranked.external_id).collect()
    }

    fn order_of(view: &CatalogView, rules: &MerchantRules, ctx: &Context, sort: Sort) -> Vec<i64> {
        let ranker = Ranker::builder().build().unwrap();
        let policies = CategoryPolicies::new().unwrap();
        let ordering = Ordering {
            ranker: &ranker,
            view,
            policies: &policies,
            rules,
        };
        let products: Vec<i64> = (0..60).rev().collect();
        ids(&ordering
            .order(&products, sort, &CandidatePool::new(), ctx)
            .unwrap())
    }

    fn ctx() -> Context {
        Context::new(Surface::Category, 100 * 86_400)
    }

    fn brand(view: &CatalogView, id: i64) -> Option<ranker::BrandId> {
        view.catalog.item(view.catalog.id_of(id)?)?.brand
    }

    #[test]
    fn the_category_policies_validate() {
        assert!(CategoryPolicies::new().is_ok());
    }

    #[test]
    fn recommended_shows_every_product_once_in_stock_first_and_brands_spread() {
        let view = shoes();

        let order = order_of(&view, &MerchantRules::default(), &ctx(), Sort::Recommended);

        assert_eq!(order.iter().collect::<HashSet<_>>().len(), 60, "{order:?}");
        let stocked: Vec<bool> = order.iter().map(|id| id % 7 != 3).collect();
        let in_stock = stocked.iter().filter(|s| **s).count();
        assert!(stocked[..in_stock].iter().all(|s| *s), "{order:?}");
        // Past the first pages only the best-selling brand is left, and the cap gives way.
        for window in order[..PAGE_SIZE].windows(BRAND_WINDOW) {
            let big = window
                .iter()
                .filter(|id| brand(&view, **id) == brand(&view, 0))
                .count();
            assert!(big <= BRAND_CAP, "{window:?} in {order:?}");
        }
        assert!(order[..2].iter().any(|id| *id < 12), "best sellers lead");
    }

    #[test]
    fn the_same_inputs_give_the_same_order() {
        let view = shoes();
        let rules = MerchantRules::default();

        let first = order_of(&view, &rules, &ctx(), Sort::Recommended);
        let second = order_of(&view, &rules, &ctx(), Sort::Recommended);

        assert_eq!(first, second);
    }

    #[test]
    fn a_session_that_viewed_two_boots_lifts_boots() {
        let view = shoes();
        let rules = MerchantRules::default();
        let boots_in_first_page = |order: &[i64]| {
            order[..PAGE_SIZE]
                .iter()
                .filter(|id| **id >= 12 && *id % 3 == 1)
                .count()
        };
        let now = ctx().now;
        let viewed = [13_i64, 16].map(|id| SessionEvent {
            item: view.catalog.id_of(id).unwrap(),
            kind: EventKind::View,
            at: now - 20,
        });

        let plain = order_of(&view, &rules, &ctx(), Sort::Recommended);
        let steered = order_of(
            &view,
            &rules,
            &ctx().with_events(viewed.to_vec()),
            Sort::Recommended,
        );

        assert!(
            boots_in_first_page(&steered) > boots_in_first_page(&plain),
            "{steered:?} against {plain:?}"
        );
    }

    #[test]
    fn a_pin_takes_its_slot_an_excluded_product_never_shows_and_outsiders_stay_out() {
        let view = shoes();
        let rules = MerchantRules::new(vec![
            MerchantRule::new(1, Action::Pin { slot: 3 }, [40]).on(Surface::Category),
            MerchantRule::new(2, Action::Exclude, [0, 41]).on(Surface::Category),
            MerchantRule::new(3, Action::Pin { slot: 2 }, [500]),
            MerchantRule::new(4, Action::Exclude, [1]).on(Surface::Search),
        ]);

        let order = order_of(&view, &rules, &ctx(), Sort::Recommended);
        let by_price = order_of(&view, &rules, &ctx(), Sort::PriceAsc);

        assert_eq!(order[2], 40, "{order:?}");
        assert!(!order.contains(&0) && !order.contains(&41));
        assert!(order.contains(&1), "a search rule stays off category pages");
        assert_eq!(order.len(), 58);
        assert!(!by_price.contains(&0) && !by_price.contains(&41));
    }

    #[test]
    fn price_and_newest_sorts_are_plain_orders() {
        let view = shoes();
        let rules = MerchantRules::default();

        let cheap = order_of(&view, &rules, &ctx(), Sort::PriceAsc);
        let dear = order_of(&view, &rules, &ctx(), Sort::PriceDesc);
        let newest = order_of(&view, &rules, &ctx(), Sort::Newest);

        assert_eq!(cheap, (0..60).collect::<Vec<_>>());
        assert_eq!(dear, (0..60).rev().collect::<Vec<_>>());
        assert_eq!(newest, dear);
        assert_eq!(Sort::parse("price_asc"), Some(Sort::PriceAsc));
        assert_eq!(Sort::parse("cheapest"), None);
    }
}
