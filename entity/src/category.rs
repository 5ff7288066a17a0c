//! `categories`: the shop's category tree (Shopify standard taxonomy or the demo's own).

use sea_orm::entity::prelude::*;

/// One node of the category tree.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Taxonomy id (for example `aa-1-1`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Short name ("Dresses").
    pub name: String,
    /// Parent node, `None` for top-level categories.
    pub parent_id: Option<String>,
    /// Full path ("Women's Apparel > Dresses").
    pub full_path: String,
    /// 0 for top-level categories.
    pub depth: i32,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
