//! `shopper_identities`: anonymous browser ids linked to customers on login or checkout, so
//! events stay append-only while profiles still join a shopper's history.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, timestamp_with_time_zone};

/// Creates `shopper_identities`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000010_shopper_identities"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Col::ShopperIdentities)
                    .if_not_exists()
                    .col(big_integer(Col::ShopId))
                    .col(string(Col::AnonymousId))
                    .col(big_integer(Col::CustomerId))
                    .col(timestamp_with_time_zone(Col::LinkedAt))
                    .primary_key(Index::create().col(Col::ShopId).col(Col::AnonymousId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Col::ShopperIdentities, Col::ShopId)
                            .to(Col::Shops, Col::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shopper_identities_shop_id_customer_id")
                    .table(Col::ShopperIdentities)
                    .col(Col::ShopId)
                    .col(Col::CustomerId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Col::ShopperIdentities)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    ShopperIdentities,
    Id,
    ShopId,
    AnonymousId,
    CustomerId,
    LinkedAt,
}
