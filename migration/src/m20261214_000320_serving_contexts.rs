//! `serving_contexts`: what an answer was served under — surface, traffic source, policy
//! version, and the `models` rows (or, for versions that are none, the version names) of the
//! pools and lists — stored once per shop and pointed at by `impressions.context_id`
//! (issue #21, compact impressions).
//!
//! Those five to seven values repeat across nearly every answer of a shop (a handful of
//! combinations per retrain), and took 29 bytes of each PostgreSQL row. A context's id is a
//! hash of what it holds (`services::signals::context`), so every writer process gives the
//! same context the same id without asking the others; rows that existed before get
//! negative ids here, which no hash gives.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, string, string_null};

/// Creates `serving_contexts` and moves the impressions' context columns into it.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261214_000320_serving_contexts"
    }
}

/// The impressions' columns that move, in the contexts' order.
const MOVED: [Col; 7] = [
    Col::Surface,
    Col::TrafficSource,
    Col::PolicyVersion,
    Col::ModelId,
    Col::ListId,
    Col::ModelVersion,
    Col::ListVersion,
];
const MOVED_SQL: &str =
    "surface, traffic_source, policy_version, model_id, list_id, model_version, list_version";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager.create_table(contexts()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Impressions)
                    .add_column(big_integer(Col::ContextId).default(0))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO serving_contexts (shop_id, id, {MOVED_SQL}) \
             SELECT shop_id, -ROW_NUMBER() OVER (ORDER BY shop_id, {MOVED_SQL}), {MOVED_SQL} \
             FROM (SELECT DISTINCT shop_id, {MOVED_SQL} FROM impressions) AS served"
        ))
        .await?;
        let same = same_as_impression(db.get_database_backend());
        db.execute_unprepared(&format!(
            "UPDATE impressions SET context_id = (SELECT c.id FROM serving_contexts c \
             WHERE c.shop_id = impressions.shop_id AND {same})"
        ))
        .await?;
        // SQLite takes one column per ALTER TABLE.
        for column in MOVED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in MOVED {
            let definition = match column {
                Col::Surface | Col::TrafficSource | Col::PolicyVersion => {
                    string(column).default("").to_owned()
                }
                Col::ModelId | Col::ListId => big_integer_null(column),
                _ => string_null(column),
            };
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .add_column(definition)
                        .to_owned(),
                )
                .await?;
        }
        let columns = MOVED_SQL.split(", ").collect::<Vec<_>>();
        let assignments = columns
            .iter()
            .map(|column| {
                format!(
                    "{column} = (SELECT c.{column} FROM serving_contexts c \
                     WHERE c.shop_id = impressions.shop_id AND c.id = impressions.context_id)"
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        db.execute_unprepared(&format!("UPDATE impressions SET {assignments}"))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Impressions)
                    .drop_column(Col::ContextId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Col::ServingContexts).to_owned())
            .await
    }
}

fn contexts() -> TableCreateStatement {
    Table::create()
        .table(Col::ServingContexts)
        .col(big_integer(Col::ShopId))
        .col(big_integer(Col::Id))
        .col(string(Col::Surface))
        .col(string(Col::TrafficSource))
        .col(string(Col::PolicyVersion))
        .col(big_integer_null(Col::ModelId))
        .col(big_integer_null(Col::ListId))
        .col(string_null(Col::ModelVersion))
        .col(string_null(Col::ListVersion))
        .primary_key(Index::create().col(Col::ShopId).col(Col::Id))
        .foreign_key(
            ForeignKey::create()
                .from(Col::ServingContexts, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// SQL: context `c` holds what the impression row was served under (NULLs equal).
fn same_as_impression(backend: DbBackend) -> String {
    let equal = if backend == DbBackend::Postgres {
        "IS NOT DISTINCT FROM"
    } else {
        "IS"
    };
    MOVED_SQL
        .split(", ")
        .map(|column| format!("c.{column} {equal} impressions.{column}"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    ServingContexts,
    Impressions,
    Shops,
    Id,
    ShopId,
    ContextId,
    Surface,
    TrafficSource,
    PolicyVersion,
    ModelId,
    ListId,
    ModelVersion,
    ListVersion,
}
