//! One push of a published list version to Klaviyo (see the module docs of [`super`]).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{klaviyo_account, rec_list, shop};
use klaviyo::Client;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::client::load_client;
use super::credential::OAUTH_KIND;
use super::error::EmailError;
use super::holdout::{Arm, arm_of};
use super::payload::{self, Showcase};
use super::run::{PushOptions, PushSummary, Target};
use super::settings::{EmailSettings, KlaviyoApi};
use super::{favourite, identity, send, state, tokens};
use crate::recs::pools::StoredCandidate;
use crate::recs::profiles::customer_profile;
use crate::recs::store::PROFILE_SEED;
use crate::surface::{self, Surface};

/// Pushes the `email` lists of `list_version` with the shop's stored connection; `None`
/// when it has none that pushes. An OAuth access token Klaviyo refuses (401) is refreshed
/// once and the push resumes: what went out before the refusal is recorded, so nothing is
/// pushed twice.
///
/// # Errors
/// As [`push_lists`], and [`EmailError::NeedsReconnect`] when the refresh is refused.
pub async fn push_for_shop(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &shopify::TokenCipher,
    shop: &shop::Model,
    list_version: &str,
    options: &PushOptions,
) -> Result<Option<PushSummary>, EmailError> {
    let Some((account, client)) = load_client(db, api, cipher, shop).await? else {
        return Ok(None);
    };
    match push_lists(db, &client, shop, &account, list_version, options).await {
        Err(EmailError::InvalidCredential(_)) if account.credential_kind == OAUTH_KIND => {
            let refused = Some(account.credential_encrypted.as_str());
            tokens::refresh(db, api, cipher, shop, refused).await?;
            let Some((account, client)) = load_client(db, api, cipher, shop).await? else {
                return Ok(None);
            };
            push_lists(db, &client, shop, &account, list_version, options)
                .await
                .map(Some)
        }
        pushed => pushed.map(Some),
    }
}

/// Pushes the `email` lists of `list_version` to the shop's Klaviyo account.
///
/// # Errors
/// [`EmailError`]: Klaviyo refusing the credential, down, or the database. What was done
/// before is recorded, so the retry does only the rest.
pub async fn push_lists(
    db: &DatabaseConnection,
    client: &Client,
    shop: &shop::Model,
    account: &klaviyo_account::Model,
    list_version: &str,
    options: &PushOptions,
) -> Result<PushSummary, EmailError> {
    let mut summary = PushSummary {
        list_version: list_version.to_owned(),
        ..PushSummary::default()
    };
    let settings = EmailSettings::of(account);
    let lists = load_lists(db, shop.id, list_version).await?;
    summary.lists = lists.len();
    let ids: HashSet<i64> = lists
        .iter()
        .flat_map(|(_, l)| l.iter().map(|c| c.id))
        .collect();
    let showcase = Showcase::load(db, shop, &ids).await?;
    let mut states = state::load(db, shop.id).await?;
    let now = Utc::now();
    let mut due = Vec::new();
    for (profile, list) in lists {
        let Some(customer) = customer_id(&profile) else {
            summary.anonymous += 1;
            continue;
        };
        let arm = arm_of(
            &settings.holdout_salt,
            shop.id,
            &profile,
            settings.holdout_share,
        );
        let payload = payload::build(&showcase, &profile, &list, arm, &settings);
        let mut state = states
            .remove(&profile)
            .unwrap_or_else(|| state::new(shop.id, &profile, customer, arm.name()));
        state::assign(&mut state, arm, now);
        let target = Target { state, payload };
        if target.is_done() {
            summary.unchanged += 1;
        } else if target.refused_too_often() {
            summary.skipped_refused += 1;
        } else {
            due.push(target);
        }
    }
    let mut known = identify(db, client, due, options, &mut summary).await?;
    add_favourites(db, shop.id, &mut known).await?;
    summary.holdout = known
        .iter()
        .filter(|t| t.state.arm == Arm::Holdout.name())
        .count();
    let imported = send::import(db, client, known, list_version, options, &mut summary).await?;
    send::announce(db, client, imported, options, &mut summary).await?;
    Ok(summary)
}

/// Adds `meander_favourite_category` to the targets whose signals name one. It rides along
/// with a changed list and is left out of the content hash: the list comes from the same
/// signals, and a favourite alone must not announce an unchanged list again.
async fn add_favourites(
    db: &DatabaseConnection,
    shop_id: i64,
    targets: &mut [Target],
) -> Result<(), DbErr> {
    let customers: Vec<i64> = targets
        .iter()
        .filter_map(|t| t.external_id().parse().ok())
        .collect();
    let favourites = favourite::favourites(db, shop_id, &customers, Utc::now()).await?;
    for target in targets {
        let key = target
            .external_id()
            .parse()
            .ok()
            .and_then(|id: i64| favourites.get(&id));
        if let Some(key) = key {
            target
                .payload
                .properties
                .insert(favourite::PROPERTY.into(), serde_json::json!(key));
        }
    }
    Ok(())
}

/// The Meander customer id of a customer profile key; `None` for anonymous profiles.
fn customer_id(profile: &str) -> Option<&str> {
    let id = profile.strip_prefix("customer:")?;
    // Only keys this crate writes: `customer:{i64}`.
    (id.parse::<i64>()
        .is_ok_and(|n| customer_profile(n) == profile))
    .then_some(id)
}

/// The version's `email` lists per profile.
async fn load_lists(
    db: &DatabaseConnection,
    shop_id: i64,
    list_version: &str,
) -> Result<Vec<(String, Vec<StoredCandidate>)>, DbErr> {
    let rows = rec_list::Entity::find()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ListVersion.eq(list_version))
        .filter(rec_list::Column::Surface.eq(surface::name(Surface::Email)))
        .filter(rec_list::Column::SeedKind.eq(PROFILE_SEED))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let items = serde_json::from_value(row.items).ok()?;
            Some((row.seed_id, items))
        })
        .collect())
}

/// Keeps the targets Klaviyo has a profile for, looking up those not known yet (and those
/// not found a while ago); records every answer so the next push need not ask again.
async fn identify(
    db: &DatabaseConnection,
    client: &Client,
    due: Vec<Target>,
    options: &PushOptions,
    summary: &mut PushSummary,
) -> Result<Vec<Target>, EmailError> {
    let now = Utc::now();
    let stale =
        |at: Option<DateTime<Utc>>| at.is_none_or(|at| now - at >= options.lookup_again_after);
    let ask: Vec<String> = due
        .iter()
        .filter(|t| t.state.klaviyo_profile_id.is_none() && stale(t.state.looked_up_at))
        .map(|t| t.external_id().to_owned())
        .collect();
    summary.looked_up = ask.len();
    let found = identity::look_up(client, &ask).await?;
    let asked: HashSet<&str> = ask.iter().map(String::as_str).collect();
    let mut known = Vec::with_capacity(due.len());
    let mut answered = Vec::new();
    for mut target in due {
        if asked.contains(target.external_id()) {
            target.state.klaviyo_profile_id = found.get(target.external_id()).cloned();
            target.state.looked_up_at = Some(now);
            answered.push(target.state.clone());
        }
        if target.state.klaviyo_profile_id.is_some() {
            known.push(target);
        } else {
            summary.not_in_klaviyo += 1;
        }
    }
    state::save(db, &answered).await?;
    Ok(known)
}
