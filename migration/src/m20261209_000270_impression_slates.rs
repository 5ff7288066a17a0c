//! Impressions that can be replayed and that are small.
//!
//! - `impressions.asked`: what a logged answer was asked beyond the shopper (the product
//!   page's product, the cart's lines, a search's query and page), so the off-policy
//!   preflight can serve a product page's, a cart's or a search's answer again. `NULL` for
//!   answers asked nothing more (home, email) and for answers logged before this column.
//! - `impressions.packed`: the shown items in a compact binary form (see
//!   `services::signals::packed`), about a tenth of their JSON. New rows write it and leave
//!   `items` as JSON `null`; rows written before keep their JSON `items`, which readers still
//!   read, so nothing is rewritten here. Going down drops the items of rows written since,
//!   as going below `m20261125_000070_impressions` drops the impressions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{blob_null, json_null};

/// Adds the columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261209_000270_impression_slates"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [json_null(Col::Asked), blob_null(Col::Packed)] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Col::Asked, Col::Packed] {
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
    Asked,
    Packed,
}
