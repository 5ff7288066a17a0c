//! The demo storefront preview as a person uses it: home, a category, a product page, the cart.

use entity::{event, impression, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{BACKGROUND_WORK, eventually};
use crate::recs::{demo_app, some_product};

/// The first `/demo/categories/…` link of a page.
fn first_category_link(html: &str) -> Option<String> {
    let start = html.find("/demo/categories/")?;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn a_shopper_browses_home_a_category_a_product_and_the_cart() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await;
    let title = product::Entity::find()
        .filter(product::Column::Id.eq(seed))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .title;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let get = |path: String| client.get(format!("{}{path}", app.address)).send();

    let home = get("/demo".into()).await.unwrap().text().await.unwrap();
    let category_link = first_category_link(&home).expect("departments link their categories");
    let category = get(category_link).await.unwrap();
    let category_status = category.status();
    let category = category.text().await.unwrap();
    let product = get(format!("/demo/products/{seed}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The form posts, the 303 leads to the cart page.
    let cart = client
        .post(format!("{}/demo/cart", app.address))
        .form(&[("product_id", seed.to_string())])
        .send()
        .await
        .unwrap();
    let cart_url = cart.url().path().to_owned();
    let cart = cart.text().await.unwrap();

    // Modules carry their shopper-facing titles, as the theme blocks render them.
    assert!(home.contains("Picked for you"), "{home}");
    assert!(home.contains("Cart (0)"));
    assert_eq!(category_status, 200);
    assert!(category.contains(" products") && category.contains("/demo/products/"));
    assert!(product.contains("Add to cart"));
    assert!(product.contains("You may also like"), "{product}");
    assert!(!product.contains("<h2>you_may_also_like</h2>"));
    assert!(
        !product.contains(">similar<") && !product.contains(">goes_with<"),
        "reasons read as the theme blocks show them: {product}"
    );
    assert!(
        !product.contains(&format!("Goes with {}", title.replace('&', "&amp;"))),
        "the product on the page is \"this\", not its title again: {product}"
    );
    let look = product
        .split("Complete the look")
        .nth(1)
        .unwrap_or_default();
    assert!(
        look.contains("Goes with this") || look.contains("Customers also bought"),
        "complete the look says what the items go with: {look}"
    );
    assert_eq!(cart_url, "/demo/cart");
    let escaped = title.replace('&', "&amp;");
    assert!(cart.contains(&escaped), "the added product is in the cart");
    assert!(cart.contains("Cart (1)") && cart.contains("Total"));
    // One session throughout: its view and add to cart are stored, and every list shown is
    // logged as an impression of that session.
    // The generated history has no device-less events: these are the pages' own.
    let events = event::Entity::find()
        .filter(event::Column::ProductId.eq(seed))
        .filter(event::Column::Device.is_null())
        .all(&app.db.conn)
        .await
        .unwrap();
    let added = events
        .iter()
        .find(|e| e.kind == "add_to_cart")
        .expect("the add to cart is recorded");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "view" && e.session_id == added.session_id)
    );
    // Impressions are stored by the background writer shortly after each page.
    let session = added.session_id.clone();
    let surfaces = || async {
        let rows = impression::Entity::find()
            .filter(impression::Column::SessionId.eq(session.clone()))
            .all(&app.db.conn)
            .await
            .unwrap();
        services::signals::impression::answers(&app.db.conn, &rows)
            .await
            .unwrap()
            .into_iter()
            .map(|answer| answer.context.surface)
            .collect::<Vec<String>>()
    };
    let every_page_logged = eventually(BACKGROUND_WORK, || async {
        let logged = surfaces().await;
        ["home", "pdp", "cart"]
            .iter()
            .all(|surface| logged.iter().any(|s| s == surface))
    })
    .await;
    assert!(every_page_logged, "logged: {:?}", surfaces().await);
}

#[tokio::test]
async fn bad_demo_requests_get_clear_html_error_pages() {
    let (app, _) = demo_app(false).await;
    let post = |body: &'static str| {
        app.client
            .post(format!("{}/demo/cart", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    let unknown_category = app.get("/demo/categories/no-such-category").await;
    let not_a_number = post("product_id=abc").await.unwrap();
    let unknown_product = post("product_id=1").await.unwrap();
    let too_many = post("product_id=1&quantity=500").await.unwrap();

    assert_eq!(unknown_category.status(), 404);
    assert_eq!(not_a_number.status(), 400);
    assert_eq!(unknown_product.status(), 404);
    assert_eq!(too_many.status(), 400);
    for response in [unknown_category, not_a_number, unknown_product, too_many] {
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.text().await.unwrap();
        assert!(kind.starts_with("text/html"), "{kind}: {body}");
        assert!(body.contains("Back to the shop"), "{body}");
    }
}
