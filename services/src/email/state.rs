//! `email_push_states`: read a shop's push states at once, write them back in batches.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::email_push_state::{self, Column, Model};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::holdout::Arm;

/// Rows per INSERT (16 columns: well under SQLite's bound-parameter limit).
const BATCH: usize = 500;

/// Every push state of the shop, by profile key.
pub(super) async fn load(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<HashMap<String, Model>, DbErr> {
    Ok(email_push_state::Entity::find()
        .filter(Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.profile_key.clone(), row))
        .collect())
}

/// A state for a profile never pushed.
pub(super) fn new(shop_id: i64, profile_key: &str, external_id: &str, arm: &str) -> Model {
    Model {
        shop_id,
        profile_key: profile_key.to_owned(),
        external_id: Some(external_id.to_owned()),
        klaviyo_profile_id: None,
        looked_up_at: None,
        arm: arm.to_owned(),
        content_hash: None,
        event_hash: None,
        list_version: None,
        rec_id: None,
        pushed_at: None,
        last_error: None,
        failed_attempts: 0,
        assigned_at: None,
        failed_hash: None,
        failed_at: None,
    }
}

/// Puts `state` in `arm`; a profile entering an arm (new, or moved by a new share or salt)
/// is assigned `now`, so the holdout comparison counts only what followed.
pub(super) fn assign(state: &mut Model, arm: Arm, now: DateTime<Utc>) {
    if state.arm != arm.name() || state.assigned_at.is_none() {
        arm.name().clone_into(&mut state.arm);
        state.assigned_at = Some(now);
    }
}

/// The shop's rows Klaviyo refused at their last push, latest first (at most `limit`), and
/// how many there are.
pub(super) async fn refused(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    limit: u64,
) -> Result<(Vec<Model>, u64), DbErr> {
    let query = || {
        email_push_state::Entity::find()
            .filter(Column::ShopId.eq(shop_id))
            .filter(Column::LastError.is_not_null())
    };
    let latest = query()
        .order_by_desc(Column::FailedAt)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((latest, query().count(conn).await?))
}

/// Writes `rows` (inserted, or replacing the stored ones).
pub(super) async fn save(conn: &impl ConnectionTrait, rows: &[Model]) -> Result<(), DbErr> {
    let replace = OnConflict::columns([Column::ShopId, Column::ProfileKey])
        .update_columns([
            Column::ExternalId,
            Column::KlaviyoProfileId,
            Column::LookedUpAt,
            Column::Arm,
            Column::ContentHash,
            Column::EventHash,
            Column::ListVersion,
            Column::RecId,
            Column::PushedAt,
            Column::LastError,
            Column::FailedAttempts,
            Column::AssignedAt,
            Column::FailedHash,
            Column::FailedAt,
        ])
        .to_owned();
    for chunk in rows.chunks(BATCH) {
        let batch: Vec<email_push_state::ActiveModel> = chunk
            .iter()
            .map(|row| row.clone().into_active_model().reset_all())
            .collect();
        email_push_state::Entity::insert_many(batch)
            .on_conflict(replace.clone())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
