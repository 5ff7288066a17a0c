//! `impressions`: every list a shopper was shown, one row per served request (the slate).

use sea_orm::entity::prelude::*;

/// One served recommendation answer: which items, where, and with what probability.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "impressions")]
pub struct Model {
    /// Row id; clicks and add-to-carts point here (`events.impression_id`).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// The answer's rec id, which clicks carry back.
    pub rec_id: String,
    /// Recommendation surface (`pdp`, `cart`, `home`, …).
    pub surface: String,
    /// What brought the shopper (`direct`, `search`, `social`, `email`, `paid`).
    pub traffic_source: String,
    /// Storefront session.
    pub session_id: String,
    /// Anonymous browser id.
    pub anonymous_id: String,
    /// Logged-in customer, when known.
    pub customer_id: Option<i64>,
    /// The pool (model) version that served it, in rows written before `model_id` (and for
    /// a version that is not a `models` row); `None` at cold start.
    pub model_version: Option<String>,
    /// The precomputed list version it started from, if any; as `model_version`.
    pub list_version: Option<String>,
    /// The surface policy version applied.
    pub policy_version: String,
    /// Number of items shown.
    pub item_count: i32,
    /// The items shown, as JSON (`[{product_id, module, position, propensity, explored}]`)
    /// in rows written before `packed`; JSON `null` since.
    pub items: Json,
    /// When it was served.
    pub occurred_at: DateTimeUtc,
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
    /// The `models` row of the pools that served it; `NULL` in older rows and at cold start.
    pub model_id: Option<i64>,
    /// The `models` row of the precomputed lists it started from, if any.
    pub list_id: Option<i64>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
