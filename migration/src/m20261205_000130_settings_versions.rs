//! `shop_settings` becomes versioned: one row per saved version of a surface's settings
//! (key `shop_id, surface, version`), so every save is kept, the admin can tell which
//! version it edited, and two saves of the same version cannot both land (the second
//! collides on the key). The first table had one row per surface and was never written,
//! so it is replaced rather than altered (SQLite cannot change a primary key in place).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, json, string, timestamp_with_time_zone};

/// Replaces `shop_settings` with its versioned form.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000130_settings_versions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Col::ShopSettings)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Col::ShopSettings)
                    .col(big_integer(Col::ShopId))
                    .col(string(Col::Surface))
                    .col(big_integer(Col::Version))
                    .col(json(Col::Settings))
                    .col(timestamp_with_time_zone(Col::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Col::ShopId)
                            .col(Col::Surface)
                            .col(Col::Version),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Col::ShopSettings, Col::ShopId)
                            .to(Col::Shops, Col::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::ShopSettings).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    ShopSettings,
    ShopId,
    Surface,
    Version,
    Settings,
    CreatedAt,
}
