//! `product_rollups`: per shop, UTC day and product, the times the product was shown by any
//! recommendation surface and the revenue and units of its order lines that day. The bias
//! checks group these by brand and price band on read (`docs/METRICS.md`), so a band boundary
//! or a product's brand can change without re-rolling history, and the impressions need not
//! be kept past their retention.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date};

/// Creates the table.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000240_product_rollups"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Col::ProductRollups)
                    .if_not_exists()
                    .col(big_integer(Col::ShopId))
                    .col(date(Col::Day))
                    .col(big_integer(Col::ProductId))
                    .col(big_integer(Col::Impressions))
                    .col(big_integer(Col::RevenueMinor))
                    .col(big_integer(Col::Units))
                    .primary_key(
                        Index::create()
                            .col(Col::ShopId)
                            .col(Col::Day)
                            .col(Col::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Col::ProductRollups, Col::ShopId)
                            .to(Col::Shops, Col::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::ProductRollups).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    ProductRollups,
    ShopId,
    Day,
    ProductId,
    Impressions,
    RevenueMinor,
    Units,
}
