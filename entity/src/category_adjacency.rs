//! `category_adjacency`: categories that go together (dresses → shoes → bags).

use sea_orm::entity::prelude::*;

/// A directed edge between two categories that shoppers combine.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "category_adjacency")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Source category.
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: String,
    /// Category that goes with it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub adjacent_id: String,
    /// Where the edge comes from: `taxonomy`, `copurchase` or `demo`.
    pub source: String,
    /// Strength in [0, 1].
    pub weight: f64,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
