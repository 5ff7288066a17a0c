//! `inventory_levels`: stock per inventory item and location, so that one location's
//! `inventory_levels/update` webhook can be applied exactly (variant stock is their sum).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, timestamp_with_time_zone};

/// Creates `inventory_levels`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000030_inventory_levels"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Col::InventoryLevels)
                    .if_not_exists()
                    .col(big_integer(Col::ShopId))
                    .col(big_integer(Col::InventoryItemId))
                    .col(big_integer(Col::LocationId))
                    .col(big_integer(Col::Available))
                    .col(timestamp_with_time_zone(Col::SourceUpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(Col::ShopId)
                            .col(Col::InventoryItemId)
                            .col(Col::LocationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Col::InventoryLevels, Col::ShopId)
                            .to(Col::Shops, Col::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Col::InventoryLevels)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    InventoryLevels,
    Id,
    ShopId,
    InventoryItemId,
    LocationId,
    Available,
    SourceUpdatedAt,
}
