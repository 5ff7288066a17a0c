//! Settings in the database: every save is a new version row; the current settings of a
//! surface are its newest row that still validates (so a row the ranker no longer accepts
//! is skipped, and the storefront keeps the last valid version).

use chrono::Utc;
use common::database::begin_write;
use entity::shop_setting;
use ranker::Surface;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::Serialize;

use super::document::{SURFACES, SurfaceSettings};
use super::tuning::{Applied, Tuning};
use super::validate::{FieldError, validate};
use crate::audit::{self, Change};
use crate::surface;

/// Saved versions read back per surface, newest first, when looking for a valid one.
const HISTORY: u64 = 20;

/// Why a save did not land; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Fields failed validation.
    #[error("the settings are not valid")]
    Invalid(Vec<FieldError>),
    /// The save edited an older version than the current one.
    #[error("the settings were changed meanwhile (now version {current}, edited {edited})")]
    Stale {
        /// The current version.
        current: i64,
        /// The version the save edited.
        edited: i64,
    },
    /// The database failed.
    #[error("storing the settings failed")]
    Database(#[from] DbErr),
}

/// Why a shop's tuning could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The database failed.
    #[error("reading the settings failed")]
    Database(#[from] DbErr),
    /// The ranker's defaults did not build (a unit test checks they do).
    #[error("the ranker's defaults did not build")]
    Ranker(#[from] ranker::RankerError),
}

/// A surface's current settings.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentSettings {
    /// Surface name.
    pub surface: &'static str,
    /// The newest saved version (0: never saved): what a save edits and must carry.
    pub version: i64,
    /// The version in force: the newest that still validates (0: the defaults apply).
    pub in_force: i64,
    /// The settings in force.
    pub settings: SurfaceSettings,
    /// The ranker's defaults, for a "reset" in the admin.
    pub defaults: SurfaceSettings,
}

/// Every tuned surface's valid settings, newest first: `(surface, version, settings, applied)`.
async fn valid_rows(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Vec<(Surface, i64, SurfaceSettings, Applied)>, DbErr> {
    let mut found = Vec::new();
    for surface in SURFACES {
        let rows = shop_setting::Entity::find()
            .filter(shop_setting::Column::ShopId.eq(shop_id))
            .filter(shop_setting::Column::Surface.eq(surface::name(surface)))
            .order_by_desc(shop_setting::Column::Version)
            .limit(HISTORY)
            .all(conn)
            .await?;
        let valid = rows.into_iter().find_map(|row| {
            let parsed = serde_json::from_value::<SurfaceSettings>(row.settings.clone());
            let checked = parsed
                .map_err(|err| err.to_string())
                .and_then(|s| Ok((validate(surface, &s).map_err(|e| format!("{e:?}"))?, s)));
            match checked {
                Ok((applied, settings)) => Some((surface, row.version, settings, applied)),
                Err(reason) => {
                    tracing::warn!(shop_id, surface = surface::name(surface), version = row.version, %reason, "skipping invalid saved settings");
                    None
                }
            }
        });
        found.extend(valid);
    }
    Ok(found)
}

/// The shop's current settings of every tuned surface.
///
/// # Errors
/// The database's.
pub async fn current(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Vec<CurrentSettings>, DbErr> {
    let saved = valid_rows(conn, shop_id).await?;
    let newest = stamp(conn, shop_id).await?;
    Ok(SURFACES
        .into_iter()
        .map(|surface| {
            let name = surface::name(surface);
            let defaults = SurfaceSettings::defaults(surface);
            let (in_force, settings) = saved
                .iter()
                .find(|(s, ..)| *s == surface)
                .map_or((0, defaults.clone()), |(_, v, s, _)| (*v, s.clone()));
            CurrentSettings {
                surface: name,
                version: newest
                    .iter()
                    .find(|(s, _)| s == name)
                    .map_or(0, |(_, v)| *v),
                in_force,
                settings,
                defaults,
            }
        })
        .collect())
}

/// What serving and precompute run for the shop.
///
/// # Errors
/// [`LoadError`].
pub async fn tuning(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Tuning, LoadError> {
    let applied: Vec<_> = valid_rows(conn, shop_id)
        .await?
        .into_iter()
        .map(|(surface, version, _, applied)| (surface, version, applied))
        .collect();
    Ok(Tuning::new(&applied)?)
}

/// The newest version number per saved surface: what serving compares to notice a save.
///
/// # Errors
/// The database's.
pub async fn stamp(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<(String, i64)>, DbErr> {
    shop_setting::Entity::find()
        .select_only()
        .column(shop_setting::Column::Surface)
        .column_as(shop_setting::Column::Version.max(), "version")
        .filter(shop_setting::Column::ShopId.eq(shop_id))
        .group_by(shop_setting::Column::Surface)
        .order_by_asc(shop_setting::Column::Surface)
        .into_tuple()
        .all(conn)
        .await
}

/// Saves `settings` for `surface` as the version after `edited`, the version the merchant
/// edited (0 for the defaults), and records the change for `actor` in the audit log in the
/// same transaction; returns the new version.
///
/// # Errors
/// [`SaveError::Invalid`] with every bad field, [`SaveError::Stale`] when another save
/// landed after `edited` (checked in the write transaction, and by the primary key if two
/// saves race), [`SaveError::Database`].
pub async fn save(
    conn: &DatabaseConnection,
    shop_id: i64,
    surface: Surface,
    edited: i64,
    settings: &SurfaceSettings,
    actor: &str,
) -> Result<i64, SaveError> {
    validate(surface, settings).map_err(SaveError::Invalid)?;
    let document = serde_json::to_value(settings).map_err(|err| DbErr::Custom(err.to_string()))?;
    let name = surface::name(surface);
    let txn = begin_write(conn).await?;
    let latest = shop_setting::Entity::find()
        .filter(shop_setting::Column::ShopId.eq(shop_id))
        .filter(shop_setting::Column::Surface.eq(name))
        .order_by_desc(shop_setting::Column::Version)
        .one(&txn)
        .await?;
    let current = latest.as_ref().map_or(0, |row| row.version);
    if current != edited {
        return Err(SaveError::Stale { current, edited });
    }
    let row = shop_setting::ActiveModel {
        shop_id: Set(shop_id),
        surface: Set(name.to_owned()),
        version: Set(current + 1),
        settings: Set(document.clone()),
        created_at: Set(Utc::now()),
    };
    match row.insert(&txn).await {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(SaveError::Stale {
                current: current + 1,
                edited,
            });
        }
        Err(err) => return Err(err.into()),
    }
    let change = Change {
        actor,
        action: "settings.save",
        subject: name.to_owned(),
        before: latest.map(|row| row.settings),
        after: Some(document),
    };
    audit::record(&txn, shop_id, change).await?;
    txn.commit().await?;
    Ok(current + 1)
}
