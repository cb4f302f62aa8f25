//! The database below the domain: the pool (`open_pool`) and its migrations (`migrate`), and
//! what a lost connection costs.
//!
//! **Connection loss.** A PostgreSQL connection may die under a statement (its backend
//! terminated, the server restarted: SQLSTATE 57P01 and the like, or a broken socket). A
//! transaction that failed so before its COMMIT was sent changed nothing: `transaction!` runs it
//! again like an aborted one. A statement outside a transaction goes through
//! [`Db`], which runs it again the same way, [`reconnecting`] (a write there is
//! its own transaction, so that this holds for it too). A connection lost during COMMIT itself
//! is resolved by asking a fresh connection whether the transaction committed ([`commit`]);
//! only when that stays unknown is it answered as an error ([`commit_error`]). After a loss the
//! pool pings each connection once before its next use ([`suspect`]), so that a retry does not
//! meet the next dead connection; otherwise checkouts are not pinged.
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use rand::Rng;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, RuntimeErr, Statement, TransactionTrait,
};

/// How many times one request's transaction (or statement) runs at most before its error is
/// answered.
pub const MAX_ATTEMPTS: u32 = 8;

/// The database of the requests: the pool, through which every statement outside a
/// transaction goes, so that one lost connection costs a retry, not an answer (see
/// the module docs): a read runs again on a fresh connection, and on PostgreSQL a
/// write runs as its own transaction, run again when its connection died before its COMMIT.
/// Transactions (`begin`) and everything else of the pool are its `DatabaseConnection`'s
/// (`Deref`; `clone` answers that connection).
pub struct Db(DatabaseConnection);

impl Db {
    pub fn new(db: DatabaseConnection) -> Db {
        Db(db)
    }
}

impl Db {
    /// The pool's connections now: (open, idle).
    pub fn pool_use(&self) -> (i64, i64) {
        match self.0.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.0.get_postgres_connection_pool();
                (pool.size() as i64, pool.num_idle() as i64)
            }
            _ => {
                let pool = self.0.get_sqlite_connection_pool();
                (pool.size() as i64, pool.num_idle() as i64)
            }
        }
    }
}

impl std::ops::Deref for Db {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.0
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }

    /// A write outside a transaction: on PostgreSQL in a transaction of its own, run again
    /// while its connection is lost before COMMIT (and after an aborted COMMIT, `commit`).
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if self.0.get_database_backend() != DbBackend::Postgres {
            return self.0.execute_raw(stmt).await;
        }
        reconnecting(|| {
            let stmt = stmt.clone();
            async move {
                let txn = self.0.begin().await?;
                let done = txn.execute_raw(stmt).await?;
                commit(&self.0, txn).await?;
                Ok(done)
            }
        })
        .await
    }

    /// Runs again like a read: only for statements that may run twice (the `SELECT 1` of
    /// /ready); writes go through `execute_raw` (sea-orm's queries) or a transaction.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        reconnecting(|| self.0.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        reconnecting(|| self.0.query_one_raw(stmt.clone())).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        reconnecting(|| self.0.query_all_raw(stmt.clone())).await
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}

/// PostgreSQL: admin_shutdown (a terminated backend), crash_shutdown, cannot_connect_now,
/// idle_session_timeout; and the connection exceptions (class 08).
const LOST_CODES: &[&str] = &["57P01", "57P02", "57P03", "57P05"];

/// True when `e` says that the connection died under the statement (or could not be opened
/// while the database restarts): what it was running did not commit, unless it was COMMIT.
pub fn is_connection_lost(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(err))
        | DbErr::Query(RuntimeErr::SqlxError(err))
        | DbErr::Conn(RuntimeErr::SqlxError(err)) => match &**err {
            Error::Io(_) | Error::Tls(_) => true,
            Error::Database(d) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || LOST_CODES.contains(&c.as_ref())),
            _ => false,
        },
        _ => false,
    }
}

/// Commit `txn`. On PostgreSQL a connection lost during COMMIT is resolved on a fresh
/// connection of `db`: the transaction's id, read just before COMMIT (none when it wrote
/// nothing: then nothing was lost, and it may run again), is looked up with `txid_status`:
/// committed answers `Ok`, aborted answers the lost connection (so that it runs again), and
/// an outcome that stays unknown answers an error that is not retried ([`commit_error`]).
pub async fn commit(db: &DatabaseConnection, txn: DatabaseTransaction) -> Result<(), DbErr> {
    let xid = if txn.get_database_backend() == DbBackend::Postgres {
        let sql = "SELECT txid_current_if_assigned() AS xid";
        txn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?
            .and_then(|row| row.try_get::<Option<i64>>("", "xid").ok().flatten())
    } else {
        None
    };
    let Err(e) = txn.commit().await else {
        return Ok(());
    };
    if !is_connection_lost(&e) {
        return Err(e);
    }
    connection_lost();
    let Some(xid) = xid else {
        return Err(e);
    };
    let outcome = committed(db, xid).await;
    tracing::debug!(xid, committed = ?outcome, error = %e, "connection lost during COMMIT");
    match outcome {
        Some(true) => Ok(()),
        Some(false) => Err(e),
        None => Err(commit_error(e)),
    }
}

