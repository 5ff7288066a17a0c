//! `impressions`: every list a shopper was shown, one row per served request (the slate),
//! keyed by the answer's rec id ([`RecId`], which also tells when it was served).

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use crate::domain::RecId;

/// One served recommendation answer: which items, where, and with what probability.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "impressions")]
pub struct Model {
    /// The answer's [`RecId`]; clicks and add-to-carts point here (`events.impression_id`).
    /// Ordered by time: reads by time are ranges of it ([`served_from`]).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// The rec id clicks carry back when it is not the key: an email's derived id, or the
    /// UUID of an answer logged before the keys were rec ids; unique per shop where set.
    pub rec_text: Option<String>,
    /// What it was served under: surface, traffic source, policy, pools and lists
    /// (`serving_contexts`, of the same shop).
    pub context_id: i64,
    /// Storefront session.
    pub session_id: String,
    /// Anonymous browser id.
    pub anonymous_id: String,
    /// Logged-in customer, when known.
    pub customer_id: Option<i64>,
    /// Number of items shown.
    pub item_count: i32,
    /// The items shown, as JSON (`[{product_id, module, position, propensity, explored}]`)
    /// in rows written before `packed`; `NULL` (or JSON `null`) since.
    pub items: Option<Json>,
    /// The experiment it was served under, if any.
    pub experiment_id: Option<i64>,
    /// The arm whose policy it got; `None` under an experiment when the arm fell back to the
    /// control (its policy no longer validates, or a guard rail stopped it).
    pub arm: Option<String>,
    /// What the answer was asked beyond the shopper (`{"products": […]}`: the page's product,
    /// the cart's lines; `{"query": …, "page": …}`: a search); `NULL` when nothing.
    pub asked: Option<Json>,
    /// The items shown, packed (`services::signals::packed`); `NULL` in older rows.
    #[sea_orm(column_type = "Blob", nullable)]
    pub packed: Option<Vec<u8>>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The rec id clicks carry for this answer.
    #[must_use]
    pub fn rec_id(&self) -> String {
        self.rec_text.clone().unwrap_or_else(|| self.id.to_string())
    }

    /// When it was served, to the millisecond (from the key).
    #[must_use]
    pub fn served_at(&self) -> DateTime<Utc> {
        RecId::from_key(self.id).map_or(DateTime::<Utc>::MIN_UTC, RecId::served_at)
    }
}

/// The answers whose rec ids (as clicks carry them) are among `rec_ids`: served ids by key,
/// others by their stored text.
#[must_use]
pub fn with_rec_ids<'a>(rec_ids: impl IntoIterator<Item = &'a str>) -> sea_orm::Condition {
    let (mut keys, mut texts) = (Vec::new(), Vec::new());
    for rec_id in rec_ids {
        match RecId::parse(rec_id) {
            Some(id) => keys.push(id.key()),
            None => texts.push(rec_id),
        }
    }
    sea_orm::Condition::any()
        .add_option((!keys.is_empty()).then(|| Column::Id.is_in(keys)))
        .add_option((!texts.is_empty()).then(|| Column::RecText.is_in(texts)))
}

/// The answers served at or after `at` (a range of keys).
#[must_use]
pub fn served_from(at: DateTime<Utc>) -> sea_orm::sea_query::SimpleExpr {
    Column::Id.gte(RecId::first_at(at))
}

/// The answers served before `at`.
#[must_use]
pub fn served_before(at: DateTime<Utc>) -> sea_orm::sea_query::SimpleExpr {
    Column::Id.lt(RecId::first_at(at))
}

/// The shop's answers served on `surface` (their contexts' ids, a handful).
#[must_use]
pub fn served_on(shop_id: i64, surface: &str) -> sea_orm::sea_query::SimpleExpr {
    use crate::serving_context;
    Column::ContextId.in_subquery(
        sea_orm::sea_query::Query::select()
            .column(serving_context::Column::Id)
            .from(serving_context::Entity)
            .and_where(serving_context::Column::ShopId.eq(shop_id))
            .and_where(serving_context::Column::Surface.eq(surface))
            .to_owned(),
    )
}
