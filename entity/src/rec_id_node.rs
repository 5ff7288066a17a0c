//! `rec_id_nodes`: one row per process start; a row's id, modulo 1,024, is the node in the
//! rec ids that process hands out (`domain::RecId`).

use sea_orm::entity::prelude::*;

/// One registered process.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rec_id_nodes")]
pub struct Model {
    /// Registration number.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When the process started.
    pub started_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
