//! Per-module tallies of the judged responses, printed as aligned tables or JSON.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::truth::{Reason, Truth};

/// Modules whose items are the home page's "Picked for you".
const PICKED_FOR_YOU: [&str; 2] = ["for_you", "picked_for_you"];

const LEGEND: &str = "\n  compl%: items in a leaf the generator says goes with the seed's leaf (a cart: any line's), \
not that leaf
  same/sib%: items in the seed's leaf or a sibling leaf of its department (overlaps compl%)
  in-cart: cart lines shown (same product id: the generator has no other variant family) \
/ lists showing one
  dup%: items also in another module of the response; expl%: explored items
  leaves, brands: distinct per non-empty list. Home rows are measured against the leaf the \
session views; home-before is the same session before its views.
";

/// What one served response is about.
pub struct Served {
    /// `pdp`, `cart`, `checkout`, `home-before`, `home-after`.
    pub kind: &'static str,
    /// The surface policy's module names, so a missing module counts as empty.
    pub expected: Vec<String>,
    /// Leaves the complementary and same/sibling shares are taken against.
    pub reference: Vec<u32>,
    /// Products the list is about (reasons may point at these).
    pub anchors: Vec<i64>,
    /// Products viewed in the session.
    pub viewed: Vec<i64>,
    /// Cart lines (in-cart violations).
    pub cart: Vec<i64>,
}

#[derive(Default)]
struct Tally {
    /// Total and true verdicts per reason code; `None` codes are only counted.
    judged: usize,
    held: usize,
    unjudged: usize,
}

#[derive(Default)]
struct ModuleStats {
    lists: usize,
    empty: usize,
    items: usize,
    /// Items with a known leaf and a reference to judge them against.
    placed: usize,
    complementary: usize,
    same_sibling: usize,
    in_cart: usize,
    lists_in_cart: usize,
    duplicates: usize,
    explored: usize,
    leaves: usize,
    brands: usize,
    reasons: BTreeMap<String, Tally>,
}

#[derive(Default)]
struct Reactivity {
    sessions: usize,
    items_before: usize,
    near_before: usize,
    items_after: usize,
    near_after: usize,
    leaves_after: usize,
    changed: usize,
    unchanged_lists: usize,
}

#[derive(Default)]
pub struct Report {
    order: Vec<String>,
    modules: HashMap<String, ModuleStats>,
    reactivity: Reactivity,
}

/// The product ids of a module's items, in order.
pub fn item_ids(module: &Value) -> Vec<i64> {
    items(module).iter().filter_map(product_id).collect()
}

pub fn items(module: &Value) -> &[Value] {
    module["items"].as_array().map_or(&[], Vec::as_slice)
}

pub fn modules(response: &Value) -> &[Value] {
    response["modules"].as_array().map_or(&[], Vec::as_slice)
}

pub fn product_id(item: &Value) -> Option<i64> {
    match &item["product_id"] {
        Value::String(s) => s.parse().ok(),
        other => other.as_i64(),
    }
}

/// The home page's "Picked for you" items, or every home item if no module has that name.
pub fn picked_for_you(response: &Value) -> Vec<i64> {
    let all = modules(response);
    let picked: Vec<&Value> = all
        .iter()
        .filter(|m| PICKED_FOR_YOU.contains(&m["name"].as_str().unwrap_or_default()))
        .collect();
    let chosen: Vec<&Value> = if picked.is_empty() {
        all.iter().collect()
    } else {
        picked
    };
    chosen.into_iter().flat_map(item_ids).collect()
}

impl Report {
    fn module(&mut self, key: String) -> &mut ModuleStats {
        if !self.modules.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.modules.entry(key).or_default()
    }

