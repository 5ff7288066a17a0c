//! `orders.anonymous_id`: the storefront browser that placed the order, read from the cart
//! attributes the theme script writes (`_meander_aid`, beside `_meander_sid` for the session).
//! With it an order is tied to the recommendations its shopper engaged with before buying,
//! even across sessions, without the shop sharing customer data with us.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

/// Adds the column.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000210_order_shoppers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Orders)
                    .add_column(text_null(Col::AnonymousId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Orders)
                    .drop_column(Col::AnonymousId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Orders,
    AnonymousId,
}
