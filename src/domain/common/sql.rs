//! Hand-written SQL for the hot statements that the query builder would split or cannot say
//! (upserts with RETURNING, `FOR SHARE OF`, correlated counts): one text for both databases.
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::error::ApiResult;

/// A statement of `sql` written with `?` placeholders, numbered `$1..` on PostgreSQL;
/// `{max}` stands for the two-argument maximum (`GREATEST` / `MAX`).
pub fn stmt<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.replace("{max}", "GREATEST").chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.replace("{max}", "MAX"),
    };
    Statement::from_sql_and_values(backend, sql, values)
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
