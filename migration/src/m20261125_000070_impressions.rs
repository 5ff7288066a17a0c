//! Impressions get their own table, one row per served list (the slate), instead of one
//! `events` row per shown item.
//!
//! Why: at 1,000 requests per second the per-item rows were 8-20 inserts per request into
//! `events` and its six indexes, several of them keyed by random values (product, rec id,
//! client id), so every commit dirtied thousands of pages, the WAL grew without bound and
//! serving reads slowed down behind it. A slate row is one insert per request into a table
//! whose indexes grow at their ends. It is also the record off-policy evaluation wants: the
//! whole list that was shown, with every item's position and propensity.
//!
//! Existing impression events are moved (grouped by rec id) and the clicks attributed to them
//! re-pointed at the new rows; the provenance columns of `events`, only ever set on
//! impressions, move with them.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, json, string, string_null,
    timestamp_with_time_zone,
};

/// Creates `impressions`, moves the impression events into it and drops what `events` no
/// longer needs.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000070_impressions"
    }
}

const REC_ID_INDEX: &str = "idx_impressions_shop_id_rec_id";
const OCCURRED_AT_INDEX: &str = "idx_impressions_shop_id_occurred_at";
/// `events` columns only impressions used.
const PROVENANCE: [Col; 3] = [Col::ModelVersion, Col::ListVersion, Col::PolicyVersion];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(impressions()).await?;
        manager
            .create_index(index(REC_ID_INDEX, Col::RecId).unique().to_owned())
            .await?;
        manager
            .create_index(index(OCCURRED_AT_INDEX, Col::OccurredAt))
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&move_impressions(db.get_database_backend()))
            .await?;
        db.execute_unprepared(REPOINT_ATTRIBUTIONS).await?;
        db.execute_unprepared("DELETE FROM events WHERE kind = 'impression'")
            .await?;
        for col in PROVENANCE {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Events)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    /// Restores the columns and drops the table: impressions logged since are lost (down
    /// migrations are for development databases).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in PROVENANCE {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Events)
                        .add_column(string_null(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Col::Impressions).if_exists().to_owned())
            .await
    }
}

fn impressions() -> TableCreateStatement {
    Table::create()
        .table(Col::Impressions)
        .if_not_exists()
        .col(big_pk_auto(Col::Id))
        .col(big_integer(Col::ShopId))
        .col(string(Col::RecId))
        .col(string(Col::Surface))
        .col(string(Col::TrafficSource))
        .col(string(Col::SessionId))
        .col(string(Col::AnonymousId))
        .col(big_integer_null(Col::CustomerId))
        .col(string_null(Col::ModelVersion))
        .col(string_null(Col::ListVersion))
        .col(string(Col::PolicyVersion))
        .col(integer(Col::ItemCount))
        .col(json(Col::Items))
        .col(timestamp_with_time_zone(Col::OccurredAt))
        .foreign_key(
            ForeignKey::create()
                .from(Col::Impressions, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn index(name: &str, col: Col) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(Col::Impressions)
        .col(Col::ShopId)
        .col(col)
        .if_not_exists()
        .to_owned()
}

/// One row per rec id from the impression events, items in position order.
fn move_impressions(backend: DbBackend) -> String {
    let (items, list) = match backend {
        DbBackend::Postgres => (
            "json_agg(json_build_object('product_id', product_id, 'module', '', \
             'position', position, 'propensity', propensity, 'explored', false) \
             ORDER BY position)",
            "",
        ),
        _ => (
            "json_group_array(json_object('product_id', product_id, 'module', '', \
             'position', position, 'propensity', propensity, 'explored', json('false')))",
            // SQLite aggregates in row order: sort in a subquery.
            " ORDER BY position",
        ),
    };
    format!(
        "INSERT INTO impressions (shop_id, rec_id, surface, traffic_source, session_id, \
         anonymous_id, customer_id, model_version, list_version, policy_version, item_count, \
         items, occurred_at) \
         SELECT shop_id, rec_id, MAX(surface), COALESCE(MAX(traffic_source), 'direct'), \
         MAX(session_id), MAX(anonymous_id), MAX(customer_id), MAX(model_version), \
         MAX(list_version), COALESCE(MAX(policy_version), ''), COUNT(*), {items}, \
         MIN(occurred_at) \
         FROM (SELECT * FROM events WHERE kind = 'impression' AND rec_id IS NOT NULL \
         AND surface IS NOT NULL{list}) AS shown \
         GROUP BY shop_id, rec_id"
    )
}

/// Clicks and add-to-carts attributed to an impression event now point at its slate row.
const REPOINT_ATTRIBUTIONS: &str = "UPDATE events SET impression_id = \
     (SELECT i.id FROM impressions i WHERE i.shop_id = events.shop_id \
     AND i.rec_id = events.rec_id) \
     WHERE impression_id IS NOT NULL";

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    ShopId,
    Impressions,
    RecId,
    Surface,
    TrafficSource,
    SessionId,
    AnonymousId,
    CustomerId,
    ModelVersion,
    ListVersion,
    PolicyVersion,
    ItemCount,
    Items,
    OccurredAt,
    Events,
}
