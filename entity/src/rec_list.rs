//! `rec_lists`: precomputed candidate lists per surface and seed.

use sea_orm::entity::prelude::*;

/// A precomputed, ranked list for one surface and one seed (product, profile or global).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rec_lists")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// `pool` for a trained candidate pool; `home`, `pdp`, `cart`, `email`, … for a
    /// precomputed list.
    pub surface: String,
    /// `product`, `profile` or `global`.
    pub seed_kind: String,
    /// Product id, profile id or `*`.
    pub seed_id: String,
    /// Model version the list was built from.
    pub model_version: String,
    /// Surface policy version applied.
    pub policy_version: String,
    /// Precompute run that wrote a list; empty for candidate pools.
    pub list_version: String,
    /// Items with score components and reasons, as a JSON array.
    pub items: Json,
    /// When it was computed.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
