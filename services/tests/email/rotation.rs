//! Rotating the secrets' encryption key: every stored secret moves to the new key, a second
//! run finds nothing to do, and a value no key opens is counted and left alone.

use entity::{klaviyo_account, shop};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use secrecy::{ExposeSecret, SecretString};
use services::token_rotation::{Rotation, rotate};
use shopify::TokenCipher;
use shopify::crypto::generate_key;

use crate::helpers::{TOKEN_KEY, connect, rig};

#[tokio::test]
async fn rotation_moves_every_stored_secret_to_the_new_key() {
    let rig = rig().await;
    connect(&rig).await;
    let conn = &rig.db.conn;
    let domain = rig.shop.domain.clone();
    // A Shopify token sealed with the old key, and a refresh token sealed with a key that
    // is configured nowhere.
    let lost = TokenCipher::from_base64(&SecretString::from(generate_key())).unwrap();
    let mut shop = rig.shop.clone().into_active_model();
    let access = rig
        .cipher
        .encrypt("shpat_old", &format!("{domain}/access_token"))
        .unwrap();
    let unreadable = lost
        .encrypt("shprt_lost", &format!("{domain}/refresh_token"))
        .unwrap();
    shop.access_token_encrypted = Set(Some(access));
    shop.refresh_token_encrypted = Set(Some(unreadable.clone()));
    shop.update(conn).await.unwrap();
    let new_key = SecretString::from(generate_key());
    let rotating = TokenCipher::from_base64(&new_key)
        .unwrap()
        .with_retired(&[SecretString::from(TOKEN_KEY)])
        .unwrap();

    let first = rotate(conn, &rotating).await.unwrap();
    let second = rotate(conn, &rotating).await.unwrap();

    // The shop's access token and the Klaviyo key moved; the lost refresh token did not.
    let moved = Rotation {
        resealed: 2,
        current: 0,
        unreadable: 1,
    };
    assert_eq!(first, moved);
    assert_eq!(
        second,
        Rotation {
            resealed: 0,
            current: 2,
            unreadable: 1
        }
    );
    let new_only = TokenCipher::from_base64(&new_key).unwrap();
    let stored = shop::Entity::find_by_id(rig.shop.id)
        .one(conn)
        .await
        .unwrap()
        .unwrap();
    let token = new_only
        .decrypt(
            stored.access_token_encrypted.as_deref().unwrap(),
            &format!("{domain}/access_token"),
        )
        .unwrap();
    assert_eq!(token.expose_secret(), "shpat_old");
    assert_eq!(stored.refresh_token_encrypted, Some(unreadable));
    let account = klaviyo_account::Entity::find_by_id(rig.shop.id)
        .one(conn)
        .await
        .unwrap()
        .unwrap();
    let context = format!("{domain}/klaviyo_credential");
    assert!(
        new_only
            .decrypt(&account.credential_encrypted, &context)
            .is_ok()
    );
    assert!(
        rig.cipher
            .decrypt(&account.credential_encrypted, &context)
            .is_err(),
        "the old key no longer opens it"
    );
}