    /// Tallies one response.
    pub fn add(&mut self, truth: &Truth, served: &Served, response: &Value) {
        let all = modules(response);
        let mut seen: HashMap<i64, usize> = HashMap::new();
        for module in all {
            for id in item_ids(module).into_iter().collect::<HashSet<_>>() {
                *seen.entry(id).or_default() += 1;
            }
        }
        let names: Vec<&str> = all.iter().filter_map(|m| m["name"].as_str()).collect();
        for missing in served
            .expected
            .iter()
            .filter(|e| !names.contains(&e.as_str()))
        {
            let stats = self.module(format!("{}/{missing}", served.kind));
            stats.lists += 1;
            stats.empty += 1;
        }
        for module in all {
            let name = module["name"].as_str().unwrap_or("?");
            let stats = self.module(format!("{}/{name}", served.kind));
            stats.lists += 1;
            let shown = items(module);
            if shown.is_empty() {
                stats.empty += 1;
                continue;
            }
            let mut leaves = HashSet::new();
            let mut brands = HashSet::new();
            let mut has_cart_item = false;
            for item in shown {
                stats.items += 1;
                stats.explored += usize::from(item["explored"].as_bool().unwrap_or(false));
                let Some(id) = product_id(item) else { continue };
                stats.duplicates += usize::from(seen.get(&id).copied().unwrap_or(0) > 1);
                let reason = Reason::of(item);
                let tally = stats.reasons.entry(reason.code.clone()).or_default();
                match truth.judge(id, &reason, &served.anchors, &served.viewed) {
                    Some(held) => {
                        tally.judged += 1;
                        tally.held += usize::from(held);
                    }
                    None => tally.unjudged += 1,
                }
                if served.cart.contains(&id) {
                    stats.in_cart += 1;
                    has_cart_item = true;
                }
                let Some(product) = truth.products.get(&id) else {
                    continue;
                };
                leaves.insert(product.leaf);
                brands.insert(product.brand);
                if served.reference.is_empty() {
                    continue;
                }
                let leaf = product.leaf;
                stats.placed += 1;
                let reference = &served.reference;
                stats.same_sibling +=
                    usize::from(reference.iter().any(|r| truth.same_or_sibling(*r, leaf)));
                stats.complementary += usize::from(
                    !reference.contains(&leaf)
                        && reference.iter().any(|r| truth.adjacent(*r, leaf)),
                );
            }
            stats.lists_in_cart += usize::from(has_cart_item);
            stats.leaves += leaves.len();
            stats.brands += brands.len();
        }
    }

    /// Tallies how the home list moved after the session's views in `leaf`.
    pub fn react(&mut self, truth: &Truth, leaf: u32, before: &Value, after: &Value) {
        let near = |ids: &[i64]| {
            ids.iter()
                .filter_map(|id| truth.leaf(*id))
                .filter(|l| *l == leaf || truth.adjacent(leaf, *l))
                .count()
        };
        let (before, after) = (picked_for_you(before), picked_for_you(after));
        let r = &mut self.reactivity;
        r.sessions += 1;
        r.items_before += before.len();
        r.near_before += near(&before);
        r.items_after += after.len();
        r.near_after += near(&after);
        let leaves: HashSet<u32> = after.iter().filter_map(|id| truth.leaf(*id)).collect();
        r.leaves_after += leaves.len();
        r.changed += after.iter().filter(|id| !before.contains(id)).count();
        r.unchanged_lists += usize::from(before == after);
    }

