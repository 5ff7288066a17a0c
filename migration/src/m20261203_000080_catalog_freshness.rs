//! Fresh catalog data under real traffic.
//!
//! - `inventory.source_updated_at`: when the stock a row holds was true at the source, so
//!   that every write to `inventory` is newer-wins like the product and variant rows: a late
//!   or repeated product webhook (its variants carry `inventory_quantity`) can no longer bring
//!   back stock that a newer inventory level took away.
//! - `shops.catalog_revision`: bumped by every catalog write, so serving notices a stock-out,
//!   an archive or a price change without waiting for the next precompute.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, timestamp_with_time_zone_null};

/// Adds `inventory.source_updated_at` (filled from each row's variant) and
/// `shops.catalog_revision`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000080_catalog_freshness"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Inventory)
                    .add_column(timestamp_with_time_zone_null(Col::SourceUpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The stock stored so far came with its variant's snapshot; rows without a variant
        // keep NULL, which any later write replaces.
        let from_variant = Query::select()
            .column((Col::Variants, Col::SourceUpdatedAt))
            .from(Col::Variants)
            .and_where(
                Expr::col((Col::Variants, Col::ShopId)).equals((Col::Inventory, Col::ShopId)),
            )
            .and_where(Expr::col((Col::Variants, Col::Id)).equals((Col::Inventory, Col::VariantId)))
            .to_owned();
        let backfill = Query::update()
            .table(Col::Inventory)
            .value(
                Col::SourceUpdatedAt,
                SimpleExpr::SubQuery(None, Box::new(from_variant.into_sub_query_statement())),
            )
            .to_owned();
        manager.exec_stmt(backfill).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Shops)
                    .add_column(big_integer(Col::CatalogRevision).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Shops)
                    .drop_column(Col::CatalogRevision)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Inventory)
                    .drop_column(Col::SourceUpdatedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    CatalogRevision,
    Inventory,
    Variants,
    ShopId,
    Id,
    VariantId,
    SourceUpdatedAt,
}
