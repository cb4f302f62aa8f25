//! Hand-written SQL for the hot statements that the query builder would split or cannot say
//! (upserts with RETURNING, `FOR SHARE OF`, correlated counts): one text for both databases.
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::error::ApiResult;

/// A statement of `sql` written with `?` placeholders and `{max}` (see `crate::db::statement`).
pub fn stmt<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Statement {
    crate::db::statement(db.get_database_backend(), sql, values)
}

/// `FOR SHARE OF <table>` on PostgreSQL; nothing on SQLite (its writers are serialised).
pub fn share_lock<C: ConnectionTrait>(db: &C, table: &str) -> String {
    match db.get_database_backend() {
        DbBackend::Postgres => format!(" FOR SHARE OF {table}"),
        _ => String::new(),
    }
}

pub async fn all<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> ApiResult<Vec<QueryResult>> {
    Ok(db.query_all_raw(stmt(db, sql, values)).await?)
}

pub async fn one<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> ApiResult<Option<QueryResult>> {
    Ok(db.query_one_raw(stmt(db, sql, values)).await?)
}

pub async fn exec<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> ApiResult<u64> {
    Ok(db.execute_raw(stmt(db, sql, values)).await?.rows_affected())
}

/// A column of a row, as `T`.
pub fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> ApiResult<T> {
    Ok(row.try_get::<T>("", col)?)
}