    pub fn to_json(&self) -> Value {
        let modules: Vec<Value> = self
            .order
            .iter()
            .filter_map(|key| Some((key, self.modules.get(key)?)))
            .map(|(key, s)| {
                let reasons: serde_json::Map<String, Value> = s
                    .reasons
                    .iter()
                    .map(|(code, t)| {
                        let accuracy = ratio(t.held, t.judged);
                        (
                            code.clone(),
                            json!({"judged": t.judged, "true": t.held, "unjudged": t.unjudged, "accuracy": accuracy}),
                        )
                    })
                    .collect();
                let filled = s.lists - s.empty;
                json!({
                    "module": key, "lists": s.lists, "empty_rate": ratio(s.empty, s.lists),
                    "items_per_list": ratio(s.items, filled),
                    "complementary_share": ratio(s.complementary, s.placed),
                    "same_sibling_share": ratio(s.same_sibling, s.placed),
                    "in_cart_items": s.in_cart, "lists_with_in_cart_item": s.lists_in_cart,
                    "duplicate_share": ratio(s.duplicates, s.items),
                    "explored_share": ratio(s.explored, s.items),
                    "leaves_per_list": ratio(s.leaves, filled),
                    "brands_per_list": ratio(s.brands, filled),
                    "reasons": reasons,
                })
            })
            .collect();
        let r = &self.reactivity;
        json!({
            "modules": modules,
            "session_reactivity": {
                "sessions": r.sessions,
                "near_share_before": ratio(r.near_before, r.items_before),
                "near_share_after": ratio(r.near_after, r.items_after),
                "leaves_after": ratio(r.leaves_after, r.sessions),
                "changed_items": ratio(r.changed, r.sessions),
                "unchanged_lists": r.unchanged_lists,
            },
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let pct = |n: usize, d: usize| {
            ratio(n, d).map_or("-".to_owned(), |r| format!("{:.1}", r * 100.0))
        };
        let mean = |n: usize, d: usize| ratio(n, d).map_or("-".to_owned(), |r| format!("{r:.2}"));
        let _ = writeln!(
            out,
            "{:<34} {:>5} {:>6} {:>6} {:>6} {:>8} {:>7} {:>6} {:>6} {:>6} {:>6}",
            "module",
            "lists",
            "empty%",
            "items",
            "compl%",
            "same/sib%",
            "in-cart",
            "dup%",
            "expl%",
            "leaves",
            "brands"
        );
        let mut reasons = String::new();
        let mut overall: BTreeMap<&str, Tally> = BTreeMap::new();
        for key in &self.order {
            let Some(s) = self.modules.get(key) else {
                continue;
            };
            let filled = s.lists - s.empty;
            let cart = if key.starts_with("cart/") || key.starts_with("checkout/") {
                format!("{}/{}", s.in_cart, s.lists_in_cart)
            } else {
                "-".to_owned()
            };
            let _ = writeln!(
                out,
                "{:<34} {:>5} {:>6} {:>6} {:>6} {:>8} {:>7} {:>6} {:>6} {:>6} {:>6}",
                key,
                s.lists,
                pct(s.empty, s.lists),
                mean(s.items, filled),
                pct(s.complementary, s.placed),
                pct(s.same_sibling, s.placed),
                cart,
                pct(s.duplicates, s.items),
                pct(s.explored, s.items),
                mean(s.leaves, filled),
                mean(s.brands, filled),
            );
            for (code, t) in &s.reasons {
                let _ = writeln!(
                    reasons,
                    "{:<34} {:<16} {:>6} {:>6} {:>9}",
                    key,
                    code,
                    t.judged + t.unjudged,
                    t.judged,
                    pct(t.held, t.judged)
                );
                let all = overall.entry(code.as_str()).or_default();
                all.judged += t.judged;
                all.held += t.held;
                all.unjudged += t.unjudged;
            }
        }
        out.push_str(LEGEND);
        let _ = writeln!(
            out,
            "\n{:<34} {:<16} {:>6} {:>6} {:>9}",
            "reason accuracy", "code", "items", "judged", "true%"
        );
        out.push_str(&reasons);
        for (code, t) in &overall {
            let _ = writeln!(
                out,
                "{:<34} {:<16} {:>6} {:>6} {:>9}",
                "(all modules)",
                code,
                t.judged + t.unjudged,
                t.judged,
                pct(t.held, t.judged)
            );
        }
        let r = &self.reactivity;
        let _ = writeln!(
            out,
            "\nsession reactivity ({} sessions, 3 views in one leaf L, home \"Picked for you\")\n  \
             items in L or adjacent to L: before {}%, after {}%\n  \
             distinct leaves per list after: {}\n  \
             items changed vs. before (per list): {}   lists unchanged: {}",
            r.sessions,
            pct(r.near_before, r.items_before),
            pct(r.near_after, r.items_after),
            mean(r.leaves_after, r.sessions),
            mean(r.changed, r.sessions),
            r.unchanged_lists,
        );
        out
    }
}

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}
