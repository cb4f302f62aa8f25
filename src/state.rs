//! What every request shares: the database, the settings and the clock.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::cache::identity::{self, Identity};
use crate::cache::presence::Presence;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::Db;
use crate::events::Seam;

pub struct AppState {
    /// The pool; statements outside a transaction run again after a lost connection.
    pub db: Db,
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
        let state = AppState::without_messages(db, settings, clock);
        state
            .seam
            .handle_in_transaction(Arc::new(crate::events::StoreRows));
        state
    }

    /// A state whose seam keeps no message store nor notice log (their tables may not exist yet:
    /// a database of a version before migration 000011, in tests of the migrations).
    pub fn without_messages(
        db: DatabaseConnection,
        settings: Settings,
        clock: SharedClock,
    ) -> AppState {
        let identity: Arc<Identity> = Arc::default();
        let seam = Arc::new(Seam::default());
        seam.handle_in_transaction(Arc::new(identity::Announcer(identity.clone())));
        seam.subscribe(Arc::new(identity::Evictor(identity.clone())));
        seam.subscribe(Arc::new(crate::metrics::EventCounter));
        AppState {
            db: Db::new(db),
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
            db: Db::new(db),
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
