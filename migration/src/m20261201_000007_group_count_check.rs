//! `groups.count` can never go below zero (issue 11: a deletion racing leaves once left a group
//! at -1). First the drift of earlier versions is repaired — memberships of users that no longer
//! exist are removed and every count is set to its member rows — then the database refuses a
//! negative count: a CHECK constraint on PostgreSQL; on SQLite, which cannot add a CHECK to an
//! existing table without rebuilding it, two triggers that abort such an insert or update.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const REPAIR: &[&str] = &[
    "DELETE FROM group_members WHERE user_id NOT IN (SELECT id FROM users)",
    "UPDATE groups SET count = (SELECT COUNT(*) FROM group_members m WHERE m.group_id = groups.id) \
     WHERE count <> (SELECT COUNT(*) FROM group_members m WHERE m.group_id = groups.id)",
];

const PG_UP: &str = "ALTER TABLE groups ADD CONSTRAINT ck_groups_count CHECK (count >= 0)";
const PG_DOWN: &str = "ALTER TABLE groups DROP CONSTRAINT IF EXISTS ck_groups_count";

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER ck_groups_count_insert BEFORE INSERT ON groups WHEN NEW.count < 0 \
     BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ck_groups_count (count >= 0)'); END",
    "CREATE TRIGGER ck_groups_count_update BEFORE UPDATE OF count ON groups WHEN NEW.count < 0 \
     BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ck_groups_count (count >= 0)'); END",
];
const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS ck_groups_count_insert",
    "DROP TRIGGER IF EXISTS ck_groups_count_update",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, REPAIR).await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, &[PG_UP]).await,
            _ => run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, &[PG_DOWN]).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }
}
