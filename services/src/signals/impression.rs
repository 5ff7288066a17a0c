//! Impressions: every list the recommendation endpoints served, one row per answer (the
//! slate) with each shown item's module, position and propensity, and the versions that
//! produced it. Clicks and add-to-carts carrying the answer's rec id are attributed to it
//! (see `attribution`).
//!
//! A slate row rather than a row per item: one insert per request into a table whose
//! indexes grow at their ends keeps 1,000 answers a second cheap to log, and off-policy
//! evaluation needs the whole list anyway.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use entity::domain::{RecId, RecIds};
use entity::{impression, model, rec_id_node, serving_context};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;

use super::context;
use super::error::SignalError;
use super::input::check_id;
use super::ordinals::{self, Ordinals};
use super::packed::{self, ProductRef};
pub use super::packed::{Asked, ShownItem};
use crate::surface;

/// One served answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Impression {
    /// Shop.
    pub shop_id: i64,
    /// The answer's key ([`next_id`]), which also tells when it was served.
    pub id: RecId,
    /// The rec id clicks carry back when it is not `id` in decimal: an email's id, derived
    /// from what it showed so a repeated push is logged once.
    pub rec_text: Option<String>,
    /// Surface name as stored (`pdp`, `cart`, `home`, …).
    pub surface: String,
    /// What brought the shopper.
    pub traffic_source: String,
    /// Storefront session.
    pub session_id: String,
    /// Anonymous browser id.
    pub anonymous_id: String,
    /// Logged-in customer.
    pub customer_id: Option<i64>,
    /// Pool (model) version; `None` at cold start.
    pub model_version: Option<String>,
    /// Precomputed list version, if the answer started from one.
    pub list_version: Option<String>,
    /// Surface policy version.
    pub policy_version: String,
    /// The items, in the order shown.
    pub items: Vec<ShownItem>,
    /// The experiment and arm it was served under, if any.
    pub experiment: Option<ExperimentTag>,
    /// What the request asked beyond the shopper.
    pub asked: Asked,
}

/// The experiment an answer was served under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentTag {
    /// Experiment id.
    pub experiment_id: i64,
    /// The arm whose policy was served; `None` when it fell back to the control.
    pub arm: Option<String>,
}

impl Impression {
    /// Checks what came from the request (ids) and what the ranker produced (positions,
    /// propensities): a bad impression fails its own request, never a shared batch.
    ///
    /// # Errors
    /// [`SignalError::Invalid`] naming the first offending field.
    pub fn validate(&self) -> Result<(), SignalError> {
        let invalid = |field: &str, reason: &str| SignalError::Invalid {
            field: format!("impression.{field}"),
            reason: reason.to_owned(),
        };
        check_id(self.rec_text.as_deref(), false).map_err(|r| invalid("rec_id", r))?;
        check_id(Some(&self.session_id), true).map_err(|r| invalid("session_id", r))?;
        check_id(Some(&self.anonymous_id), true).map_err(|r| invalid("anonymous_id", r))?;
        if surface::from_name(&self.surface).is_none() {
            return Err(invalid("surface", "is not a known surface"));
        }
        for item in &self.items {
            if !(item.propensity > 0.0 && item.propensity <= 1.0) {
                return Err(invalid("items.propensity", "must be in (0, 1]"));
            }
            if item.position < 1 {
                return Err(invalid("items.position", "must be at least 1"));
            }
        }
        Ok(())
    }
}

/// Rows per insert statement: 13 columns each (9 for contexts) stays far below SQLite's
/// bound-parameter limit.
const ROWS_PER_STATEMENT: usize = 500;

/// This process's ids: node 0 until [`register`] gives it its own.
static REC_IDS: OnceLock<RecIds> = OnceLock::new();

