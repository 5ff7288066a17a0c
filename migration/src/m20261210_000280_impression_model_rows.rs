//! Impressions point at the `models` rows that served them (`impressions.model_id`, the
//! pools; `impressions.list_id`, the precomputed lists) instead of repeating their version
//! strings, 66 bytes an answer. New rows write the ids and leave `model_version` and
//! `list_version` `NULL` when the versions are `models` rows (a version that is not, as
//! tests log, stays text); older rows keep their text. Going down drops the ids of rows
//! written since.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer_null;

/// Adds the columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261210_000280_impression_model_rows"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [Col::ModelId, Col::ListId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .add_column(big_integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Col::ModelId, Col::ListId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Impressions,
    ModelId,
    ListId,
}
