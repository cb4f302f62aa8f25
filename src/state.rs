//! What every request shares: the database, the settings and the clock.
use std::sync::Arc;

use migration::{Migrator, MigratorTrait};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::domain::identity::Identity;
use crate::domain::presence::Presence;
use crate::domain::tx;

pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    pub clock: SharedClock,
    /// Apps, admin tokens, sessions and their users, from memory (see domain::identity).
    pub identity: Arc<Identity>,
    /// Sightings of sessions not yet written (see domain::presence).
    pub presence: Arc<Presence>,
    /// The QR-code signing secret, read once (see domain::group_qrcode).
    pub qr_secret: Arc<tokio::sync::OnceCell<String>>,
}

pub type State = Arc<AppState>;

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings, clock: SharedClock) -> AppState {
        AppState {
            db: Db(db),
            settings,
            clock,
            identity: Arc::default(),
            presence: Arc::default(),
            qr_secret: Arc::default(),
        }
    }

    /// The same state (settings, clock, caches) over another handle of the database, e.g. one
    /// that counts its statements.
    pub fn with_db(&self, db: DatabaseConnection) -> AppState {
        AppState {
            db: Db(db),
            settings: self.settings.clone(),
            clock: self.clock.clone(),
            identity: self.identity.clone(),
            presence: self.presence.clone(),
            qr_secret: self.qr_secret.clone(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The server's background work: the presence flusher, and the identity invalidation
    /// listener (PostgreSQL, on `url`) or the SQLite file watcher. Call before the server takes
    /// requests. Tests run without it.
    pub async fn start_background(state: &State, url: &str) -> Result<(), DbErr> {
        tokio::spawn(crate::domain::presence::run_flusher(state.clone()));
        let identity = state.identity.clone();
        if state.db.get_database_backend() == DbBackend::Postgres {
            let channel = crate::domain::identity::prepare_listener(&identity, &state.db).await?;
            tokio::spawn(crate::domain::identity::listen(
                identity,
                state.db.clone(),
                url.to_owned(),
                channel,
            ));
        } else {
            tokio::spawn(crate::domain::identity::watch_sqlite(
                identity,
                state.db.clone(),
            ));
        }
        Ok(())
    }
}

/// The database of the requests: the pool, through which every statement outside a
/// transaction goes, so that one lost connection costs a retry, not an answer (see
/// domain::tx, "Connection loss"): a read runs again on a fresh connection, and on PostgreSQL a
/// write runs as its own transaction, run again when its connection died before its COMMIT.
/// Transactions (`begin`) and everything else of the pool are its `DatabaseConnection`'s
/// (`Deref`; `clone` answers that connection).
pub struct Db(DatabaseConnection);

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
    /// while its connection is lost before COMMIT (and after an aborted COMMIT, `tx::commit`).
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if self.0.get_database_backend() != DbBackend::Postgres {
            return self.0.execute_raw(stmt).await;
        }
        tx::reconnecting(|| {
            let stmt = stmt.clone();
            async move {
                let txn = self.0.begin().await?;
                let done = txn.execute_raw(stmt).await?;
                tx::commit(&self.0, txn).await?;
                Ok(done)
            }
        })
        .await
    }

    /// Runs again like a read: only for statements that may run twice (the `SELECT 1` of
    /// /ready); writes go through `execute_raw` (sea-orm's queries) or a transaction.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        tx::reconnecting(|| self.0.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        tx::reconnecting(|| self.0.query_one_raw(stmt.clone())).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        tx::reconnecting(|| self.0.query_all_raw(stmt.clone())).await
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}

/// Connect to `url` (creating the directory of a SQLite file) and apply pending migrations.
pub async fn connect(
    url: &str,
    max_connections: u32,
    schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    let db = open_pool(url, max_connections, schema).await?;
    migrate(&db).await?;
    crate::domain::group_qrcode::ensure_secret(&db).await?;
    Ok(db)
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
    if let Some(path) = sqlite_file(url) {
        if let Some(dir) = std::path::Path::new(&path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbErr::Custom(format!("creating {}: {e}", dir.display())))?;
            }
        }
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false);
    // A pooled connection is pinged before use only after it sat idle (a server, proxy or
    // firewall may have dropped it); a busy connection goes straight to work (sea-orm pings on
    // every checkout by default: a round trip per statement on PostgreSQL).
    opts.test_before_acquire_if_idle_for(Duration::from_secs(30));
    // After a lost connection, each connection put back before it is pinged once before its
    // next use (a dead one is replaced): see domain::tx, "Connection loss".
    opts.map_sqlx_postgres_before_acquire(|conn, meta| {
        Box::pin(async move {
            if tx::suspect(meta.idle_for) {
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

impl AppState {
    /// A state with no database, enough to render the OpenAPI spec.
    pub fn offline() -> State {
        Arc::new(AppState::new(
            DatabaseConnection::default(),
            Settings::for_tests(),
            Arc::new(crate::clock::SystemClock),
        ))
    }
}
