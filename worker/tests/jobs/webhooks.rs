//! Incremental sync from webhook payloads: late, repeated and out-of-order deliveries.

use chrono::{DateTime, Utc};
use common::Database;
use common::testing::TestDatabase;
use entity::{inventory, order, order_line, product, variant};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use services::sync::SyncError;
use services::sync::webhooks::{Applied, WebhookTarget, apply};
use services::topic::Topic;

async fn setup() -> (TestDatabase, Database, WebhookTarget) {
    let (guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "hooks.myshopify.com", "USD").await;
    let target = WebhookTarget {
        shop_id: shop.id,
        currency_exponent: 2,
        triggered_at: Utc::now(),
    };
    (guard, db, target)
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn product_payload(title: &str, updated_at: &str) -> Value {
    json!({
        "id": 632910392, "title": title, "handle": "ipod-nano", "body_html": "<p>It's the <b>small</b> iPod</p>",
        "vendor": "Apple", "product_type": "Cult Products", "tags": "Emotive, Flash Memory",
        "status": "active", "created_at": "2026-01-01T00:00:00-05:00", "updated_at": updated_at,
        "options": [{"name": "Color"}],
        "variants": [{"id": 808950810, "title": "Pink", "price": "199.00", "sku": "IPOD2008PINK",
                      "position": 1, "option1": "Pink", "inventory_item_id": 808950810,
                      "inventory_quantity": 10, "updated_at": updated_at}]
    })
}

/// Applies a `products/*` delivery of the iPod named `title`, updated at `updated_at`.
async fn deliver_product(
    db: &Database,
    target: WebhookTarget,
    topic: Topic,
    title: &str,
    updated_at: &str,
) {
    apply(&db.conn, target, topic, &product_payload(title, updated_at))
        .await
        .unwrap();
}

/// The iPod's product row as stored.
async fn stored_ipod(db: &Database, target: WebhookTarget) -> product::Model {
    product::Entity::find_by_id((target.shop_id, 632910392))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn product_updates_apply_in_timestamp_order_not_arrival_order() {
    let (_guard, db, target) = setup().await;

    deliver_product(
        &db,
        target,
        Topic::ProductsUpdate,
        "New name",
        "2026-11-20T10:00:00Z",
    )
    .await;
    deliver_product(
        &db,
        target,
        Topic::ProductsUpdate,
        "Old name",
        "2026-11-19T10:00:00Z",
    )
    .await;

    let item = stored_ipod(&db, target).await;
    assert_eq!(item.title, "New name");
    assert_eq!(item.description, "It's the small iPod");
    assert_eq!(item.tags, json!(["Emotive", "Flash Memory"]));
    let pink = variant::Entity::find_by_id((target.shop_id, 808950810))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pink.price_minor, 19_900);
    assert_eq!(pink.options, json!([["Color", "Pink"]]));
}

#[tokio::test]
async fn a_deleted_product_is_not_revived_by_a_late_update() {
    let (_guard, db, mut target) = setup().await;
    deliver_product(
        &db,
        target,
        Topic::ProductsCreate,
        "iPod",
        "2026-11-20T10:00:00Z",
    )
    .await;
    target.triggered_at = at("2026-11-21T00:00:00Z");

    apply(
        &db.conn,
        target,
        Topic::ProductsDelete,
        &json!({"id": 632910392}),
    )
    .await
    .unwrap();
    deliver_product(
        &db,
        target,
        Topic::ProductsUpdate,
        "Late",
        "2026-11-20T12:00:00Z",
    )
    .await;

    let item = stored_ipod(&db, target).await;
    assert!(item.deleted_at.is_some());
    assert_eq!(item.title, "iPod");
}

#[tokio::test]
async fn stock_is_the_sum_of_the_newest_level_per_location_and_costs_survive_product_updates() {
    let (_guard, db, target) = setup().await;
    let level = |location: i64, available: i64, updated_at: &str| json!({"inventory_item_id": 808950810, "location_id": location, "available": available, "updated_at": updated_at});
    let deliveries = [
        (
            Topic::ProductsCreate,
            product_payload("iPod", "2026-11-20T10:00:00Z"),
        ),
        (
            Topic::InventoryItemsUpdate,
            json!({"id": 808950810, "cost": "80.50"}),
        ),
        (
            Topic::InventoryLevelsUpdate,
            level(1, 4, "2026-11-20T11:00:00Z"),
        ),
        (
            Topic::InventoryLevelsUpdate,
            level(2, 7, "2026-11-20T11:00:00Z"),
        ),
        // Older than the level already stored for location 1: ignored.
        (
            Topic::InventoryLevelsUpdate,
            level(1, 99, "2026-11-20T09:00:00Z"),
        ),
        (
            Topic::ProductsUpdate,
            product_payload("iPod", "2026-11-20T12:00:00Z"),
        ),
        (
            Topic::InventoryLevelsUpdate,
            level(2, 6, "2026-11-20T13:00:00Z"),
        ),
    ];
    for (topic, payload) in &deliveries {
        apply(&db.conn, target, *topic, payload).await.unwrap();
    }

    let stock = inventory::Entity::find_by_id((target.shop_id, 808950810))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stock.available, 10, "4 at location 1 + 6 at location 2");
    assert_eq!(
        stock.unit_cost_minor,
        Some(8_050),
        "a product update must not erase the cost"
    );
}

