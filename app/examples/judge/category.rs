//! Judged category pages: every department of the demo shop served as a category page
//! ("recommended", `app::serving::category::serve`, as the demo's page and the app proxy's
//! collection page get it), page after page for a new session; then, for a few leaves of
//! each department, the first page again after a session viewed two of the leaf's products
//! that the first page did not show.
//!
//! Scores: orders that put an out-of-stock product before an in-stock one; windows of 8 of
//! the in-stock part holding more than 2 of one brand (departments with at least 4 brands);
//! leaves on the first page; the department's 24 best sellers (ground-truth orders) on the
//! first page; and the intent lift: the viewed leaf's products on the first page before and
//! after the views.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::serving::category::{CategoryRequest, serve};
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use ranker::Surface;
use serde_json::{Value, json};
use services::category::{BRAND_CAP, BRAND_WINDOW, PAGE_SIZE, Sort};
use services::signals::EventKind;

use super::Judge;

/// Leaves per department whose intent is judged.
const LEAVES_PER_DEPARTMENT: usize = 4;
/// Products a leaf needs beyond the first page to be browsed.
const MIN_SPARE: usize = 4;
/// Views per judged session.
const VIEWS: usize = 2;
/// Brands a department needs for the brand cap to be judged.
const MIN_BRANDS: usize = 4;
/// Pages whose brand windows are also counted apart (what most shoppers see).
const FIRST_PAGES: usize = 3;

/// The tallies.
#[derive(Debug, Default)]
pub struct CategoryReport {
    departments: usize,
    stock_violations: usize,
    windows: usize,
    brand_violations: usize,
    /// The same over windows starting on the first [`FIRST_PAGES`] pages.
    first_pages_windows: usize,
    first_pages_violations: usize,
    /// Per department with a window over the cap, the place the first such window starts.
    first_violation_at: Vec<usize>,
    /// Per department, the in-stock products ordered.
    in_stock: Vec<usize>,
    leaves_first_page: usize,
    best_sellers_first_page: usize,
    sessions: usize,
    leaf_before: usize,
    leaf_after: usize,
    lifted: usize,
}

impl CategoryReport {
    /// Serves every department and judges it.
    pub async fn run(judge: &Judge, rng: &mut ChaCha8Rng) -> anyhow::Result<Self> {
        let truth = &judge.truth;
        let mut departments: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
        for (leaf, ids) in &truth.by_leaf {
            let top = truth.parent(*leaf);
            let active = ids
                .iter()
                .filter(|id| judge.model.view.catalog.id_of(**id).is_some());
            departments
                .entry(top.unwrap_or(*leaf))
                .or_default()
                .extend(active);
        }
        let mut report = Self::default();
        for (d, products) in departments.values().enumerate() {
            let session = format!("judge-category-{d}");
            let order = full_order(judge, products, &session).await?;
            report.judge_order(judge, products, &order);
            let first: Vec<i64> = order.iter().take(PAGE_SIZE).copied().collect();
            let mut leaves: Vec<(u32, Vec<i64>)> = group_by_leaf(judge, products)
                .into_iter()
                .map(|(leaf, ids)| {
                    (
                        leaf,
                        ids.into_iter().filter(|id| !first.contains(id)).collect(),
                    )
                })
                .filter(|(_, spare): &(u32, Vec<i64>)| spare.len() >= MIN_SPARE)
                .collect();
            leaves.sort_unstable_by_key(|(leaf, _)| *leaf);
            for (l, (leaf, spare)) in leaves
                .choose_multiple(rng, LEAVES_PER_DEPARTMENT)
                .enumerate()
            {
                let session = format!("judge-category-{d}-{l}");
                let viewed: Vec<i64> = spare.choose_multiple(rng, VIEWS).copied().collect();
                judge.record(&session, EventKind::View, &viewed).await?;
                let after = page(judge, products, &session, 1).await?.0;
                let in_leaf = |ids: &[i64]| {
                    ids.iter()
                        .filter(|id| truth.leaf(**id) == Some(*leaf))
                        .count()
                };
                report.sessions += 1;
                report.leaf_before += in_leaf(&first);
                report.leaf_after += in_leaf(&after);
                report.lifted += usize::from(in_leaf(&after) > in_leaf(&first));
            }
        }
        Ok(report)
    }