/// Registers this process in `rec_id_nodes`, so the ids it hands out differ from every
/// other process's (app and worker processes on one PostgreSQL); returns its node. Call it
/// once at start, before serving.
///
/// # Errors
/// The database error.
pub async fn register(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<i64, DbErr> {
    let row = rec_id_node::ActiveModel {
        id: NotSet,
        started_at: Set(now),
    };
    let registered = rec_id_node::Entity::insert(row)
        .exec(conn)
        .await?
        .last_insert_id;
    // Already set when ids were handed out before (a test process starts several apps):
    // the node they were handed out under stays.
    let ids = REC_IDS.get_or_init(|| RecIds::for_node(registered));
    Ok(ids.node())
}

/// A new key for an answer served at `now`.
pub fn next_id(now: DateTime<Utc>) -> RecId {
    REC_IDS.get_or_init(|| RecIds::for_node(0)).next(now)
}

/// Stores impressions (of any shops) and the contexts they were served under, their products
/// named by the numbers in `ordinals` (read for the shops as needed); an impression already
/// stored (a retried batch, or an email list pushed again under the same derived rec id) is
/// skipped. Run it in a transaction to store all or nothing.
///
/// # Errors
/// The database error.
pub async fn store(
    conn: &impl ConnectionTrait,
    impressions: &[Impression],
    ordinals: &mut Ordinals,
) -> Result<(), DbErr> {
    let models = ModelRows::of(conn, impressions).await?;
    let shown: Vec<(i64, i64)> = impressions
        .iter()
        .flat_map(|i| {
            let products = i.items.iter().map(|item| item.product_id);
            products
                .chain(i.asked.products.iter().copied())
                .map(|product| (i.shop_id, product))
        })
        .collect();
    ordinals.prepare(conn, shown).await?;
    let mut contexts: Vec<serving_context::Model> =
        impressions.iter().map(|i| context_of(i, &models)).collect();
    let context_ids: Vec<i64> = contexts.iter().map(|c| c.id).collect();
    contexts.sort_unstable_by_key(|c| (c.shop_id, c.id));
    contexts.dedup_by_key(|c| (c.shop_id, c.id));
    for chunk in contexts.chunks(ROWS_PER_STATEMENT) {
        context::store(conn, chunk.to_vec()).await?;
    }
    let batches = impressions
        .chunks(ROWS_PER_STATEMENT)
        .zip(context_ids.chunks(ROWS_PER_STATEMENT));
    for (chunk, ids) in batches {
        let rows = chunk.iter().zip(ids).map(|(i, id)| row(i, *id, ordinals));
        impression::Entity::insert_many(rows)
            // Either key: the id, or a derived rec id's `(shop_id, rec_text)`.
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The `models` rows of the versions a batch of impressions names: `(shop, version, row)`,
/// a handful per batch (the shops' current pools and lists).
struct ModelRows(Vec<(i64, String, i64)>);

impl ModelRows {
    async fn of(conn: &impl ConnectionTrait, impressions: &[Impression]) -> Result<Self, DbErr> {
        let mut shops: Vec<i64> = impressions.iter().map(|i| i.shop_id).collect();
        shops.sort_unstable();
        shops.dedup();
        let mut versions: Vec<&str> = impressions
            .iter()
            .flat_map(|i| [i.model_version.as_deref(), i.list_version.as_deref()])
            .flatten()
            .collect();
        versions.sort_unstable();
        versions.dedup();
        if versions.is_empty() {
            return Ok(Self(Vec::new()));
        }
        let rows = model::Entity::find()
            .select_only()
            .columns([
                model::Column::ShopId,
                model::Column::Version,
                model::Column::Id,
            ])
            .filter(model::Column::ShopId.is_in(shops))
            .filter(model::Column::Version.is_in(versions))
            .into_tuple()
            .all(conn)
            .await?;
        Ok(Self(rows))
    }

    /// The row of `version` in shop `shop_id`, when it is one.
    fn find(&self, shop_id: i64, version: Option<&str>) -> Option<i64> {
        let version = version?;
        self.0
            .iter()
            .find(|(shop, name, _)| *shop == shop_id && name == version)
            .map(|(_, _, id)| *id)
    }
}

/// What `i` was served under, with its id; a version that is a `models` row is named by
/// the row only.
fn context_of(i: &Impression, models: &ModelRows) -> serving_context::Model {
    let model_id = models.find(i.shop_id, i.model_version.as_deref());
    let list_id = models.find(i.shop_id, i.list_version.as_deref());
    let text = |id: Option<i64>, version: &Option<String>| match id {
        Some(_) => None,
        None => version.clone(),
    };
    context::with_id(serving_context::Model {
        shop_id: i.shop_id,
        id: 0,
        surface: i.surface.clone(),
        traffic_source: i.traffic_source.clone(),
        policy_version: i.policy_version.clone(),
        model_id,
        list_id,
        model_version: text(model_id, &i.model_version),
        list_version: text(list_id, &i.list_version),
    })
}

fn row(i: &Impression, context_id: i64, ordinals: &Ordinals) -> impression::ActiveModel {
    impression::ActiveModel {
        id: Set(i.id.key()),
        shop_id: Set(i.shop_id),
        rec_text: Set(i.rec_text.clone()),
        context_id: Set(context_id),
        session_id: Set(i.session_id.clone()),
        anonymous_id: Set(i.anonymous_id.clone()),
        customer_id: Set(i.customer_id),
        item_count: Set(i32::try_from(i.items.len()).unwrap_or(i32::MAX)),
        items: Set(None),
        packed: Set(Some(packed::pack(&i.items, &i.asked, |product| {
            ordinals.name(i.shop_id, product)
        }))),
        experiment_id: Set(i.experiment.as_ref().map(|e| e.experiment_id)),
        arm: Set(i.experiment.as_ref().and_then(|e| e.arm.clone())),
        // Packed with the items since layout 2.
        asked: Set(None),
    }
}

/// A stored answer as its readers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The items shown, in order.
    pub items: Vec<ShownItem>,
    /// What it was asked.
    pub asked: Asked,
    /// What it was served under.
    pub context: serving_context::Model,
}

/// The answers stored in `rows` (of any shops), in order, products named by their ids. A
/// row that does not read (written by hand, or by a future version) yields an empty answer
/// rather than failing its reader, as does a product number its shop does not have.
///
/// # Errors
/// The database error of reading the products' numbers.
pub async fn answers(
    conn: &impl ConnectionTrait,
    rows: &[impression::Model],
) -> Result<Vec<Answer>, DbErr> {
    let read: Vec<(Slate, bool)> = rows.iter().map(stored).collect();
    let mut ordinals: HashMap<i64, Vec<i32>> = HashMap::new();
    for (row, (answer, coded)) in rows.iter().zip(&read) {
        if *coded {
            let numbers = ordinals.entry(row.shop_id).or_default();
            numbers.extend(
                products(answer).filter_map(|code| match ProductRef::of_code(code) {
                    ProductRef::Ordinal(n) => Some(n),
                    ProductRef::Id(_) => None,
                }),
            );
        }
    }
    let mut numbered: HashMap<i64, HashMap<i32, i64>> = HashMap::new();
    for (shop_id, mut numbers) in ordinals {
        numbers.sort_unstable();
        numbers.dedup();
        numbered.insert(
            shop_id,
            ordinals::products_of(conn, shop_id, &numbers).await?,
        );
    }
    let contexts = context::of_rows(conn, rows).await?;
    let no_numbers = HashMap::new();
    Ok(rows
        .iter()
        .zip(read)
        .map(|(row, (slate, coded))| {
            let slate = if coded {
                let shop = numbered.get(&row.shop_id).unwrap_or(&no_numbers);
                resolve(row.id, slate, shop)
            } else {
                slate
            };
            let key = (row.shop_id, row.context_id);
            let context = contexts
                .get(&key)
                .cloned()
                .unwrap_or_else(|| context::unknown(row.shop_id, row.context_id));
            Answer {
                items: slate.items,
                asked: slate.asked,
                context,
            }
        })
        .collect())
}

/// The answer stored in `row` ([`answers`] of one row).
///
/// # Errors
/// As [`answers`].
pub async fn answer(conn: &impl ConnectionTrait, row: &impression::Model) -> Result<Answer, DbErr> {
    let mut answers = answers(conn, std::slice::from_ref(row)).await?;
    Ok(answers.pop().unwrap_or_else(|| Answer {
        items: Vec::new(),
        asked: Asked::default(),
        context: context::unknown(row.shop_id, row.context_id),
    }))
}

/// What a row showed and was asked, as stored.
#[derive(Debug, Default)]
struct Slate {
    items: Vec<ShownItem>,
    asked: Asked,
}

/// The product numbers a slate read from layout 4 holds.
fn products(slate: &Slate) -> impl Iterator<Item = i64> + '_ {
    let shown = slate.items.iter().map(|item| item.product_id);
    shown.chain(slate.asked.products.iter().copied())
}

/// A row's answer as stored, and whether its products are codes ([`ProductRef`]): packed,
/// or (rows from before packing) JSON items beside a JSON request.
fn stored(row: &impression::Model) -> (Slate, bool) {
    let read = match (&row.packed, &row.items) {
        (Some(bytes), _) => packed::unpack(bytes)
            .map(|unpacked| {
                let answer = Slate {
                    items: unpacked.items,
                    asked: unpacked.asked.unwrap_or_default(),
                };
                (answer, unpacked.coded)
            })
            .map_err(|err| err.to_string()),
        (None, Some(json)) => Vec::<ShownItem>::deserialize(json)
            .map(|items| {
                let answer = Slate {
                    items,
                    asked: Asked::default(),
                };
                (answer, false)
            })
            .map_err(|err| err.to_string()),
        (None, None) => Ok((Slate::default(), false)),
    };
    let (mut answer, coded) = read.unwrap_or_else(|error| {
        tracing::warn!(impression = row.id, %error, "unreadable impression");
        (Slate::default(), false)
    });
    // Layout 1 rows kept what was asked in its JSON column.
    if let Some(json) = &row.asked {
        answer.asked = Asked::deserialize(json).unwrap_or_else(|error| {
            tracing::warn!(impression = row.id, %error, "unreadable impression request");
            Asked::default()
        });
    }
    (answer, coded)
}

/// An answer of layout 4 with its codes turned into products; items whose number the shop
/// does not have are left out.
fn resolve(impression: i64, mut answer: Slate, numbered: &HashMap<i32, i64>) -> Slate {
    let product = |code: i64| match ProductRef::of_code(code) {
        ProductRef::Ordinal(n) => numbered.get(&n).copied(),
        ProductRef::Id(id) => Some(id),
    };
    let shown = answer.items.len() + answer.asked.products.len();
    answer.items = answer
        .items
        .into_iter()
        .filter_map(|item| {
            Some(ShownItem {
                product_id: product(item.product_id)?,
                ..item
            })
        })
        .collect();
    answer.asked.products = answer
        .asked
        .products
        .into_iter()
        .filter_map(product)
        .collect();
    let unknown = shown - answer.items.len() - answer.asked.products.len();
    if unknown > 0 {
        tracing::warn!(
            impression,
            unknown,
            "impression names products its shop has not numbered"
        );
    }
    answer
}
