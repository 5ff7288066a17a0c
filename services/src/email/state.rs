//! `email_push_states`: read a shop's push states at once, write them back in batches.

use std::collections::HashMap;

use entity::email_push_state::{self, Column, Model};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
};

/// Rows per INSERT (13 columns: well under SQLite's bound-parameter limit).
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
    }
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
