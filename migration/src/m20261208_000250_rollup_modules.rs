//! `metric_rollups.module`: rows per recommendation module (`similar`, `complete_the_look`,
//! …) beside the surface's (`all`). The module joins the primary key, which neither database
//! changes in place on SQLite, so the table is rebuilt: a new table with the new key, the
//! rows copied (under module `all`), the old one dropped and the new one renamed. The rows
//! are small and one per shop, day and metric, so the copy is quick.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date, double, string};

/// Adds the module to the key.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000250_rollup_modules"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, false).await
    }
}

/// Rebuilds `metric_rollups` with (`with_module`) or without the module column; going back
/// keeps the surface rows only.
async fn rebuild(manager: &SchemaManager<'_>, with_module: bool) -> Result<(), DbErr> {
    manager.create_table(table(with_module)).await?;
    let columns = "shop_id, day, surface, arm, metric, value, samples";
    let copy = if with_module {
        format!(
            "INSERT INTO metric_rollups_next ({columns}, module) \
             SELECT {columns}, 'all' FROM metric_rollups"
        )
    } else {
        format!(
            "INSERT INTO metric_rollups_next ({columns}) \
             SELECT {columns} FROM metric_rollups WHERE module = 'all'"
        )
    };
    manager.get_connection().execute_unprepared(&copy).await?;
    manager
        .drop_table(Table::drop().table(Col::MetricRollups).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(Col::MetricRollupsNext, Col::MetricRollups)
                .to_owned(),
        )
        .await
}

fn table(with_module: bool) -> TableCreateStatement {
    let mut key = Index::create();
    key.col(Col::ShopId).col(Col::Day).col(Col::Surface);
    let mut table = Table::create();
    table
        .table(Col::MetricRollupsNext)
        .col(big_integer(Col::ShopId))
        .col(date(Col::Day))
        .col(string(Col::Surface));
    if with_module {
        key.col(Col::Module);
        table.col(string(Col::Module));
    }
    key.col(Col::Arm).col(Col::Metric);
    table
        .col(string(Col::Arm))
        .col(string(Col::Metric))
        .col(double(Col::Value))
        .col(big_integer(Col::Samples))
        .primary_key(&mut key)
        .foreign_key(
            ForeignKey::create()
                .from(Col::MetricRollupsNext, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    MetricRollups,
    MetricRollupsNext,
    ShopId,
    Day,
    Surface,
    Module,
    Arm,
    Metric,
    Value,
    Samples,
}
