//! Klaviyo web feeds and back-in-stock (issue #17).
//!
//! - `inventory.restocked_at`: when a variant's stock last went from none to some, so the
//!   back-in-stock feed can list what came back recently (stock history is not kept).
//! - `email_feed_keys`: one secret per shop; every feed URL of the shop carries it. Rotating
//!   it replaces the row, which retires every old URL at once.
//! - `email_feeds`: the built feed documents, one row per shop and feed, rebuilt by the worker
//!   after each published list version, so answering Klaviyo's fetch is one row read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, integer, string, text, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

/// Adds `inventory.restocked_at`, `email_feed_keys` and `email_feeds`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000160_email_feeds"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Inventory)
                    .add_column(timestamp_with_time_zone_null(Col::RestockedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_table(feed_keys()).await?;
        manager
            .create_index(
                Index::create()
                    .name("email_feed_keys_token")
                    .table(Col::EmailFeedKeys)
                    .col(Col::Token)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_table(feeds()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::EmailFeeds).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Col::EmailFeedKeys).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Inventory)
                    .drop_column(Col::RestockedAt)
                    .to_owned(),
            )
            .await
    }
}

fn feed_keys() -> TableCreateStatement {
    Table::create()
        .table(Col::EmailFeedKeys)
        .if_not_exists()
        .col(big_integer(Col::ShopId).primary_key())
        .col(string(Col::Token))
        .col(timestamp_with_time_zone(Col::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Col::EmailFeedKeys, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn feeds() -> TableCreateStatement {
    Table::create()
        .table(Col::EmailFeeds)
        .if_not_exists()
        .col(big_integer(Col::ShopId))
        .col(string(Col::Kind))
        .col(text(Col::Body))
        .col(integer(Col::Cohorts))
        .col(integer(Col::Items))
        .col(timestamp_with_time_zone(Col::BuiltAt))
        .primary_key(Index::create().col(Col::ShopId).col(Col::Kind))
        .foreign_key(
            ForeignKey::create()
                .from(Col::EmailFeeds, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    Inventory,
    RestockedAt,
    EmailFeedKeys,
    EmailFeeds,
    ShopId,
    Token,
    CreatedAt,
    Kind,
    Body,
    Cohorts,
    Items,
    BuiltAt,
}
