//! Which model, list and policy produced an impression, on the impression's event row, so
//! off-policy evaluation and the dashboard can split logged traffic by the version that
//! served it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_null;

/// Adds `model_version`, `list_version` and `policy_version` to `events`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000060_impression_provenance"
    }
}

const COLUMNS: [Col; 3] = [Col::ModelVersion, Col::ListVersion, Col::PolicyVersion];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite cannot add several in one ALTER TABLE.
        for col in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Events)
                        .add_column(string_null(col))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::Events)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Events,
    ModelVersion,
    ListVersion,
    PolicyVersion,
}
