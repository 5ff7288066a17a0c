use super::*;
use crate::catalog::ItemId;
use crate::context::{EventKind, SessionEvent, Surface};
use crate::testkit::shop;

fn view(item: u32, at: i64) -> SessionEvent {
    SessionEvent {
        item: ItemId(item),
        kind: EventKind::View,
        at,
    }
}

#[test]
fn recent_views_of_running_shoes_give_a_running_shoe_intent() {
    let catalog = shop();
    let ctx = Context::new(Surface::Home, 1000).with_events(vec![
        view(0, 990),
        view(1, 980),
        view(3, 970),
    ]);
    let intent = Intent::detect(&catalog, &ctx, &IntentConfig::default());
    assert_eq!(intent.category, Some(catalog.items()[0].category));
    assert!(intent.strength > 0.99);
    let shoe = intent.match_score(&catalog, &catalog.items()[2]);
    let mug = intent.match_score(&catalog, &catalog.items()[11]);
    assert!(shoe > mug, "{shoe} vs {mug}");
}

#[test]
fn events_older_than_the_window_are_ignored() {
    let catalog = shop();
    let ctx = Context::new(Surface::Home, 1000).with_events(vec![view(11, 800)]);
    assert!(Intent::detect(&catalog, &ctx, &IntentConfig::default()).is_empty());
}

#[test]
fn mixed_shoe_views_settle_on_the_shared_parent_category() {
    let catalog = shop();
    let ctx = Context::new(Surface::Home, 1000).with_events(vec![view(0, 1000), view(6, 1000)]);
    let intent = Intent::detect(&catalog, &ctx, &IntentConfig::default());
    let shoes = catalog.categories().parent(catalog.items()[0].category);
    assert_eq!(intent.category, shoes);
    assert!(
        (intent.match_score(&catalog, &catalog.items()[7])
            - intent.match_score(&catalog, &catalog.items()[1]))
        .abs()
            < 0.2
    );
}

#[test]
fn unknown_items_in_events_are_skipped() {
    let catalog = shop();
    let ctx = Context::new(Surface::Home, 1000).with_events(vec![view(999, 1000)]);
    assert!(Intent::detect(&catalog, &ctx, &IntentConfig::default()).is_empty());
}
