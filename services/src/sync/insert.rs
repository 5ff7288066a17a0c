//! One `INSERT … ON CONFLICT` for a whole set of rows, on either backend.
//!
//! SQLite gets multi-row `VALUES` statements in chunks below its bound-parameter limit; the
//! writes stay in-process and cheap. PostgreSQL gets one statement per table and batch
//! whatever the batch size: the rows travel as one JSON document expanded by
//! `json_populate_recordset` over the table's own row type. The statement text is then the
//! same for every batch (prepared once, planned once) instead of a new text with thousands of
//! placeholders per chunk — those were most of the time of a bulk ingest (45.8 s for 106k
//! variants, against ~2 s for the same rows inserted set-based). Conflict handling is the
//! same `ON CONFLICT` clause on both, so newer-wins and insert-once behave identically.

use chrono::SecondsFormat;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait,
    IdenStatic, Iterable, Value,
};
use serde_json::{Map, Value as Json};

/// Rows per statement on SQLite: well under its 32,766 bound parameters at 16 columns.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts `rows` (all with the same columns set), resolving key conflicts with `on_conflict`.
/// The rows must have distinct keys: PostgreSQL refuses to touch a row twice in one statement.
pub(super) async fn insert_rows<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
    on_conflict: OnConflict,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    match conn.get_database_backend() {
        DbBackend::Postgres => insert_as_json(conn, &rows, on_conflict).await,
        _ => insert_chunked(conn, rows, &on_conflict).await,
    }
}

async fn insert_chunked<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
    on_conflict: &OnConflict,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        A::Entity::insert_many(chunk)
            .on_conflict(on_conflict.clone())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// `INSERT INTO t (cols) SELECT cols FROM json_populate_recordset(NULL::t, $1::json) ON
/// CONFLICT …` with the rows as one JSON array of objects keyed by column name.
async fn insert_as_json<A>(
    conn: &impl ConnectionTrait,
    rows: &[A],
    on_conflict: OnConflict,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let columns: Vec<<A::Entity as EntityTrait>::Column> =
        <A::Entity as EntityTrait>::Column::iter()
            .filter(|col| !matches!(first.get(*col), ActiveValue::NotSet))
            .collect();
    let document = json_document(rows, &columns)?;
    let table = A::Entity::default();
    let source = Query::select()
        .columns(columns.iter().copied())
        .from_function(
            Func::cust(Alias::new("json_populate_recordset"))
                .arg(Expr::cust(format!("NULL::\"{}\"", table.table_name())))
                .arg(Expr::val(document).cast_as(Alias::new("json"))),
            Alias::new("batch"),
        )
        .to_owned();
    let mut insert = Query::insert();
    insert
        .into_table(table)
        .columns(columns.iter().copied())
        .select_from(source)
        .map_err(|err| DbErr::Custom(err.to_string()))?
        .on_conflict(on_conflict);
    conn.execute(&insert).await?;
    Ok(())
}

/// The rows as a JSON array of `{column: value}` objects.
fn json_document<A: ActiveModelTrait>(
    rows: &[A],
    columns: &[<A::Entity as EntityTrait>::Column],
) -> Result<String, DbErr> {
    let objects: Vec<Json> = rows
        .iter()
        .map(|row| {
            let object: Map<String, Json> = columns
                .iter()
                .map(|col| {
                    let value = row
                        .get(*col)
                        .into_value()
                        .map_or(Json::Null, |v| to_json(&v));
                    (col.as_str().to_owned(), value)
                })
                .collect();
            Json::Object(object)
        })
        .collect();
    serde_json::to_string(&objects).map_err(|err| DbErr::Custom(err.to_string()))
}

/// A column value as PostgreSQL's JSON input functions read it back into the column type.
fn to_json(value: &Value) -> Json {
    match value {
        // RFC 3339 (sea-query's own form is a quoted SQL literal), cut to microseconds as
        // sqlx's binary encoding cuts them: PostgreSQL would round the digits beyond.
        Value::ChronoDateTimeUtc(Some(at)) => {
            Json::String(at.to_rfc3339_opts(SecondsFormat::Micros, true))
        }
        other => sea_orm::sea_query::value::sea_value_to_json_value(other),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use entity::variant;
    use sea_orm::ActiveValue::Set;
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_become_one_json_array_keyed_by_column() {
        let row = variant::ActiveModel {
            shop_id: Set(1),
            id: Set(9_007_199_254_740_993),
            product_id: Set(2),
            title: Set("M \"tall\"".into()),
            sku: Set(None),
            options: Set(json!([["Size", "M"]])),
            price_minor: Set(1_999),
            compare_at_price_minor: Set(None),
            position: Set(1),
            source_updated_at: Set(Utc.timestamp_opt(1_793_613_600, 123_456_789).unwrap()),
        };
        let columns: Vec<variant::Column> = variant::Column::iter().collect();

        let text = json_document(&[row], &columns).unwrap();

        let parsed: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            json!([{
                "shop_id": 1, "id": 9_007_199_254_740_993_i64, "product_id": 2,
                "title": "M \"tall\"", "sku": null, "options": [["Size", "M"]],
                "price_minor": 1999, "compare_at_price_minor": null, "position": 1,
                "source_updated_at": "2026-11-02T10:00:00.123456Z",
            }])
        );
    }
}
