//! The first schema: shops, catalog, signals, models, lists, settings, experiments, jobs' state.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, date, double, double_null, integer,
    integer_null, json, string, string_null, string_uniq, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

/// Creates every table of the first data model.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables().iter().rev() {
            let name = table.get_table_name().cloned();
            if let Some(name) = name {
                manager
                    .drop_table(Table::drop().table(name).if_exists().to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}

/// Tables in dependency order (`shops` first, since the others reference it).
fn tables() -> Vec<TableCreateStatement> {
    vec![
        shops(),
        categories(),
        category_adjacency(),
        products(),
        variants(),
        inventory(),
        collections(),
        product_collections(),
        events(),
        orders(),
        order_lines(),
        models(),
        rec_lists(),
        shop_settings(),
        experiments(),
        experiment_assignments(),
        metric_rollups(),
        webhook_receipts(),
        klaviyo_accounts(),
        sync_runs(),
        worker_heartbeats(),
    ]
}

/// A `shop_id` column that cascades the deletion of its shop (`shop/redact`).
fn shop_fk(table: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, Col::ShopId)
        .to(Col::Shops, Col::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A table owned by a shop, keyed by `shop_id` plus `key`.
fn shop_table(name: Col, key: &[Col]) -> TableCreateStatement {
    let mut pk = Index::create();
    pk.col(Col::ShopId);
    for col in key {
        pk.col(*col);
    }
    Table::create()
        .table(name)
        .if_not_exists()
        .col(big_integer(Col::ShopId))
        .primary_key(&mut pk)
        .foreign_key(&mut shop_fk(name))
        .to_owned()
}

/// A shop-owned table with its own auto-increment id.
fn shop_table_with_id(name: Col) -> TableCreateStatement {
    Table::create()
        .table(name)
        .if_not_exists()
        .col(big_pk_auto(Col::Id))
        .col(big_integer(Col::ShopId))
        .foreign_key(&mut shop_fk(name))
        .to_owned()
}

fn shops() -> TableCreateStatement {
    Table::create()
        .table(Col::Shops)
        .if_not_exists()
        .col(big_pk_auto(Col::Id))
        .col(string_uniq(Col::Domain))
        .col(string(Col::Name))
        .col(string(Col::Currency))
        .col(boolean(Col::IsDemo))
        .col(text_null(Col::AccessTokenEncrypted))
        .col(timestamp_with_time_zone_null(Col::AccessTokenExpiresAt))
        .col(text_null(Col::RefreshTokenEncrypted))
        .col(timestamp_with_time_zone_null(Col::RefreshTokenExpiresAt))
        .col(text(Col::Scopes))
        .col(string_null(Col::Plan))
        .col(string(Col::IngestKey))
        .col(timestamp_with_time_zone_null(Col::InstalledAt))
        .col(timestamp_with_time_zone_null(Col::UninstalledAt))
        .col(timestamp_with_time_zone(Col::CreatedAt))
        .col(timestamp_with_time_zone(Col::UpdatedAt))
        .to_owned()
}

fn text_null(col: Col) -> ColumnDef {
    sea_orm_migration::schema::text_null(col)
}

fn categories() -> TableCreateStatement {
    shop_table(Col::Categories, &[Col::Id])
        .col(string(Col::Id))
        .col(string(Col::Name))
        .col(string_null(Col::ParentId))
        .col(text(Col::FullPath))
        .col(integer(Col::Depth))
        .to_owned()
}

fn category_adjacency() -> TableCreateStatement {
    shop_table(Col::CategoryAdjacency, &[Col::CategoryId, Col::AdjacentId])
        .col(string(Col::CategoryId))
        .col(string(Col::AdjacentId))
        .col(string(Col::Source))
        .col(double(Col::Weight))
        .to_owned()
}

fn products() -> TableCreateStatement {
    shop_table(Col::Products, &[Col::Id])
        .col(big_integer(Col::Id))
        .col(string(Col::Handle))
        .col(text(Col::Title))
        .col(text(Col::Description))
        .col(string(Col::ProductType))
        .col(string(Col::Vendor))
        .col(string(Col::Brand))
        .col(string_null(Col::CategoryId))
        .col(json(Col::Tags))
        .col(json(Col::Attributes))
        .col(string(Col::Status))
        .col(text_null(Col::ImageUrl))
        .col(timestamp_with_time_zone(Col::PublishedAt))
        .col(timestamp_with_time_zone(Col::SourceUpdatedAt))
        .col(timestamp_with_time_zone_null(Col::DeletedAt))
        .to_owned()
}

fn variants() -> TableCreateStatement {
    shop_table(Col::Variants, &[Col::Id])
        .col(big_integer(Col::Id))
        .col(big_integer(Col::ProductId))
        .col(text(Col::Title))
        .col(string_null(Col::Sku))
        .col(json(Col::Options))
        .col(big_integer(Col::PriceMinor))
        .col(big_integer_null(Col::CompareAtPriceMinor))
        .col(integer(Col::Position))
        .col(timestamp_with_time_zone(Col::SourceUpdatedAt))
        .to_owned()
}

fn inventory() -> TableCreateStatement {
    shop_table(Col::Inventory, &[Col::VariantId])
        .col(big_integer(Col::VariantId))
        .col(big_integer_null(Col::InventoryItemId))
        .col(big_integer(Col::Available))
        .col(big_integer_null(Col::UnitCostMinor))
        .col(timestamp_with_time_zone(Col::UpdatedAt))
        .to_owned()
}

fn collections() -> TableCreateStatement {
    shop_table(Col::Collections, &[Col::Id])
        .col(big_integer(Col::Id))
        .col(string(Col::Handle))
        .col(text(Col::Title))
        .col(timestamp_with_time_zone(Col::SourceUpdatedAt))
        .to_owned()
}

fn product_collections() -> TableCreateStatement {
    shop_table(
        Col::ProductCollections,
        &[Col::CollectionId, Col::ProductId],
    )
    .col(big_integer(Col::CollectionId))
    .col(big_integer(Col::ProductId))
    .col(integer(Col::Position))
    .to_owned()
}

fn events() -> TableCreateStatement {
    shop_table_with_id(Col::Events)
        .col(string_null(Col::ClientEventId))
        .col(string(Col::Kind))
        .col(string(Col::AnonymousId))
        .col(big_integer_null(Col::CustomerId))
        .col(string(Col::SessionId))
        .col(big_integer_null(Col::ProductId))
        .col(big_integer_null(Col::VariantId))
        .col(text_null(Col::Query))
        .col(string_null(Col::Surface))
        .col(string_null(Col::RecId))
        .col(integer_null(Col::Position))
        .col(double_null(Col::Propensity))
        .col(string_null(Col::TrafficSource))
        .col(string_null(Col::Device))
        .col(timestamp_with_time_zone(Col::OccurredAt))
        .col(timestamp_with_time_zone(Col::ReceivedAt))
        .to_owned()
}

fn orders() -> TableCreateStatement {
    shop_table(Col::Orders, &[Col::Id])
        .col(big_integer(Col::Id))
        .col(big_integer_null(Col::CustomerId))
        .col(string_null(Col::SessionId))
        .col(string(Col::Currency))
        .col(big_integer(Col::TotalMinor))
        .col(timestamp_with_time_zone(Col::PlacedAt))
        .to_owned()
}

fn order_lines() -> TableCreateStatement {
    shop_table(Col::OrderLines, &[Col::OrderId, Col::LineNo])
        .col(big_integer(Col::OrderId))
        .col(integer(Col::LineNo))
        .col(big_integer_null(Col::ProductId))
        .col(big_integer_null(Col::VariantId))
        .col(big_integer(Col::Quantity))
        .col(big_integer(Col::PriceMinor))
        .to_owned()
}

fn models() -> TableCreateStatement {
    shop_table_with_id(Col::Models)
        .col(string(Col::Kind))
        .col(string(Col::Version))
        .col(string(Col::Status))
        .col(json(Col::Params))
        .col(json(Col::Metrics))
        .col(timestamp_with_time_zone(Col::StartedAt))
        .col(timestamp_with_time_zone_null(Col::TrainedAt))
        .to_owned()
}

fn rec_lists() -> TableCreateStatement {
    shop_table_with_id(Col::RecLists)
        .col(string(Col::Surface))
        .col(string(Col::SeedKind))
        .col(string(Col::SeedId))
        .col(string(Col::ModelVersion))
        .col(string(Col::PolicyVersion))
        .col(json(Col::Items))
        .col(timestamp_with_time_zone(Col::CreatedAt))
        .to_owned()
}

fn shop_settings() -> TableCreateStatement {
    shop_table(Col::ShopSettings, &[Col::Surface])
        .col(string(Col::Surface))
        .col(json(Col::Settings))
        .col(timestamp_with_time_zone(Col::UpdatedAt))
        .to_owned()
}

fn experiments() -> TableCreateStatement {
    shop_table_with_id(Col::Experiments)
        .col(string(Col::Name))
        .col(string(Col::Kind))
        .col(string_null(Col::Surface))
        .col(json(Col::Arms))
        .col(string(Col::Status))
        .col(timestamp_with_time_zone_null(Col::StartedAt))
        .col(timestamp_with_time_zone_null(Col::EndedAt))
        .to_owned()
}

fn experiment_assignments() -> TableCreateStatement {
    shop_table(
        Col::ExperimentAssignments,
        &[Col::ExperimentId, Col::SubjectId],
    )
    .col(big_integer(Col::ExperimentId))
    .col(string(Col::SubjectId))
    .col(string(Col::Arm))
    .col(timestamp_with_time_zone(Col::AssignedAt))
    .foreign_key(
        ForeignKey::create()
            .from(Col::ExperimentAssignments, Col::ExperimentId)
            .to(Col::Experiments, Col::Id)
            .on_delete(ForeignKeyAction::Cascade),
    )
    .to_owned()
}

fn metric_rollups() -> TableCreateStatement {
    shop_table(
        Col::MetricRollups,
        &[Col::Day, Col::Surface, Col::Arm, Col::Metric],
    )
    .col(date(Col::Day))
    .col(string(Col::Surface))
    .col(string(Col::Arm))
    .col(string(Col::Metric))
    .col(double(Col::Value))
    .col(big_integer(Col::Samples))
    .to_owned()
}

fn webhook_receipts() -> TableCreateStatement {
    Table::create()
        .table(Col::WebhookReceipts)
        .if_not_exists()
        .col(string(Col::WebhookId).primary_key())
        .col(big_integer_null(Col::ShopId))
        .col(string(Col::ShopDomain))
        .col(string(Col::Topic))
        .col(json(Col::Payload))
        .col(timestamp_with_time_zone(Col::ReceivedAt))
        .col(timestamp_with_time_zone_null(Col::ProcessedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Col::WebhookReceipts, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}

fn klaviyo_accounts() -> TableCreateStatement {
    shop_table(Col::KlaviyoAccounts, &[])
        .col(text(Col::CredentialEncrypted))
        .col(string(Col::CredentialKind))
        .col(json(Col::SyncState))
        .col(timestamp_with_time_zone_null(Col::LastSyncedAt))
        .col(timestamp_with_time_zone(Col::UpdatedAt))
        .to_owned()
}

fn sync_runs() -> TableCreateStatement {
    shop_table_with_id(Col::SyncRuns)
        .col(string(Col::Kind))
        .col(string(Col::Status))
        .col(string_null(Col::BulkOperationId))
        .col(big_integer(Col::RowsDone))
        .col(big_integer_null(Col::RowsTotal))
        .col(text_null(Col::Cursor))
        .col(text_null(Col::Error))
        .col(timestamp_with_time_zone(Col::StartedAt))
        .col(timestamp_with_time_zone_null(Col::FinishedAt))
        .to_owned()
}

fn worker_heartbeats() -> TableCreateStatement {
    Table::create()
        .table(Col::WorkerHeartbeats)
        .if_not_exists()
        .col(string(Col::WorkerName).primary_key())
        .col(timestamp_with_time_zone(Col::StartedAt))
        .col(timestamp_with_time_zone(Col::LastSeenAt))
        .to_owned()
}

/// Secondary indexes for the queries the app and worker run.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index(Col::Products, &[Col::ShopId, Col::CategoryId], false),
        index(Col::Products, &[Col::ShopId, Col::Brand], false),
        index(Col::Variants, &[Col::ShopId, Col::ProductId], false),
        index(Col::Inventory, &[Col::ShopId, Col::InventoryItemId], false),
        index(
            Col::ProductCollections,
            &[Col::ShopId, Col::ProductId],
            false,
        ),
        index(
            Col::Events,
            &[Col::ShopId, Col::SessionId, Col::OccurredAt],
            false,
        ),
        index(Col::Events, &[Col::ShopId, Col::OccurredAt], false),
        index(Col::Events, &[Col::ShopId, Col::ProductId], false),
        index(Col::Events, &[Col::ShopId, Col::RecId], false),
        index(Col::Events, &[Col::ShopId, Col::ClientEventId], true),
        index(Col::Orders, &[Col::ShopId, Col::PlacedAt], false),
        index(Col::OrderLines, &[Col::ShopId, Col::ProductId], false),
        index(Col::Models, &[Col::ShopId, Col::Kind, Col::Version], true),
        index(
            Col::RecLists,
            &[
                Col::ShopId,
                Col::Surface,
                Col::SeedKind,
                Col::SeedId,
                Col::ModelVersion,
            ],
            true,
        ),
        index(Col::Experiments, &[Col::ShopId, Col::Name], true),
        index(Col::SyncRuns, &[Col::ShopId, Col::StartedAt], false),
        index(
            Col::WebhookReceipts,
            &[Col::ShopDomain, Col::ReceivedAt],
            false,
        ),
    ]
}

/// An index named after its table and columns, so names are unique and predictable.
fn index(table: Col, cols: &[Col], unique: bool) -> IndexCreateStatement {
    let mut name = format!("idx_{}", table.to_string());
    let mut stmt = Index::create();
    stmt.table(table).if_not_exists();
    for col in cols {
        name.push('_');
        name.push_str(&col.to_string());
        stmt.col(*col);
    }
    if unique {
        stmt.unique();
    }
    stmt.name(name).to_owned()
}

/// Every table and column name of this migration.
#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Categories,
    CategoryAdjacency,
    Products,
    Variants,
    Inventory,
    Collections,
    ProductCollections,
    Events,
    Orders,
    OrderLines,
    Models,
    RecLists,
    ShopSettings,
    Experiments,
    ExperimentAssignments,
    MetricRollups,
    WebhookReceipts,
    KlaviyoAccounts,
    SyncRuns,
    WorkerHeartbeats,
    Id,
    ShopId,
    Domain,
    Name,
    Currency,
    IsDemo,
    AccessTokenEncrypted,
    AccessTokenExpiresAt,
    RefreshTokenEncrypted,
    RefreshTokenExpiresAt,
    Scopes,
    Plan,
    IngestKey,
    InstalledAt,
    UninstalledAt,
    CreatedAt,
    UpdatedAt,
    ParentId,
    FullPath,
    Depth,
    CategoryId,
    AdjacentId,
    Source,
    Weight,
    Handle,
    Title,
    Description,
    ProductType,
    Vendor,
    Brand,
    Tags,
    Attributes,
    Status,
    ImageUrl,
    PublishedAt,
    SourceUpdatedAt,
    DeletedAt,
    ProductId,
    Sku,
    Options,
    PriceMinor,
    CompareAtPriceMinor,
    Position,
    VariantId,
    InventoryItemId,
    Available,
    UnitCostMinor,
    CollectionId,
    ClientEventId,
    Kind,
    AnonymousId,
    CustomerId,
    SessionId,
    Query,
    Surface,
    RecId,
    Propensity,
    TrafficSource,
    Device,
    OccurredAt,
    ReceivedAt,
    TotalMinor,
    PlacedAt,
    OrderId,
    LineNo,
    Quantity,
    Version,
    Params,
    Metrics,
    StartedAt,
    TrainedAt,
    SeedKind,
    SeedId,
    ModelVersion,
    PolicyVersion,
    Items,
    Settings,
    Arms,
    EndedAt,
    ExperimentId,
    SubjectId,
    Arm,
    AssignedAt,
    Day,
    Metric,
    Value,
    Samples,
    WebhookId,
    ShopDomain,
    Topic,
    Payload,
    ProcessedAt,
    CredentialEncrypted,
    CredentialKind,
    SyncState,
    LastSyncedAt,
    BulkOperationId,
    RowsDone,
    RowsTotal,
    Cursor,
    Error,
    FinishedAt,
    WorkerName,
    LastSeenAt,
}
