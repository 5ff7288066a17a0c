//! Serving under surface policies: modules, exploration propensities, caps, kill switch, and
//! policy files with bad fields.

use std::collections::{HashMap, HashSet};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::policy::{ExplorationSpec, PolicySpec, SlotSpec, default_specs};
use ranker::{
    Context, ItemId, PolicyError, PolicySet, Ranker, Step, Surface, SurfacePolicy, TrafficSource,
    Visit,
};

use crate::helpers::{Row, pool_desc, shop};

/// 60 items over five categories, two brands per category, all in stock.
fn rows() -> Vec<Row> {
    (0..60).map(|i| (i % 5, i % 7, i % 3, None, true)).collect()
}

fn pdp() -> SurfacePolicy {
    PolicySet::default().get(Surface::Product).clone()
}

fn serve(policy: &SurfacePolicy, seed: u64) -> ranker::ServedList {
    let s = shop(&rows());
    let pool = pool_desc(&s.catalog);
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![ItemId(0)]);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let r = ok(Ranker::builder().build());
    ok(r.serve(&s.catalog, &pool, &ctx, policy, &mut rng))
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_pdp_policy_fills_three_disjoint_modules_with_the_seed_left_out() {
    let list = serve(&pdp(), 1);
    let names: Vec<&str> = list.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["similar_items", "you_may_also_like", "complete_the_look"]
    );
    let ids: Vec<ItemId> = list.items().map(|i| i.ranked.item).collect();
    assert_eq!(ids.len(), 8 + 8 + 4);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    assert!(!ids.contains(&ItemId(0)));
    let s = shop(&rows());
    let seed_cat = s.catalog.item(ItemId(0)).unwrap().category;
    let similar = &list.modules[0].items;
    assert!(
        similar
            .iter()
            .all(|i| s.catalog.item(i.ranked.item).unwrap().category == seed_cat)
    );
    let look = &list.modules[2].items;
    let cats: HashSet<_> = look
        .iter()
        .map(|i| s.catalog.item(i.ranked.item).unwrap().category)
        .collect();
    assert_eq!(cats.len(), look.len(), "one item per category");
    assert!(!cats.contains(&seed_cat));
}

#[test]
fn every_item_says_which_policy_step_placed_it() {
    let home = PolicySet::default().get(Surface::Home).clone();
    let s = shop(&rows());
    let pool = pool_desc(&s.catalog);
    let ctx = Context::new(Surface::Home, 1_000).with_seeds(vec![ItemId(0)]);
    let r = ok(Ranker::builder().build());
    let explored = (0..200).find_map(|seed| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let list = ok(r.serve(&s.catalog, &pool, &ctx, &home, &mut rng));
        let explored = list.items().any(|i| i.explored);
        explored.then_some(list)
    });
    let Some(list) = explored else {
        panic!("slot 6 explores at 10 %: some seed of 200 draws");
    };

    let steps: Vec<Step> = list.items().map(|i| i.step).collect();
    assert_eq!(steps[0], Step::Relevance, "slot 1 is the most relevant");
    assert_eq!(
        steps[2],
        Step::NewArrival,
        "home's slot 3 shows a new arrival"
    );
    assert!(
        steps.contains(&Step::Discovery),
        "40 % discovery: {steps:?}"
    );
    for item in list.items() {
        assert_eq!(item.explored, item.step == Step::Exploration, "{steps:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_list() {
    assert_eq!(serve(&pdp(), 9), serve(&pdp(), 9));
}

#[test]
fn logged_propensities_match_observed_frequencies_at_the_exploration_slot() {
    let policy = pdp();
    let runs = 20_000;
    let mut seen: HashMap<ItemId, (usize, f32)> = HashMap::new();
    for seed in 0..runs {
        let list = serve(&policy, seed);
        let slot = list.modules[1].items[3];
        let e = seen.entry(slot.ranked.item).or_insert((0, slot.propensity));
        e.0 += 1;
        assert!(
            (e.1 - slot.propensity).abs() < 1e-6,
            "one propensity per item"
        );
        for (i, item) in list.items().enumerate() {
            if i != 8 + 3 {
                assert_eq!((item.propensity, item.explored), (1.0, false));
            }
        }
    }
    let total: f32 = seen.values().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-4, "propensities sum to {total}");
    for (item, (count, p)) in seen {
        let freq = count as f32 / runs as f32;
        let sd = (p * (1.0 - p) / runs as f32).sqrt();
        assert!(
            (freq - p).abs() < 5.0 * sd + 1e-4,
            "{item:?}: {freq} vs {p}"
        );
    }
}

fn with_exploration(e: ExplorationSpec) -> SurfacePolicy {
    let (mut specs, _) = default_specs();
    let mut spec = specs.remove(1);
    spec.exploration = e;
    ok(spec.validate())
}

#[test]
fn the_kill_switch_turns_every_exploration_slot_off() {
    let (specs, _) = default_specs();
    let mut e = specs[1].exploration.clone();
    e.enabled = false;
    let policy = with_exploration(e);
    for seed in 0..200 {
        assert!(
            serve(&policy, seed)
                .items()
                .all(|i| i.propensity == 1.0 && !i.explored)
        );
    }
}

