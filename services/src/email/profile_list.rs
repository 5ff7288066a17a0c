//! One customer's email list on request, for templates that fetch at send time instead of
//! reading the pushed profile properties: the same items, arm and rec id as the push.

use std::collections::HashSet;

use entity::{klaviyo_account, shop};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use serde_json::{Value, json};

use super::holdout::arm_of;
use super::payload::{self, Showcase};
use super::settings::EmailSettings;
use super::shown::{self, Shown};
use crate::recs::lists;
use crate::recs::profiles::customer_profile;
use crate::recs::store::{PROFILE_SEED, SeedKey};
use crate::surface::{self, Surface};

/// The served `email` list of Shopify customer `customer_id`, as the push writes it
/// (`rec_id`, `arm`, `items`); `None` when the shop has no list for that customer. The
/// answer is logged as an email impression, so clicks on it are attributed.
///
/// # Errors
/// The database error.
pub async fn profile_list(
    db: &DatabaseConnection,
    shop: &shop::Model,
    customer_id: i64,
) -> Result<Option<Value>, DbErr> {
    let Some(version) = lists::current(db, shop.id).await?.lists else {
        return Ok(None);
    };
    let profile = customer_profile(customer_id);
    let key = SeedKey::new(surface::name(Surface::Email), PROFILE_SEED, profile.clone());
    let Some(list) = lists::find(db, shop.id, &version, &key).await? else {
        return Ok(None);
    };
    let settings = klaviyo_account::Entity::find_by_id(shop.id)
        .one(db)
        .await?
        .map(|account| EmailSettings::of(&account))
        .unwrap_or_default();
    let arm = arm_of(
        &settings.holdout_salt,
        shop.id,
        &profile,
        settings.holdout_share,
    );
    let ids: HashSet<i64> = list.iter().map(|c| c.id).collect();
    let showcase = Showcase::load(db, shop, &ids).await?;
    let payload = payload::build(&showcase, &profile, &list, arm, &settings);
    let seen = Shown::profile_list(&payload, &profile, Some(customer_id), &version);
    shown::log(db, shop.id, &[seen]).await?;
    Ok(Some(json!({
        "customer_id": customer_id.to_string(),
        "rec_id": payload.rec_id,
        "arm": arm.name(),
        "list_version": version,
        "items": payload.properties.get("meander_recs").cloned().unwrap_or(Value::Null),
    })))
}
