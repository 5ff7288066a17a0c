//! What a shopper sees is what the lists promise: a cart completed as a whole by products
//! of paired categories (never what is already in it), reasons that name the product they
//! relate to, and a session that steers the home page.

use std::collections::HashSet;

use chrono::Utc;
use entity::product;
use ranker::{Catalog, CategoryId};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use services::catalog::view;

use crate::helpers::{TestApp, json};
use crate::recs::{demo_app, items};

async fn catalog(app: &TestApp, shop_id: i64) -> Catalog {
    view::load(&app.db.conn, shop_id, Utc::now())
        .await
        .unwrap()
        .catalog
}

fn category(catalog: &Catalog, product: i64) -> CategoryId {
    catalog
        .item(catalog.id_of(product).unwrap())
        .unwrap()
        .category
}

fn product_id(item: &Value) -> i64 {
    item["product_id"].as_str().unwrap().parse().unwrap()
}

/// Two in-stock products of categories the graph pairs with others, in different
/// departments.
fn two_lines(catalog: &Catalog) -> (i64, i64) {
    let graph = catalog.category_graph();
    let paired = |c: CategoryId| !graph.neighbours(c).is_empty();
    let mut lines = catalog
        .items()
        .iter()
        .filter(|i| i.in_stock && paired(i.category));
    let first = lines.next().unwrap();
    let tree = catalog.categories();
    let second = lines
        .find(|i| tree.closeness(i.category, first.category) == 0.0)
        .unwrap();
    (first.external_id, second.external_id)
}

#[tokio::test]
async fn a_cart_is_completed_by_paired_categories_of_every_line_and_never_by_itself() {
    let (app, shop_id) = demo_app(true).await;
    let catalog = catalog(&app, shop_id).await;
    let (a, b) = two_lines(&catalog);
    let deleted = 999_999_999_i64;

    let body = json(
        app.get(&format!(
            "/demo/recs?surface=cart&cart={a},{b},{deleted}&limit=6"
        ))
        .await,
    )
    .await;

    let items = items(&body);
    assert!(!items.is_empty(), "{body}");
    let lines = [category(&catalog, a), category(&catalog, b)];
    let graph = catalog.category_graph();
    let mut served_for = HashSet::new();
    for item in &items {
        let id = product_id(item);
        assert!(id != a && id != b, "a cart line recommended back: {body}");
        let c = category(&catalog, id);
        assert!(!lines.contains(&c), "same kind as a cart line: {item}");
        let partner_of: Vec<CategoryId> = lines
            .iter()
            .copied()
            .filter(|l| graph.adjacent(*l, c))
            .collect();
        assert!(!partner_of.is_empty(), "goes with no cart line: {item}");
        served_for.extend(partner_of);
        if item["reason"] == "goes_with" || item["reason"] == "bought_together" {
            let named: i64 = item["reason_product_id"].as_str().unwrap().parse().unwrap();
            assert!(
                [a, b].contains(&named),
                "names a product not in the cart: {item}"
            );
        }
        assert!(!item["reason_text"].as_str().unwrap().is_empty());
    }
    assert_eq!(served_for.len(), 2, "both lines completed: {body}");
}

#[tokio::test]
async fn three_views_in_a_category_steer_the_home_page_towards_it() {
    let (app, shop_id) = demo_app(true).await;
    let catalog = catalog(&app, shop_id).await;
    let (line, _) = two_lines(&catalog);
    let target = category(&catalog, line);
    let viewed: Vec<i64> = catalog
        .items()
        .iter()
        .filter(|i| i.category == target)
        .map(|i| i.external_id)
        .take(3)
        .collect();
    assert_eq!(viewed.len(), 3);
    let events: Vec<Value> = viewed
        .iter()
        .map(|id| {
            json!({"kind": "view", "occurred_at": Utc::now(), "anonymous_id": "steer-session",
                   "session_id": "steer-session", "product_id": id.to_string()})
        })
        .collect();
    app.post_events(shop_id, &events).await;

    let body = json(
        app.get("/demo/recs?surface=home&session_id=steer-session&limit=8")
            .await,
    )
    .await;

    let items = items(&body);
    let categories: Vec<CategoryId> = items
        .iter()
        .map(|i| category(&catalog, product_id(i)))
        .collect();
    let related = categories
        .iter()
        .filter(|c| **c == target || catalog.categories_adjacent(target, **c))
        .count();
    assert!(
        related * 2 >= items.len(),
        "{related} of {} relate to the viewed category: {body}",
        items.len()
    );
    let distinct: HashSet<&CategoryId> = categories.iter().collect();
    assert!(
        distinct.len() >= 3,
        "the list still spans categories: {body}"
    );
    assert!(
        items.iter().all(|i| !viewed.contains(&product_id(i))),
        "viewed products are not recommended back"
    );
}

#[tokio::test]
async fn a_product_nobody_categorised_still_gets_its_page_lists() {
    let (app, _) = demo_app(true).await;
    let seed = crate::recs::some_product(&app).await;
    product::Entity::update_many()
        .col_expr(
            product::Column::CategoryId,
            Expr::value(Option::<String>::None),
        )
        .filter(product::Column::Id.eq(seed))
        .exec(&app.db.conn)
        .await
        .unwrap();

    let response = app
        .get(&format!("/demo/recs?surface=pdp&product_id={seed}&limit=4"))
        .await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let items = items(&body);
    assert!(!items.is_empty(), "{body}");
    assert!(items.iter().all(|i| product_id(i) != seed));
}