#[test]
fn exploration_is_capped_per_surface_and_traffic_source() {
    let slot = |slot| SlotSpec {
        module: "you_may_also_like".into(),
        slot,
        epsilon: 1.0,
    };
    let e = ExplorationSpec {
        enabled: true,
        slots: vec![slot(2), slot(3), slot(4)],
        max_share: 0.15,
        max_share_by_source: [(TrafficSource::Paid, 0.05)].into(),
        ..ExplorationSpec::default()
    };
    let policy = with_exploration(e);
    // 3 slots at ε = 1 over 20 shown items is a 15 % share: within the cap.
    let direct = policy.exploration.effective(TrafficSource::Direct, 20);
    assert!(direct.iter().all(|s| (s.2 - 1.0).abs() < 1e-6));
    let paid = policy.exploration.effective(TrafficSource::Paid, 20);
    let share: f32 = paid.iter().map(|s| s.2).sum::<f32>() / 20.0;
    assert!((share - 0.05).abs() < 1e-6);
    let s = shop(&rows());
    let ctx = Context::new(Surface::Product, 1_000)
        .with_seeds(vec![ItemId(0)])
        .with_visit(Visit {
            source: TrafficSource::Paid,
            ..Visit::default()
        });
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let r = Ranker::builder().build().unwrap();
    let pool = pool_desc(&s.catalog);
    let explored: usize = (0..2_000)
        .map(|_| {
            let l = r.serve(&s.catalog, &pool, &ctx, &policy, &mut rng).unwrap();
            l.items().filter(|i| i.explored).count()
        })
        .sum();
    let share = explored as f64 / (2_000.0 * 20.0);
    assert!((share - 0.05).abs() < 0.01, "explored share {share}");
}

#[test]
fn policy_files_with_bad_fields_give_typed_errors_naming_the_field() {
    let (specs, _) = default_specs();
    let good = serde_json::to_value(&specs[0]).unwrap();
    let check = |edit: &dyn Fn(&mut serde_json::Value), want: &dyn Fn(&PolicyError) -> bool| {
        let mut v = good.clone();
        edit(&mut v);
        let err = PolicySpec::from_json(&v.to_string()).unwrap_err();
        assert!(want(&err), "{err:?}");
    };
    check(
        &|v| v["colour"] = "red".into(),
        &|e| matches!(e, PolicyError::UnknownField { field } if field == "colour"),
    );
    check(
        &|v| v["modules"][0]["mix"]["discovery"] = 0.5.into(),
        &|e| matches!(e, PolicyError::SharesDoNotAddUp { field, .. } if field == "modules[0].mix"),
    );
    check(&|v| v["version"] = 7.into(), &|e| {
        matches!(e, PolicyError::UnsupportedVersion { found: 7, .. })
    });
    check(
        &|v| v["exploration"]["max_share"] = 0.4.into(),
        &|e| matches!(e, PolicyError::Invalid { field, .. } if field == "exploration.max_share"),
    );
    check(
        &|v| v["exploration"]["slots"][0]["epsilon"] = 1.5.into(),
        &|e| matches!(e, PolicyError::Invalid { field, .. } if field == "exploration.slots[0].epsilon"),
    );
    check(
        &|v| v.as_object_mut().unwrap().retain(|k, _| k != "modules"),
        &|e| matches!(e, PolicyError::MissingField { field } if field == "modules"),
    );
    assert!(matches!(
        PolicySpec::from_json("{not json"),
        Err(PolicyError::Syntax { .. })
    ));
}

#[test]
fn a_request_without_signals_gets_the_cold_start_policy() {
    let set = PolicySet::default();
    let s = shop(&rows());
    let empty = ranker::CandidatePool::new();
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![ItemId(0)]);
    assert_eq!(set.for_request(&ctx, &empty).surface, None);
    let pool = pool_desc(&s.catalog);
    assert_eq!(set.for_request(&ctx, &pool).surface, Some(Surface::Product));
}

/// Brands and families clustered where relevance is highest, so each module stage on its
/// own would happily fill the top with one brand or one family.
fn clustered_rows() -> Vec<Row> {
    (0..80)
        .map(|i| {
            (
                i % 5,
                if i < 30 { i % 2 } else { i % 9 },
                i % 3,
                Some(i / 2),
                true,
            )
        })
        .collect()
}

#[test]
fn every_module_keeps_two_per_brand_in_its_top_8_and_one_per_family_whatever_is_explored() {
    let s = shop(&clustered_rows());
    let pool = pool_desc(&s.catalog);
    for surface in [
        Surface::Product,
        Surface::Home,
        Surface::Cart,
        Surface::Email,
    ] {
        let policy = PolicySet::default().get(surface).clone();
        for seed in 0..40 {
            let ctx = Context::new(surface, 1_000).with_seeds(vec![ItemId(0)]);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let list =
                ok(ok(Ranker::builder().build()).serve(&s.catalog, &pool, &ctx, &policy, &mut rng));
            for module in &list.modules {
                let items: Vec<_> = module
                    .items
                    .iter()
                    .filter_map(|i| s.catalog.item(i.ranked.item))
                    .collect();
                let mut brands: HashMap<_, usize> = HashMap::new();
                for item in items.iter().take(8) {
                    *brands.entry(item.brand).or_default() += 1;
                }
                assert!(
                    brands.values().all(|n| *n <= 2),
                    "{surface:?}/{}: {brands:?}",
                    module.name
                );
                let families: Vec<_> = items.iter().filter_map(|i| i.family).collect();
                let distinct: HashSet<_> = families.iter().collect();
                assert_eq!(
                    distinct.len(),
                    families.len(),
                    "{surface:?}/{}",
                    module.name
                );
            }
        }
    }
}
