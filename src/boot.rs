//! Start-up: the database made ready for the domain (migrations, the QR-code secret) and the
//! background work of a serving instance. The one place that composes the domain with the
//! foundation below it (state.rs knows no domain type).
use sea_orm::{DatabaseConnection, DbBackend, DbErr};

use crate::cache::{identity, presence};
use crate::state::State;

/// Connect to `url` (creating the directory of a SQLite file), apply pending migrations and
/// make sure the QR-code signing secret exists (so that signing, a GET, writes nothing).
pub async fn connect(
    url: &str,
    max_connections: u32,
    schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    let db = crate::db::open_pool(url, max_connections, schema).await?;
    crate::db::migrate(&db).await?;
    crate::domain::groups::qrcode::ensure_secret(&db).await?;
    Ok(db)
}

/// The server's background work: the presence flusher, and the identity invalidation listener
/// (PostgreSQL, on `url`) or the SQLite file watcher. Call before the server takes requests.
/// Tests run without it.
pub async fn start_background(state: &State, url: &str) -> Result<(), DbErr> {
    tokio::spawn(presence::run_flusher(
        state.presence.clone(),
        state.db.clone(),
    ));
    let cache = state.identity.clone();
    if state.db.get_database_backend() == DbBackend::Postgres {
        let channel = identity::prepare_listener(&cache, &state.db).await?;
        tokio::spawn(identity::listen(
            cache,
            state.db.clone(),
            url.to_owned(),
            channel,
        ));
    } else {
        tokio::spawn(identity::watch_sqlite(cache, state.db.clone()));
    }
    Ok(())
}
