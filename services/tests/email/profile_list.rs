//! One customer's email list on request: what the push would write, logged like it.

use entity::impression;
use sea_orm::EntityTrait;
use services::email;

use crate::helpers::{lists_for, publish, rig};

#[tokio::test]
async fn a_customer_s_list_is_served_as_pushed_and_logged() {
    let rig = rig().await;
    publish(&rig, "l1", &lists_for([7])).await;

    let list = email::profile_list(&rig.db.conn, &rig.shop, 7)
        .await
        .unwrap()
        .unwrap();

    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items[0]["title"], "Product 1");
    let rec_id = list["rec_id"].as_str().unwrap();
    assert!(rec_id.starts_with("em_"), "{rec_id}");
    assert!(items[0]["url"].as_str().unwrap().contains(rec_id));
    assert_eq!(list["list_version"], "l1");
    let logged = impression::Entity::find().all(&rig.db.conn).await.unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].rec_id().as_str(), logged[0].customer_id),
        (rec_id, Some(7))
    );
}

#[tokio::test]
async fn a_customer_without_a_list_gets_none() {
    let rig = rig().await;
    assert!(
        email::profile_list(&rig.db.conn, &rig.shop, 7)
            .await
            .unwrap()
            .is_none()
    );
    publish(&rig, "l1", &lists_for([7])).await;

    let other = email::profile_list(&rig.db.conn, &rig.shop, 8)
        .await
        .unwrap();

    assert!(other.is_none());
}
