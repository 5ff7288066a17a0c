//! `serving_contexts`: what answers were served under, once per shop; an impression points
//! at its context (`impressions.context_id`).

use sea_orm::entity::prelude::*;

/// One context: a surface's policy, traffic source, and the pools and lists that served.
#[derive(Clone, Debug, PartialEq, Eq, Hash, DeriveEntityModel)]
#[sea_orm(table_name = "serving_contexts")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// A hash of what it holds (`services::signals::context`); negative for the contexts
    /// of impressions stored before contexts were.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Recommendation surface (`pdp`, `cart`, `home`, …).
    pub surface: String,
    /// What brought the shopper (`direct`, `search`, `social`, `email`, `paid`).
    pub traffic_source: String,
    /// The surface policy version applied.
    pub policy_version: String,
    /// The `models` row of the pools that served; `None` at cold start.
    pub model_id: Option<i64>,
    /// The `models` row of the precomputed lists the answers started from, if any.
    pub list_id: Option<i64>,
    /// The pool version, when it is not a `models` row (or in contexts of older rows).
    pub model_version: Option<String>,
    /// The list version, as `model_version`.
    pub list_version: Option<String>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
