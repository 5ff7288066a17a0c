//! `purge_shop`: delete an uninstalled shop's data once the retention delay has passed.

use chrono::DateTime;
use entity::shop;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError};
use crate::compliance;

/// Deletes shop `shop_id` and (by cascade) all its rows — unless it was reinstalled since the
/// uninstall this job was scheduled for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurgeShop {
    /// The shop.
    pub shop_id: i64,
    /// Unix seconds of the uninstall that scheduled this purge.
    pub uninstalled_at: i64,
}

impl Job for PurgeShop {
    const NAME: &'static str = "purge_shop";
    const MAX_ATTEMPTS: usize = 5;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!(
            "purge_shop:{}:{}",
            self.shop_id, self.uninstalled_at
        ))
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let Some(shop) = shop::Entity::find_by_id(self.shop_id)
            .one(&ctx.db.conn)
            .await?
        else {
            return Ok(());
        };
        let same_uninstall =
            shop.uninstalled_at.as_ref().map(DateTime::timestamp) == Some(self.uninstalled_at);
        if !same_uninstall {
            tracing::info!(shop_id = self.shop_id, "shop reinstalled; purge skipped");
            return Ok(());
        }
        compliance::delete_shop(&ctx.db.conn, self.shop_id).await?;
        tracing::info!(shop_id = self.shop_id, "uninstalled shop's data deleted");
        Ok(())
    }
}
