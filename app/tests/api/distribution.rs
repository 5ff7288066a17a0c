//! The schema is ready to be sharded by shop (Citus, `docs/SCALING.md`): read from the live
//! database after every migration, every shop table's primary key and unique keys include
//! `shop_id`, and no foreign key reaches into another shop's rows. Tables without shop data
//! are global and say why below; a new table must either carry `shop_id` or join that list.

use common::Database;
use common::testing::TestDatabase;
use migration::m20261206_000200_distribution_keys::REKEYED_TABLES;
use sea_orm::{ConnectionTrait, QueryResult, Statement};

/// Tables that hold no shop's rows, or that find the shop from what a request carries:
/// reference (replicated) or coordinator-local tables under Citus, never distributed.
const GLOBAL_TABLES: [(&str, &str); 8] = [
    ("shops", "the tenants themselves, found by domain"),
    ("seaql_migrations", "schema bookkeeping"),
    ("worker_heartbeats", "worker processes, not shops"),
    (
        "oauth_states",
        "an install's nonce, made before the shop has a row",
    ),
    (
        "app_proxy_replays",
        "the replay guard, checked by signature before the shop is read",
    ),
    (
        "webhook_receipts",
        "dedupe by Shopify's webhook id, stored before the shop is resolved (shop_id may be null)",
    ),
    (
        "klaviyo_rate_limits",
        "a Klaviyo account's budget, shared by every shop on that account",
    ),
    (
        "rec_id_nodes",
        "processes registering for the node in their rec ids, not shops",
    ),
];

/// Unique keys of shop tables that may lack `shop_id`: `(table, columns)` and why.
const GLOBAL_KEYS: [(&str, &str, &str); 1] = [(
    "email_feed_keys",
    "token",
    "a feed URL's secret resolves its shop (256 random bits; the row is keyed by shop_id)",
)];

/// Tables of the job queue, which lives in the application database on SQLite (on
/// PostgreSQL it has its own schema, `apalis`): jobs of every shop, claimed by any worker.
const SQLITE_QUEUE_TABLES: [&str; 3] = ["Jobs", "Workers", "_sqlx_migrations"];

/// A primary key or unique key.
#[derive(Debug)]
struct Key {
    table: String,
    name: String,
    primary: bool,
    columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug)]
struct ForeignKey {
    table: String,
    columns: Vec<String>,
    target: String,
    target_columns: Vec<String>,
}

/// What the checks read from the catalog of either database.
#[derive(Debug, Default)]
struct Schema {
    /// Every table with whether it has a `shop_id` column.
    tables: Vec<(String, bool)>,
    keys: Vec<Key>,
    foreign_keys: Vec<ForeignKey>,
}

#[tokio::test]
async fn every_shop_table_is_keyed_and_referenced_within_its_shop() {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();

    let schema = match db.backend() {
        common::Backend::Postgres => postgres_schema(&db.conn).await,
        common::Backend::Sqlite => sqlite_schema(&db.conn).await,
    };

    let problems = problems(&schema, database.is_postgres());
    assert!(
        problems.is_empty(),
        "not distribution-ready:\n{}",
        problems.join("\n")
    );
    for (table, _) in GLOBAL_TABLES {
        assert!(
            schema.tables.iter().any(|(name, _)| name == table),
            "{table} is allowed as global but does not exist: drop it from the list"
        );
    }
    db.close().await;
}

/// Every breach of the rules, one line each, naming the table and key.
fn problems(schema: &Schema, postgres: bool) -> Vec<String> {
    let is_global = |table: &str| {
        GLOBAL_TABLES.iter().any(|(t, _)| *t == table)
            || (!postgres && SQLITE_QUEUE_TABLES.contains(&table))
    };
    let mut problems: Vec<String> = schema
        .tables
        .iter()
        .filter(|(table, has_shop)| !has_shop && !is_global(table))
        .map(|(table, _)| format!("{table}: no shop_id column and not declared global"))
        .collect();
    problems.extend(
        schema
            .keys
            .iter()
            .filter(|key| !is_global(&key.table) && !key.columns.iter().any(|c| c == "shop_id"))
            .filter(|key| !allowed_key(key, postgres))
            .map(|key| {
                let kind = if key.primary {
                    "primary key"
                } else {
                    "unique key"
                };
                format!(
                    "{}: {kind} {} ({}) lacks shop_id",
                    key.table,
                    key.name,
                    key.columns.join(", ")
                )
            }),
    );
    problems.extend(
        schema
            .foreign_keys
            .iter()
            .filter(|fk| !is_global(&fk.table) && !within_shop(fk))
            .filter(|fk| postgres || !to_rowid(fk))
            .map(|fk| {
                format!(
                    "{}: foreign key ({}) → {} ({}) may cross shops",
                    fk.table,
                    fk.columns.join(", "),
                    fk.target,
                    fk.target_columns.join(", ")
                )
            }),
    );
    problems
}

/// A key without `shop_id` that is allowed: a listed global key, or (SQLite only, which is
/// never sharded) the rowid `id` of a table re-keyed on PostgreSQL.
fn allowed_key(key: &Key, postgres: bool) -> bool {
    let columns = key.columns.join(",");
    GLOBAL_KEYS
        .iter()
        .any(|(table, cols, _)| *table == key.table && *cols == columns)
        || (!postgres
            && key.primary
            && columns == "id"
            && REKEYED_TABLES.contains(&key.table.as_str()))
}

