//! `meander_favourite_category`: the leaf category a customer's recent signals lean to, as
//! the feeds' cohort key, pushed with the list.

use chrono::{Duration, Utc};
use entity::{category, event, product, shopper_identity};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{Rig, connect, known_to_klaviyo, lists_for, publish, push_with, rig};

async fn categorise(rig: &Rig, id: &str, path: &str, products: std::ops::RangeInclusive<i64>) {
    let name = path.rsplit(" > ").next().unwrap();
    category::ActiveModel {
        shop_id: Set(rig.shop.id),
        id: Set(id.into()),
        name: Set(name.into()),
        parent_id: Set(None),
        full_path: Set(path.into()),
        depth: Set(1),
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
    product::Entity::update_many()
        .col_expr(product::Column::CategoryId, Expr::value(id))
        .filter(product::Column::ShopId.eq(rig.shop.id))
        .filter(product::Column::Id.is_in(products))
        .exec(&rig.db.conn)
        .await
        .unwrap();
}

async fn signal(rig: &Rig, who: (Option<i64>, &str), kind: &str, product: i64, days_ago: i64) {
    let at = Utc::now() - Duration::days(days_ago);
    event::ActiveModel {
        shop_id: Set(rig.shop.id),
        kind: Set(kind.into()),
        anonymous_id: Set(who.1.into()),
        customer_id: Set(who.0),
        session_id: Set("s".into()),
        product_id: Set(Some(product)),
        occurred_at: Set(at),
        received_at: Set(at),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn each_customer_gets_the_category_their_recent_signals_weigh_most() {
    let rig = rig().await;
    categorise(&rig, "b", "Apparel > Boots", 1..=3).await;
    categorise(&rig, "k", "Home > Kitchen", 4..=6).await;
    // Customer 1: three boot views, and a kitchen purchase on a phone linked to them.
    for product in 1..=3 {
        signal(&rig, (Some(1), "laptop-1"), "view", product, 1).await;
    }
    shopper_identity::ActiveModel {
        shop_id: Set(rig.shop.id),
        anonymous_id: Set("phone-1".into()),
        customer_id: Set(1),
        linked_at: Set(Utc::now()),
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
    signal(&rig, (None, "phone-1"), "purchase", 4, 2).await;
    // Customer 2: one boot view. Customer 3: only a kitchen view outside the window.
    signal(&rig, (Some(2), "laptop-2"), "view", 2, 3).await;
    signal(&rig, (Some(3), "laptop-3"), "view", 5, 40).await;
    known_to_klaviyo(&rig, [1, 2, 3]);
    publish(&rig, "l1", &lists_for([1, 2, 3])).await;
    connect(&rig).await;

    push_with(&rig, "l1", None).await.unwrap();

    let favourite = |external_id: &str| {
        rig.fake
            .profiles()
            .into_iter()
            .find(|p| p.external_id.as_deref() == Some(external_id))
            .unwrap()
            .properties
            .get("meander_favourite_category")
            .cloned()
    };
    assert_eq!(favourite("1"), Some("home_kitchen".into()));
    assert_eq!(favourite("2"), Some("apparel_boots".into()));
    assert_eq!(favourite("3"), None);
}
