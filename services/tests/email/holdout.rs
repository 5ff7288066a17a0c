use services::email::{Arm, EmailSettings, HoldoutMode, arm_of};

use crate::helpers::{candidate, connect, known_to_klaviyo, publish, push, rig, set_settings};

#[tokio::test]
async fn the_holdout_share_is_respected_deterministically_and_gets_relevance_order() {
    let rig = rig().await;
    connect(&rig).await;
    let settings = EmailSettings {
        holdout_share: 0.5,
        list_len: 3,
        ..EmailSettings::default()
    };
    set_settings(&rig, &settings).await;
    known_to_klaviyo(&rig, 1..=40);
    // Diversified order 1, 2, 3, 4; relevance order 4, 3, 2, 1.
    let items = vec![
        candidate(1, 0.1),
        candidate(2, 0.2),
        candidate(3, 0.3),
        candidate(4, 0.4),
    ];
    let lists: Vec<_> = (1..=40)
        .map(|id| (format!("customer:{id}"), items.clone()))
        .collect();
    publish(&rig, "l1", &lists).await;

    let summary = push(&rig, "l1").await.unwrap();

    let expected = (1..=40)
        .filter(|id| {
            arm_of(
                &settings.holdout_salt,
                rig.shop.id,
                &format!("customer:{id}"),
                0.5,
            ) == Arm::Holdout
        })
        .count();
    assert_eq!(summary.holdout, expected);
    assert!((10..=30).contains(&expected), "{expected}");
    for profile in rig.fake.profiles() {
        let id = profile.external_id.clone().unwrap();
        let arm = arm_of(
            &settings.holdout_salt,
            rig.shop.id,
            &format!("customer:{id}"),
            0.5,
        );
        assert_eq!(profile.properties["meander_recs_arm"], arm.name());
        let first = profile.properties["meander_recs"][0]["id"].clone();
        let want = if arm == Arm::Holdout { "4" } else { "1" };
        assert_eq!(first, want, "profile {id} in {arm:?}");
        assert_eq!(
            profile.properties["meander_recs"].as_array().unwrap().len(),
            3
        );
    }
    assert_eq!(rig.fake.events().len(), 40, "both arms are announced");
}

#[tokio::test]
async fn a_holdout_without_a_block_gets_an_empty_list_and_no_event() {
    let rig = rig().await;
    connect(&rig).await;
    let settings = EmailSettings {
        holdout_share: 1.0,
        holdout_mode: HoldoutMode::NoBlock,
        ..EmailSettings::default()
    };
    set_settings(&rig, &settings).await;
    known_to_klaviyo(&rig, [1, 2]);
    let lists = vec![
        ("customer:1".to_owned(), vec![candidate(1, 0.5)]),
        ("customer:2".to_owned(), vec![candidate(2, 0.5)]),
    ];
    publish(&rig, "l1", &lists).await;

    let summary = push(&rig, "l1").await.unwrap();

    assert_eq!(
        (summary.imported, summary.events, summary.holdout),
        (2, 0, 2)
    );
    assert!(rig.fake.events().is_empty());
    for profile in rig.fake.profiles() {
        assert_eq!(profile.properties["meander_recs"], serde_json::json!([]));
    }
    let again = push(&rig, "l1").await.unwrap();
    assert_eq!(again.unchanged, 2);
}
