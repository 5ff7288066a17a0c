//! GDPR redaction reaches browsing linked to the customer.

use chrono::Utc;
use entity::{event, shopper_identity};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

fn anonymous_view(shop_id: i64, anonymous: &str) -> event::ActiveModel {
    event::ActiveModel {
        shop_id: Set(shop_id),
        kind: Set("view".into()),
        anonymous_id: Set(anonymous.into()),
        session_id: Set(format!("s-{anonymous}")),
        product_id: Set(Some(1)),
        occurred_at: Set(Utc::now()),
        received_at: Set(Utc::now()),
        ..Default::default()
    }
}

#[tokio::test]
async fn redacting_a_customer_deletes_their_linked_anonymous_browsing_only() {
    let (_guard, db) = crate::fixtures::database().await;
    let now = Utc::now();
    let shop = crate::fixtures::shop(&db, "gdpr.myshopify.com", "EUR").await;
    for (anonymous, customer) in [("anon-jo", 7_i64), ("anon-sam", 8)] {
        anonymous_view(shop.id, anonymous)
            .insert(&db.conn)
            .await
            .unwrap();
        shopper_identity::ActiveModel {
            shop_id: Set(shop.id),
            anonymous_id: Set(anonymous.into()),
            customer_id: Set(customer),
            linked_at: Set(now),
        }
        .insert(&db.conn)
        .await
        .unwrap();
    }

    services::compliance::redact_customer(&db.conn, shop.id, Some(7), &[])
        .await
        .unwrap();

    let left = event::Entity::find().all(&db.conn).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].anonymous_id, "anon-sam");
    assert_eq!(
        shopper_identity::Entity::find()
            .count(&db.conn)
            .await
            .unwrap(),
        1
    );
}