    fn judge_order(&mut self, judge: &Judge, products: &[i64], order: &[i64]) {
        let truth = &judge.truth;
        let facts = &judge.model.view.facts;
        let in_stock = |id: &i64| facts.get(id).is_some_and(|f| f.available > 0);
        self.departments += 1;
        let stocked = order.iter().take_while(|id| in_stock(id)).count();
        self.in_stock.push(stocked);
        self.stock_violations += usize::from(order[stocked..].iter().any(in_stock));
        let brand = |id: &i64| truth.products.get(id).map(|p| p.brand);
        let brands: HashSet<u32> = products.iter().filter_map(brand).collect();
        if brands.len() >= MIN_BRANDS {
            let mut first_violation = None;
            for (start, window) in order[..stocked].windows(BRAND_WINDOW).enumerate() {
                let mut counts: HashMap<u32, usize> = HashMap::new();
                for b in window.iter().filter_map(brand) {
                    *counts.entry(b).or_default() += 1;
                }
                let over = counts.values().any(|n| *n > BRAND_CAP);
                self.windows += 1;
                self.brand_violations += usize::from(over);
                if start < FIRST_PAGES * PAGE_SIZE {
                    self.first_pages_windows += 1;
                    self.first_pages_violations += usize::from(over);
                }
                if over {
                    first_violation.get_or_insert(start + 1);
                }
            }
            self.first_violation_at.extend(first_violation);
        }
        let first: Vec<i64> = order.iter().take(PAGE_SIZE).copied().collect();
        let leaves: HashSet<u32> = first.iter().filter_map(|id| truth.leaf(*id)).collect();
        self.leaves_first_page += leaves.len();
        let mut sellers: Vec<&i64> = products.iter().collect();
        sellers.sort_by_key(|id| (std::cmp::Reverse(truth.orders_of(**id)), **id));
        self.best_sellers_first_page += sellers
            .iter()
            .take(PAGE_SIZE)
            .filter(|id| first.contains(id))
            .count();
    }

    pub fn to_json(&self) -> Value {
        let per = |n: usize, of: usize| n as f64 / of.max(1) as f64;
        json!({
            "departments": self.departments,
            "orders_with_out_of_stock_first": self.stock_violations,
            "brand_windows": self.windows,
            "brand_windows_over_cap": self.brand_violations,
            "first_pages_brand_windows": self.first_pages_windows,
            "first_pages_brand_windows_over_cap": self.first_pages_violations,
            "first_window_over_cap_at": self.first_violation_at,
            "in_stock_per_department": self.in_stock,
            "leaves_on_first_page": per(self.leaves_first_page, self.departments),
            "best_sellers_on_first_page": per(self.best_sellers_first_page, self.departments),
            "sessions": self.sessions,
            "viewed_leaf_on_first_page_before": per(self.leaf_before, self.sessions),
            "viewed_leaf_on_first_page_after": per(self.leaf_after, self.sessions),
            "sessions_lifted": per(self.lifted, self.sessions),
        })
    }

    pub fn to_text(&self) -> String {
        let j = self.to_json();
        format!(
            "\ncategory pages ({} departments, {} sessions)\n\
             orders with an out-of-stock product first  {}\n\
             windows of 8 over the brand cap            {} of {}\n\
             of those starting on the first {} pages      {} of {}\n\
             first window over the cap starts at place  {:?} (per department with one)\n\
             in-stock products per department           {:?}\n\
             leaves on the first page                   {:.1}\n\
             of the 24 best sellers on the first page   {:.1}\n\
             viewed leaf on the first page              {:.2} before, {:.2} after the views\n\
             sessions whose first page moved to it      {:.0} %\n",
            self.departments,
            self.sessions,
            self.stock_violations,
            self.brand_violations,
            self.windows,
            FIRST_PAGES,
            self.first_pages_violations,
            self.first_pages_windows,
            self.first_violation_at,
            self.in_stock,
            j["leaves_on_first_page"].as_f64().unwrap_or(0.0),
            j["best_sellers_on_first_page"].as_f64().unwrap_or(0.0),
            j["viewed_leaf_on_first_page_before"]
                .as_f64()
                .unwrap_or(0.0),
            j["viewed_leaf_on_first_page_after"].as_f64().unwrap_or(0.0),
            100.0 * j["sessions_lifted"].as_f64().unwrap_or(0.0),
        )
    }
}

fn group_by_leaf(judge: &Judge, products: &[i64]) -> BTreeMap<u32, Vec<i64>> {
    let mut leaves: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for id in products {
        if let Some(leaf) = judge.truth.leaf(*id) {
            leaves.entry(leaf).or_default().push(*id);
        }
    }
    leaves
}

/// Page `number` of `products` for `session`, and whether a further page has items.
async fn page(
    judge: &Judge,
    products: &[i64],
    session: &str,
    number: usize,
) -> anyhow::Result<(Vec<i64>, bool)> {
    let shopper = judge.request(Surface::Category, None, session);
    let request = CategoryRequest::new(products.to_vec(), Sort::Recommended, number, shopper);
    let response = serve(&judge.db.conn, &judge.model, &request).await?;
    let ids = response
        .results
        .modules
        .iter()
        .flat_map(|m| &m.items)
        .filter_map(|i| i.product_id.parse().ok())
        .collect();
    Ok((ids, response.has_more))
}

/// Every page of `products` for `session`, one after the other.
async fn full_order(judge: &Judge, products: &[i64], session: &str) -> anyhow::Result<Vec<i64>> {
    let mut order = Vec::new();
    for number in 1.. {
        let (ids, more) = page(judge, products, session, number).await?;
        order.extend(ids);
        if !more {
            break;
        }
    }
    Ok(order)
}
