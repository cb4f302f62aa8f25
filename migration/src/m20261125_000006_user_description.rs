//! users.description held at most 1024 characters while the API accepts 4096 (MAX_INFO_LEN,
//! like private_info and public_info, which are text): PostgreSQL refused longer ones with a 500
//! (found by schemathesis). The column becomes text. SQLite does not enforce varchar lengths and
//! cannot alter a column's type, so there is nothing to do there.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Description,
}

/// Give users.description the type `column` (PostgreSQL only).
async fn retype_description(
    manager: &SchemaManager<'_>,
    column: &mut ColumnDef,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    manager
        .alter_table(
            Table::alter()
                .table(Users::Table)
                .modify_column(column.null())
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        retype_description(manager, ColumnDef::new(Users::Description).text()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        retype_description(manager, ColumnDef::new(Users::Description).string_len(1024)).await
    }
}
