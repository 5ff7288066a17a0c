//! An index on `rec_lists (shop_id, list_version, created_at)`: removing a replaced list
//! version finds its rows (and which versions exist, with their newest row) without
//! scanning the whole table, which at 100,000 products made each delete batch slower than
//! the last.

use sea_orm_migration::prelude::*;

/// Creates the index.
pub struct Migration;

const INDEX: &str = "idx_rec_lists_shop_id_list_version_created_at";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000110_list_version_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Col::RecLists)
                    .col(Col::ShopId)
                    .col(Col::ListVersion)
                    .col(Col::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Col::RecLists).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    RecLists,
    ShopId,
    ListVersion,
    CreatedAt,
}
