//! Experiments through the serving path (issue #19).
//!
//! - `experiments`: the scope beyond the surface (`module`; `visitor`: all, new or returning;
//!   `identity`: all, customer or anonymous; `traffic_source`, null for every source), the
//!   assignment `salt`, the statistical `design` (level, baseline rate, smallest effect,
//!   guard-rail margin) as JSON, when it was created and why it stopped. Arms, their shares,
//!   policies and guard-rail stops stay in `arms`.
//! - `impressions.experiment_id`, `impressions.arm`: the experiment an answer was served
//!   under and the arm whose policy it got (null when the arm fell back to the control), so
//!   clicks and add-to-carts compare per arm; indexed by `(shop_id, experiment_id, arm)` for
//!   the results.
//!
//! Only columns are added: the existing tables already key by `shop_id` first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, json_null, string, string_null, text_null, timestamp_with_time_zone_null,
};

/// Adds the columns and the index.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000190_experiments"
    }
}

const INDEX: &str = "idx_impressions_shop_id_experiment_id_arm";

/// The columns added to `experiments`, one `ALTER TABLE` each (SQLite takes one at a time).
fn experiment_columns() -> Vec<ColumnDef> {
    vec![
        string_null(Col::Module),
        string(Col::Visitor).default("all").to_owned(),
        string(Col::Identity).default("all").to_owned(),
        string_null(Col::TrafficSource),
        string(Col::Salt).default("").to_owned(),
        json_null(Col::Design),
        timestamp_with_time_zone_null(Col::CreatedAt),
        text_null(Col::StopReason),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in experiment_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Experiments)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for mut column in [big_integer_null(Col::ExperimentId), string_null(Col::Arm)] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Col::Impressions)
                    .col(Col::ShopId)
                    .col(Col::ExperimentId)
                    .col(Col::Arm)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Col::Impressions).to_owned())
            .await?;
        for column in [Col::ExperimentId, Col::Arm] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Impressions)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in experiment_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Experiments)
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Experiments,
    Impressions,
    ShopId,
    Module,
    Visitor,
    Identity,
    TrafficSource,
    Salt,
    Design,
    CreatedAt,
    StopReason,
    ExperimentId,
    Arm,
}
