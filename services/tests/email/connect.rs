use entity::klaviyo_account;
use klaviyo::fake::{ACCOUNT_ID, API_KEY};
use sea_orm::EntityTrait;
use services::email::{self, EmailError};

use crate::helpers::{connect, rig};

#[tokio::test]
async fn connecting_a_valid_key_stores_it_encrypted_with_the_account_id() {
    let rig = rig().await;

    let account = connect(&rig).await;

    assert_eq!(account.status, "connected");
    assert_eq!(account.account_id.as_deref(), Some(ACCOUNT_ID));
    assert_eq!(account.credential_kind, "api_key");
    assert!(!account.credential_encrypted.contains(API_KEY));
    let status = email::status(&rig.db.conn, rig.shop.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status, "connected");
    assert!(status.last_error.is_none());
}

#[tokio::test]
async fn an_invalid_key_is_refused_and_nothing_is_stored() {
    let rig = rig().await;

    let err = email::connect_api_key(
        &rig.db.conn,
        &rig.api,
        &rig.cipher,
        rig.shop.id,
        &"pk_not_a_key".into(),
    )
    .await
    .unwrap_err();

    assert!(matches!(err, EmailError::InvalidCredential(_)), "{err:?}");
    let stored = klaviyo_account::Entity::find_by_id(rig.shop.id)
        .one(&rig.db.conn)
        .await
        .unwrap();
    assert!(stored.is_none());
}

#[tokio::test]
async fn a_key_without_the_event_scope_is_refused_naming_the_scope() {
    let rig = rig().await;
    let key = "pk_read_only_0000000000";
    rig.fake.add_api_key(
        key,
        &[
            "accounts:read",
            "profiles:read",
            "profiles:write",
            "lists:write",
        ],
    );

    let err = email::connect_api_key(
        &rig.db.conn,
        &rig.api,
        &rig.cipher,
        rig.shop.id,
        &key.into(),
    )
    .await
    .unwrap_err();

    match err {
        EmailError::MissingScope { scopes, .. } => assert_eq!(scopes, "events:write"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn klaviyo_down_at_connect_is_a_transient_error() {
    let rig = rig().await;
    rig.fake.set_down(true);

    let err = email::connect_api_key(
        &rig.db.conn,
        &rig.api,
        &rig.cipher,
        rig.shop.id,
        &API_KEY.into(),
    )
    .await
    .unwrap_err();

    assert!(matches!(err, EmailError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());
}