#[tokio::test]
async fn a_repeated_order_is_stored_once() {
    let (_guard, db, target) = setup().await;
    let payload = json!({
        "id": 820982911946154508_i64, "created_at": "2026-11-20T10:00:00Z", "currency": "USD",
        "total_price": "403.00", "customer": {"id": 115310627314723954_i64},
        "line_items": [{"product_id": 632910392, "variant_id": 808950810, "quantity": 2, "price": "199.00"},
                       {"product_id": null, "variant_id": null, "quantity": 1, "price": "5.00"}]
    });

    let first = apply(&db.conn, target, Topic::OrdersCreate, &payload)
        .await
        .unwrap();
    let second = apply(&db.conn, target, Topic::OrdersCreate, &payload)
        .await
        .unwrap();

    assert_eq!((first, second), (Applied::Written, Applied::Skipped));
    assert_eq!(order::Entity::find().count(&db.conn).await.unwrap(), 1);
    assert_eq!(order_line::Entity::find().count(&db.conn).await.unwrap(), 2);
    let stored = order::Entity::find().one(&db.conn).await.unwrap().unwrap();
    assert_eq!(
        (stored.total_minor, stored.customer_id),
        (40_300, Some(115310627314723954))
    );
}

#[tokio::test]
async fn an_order_keeps_the_storefront_shopper_from_its_cart_attributes() {
    let (_guard, db, target) = setup().await;
    let payload = json!({
        "id": 820982911946154509_i64, "created_at": "2026-11-20T10:00:00Z", "currency": "USD",
        "total_price": "5.00", "customer": null,
        "note_attributes": [{"name": "gift_note", "value": "Happy birthday"},
                            {"name": "_meander_sid", "value": "sess-42"},
                            {"name": "_meander_aid", "value": "anon-7"}],
        "line_items": [{"product_id": 632910392, "variant_id": 808950810, "quantity": 1, "price": "5.00"}]
    });

    apply(&db.conn, target, Topic::OrdersCreate, &payload)
        .await
        .unwrap();

    let stored = order::Entity::find().one(&db.conn).await.unwrap().unwrap();
    assert_eq!(
        (stored.session_id.as_deref(), stored.anonymous_id.as_deref()),
        (Some("sess-42"), Some("anon-7"))
    );
}

#[tokio::test]
async fn malformed_payloads_are_reported_and_change_nothing() {
    let (_guard, db, target) = setup().await;
    let mut bad_price = product_payload("iPod", "2026-11-20T10:00:00Z");
    bad_price["variants"][0]["price"] = json!("1e9");

    let missing = apply(&db.conn, target, Topic::ProductsUpdate, &json!({"id": 1})).await;
    let price = apply(&db.conn, target, Topic::ProductsUpdate, &bad_price).await;

    assert!(matches!(missing, Err(SyncError::Payload(_))), "{missing:?}");
    assert!(price.is_err());
    assert_eq!(
        product::Entity::find().count(&db.conn).await.unwrap(),
        0,
        "nothing half-applied"
    );
}