/// Whether the transaction `xid` committed (asked on a fresh connection), `None` when that
/// stays unknown (still in progress after a while, or the database cannot tell).
async fn committed(db: &DatabaseConnection, xid: i64) -> Option<bool> {
    for _ in 0..MAX_ATTEMPTS * 4 {
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT txid_status($1) AS status",
            [xid.into()],
        );
        let row = reconnecting(|| db.query_one_raw(stmt.clone()))
            .await
            .ok()??;
        match row.try_get::<Option<String>>("", "status").ok()??.as_str() {
            "committed" => return Some(true),
            "aborted" => return Some(false),
            // the terminated backend has not finished its abort yet
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    None
}

/// The error of a COMMIT whose connection was lost and whose outcome stays unknown: it no
/// longer counts as lost (nothing runs it again), and is answered.
pub fn commit_error(e: DbErr) -> DbErr {
    DbErr::Custom(format!(
        "the connection was lost during COMMIT and whether it committed is unknown (so it is not run again): {e}"
    ))
}

/// Run `statement` (one statement, or one transaction ending in [`commit_error`]) again on a
/// fresh connection while its connection was lost, at most [`MAX_ATTEMPTS`] times: the one
/// place where a statement outside `transaction!` is retried ([`Db`]).
pub async fn reconnecting<T, F, Fut>(mut statement: F) -> Result<T, DbErr>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    let mut attempt = 1u32;
    loop {
        match statement().await {
            Err(e) if is_connection_lost(&e) => {
                connection_lost();
                if attempt >= MAX_ATTEMPTS {
                    tracing::warn!(attempts = attempt, error = %e, "database connection still lost after every retry");
                    return Err(e);
                }
                tracing::debug!(attempt, error = %e, "database connection lost; running the statement again");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// When a connection loss was last seen (microseconds since [`SINCE`], plus one; 0: never).
static LOST_AT: AtomicU64 = AtomicU64::new(0);
static SINCE: LazyLock<Instant> = LazyLock::new(Instant::now);

fn micros_since(at: Duration) -> u64 {
    u64::try_from(at.as_micros()).unwrap_or(u64::MAX - 1) + 1
}

/// Note a lost connection: the connections that sat in the pool since then may be dead too
/// (a restart or a mass termination kills them all), see [`suspect`].
pub fn connection_lost() {
    LOST_AT.fetch_max(micros_since(SINCE.elapsed()), Ordering::AcqRel);
}

/// Whether a pooled connection, idle for `idle_for`, must be pinged before it is handed out:
/// when it was put back before the last connection loss was seen (a connection is pinged when
/// it is put back, so one put back since was alive then). One atomic load while no loss was
/// ever seen.
pub fn suspect(idle_for: Duration) -> bool {
    let lost = LOST_AT.load(Ordering::Acquire);
    lost != 0 && micros_since(SINCE.elapsed().saturating_sub(idle_for)) <= lost
}

/// A random pause before attempt `attempt + 1`: up to 2, 4, 8 ... ms, at most 100 ms.
pub fn backoff(attempt: u32) -> Duration {
    let cap_ms = (1u64 << attempt.min(16)).saturating_mul(2).min(100);
    Duration::from_micros(rand::rng().random_range(500..=cap_ms * 1000))
}

/// Apply pending migrations. On PostgreSQL they run in one transaction holding an advisory lock
/// (one per schema), so instances starting together on one database migrate one after the
/// other: the first creates the tables, the others then find nothing pending. (Without it both
/// create `seaql_migrations` and the tables at once and one start fails.)
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(MIGRATION_LOCK_SQL).await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Held until the migration transaction ends; keyed by the schema the connection works in.
const MIGRATION_LOCK_SQL: &str =
    "SELECT pg_advisory_xact_lock(hashtext('imserver.migrate.' || coalesce(current_schema(), '')))";

/// Connect to `url` without touching the schema.
pub async fn open_pool(
    url: &str,
    max_connections: u32,
    schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("creating {}: {e}", dir.display())))?;
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false);
    // A pooled connection is pinged before use only after it sat idle (a server, proxy or
    // firewall may have dropped it); a busy connection goes straight to work (sea-orm pings on
    // every checkout by default: a round trip per statement on PostgreSQL).
    opts.test_before_acquire_if_idle_for(Duration::from_secs(30));
    // After a lost connection, each connection put back before it is pinged once before its
    // next use (a dead one is replaced): see the module docs.
    opts.map_sqlx_postgres_before_acquire(|conn, meta| {
        Box::pin(async move {
            if suspect(meta.idle_for) {
                sea_orm::sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    });
    if url.starts_with("sqlite:") {
        // One connection: SQLite serialises writers anyway, and :memory: is per connection.
        // Write-ahead log with synchronous=NORMAL: a commit no longer waits for an fsync of the
        // database file (durable at the next checkpoint; a power cut may lose the last commits,
        // never corrupt the file); another process (`imserver app`) waits up to 5 s for a lock.
        opts.max_connections(1).min_connections(1);
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
        });
    } else {
        opts.max_connections(max_connections.max(1));
    }
    if let Some(schema) = schema {
        opts.set_schema_search_path(schema.to_owned());
    }
    Database::connect(opts).await
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with(":memory:") {
        None
    } else {
        Some(path.to_owned())
    }
}

/// A statement of `sql` written with `?` placeholders (numbered `$1..` on PostgreSQL, in order of
/// appearance) and `{max}` for the two-argument maximum (`GREATEST` / SQLite's `MAX`): one text of
/// hand-written SQL for both databases.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
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
