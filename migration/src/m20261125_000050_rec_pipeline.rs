//! The recommendation pipeline: `job_runs` (progress and last run of background jobs, for the
//! admin), a list version on `rec_lists` (precomputed lists are versioned separately from the
//! candidate pools they come from, so an hourly precompute never touches the nightly model),
//! and the impression a click or add-to-cart is attributed to on `events`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, string, string_null, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

/// Creates `job_runs` and extends `rec_lists` and `events`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000050_rec_pipeline"
    }
}

/// The unique seed index of the initial migration, replaced by one that includes the list
/// version.
const OLD_REC_LIST_INDEX: &str = "idx_rec_lists_shop_id_surface_seed_kind_seed_id_model_version";
const REC_LIST_INDEX: &str =
    "idx_rec_lists_shop_id_surface_seed_kind_seed_id_model_version_list_version";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(job_runs()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_runs_shop_id_job_started_at")
                    .table(Col::JobRuns)
                    .col(Col::ShopId)
                    .col(Col::Job)
                    .col(Col::StartedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::RecLists)
                    .add_column(string(Col::ListVersion).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_REC_LIST_INDEX)
                    .table(Col::RecLists)
                    .to_owned(),
            )
            .await?;
        manager.create_index(rec_list_index()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Events)
                    .add_column(big_integer_null(Col::ImpressionId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::Events)
                    .drop_column(Col::ImpressionId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(REC_LIST_INDEX)
                    .table(Col::RecLists)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::RecLists)
                    .drop_column(Col::ListVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Col::JobRuns).if_exists().to_owned())
            .await
    }
}

fn job_runs() -> TableCreateStatement {
    Table::create()
        .table(Col::JobRuns)
        .if_not_exists()
        .col(big_pk_auto(Col::Id))
        .col(big_integer(Col::ShopId))
        .col(string(Col::Job))
        .col(string(Col::RunKey))
        .col(string(Col::Status))
        .col(big_integer(Col::Done))
        .col(big_integer_null(Col::Total))
        .col(string_null(Col::Detail))
        .col(text_null(Col::Error))
        .col(timestamp_with_time_zone(Col::StartedAt))
        .col(timestamp_with_time_zone(Col::UpdatedAt))
        .col(timestamp_with_time_zone_null(Col::FinishedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Col::JobRuns, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn rec_list_index() -> IndexCreateStatement {
    Index::create()
        .name(REC_LIST_INDEX)
        .table(Col::RecLists)
        .col(Col::ShopId)
        .col(Col::Surface)
        .col(Col::SeedKind)
        .col(Col::SeedId)
        .col(Col::ModelVersion)
        .col(Col::ListVersion)
        .unique()
        .if_not_exists()
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    ShopId,
    JobRuns,
    Job,
    RunKey,
    Status,
    Done,
    Total,
    Detail,
    Error,
    StartedAt,
    UpdatedAt,
    FinishedAt,
    RecLists,
    Surface,
    SeedKind,
    SeedId,
    ModelVersion,
    ListVersion,
    Events,
    ImpressionId,
}
