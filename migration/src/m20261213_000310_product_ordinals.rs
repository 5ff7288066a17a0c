//! `product_ordinals`: a small number per product of a shop, for impressions to name
//! products by (issue #21, compact impressions).
//!
//! Shopify's product ids are 13-digit numbers spread over years of a platform-wide counter,
//! so the difference between two products an answer shows is a 5-6 byte varint, and the
//! products were most of a packed slate. Numbered 1, 2, 3… per shop, the same products
//! differ by at most the catalog's size: 2 bytes for a catalog of up to 8,191 products.
//!
//! A product's number is given the first time an answer showing it is stored, and never
//! changes or moves to another product: stored slates refer to it. Numbers are unique per
//! shop; the shop's rows go with it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer};

/// Creates `product_ordinals`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261213_000310_product_ordinals"
    }
}

const ORDINAL_INDEX: &str = "idx_product_ordinals_shop_id_ordinal";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Col::ProductOrdinals)
                    .col(big_integer(Col::ShopId))
                    .col(big_integer(Col::ProductId))
                    .col(integer(Col::Ordinal))
                    .primary_key(Index::create().col(Col::ShopId).col(Col::ProductId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Col::ProductOrdinals, Col::ShopId)
                            .to(Col::Shops, Col::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ORDINAL_INDEX)
                    .table(Col::ProductOrdinals)
                    .col(Col::ShopId)
                    .col(Col::Ordinal)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::ProductOrdinals).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Col {
    ProductOrdinals,
    Shops,
    Id,
    ShopId,
    ProductId,
    Ordinal,
}
