//! `shops.list_revision`: bumped when a product's lists are rebuilt in place inside the
//! published list version (`precompute_product`), so serving can keep the lists it has read
//! for as long as they are current instead of reading every one again every 30 seconds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer;

/// Adds `shops.list_revision`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261212_000300_list_revision"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Shops)
                    .add_column(big_integer(Col::ListRevision).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Shops)
                    .drop_column(Col::ListRevision)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Col {
    Shops,
    ListRevision,
}
