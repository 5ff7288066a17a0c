//! Impressions are keyed by their rec id (issue #21, compact impressions).
//!
//! A served answer's rec id is now a time-ordered 63-bit number
//! (`entity::domain::RecId`: milliseconds, the serving process's node, a sequence) and it
//! is the row's primary key. One key then serves the three reads the table has: a click's
//! lookup by rec id, a day's impressions and the preflight's recent answers (a range of
//! ids), and the shop's rows (`(shop_id, id)` on PostgreSQL, the distribution key). The
//! unique rec id index and the time index go, and with them the text rec id and the
//! RFC 3339 time that the row and both indexes repeated: about 250 of the 394 bytes an
//! answer took on SQLite. `occurred_at` is read from the id.
//!
//! The table is rebuilt (SQLite cannot change a primary key in place):
//! - each existing row's key becomes the id of its time, with the old row id in the low
//!   22 bits, so keys stay unique and ordered by time;
//! - its text rec id moves to `rec_text`, where clicks still find it. Email answers also
//!   keep their derived ids there (`em_…`), which a repeated push must not log twice:
//!   `rec_text` is unique per shop where set;
//! - `events.impression_id` follows the new keys;
//! - the experiment index only holds the answers served under an experiment.
//!
//! Processes register in `rec_id_nodes` at start; a registration's number, modulo 1,024,
//! is the node in the ids it hands out.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, blob_null, integer, json, json_null, string,
    string_null, timestamp_with_time_zone,
};

/// Rebuilds `impressions` keyed by rec id and adds `rec_id_nodes`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261211_000290_impression_keys"
    }
}

/// 2020-01-01T00:00:00Z in Unix milliseconds (`entity::domain::rec_id::EPOCH_MS`).
const EPOCH_MS: i64 = 1_577_836_800_000;
/// The old row id's share of a migrated key (node and sequence bits).
const LOW_BITS: i64 = (1 << 22) - 1;
const EXPERIMENT_INDEX: &str = "idx_impressions_shop_id_experiment_id_arm";
const REC_TEXT_INDEX: &str = "idx_impressions_shop_id_rec_text";
/// The columns both layouts share, copied as they are.
const KEPT: &str = "shop_id, surface, traffic_source, session_id, anonymous_id, customer_id, \
                    model_id, list_id, model_version, list_version, policy_version, item_count, \
                    experiment_id, arm, packed, items, asked";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        manager.create_table(next_table(backend)).await?;
        let key = key_of_time(backend);
        db.execute_unprepared(&format!(
            "INSERT INTO impressions_next (id, rec_text, {KEPT}) \
             SELECT {key}, rec_id, {KEPT} FROM impressions"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE events SET impression_id = \
             (SELECT {key} FROM impressions WHERE impressions.id = events.impression_id) \
             WHERE impression_id IS NOT NULL"
        ))
        .await?;
        db.execute_unprepared("DROP TABLE impressions").await?;
        db.execute_unprepared("ALTER TABLE impressions_next RENAME TO impressions")
            .await?;
        if backend == DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE impressions RENAME CONSTRAINT impressions_next_pkey \
                 TO impressions_pkey",
            )
            .await?;
        }
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {REC_TEXT_INDEX} ON impressions (shop_id, rec_text) \
             WHERE rec_text IS NOT NULL"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX {EXPERIMENT_INDEX} ON impressions (shop_id, experiment_id, arm) \
             WHERE experiment_id IS NOT NULL"
        ))
        .await?;
        manager.create_table(nodes()).await
    }

    /// Back to text rec ids and stored times: a served answer's rec id becomes its key in
    /// decimal, its time the key's millisecond; row ids stay the keys.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        manager
            .drop_table(Table::drop().table(Col::RecIdNodes).to_owned())
            .await?;
        manager.create_table(previous_table(backend)).await?;
        let served_at = time_of_key(backend);
        db.execute_unprepared(&format!(
            "INSERT INTO impressions_previous (id, rec_id, occurred_at, {KEPT}) \
             SELECT id, COALESCE(rec_text, CAST(id AS {text})), {served_at}, \
             shop_id, surface, traffic_source, session_id, anonymous_id, customer_id, \
             model_id, list_id, model_version, list_version, policy_version, item_count, \
             experiment_id, arm, packed, COALESCE(items, {null_json}), asked FROM impressions",
            text = if backend == DbBackend::Postgres {
                "text"
            } else {
                "TEXT"
            },
            null_json = if backend == DbBackend::Postgres {
                "'null'::json"
            } else {
                "'null'"
            },
        ))
        .await?;
        db.execute_unprepared("DROP TABLE impressions").await?;
        db.execute_unprepared("ALTER TABLE impressions_previous RENAME TO impressions")
            .await?;
        if backend == DbBackend::Postgres {
            for statement in [
                "ALTER TABLE impressions RENAME CONSTRAINT impressions_previous_pkey \
                 TO impressions_pkey",
                "SELECT setval(pg_get_serial_sequence('impressions', 'id'), \
                 COALESCE(MAX(id), 1)) FROM impressions",
            ] {
                db.execute_unprepared(statement).await?;
            }
        }
        for (name, columns, unique) in [
            (
                "idx_impressions_shop_id_rec_id",
                "shop_id, rec_id",
                "UNIQUE ",
            ),
            (
                "idx_impressions_shop_id_occurred_at",
                "shop_id, occurred_at",
                "",
            ),
            (EXPERIMENT_INDEX, "shop_id, experiment_id, arm", ""),
        ] {
            db.execute_unprepared(&format!(
                "CREATE {unique}INDEX {name} ON impressions ({columns})"
            ))
            .await?;
        }
        Ok(())
    }
}

