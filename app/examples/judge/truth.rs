//! Ground truth from the generator: which leaf, brand and creation date each product has,
//! which leaves go together, which products were bought together, and how often each sold.
//! Judges an item's reason against it.

use std::collections::{BTreeMap, HashMap, HashSet};

use demo::{DemoShop, ProductStatus};
use serde_json::Value;

/// "New" means created within this many days of the generator's `now`.
const NEW_DAYS: i64 = 30;
/// `popular_in(C)`: in the top quarter of C by orders.
const POPULAR_SHARE: f64 = 0.25;
/// `trending`: in the top tenth of the active catalog by orders.
const TRENDING_SHARE: f64 = 0.10;

pub struct Product {
    pub title: String,
    pub leaf: u32,
    pub brand: u32,
    pub created_at: i64,
}

pub struct Category {
    pub parent: Option<u32>,
    pub path: String,
    pub adjacent: HashSet<u32>,
}

pub struct Truth {
    pub products: HashMap<i64, Product>,
    pub categories: HashMap<u32, Category>,
    /// Active products per leaf, in catalog order.
    pub by_leaf: BTreeMap<u32, Vec<i64>>,
    /// Category references (key `dm3-7`, id, name, path; lowercase) to category ids.
    names: HashMap<String, Vec<u32>>,
    /// Unordered pairs of products that share at least one order.
    pairs: HashSet<(i64, i64)>,
    /// Unordered pairs of products viewed in at least one same session.
    coviews: HashSet<(i64, i64)>,
    /// Orders holding each product.
    orders: HashMap<i64, usize>,
    trending: HashSet<i64>,
    now: i64,
}

impl Truth {
    pub fn new(shop: &DemoShop, now: i64) -> Self {
        let products: HashMap<i64, Product> = shop
            .products
            .iter()
            .map(|p| {
                let product = Product {
                    title: p.title.clone(),
                    leaf: p.category_id,
                    brand: p.brand_id,
                    created_at: p.created_at,
                };
                (p.id, product)
            })
            .collect();
        let mut names: HashMap<String, Vec<u32>> = HashMap::new();
        let mut categories = HashMap::new();
        for c in &shop.categories {
            let key = services::demo::jsonl::category_key(c.id);
            for name in [key, c.id.to_string(), c.name.clone(), c.path.clone()] {
                names.entry(name.to_lowercase()).or_default().push(c.id);
            }
            let category = Category {
                parent: c.parent,
                path: c.path.clone(),
                adjacent: c.adjacent.iter().copied().collect(),
            };
            categories.insert(c.id, category);
        }
        let mut by_leaf: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
        for p in shop
            .products
            .iter()
            .filter(|p| p.status == ProductStatus::Active)
        {
            by_leaf.entry(p.category_id).or_default().push(p.id);
        }
        let mut pairs = HashSet::new();
        let mut orders: HashMap<i64, usize> = HashMap::new();
        for order in &shop.orders {
            let mut ids: Vec<i64> = order.lines.iter().map(|l| l.product_id).collect();
            ids.sort_unstable();
            ids.dedup();
            for (i, a) in ids.iter().enumerate() {
                *orders.entry(*a).or_default() += 1;
                pairs.extend(ids[i + 1..].iter().map(|b| (*a, *b)));
            }
        }
        let mut coviews = HashSet::new();
        for session in &shop.sessions {
            let mut ids: Vec<i64> = session.events.iter().filter_map(|e| e.product_id).collect();
            ids.sort_unstable();
            ids.dedup();
            for (i, a) in ids.iter().enumerate() {
                coviews.extend(ids[i + 1..].iter().map(|b| (*a, *b)));
            }
        }
        let active: Vec<i64> = by_leaf.values().flatten().copied().collect();
        let trending = top_share(&active, &orders, TRENDING_SHARE);
        Self {
            products,
            categories,
            by_leaf,
            names,
            pairs,
            coviews,
            orders,
            trending,
            now,
        }
    }

    /// Orders holding `product` in the generated history.
    pub fn orders_of(&self, product: i64) -> usize {
        self.orders.get(&product).copied().unwrap_or(0)
    }

    pub fn leaf(&self, product: i64) -> Option<u32> {
        self.products.get(&product).map(|p| p.leaf)
    }

    pub fn parent(&self, leaf: u32) -> Option<u32> {
        self.categories.get(&leaf).and_then(|c| c.parent)
    }

    /// The same leaf, or a sibling leaf under the same department.
    pub fn same_or_sibling(&self, a: u32, b: u32) -> bool {
        a == b || (self.parent(a).is_some() && self.parent(a) == self.parent(b))
    }

    /// `b` is in the generator's "goes together" list of `a`.
    pub fn adjacent(&self, a: u32, b: u32) -> bool {
        self.categories
            .get(&a)
            .is_some_and(|c| c.adjacent.contains(&b))
    }