/// On SQLite (never sharded) a foreign key may point at the rowid `id` of a table that is
/// re-keyed on PostgreSQL, where the migration makes it point within the shop.
fn to_rowid(fk: &ForeignKey) -> bool {
    REKEYED_TABLES.contains(&fk.target.as_str()) && fk.target_columns == ["id"]
}

/// A foreign key to the shop itself by `shop_id`, or one whose columns and target columns
/// both carry `shop_id` in the same place.
fn within_shop(fk: &ForeignKey) -> bool {
    let shop_at = |cols: &[String]| cols.iter().position(|c| c == "shop_id");
    if fk.target == "shops" {
        return fk.columns == ["shop_id"];
    }
    shop_at(&fk.columns).is_some() && shop_at(&fk.columns) == shop_at(&fk.target_columns)
}

fn text(row: &QueryResult, column: &str) -> String {
    row.try_get::<String>("", column).unwrap()
}

/// `a,b,c` as a list.
fn split(list: &str) -> Vec<String> {
    list.split(',').map(str::to_owned).collect()
}

async fn rows(conn: &impl ConnectionTrait, sql: &str) -> Vec<QueryResult> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
}

async fn postgres_schema(conn: &impl ConnectionTrait) -> Schema {
    let tables = rows(
        conn,
        "SELECT t.table_name::text AS name, EXISTS (SELECT 1 FROM information_schema.columns c \
         WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name \
         AND c.column_name = 'shop_id') AS has_shop FROM information_schema.tables t \
         WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .await;
    // Unique indexes cover primary keys, unique constraints and bare unique indexes alike.
    let keys = rows(
        conn,
        "SELECT c.relname::text AS tbl, i.relname::text AS name, x.indisprimary AS is_primary, \
         string_agg(a.attname::text, ',' ORDER BY k.ord) AS cols \
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
         WHERE n.nspname = 'public' AND x.indisunique GROUP BY 1, 2, 3",
    )
    .await;
    let foreign_keys = rows(
        conn,
        "SELECT c.conrelid::regclass::text AS tbl, c.confrelid::regclass::text AS target, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.conkey) \
          WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a \
          ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.confkey) \
          WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a \
          ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS target_cols \
         FROM pg_constraint c WHERE c.contype = 'f' \
         AND c.connamespace = 'public'::regnamespace",
    )
    .await;
    Schema {
        tables: tables
            .iter()
            .map(|r| (text(r, "name"), r.try_get::<bool>("", "has_shop").unwrap()))
            .collect(),
        keys: keys
            .iter()
            .map(|r| Key {
                table: text(r, "tbl"),
                name: text(r, "name"),
                primary: r.try_get::<bool>("", "is_primary").unwrap(),
                columns: split(&text(r, "cols")),
            })
            .collect(),
        foreign_keys: foreign_keys
            .iter()
            .map(|r| ForeignKey {
                table: text(r, "tbl"),
                columns: split(&text(r, "cols")),
                target: text(r, "target"),
                target_columns: split(&text(r, "target_cols")),
            })
            .collect(),
    }
}

async fn sqlite_schema(conn: &impl ConnectionTrait) -> Schema {
    let names: Vec<String> = rows(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .await
    .iter()
    .map(|r| text(r, "name"))
    .collect();
    let mut schema = Schema::default();
    for table in names {
        // Table names come from sqlite_master, not from input.
        let columns = rows(
            conn,
            &format!("SELECT name, pk FROM pragma_table_info('{table}')"),
        )
        .await;
        let mut primary: Vec<(i32, String)> = columns
            .iter()
            .map(|r| (r.try_get::<i32>("", "pk").unwrap(), text(r, "name")))
            .filter(|(pk, _)| *pk > 0)
            .collect();
        primary.sort();
        schema.keys.push(Key {
            table: table.clone(),
            name: "primary key".into(),
            primary: true,
            columns: primary.into_iter().map(|(_, c)| c).collect(),
        });
        let unique = rows(
            conn,
            &format!(
                "SELECT name, group_concat(col, ',') AS cols FROM (SELECT l.name AS name, \
                 i.name AS col FROM pragma_index_list('{table}') l, pragma_index_info(l.name) i \
                 WHERE l.\"unique\" = 1 AND l.origin <> 'pk' ORDER BY l.name, i.seqno) \
                 GROUP BY name"
            ),
        )
        .await;
        schema.keys.extend(unique.iter().map(|r| Key {
            table: table.clone(),
            name: text(r, "name"),
            primary: false,
            columns: split(&text(r, "cols")),
        }));
        let foreign = rows(
            conn,
            &format!(
                "SELECT target, group_concat(col, ',') AS cols, \
                 group_concat(target_col, ',') AS target_cols FROM (SELECT id, \
                 \"table\" AS target, \"from\" AS col, \"to\" AS target_col \
                 FROM pragma_foreign_key_list('{table}') ORDER BY id, seq) GROUP BY id"
            ),
        )
        .await;
        schema
            .foreign_keys
            .extend(foreign.iter().map(|r| ForeignKey {
                table: table.clone(),
                columns: split(&text(r, "cols")),
                target: text(r, "target"),
                target_columns: split(&text(r, "target_cols")),
            }));
        let has_shop = columns.iter().any(|r| text(r, "name") == "shop_id");
        schema.tables.push((table, has_shop));
    }
    schema
}
