//! `purge_shop`: delete an uninstalled shop's data once the retention delay has passed.

use chrono::DateTime;
use entity::shop;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use services::compliance;

use crate::job::{Job, JobContext, JobError};

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

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![
            self.shop_id.to_string(),
            self.uninstalled_at.to_string(),
        ])
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