/// The new layout: fixed-width columns first (PostgreSQL pads between widths), the id a
/// SQLite rowid (`INTEGER PRIMARY KEY`, no separate key index), the key `(shop_id, id)` on
/// PostgreSQL.
fn next_table(backend: DbBackend) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Col::ImpressionsNext);
    if backend == DbBackend::Postgres {
        table
            .col(big_integer(Col::Id))
            .primary_key(Index::create().col(Col::ShopId).col(Col::Id));
    } else {
        table.col(ColumnDef::new(Col::Id).integer().not_null().primary_key());
    }
    table
        .col(big_integer(Col::ShopId))
        .col(big_integer_null(Col::CustomerId))
        .col(big_integer_null(Col::ModelId))
        .col(big_integer_null(Col::ListId))
        .col(big_integer_null(Col::ExperimentId))
        .col(integer(Col::ItemCount))
        .col(string(Col::Surface))
        .col(string(Col::TrafficSource))
        .col(string(Col::SessionId))
        .col(string(Col::AnonymousId))
        .col(string(Col::PolicyVersion))
        .col(string_null(Col::Arm))
        .col(string_null(Col::RecText))
        .col(string_null(Col::ModelVersion))
        .col(string_null(Col::ListVersion))
        .col(blob_null(Col::Packed))
        .col(json_null(Col::Items))
        .col(json_null(Col::Asked))
        .foreign_key(
            ForeignKey::create()
                .from(Col::ImpressionsNext, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// The layout before: a generated id, the rec id as text and the time stored.
fn previous_table(backend: DbBackend) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Col::ImpressionsPrevious);
    if backend == DbBackend::Postgres {
        table
            .col(big_integer(Col::Id).auto_increment())
            .primary_key(Index::create().col(Col::ShopId).col(Col::Id));
    } else {
        table.col(big_pk_auto(Col::Id));
    }
    table
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
        .col(big_integer_null(Col::ExperimentId))
        .col(string_null(Col::Arm))
        .col(json_null(Col::Asked))
        .col(blob_null(Col::Packed))
        .col(big_integer_null(Col::ModelId))
        .col(big_integer_null(Col::ListId))
        .foreign_key(
            ForeignKey::create()
                .from(Col::ImpressionsPrevious, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// SQL for the time of a key, as each database stores a time.
fn time_of_key(backend: DbBackend) -> String {
    let millis = format!("((id >> 22) + {EPOCH_MS})");
    match backend {
        DbBackend::Postgres => format!("to_timestamp({millis} / 1000.0)"),
        _ => format!("strftime('%Y-%m-%dT%H:%M:%f+00:00', {millis} / 1000.0, 'unixepoch')"),
    }
}

/// SQL for the key of an old row: the id of its time, the old id in the low bits.
fn key_of_time(backend: DbBackend) -> String {
    let millis = match backend {
        DbBackend::Postgres => "floor(extract(epoch FROM occurred_at) * 1000)::bigint".to_owned(),
        _ => "CAST(unixepoch(occurred_at, 'subsec') * 1000 AS INTEGER)".to_owned(),
    };
    let since_epoch = match backend {
        DbBackend::Postgres => format!("GREATEST(COALESCE({millis}, 0) - {EPOCH_MS}, 0)"),
        _ => format!("MAX(COALESCE({millis}, 0) - {EPOCH_MS}, 0)"),
    };
    format!("(({since_epoch} << 22) | (impressions.id & {LOW_BITS}))")
}

fn nodes() -> TableCreateStatement {
    Table::create()
        .table(Col::RecIdNodes)
        .if_not_exists()
        .col(big_pk_auto(Col::Id))
        .col(timestamp_with_time_zone(Col::StartedAt))
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    ImpressionsNext,
    ImpressionsPrevious,
    RecId,
    OccurredAt,
    RecIdNodes,
    Id,
    ShopId,
    CustomerId,
    ModelId,
    ListId,
    ExperimentId,
    ItemCount,
    Surface,
    TrafficSource,
    SessionId,
    AnonymousId,
    PolicyVersion,
    Arm,
    RecText,
    ModelVersion,
    ListVersion,
    Packed,
    Items,
    Asked,
    StartedAt,
}
