//! What every request shares: the database, the settings and the clock.
use std::sync::Arc;

use migration::{Migrator, MigratorTrait};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    TransactionTrait,
};

use crate::cache::identity::{self, Identity};
use crate::cache::presence::Presence;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::events::Seam;

pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Settings,
    pub clock: SharedClock,
    /// Apps, admin tokens, sessions and their users, from memory (see cache::identity).
    pub identity: Arc<Identity>,
    /// Sightings of sessions not yet written (see cache::presence).
    pub presence: Arc<Presence>,
    /// The domain-event seam: in-transaction handlers and after-commit subscribers.
    pub seam: Arc<Seam>,
    /// The QR-code signing secret, read once (created by `boot::connect`).
    pub qr_secret: Arc<tokio::sync::OnceCell<String>>,
}

pub type State = Arc<AppState>;

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings, clock: SharedClock) -> AppState {
        let identity: Arc<Identity> = Arc::default();
        let seam = Arc::new(Seam::default());
        seam.handle_in_transaction(Arc::new(identity::Announcer(identity.clone())));
        seam.subscribe(Arc::new(identity::Evictor(identity.clone())));
        AppState {
            db,
            settings,
            clock,
            identity,
            presence: Arc::default(),
            seam,
            qr_secret: Arc::default(),
        }
    }

    /// The same state (settings, clock, caches) over another handle of the database, e.g. one
    /// that counts its statements.
    pub fn with_db(&self, db: DatabaseConnection) -> AppState {
        AppState {
            db,
            settings: self.settings.clone(),
            clock: self.clock.clone(),
            identity: self.identity.clone(),
            presence: self.presence.clone(),
            seam: self.seam.clone(),
            qr_secret: self.qr_secret.clone(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
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
