//! `order_lines`: the products bought in an order.

use sea_orm::entity::prelude::*;

/// One line of an order.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: i64,
    /// Position of the line in the order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    /// Product bought (`None` for custom lines).
    pub product_id: Option<i64>,
    /// Variant bought.
    pub variant_id: Option<i64>,
    /// Units.
    pub quantity: i64,
    /// Unit price paid, minor units.
    pub price_minor: i64,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