#[tokio::test]
async fn a_product_webhook_keeps_the_brand_and_attributes_only_the_bulk_sync_reads() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let (_guard, db, target) = setup().await;
    deliver_product(
        &db,
        target,
        Topic::ProductsCreate,
        "iPod",
        "2026-11-20T10:00:00Z",
    )
    .await;
    // What the bulk sync reads and a webhook payload does not carry.
    let attributes = json!({"color": "pink", "material": "aluminium"});
    product::Entity::update_many()
        .col_expr(product::Column::Brand, Expr::value("Apple Music Gear"))
        .col_expr(product::Column::Attributes, Expr::value(attributes.clone()))
        .filter(product::Column::ShopId.eq(target.shop_id))
        .exec(&db.conn)
        .await
        .unwrap();

    deliver_product(
        &db,
        target,
        Topic::ProductsUpdate,
        "iPod nano",
        "2026-11-21T10:00:00Z",
    )
    .await;

    let item = stored_ipod(&db, target).await;
    assert_eq!(item.title, "iPod nano", "the webhook's own fields apply");
    assert_eq!(item.brand, "Apple Music Gear");
    assert_eq!(item.attributes, attributes);
}

#[tokio::test]
async fn a_late_or_repeated_product_webhook_does_not_bring_back_sold_out_stock() {
    let (_guard, db, target) = setup().await;
    let sold_out = json!({"inventory_item_id": 808950810, "location_id": 1, "available": 0,
                          "updated_at": "2026-11-21T12:00:00Z"});
    let deliveries = [
        (
            Topic::ProductsUpdate,
            product_payload("iPod", "2026-11-21T10:00:00Z"),
        ),
        (Topic::InventoryLevelsUpdate, sold_out),
        // A day older than the stored product, delivered late.
        (
            Topic::ProductsUpdate,
            product_payload("iPod", "2026-11-20T10:00:00Z"),
        ),
        // The first delivery again, as a retry after a crash would apply it.
        (
            Topic::ProductsUpdate,
            product_payload("iPod", "2026-11-21T10:00:00Z"),
        ),
    ];
    for (topic, payload) in &deliveries {
        apply(&db.conn, target, *topic, payload).await.unwrap();
    }

    let stock = inventory::Entity::find_by_id((target.shop_id, 808950810))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stock.available, 0,
        "sold out since 12:00; older snapshots say 10"
    );
}

#[tokio::test]
async fn stock_coming_back_marks_the_variant_restocked_and_other_changes_do_not() {
    let (_guard, db, target) = setup().await;
    let stock = || async {
        inventory::Entity::find_by_id((target.shop_id, 808950810))
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap()
    };
    let sold_out = |updated_at: &str| {
        let mut payload = product_payload("iPod", updated_at);
        payload["variants"][0]["inventory_quantity"] = json!(0);
        payload
    };
    let level = |available: i64, updated_at: &str| json!({"inventory_item_id": 808950810, "location_id": 1, "available": available, "updated_at": updated_at});
    apply(
        &db.conn,
        target,
        Topic::ProductsCreate,
        &product_payload("iPod", "2026-11-20T10:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(
        stock().await.restocked_at,
        None,
        "new stock is not a restock"
    );

    // Through a product update (the upsert path): 10 → 0 → 10.
    apply(
        &db.conn,
        target,
        Topic::ProductsUpdate,
        &sold_out("2026-11-20T11:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(stock().await.restocked_at, None);
    apply(
        &db.conn,
        target,
        Topic::ProductsUpdate,
        &product_payload("iPod", "2026-11-20T12:00:00Z"),
    )
    .await
    .unwrap();
    let first = stock().await.restocked_at.expect("back in stock");

    // Through an inventory level (the update path): 10 → 3 keeps it, 0 → 5 moves it.
    let steps = [
        (3, "2026-11-20T13:00:00Z", false),
        (0, "2026-11-20T14:00:00Z", false),
        (5, "2026-11-20T15:00:00Z", true),
    ];
    for (available, updated_at, moves) in steps {
        apply(
            &db.conn,
            target,
            Topic::InventoryLevelsUpdate,
            &level(available, updated_at),
        )
        .await
        .unwrap();
        let now = stock().await;
        assert_eq!(now.available, available);
        assert_eq!(
            now.restocked_at.unwrap() > first,
            moves,
            "after {available}"
        );
    }
}