    pub fn path(&self, leaf: u32) -> &str {
        self.categories.get(&leaf).map_or("?", |c| c.path.as_str())
    }

    pub fn title(&self, product: i64) -> &str {
        self.products
            .get(&product)
            .map_or("?", |p| p.title.as_str())
    }

    fn bought_together(&self, a: i64, b: i64) -> bool {
        self.pairs.contains(&(a.min(b), a.max(b)))
    }

    fn coviewed(&self, a: i64, b: i64) -> bool {
        self.coviews.contains(&(a.min(b), a.max(b)))
    }

    /// The product's leaf is `category` or lies under it.
    fn in_category(&self, product: i64, category: u32) -> bool {
        self.leaf(product)
            .is_some_and(|leaf| leaf == category || self.parent(leaf) == Some(category))
    }

    /// Categories a reason's `C` may name (key, id, name or path; a name may be ambiguous).
    fn resolve(&self, category: &str) -> &[u32] {
        self.names
            .get(&category.trim().to_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    fn is_new(&self, product: i64) -> bool {
        self.products.get(&product).is_some_and(|p| {
            p.created_at <= self.now && self.now - p.created_at <= NEW_DAYS * 86_400
        })
    }

    fn popular_in(&self, product: i64, category: u32) -> bool {
        let members: Vec<i64> = self
            .by_leaf
            .iter()
            .filter(|(leaf, _)| **leaf == category || self.parent(**leaf) == Some(category))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        top_share(&members, &self.orders, POPULAR_SHARE).contains(&product)
    }

    /// Whether the item's reason holds; `None` for exploration or an unknown code.
    /// `anchors` are what the list is about (the product, the cart lines, the viewed
    /// products); `viewed` is what this session viewed.
    pub fn judge(
        &self,
        item: i64,
        reason: &Reason,
        anchors: &[i64],
        viewed: &[i64],
    ) -> Option<bool> {
        let leaf = self.leaf(item)?;
        // The named product must be one of the anchors; without a name any anchor may do.
        let about: Vec<i64> = match reason.product {
            Some(p) if anchors.contains(&p) => vec![p],
            Some(_) => Vec::new(),
            None => anchors.to_vec(),
        };
        let about_leaves: Vec<u32> = about.iter().filter_map(|p| self.leaf(*p)).collect();
        let in_named = |check: &dyn Fn(u32) -> bool| match &reason.category {
            Some(c) => self.resolve(c).iter().any(|id| check(*id)),
            None => check(leaf),
        };
        let verdict = match reason.code.as_str() {
            "similar" => about_leaves.iter().any(|l| self.same_or_sibling(*l, leaf)),
            "bought_together" => about.iter().any(|p| self.bought_together(*p, item)),
            "also_viewed" => about.iter().any(|p| self.coviewed(*p, item)),
            "goes_with" => about_leaves.iter().any(|l| self.adjacent(*l, leaf)),
            "because_viewed" => match reason.product {
                Some(p) => viewed.contains(&p),
                None => !viewed.is_empty(),
            },
            "popular_in" => in_named(&|c| self.in_category(item, c) && self.popular_in(item, c)),
            "new_in" | "new_arrival" => {
                self.is_new(item) && in_named(&|c| self.in_category(item, c))
            }
            "trending" => self.trending.contains(&item),
            _ => return None,
        };
        Some(verdict)
    }
}

/// The `share` of `ids` that sold most (at least one order; ties at the cut go in).
fn top_share(ids: &[i64], orders: &HashMap<i64, usize>, share: f64) -> HashSet<i64> {
    let count = |id: &i64| orders.get(id).copied().unwrap_or(0);
    let mut counts: Vec<usize> = ids.iter().map(count).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let keep = ((ids.len() as f64 * share).ceil() as usize).max(1);
    let cut = counts.get(keep - 1).copied().unwrap_or(0).max(1);
    ids.iter().filter(|id| count(id) >= cut).copied().collect()
}

/// An item's reason, read from the response: the `reason` code with `reason_product_id` and
/// `reason_category`; older answers carried a display code only ("bought together"), which
/// still reads, so lists of an earlier build can be judged the same way.
pub struct Reason {
    pub code: String,
    pub product: Option<i64>,
    pub category: Option<String>,
}

impl Reason {
    pub fn of(item: &Value) -> Self {
        let nested = item["reason"].is_object();
        let field = |flat: &str, inner: &str| {
            if nested {
                item["reason"][inner].clone()
            } else {
                item[flat].clone()
            }
        };
        let code = [item["reason_code"].clone(), field("reason", "code")]
            .iter()
            .find_map(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let product = match field("reason_product_id", "product_id") {
            Value::String(s) => s.parse().ok(),
            other => other.as_i64(),
        };
        let category = match field("reason_category", "category") {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        Self {
            code: code.trim().to_lowercase().replace([' ', '-'], "_"),
            product,
            category,
        }
    }
}
