//! `list_parts`: a full precompute runs as parts (jobs any worker process may take); each
//! part records itself here when its lists are written, and the part that completes the set
//! publishes the list version. One row per part makes a retried part count once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, json, string, timestamp_with_time_zone};

/// Creates `list_parts`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000100_list_parts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Col::ListParts)
                    .if_not_exists()
                    .col(big_integer(Col::ShopId))
                    .col(string(Col::ListVersion))
                    .col(integer(Col::Part))
                    .col(json(Col::Summary))
                    .col(timestamp_with_time_zone(Col::DoneAt))
                    .primary_key(
                        Index::create()
                            .col(Col::ShopId)
                            .col(Col::ListVersion)
                            .col(Col::Part),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Col::ListParts, Col::ShopId)
                            .to(Col::Shops, Col::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::ListParts).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    ListParts,
    ShopId,
    ListVersion,
    Part,
    Summary,
    DoneAt,
}
