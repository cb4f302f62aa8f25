//! The domain-event seam, in two phases.
//!
//! Every change records what happened as typed [`Event`]s (the [`catalogue`]) from inside its
//! transaction body (`record`), beside the cache entries it invalidates (`evict`). When the body
//! succeeded, `domain::common::tx::transaction!` hands the attempt's [`Batch`] to:
//!
//! 1. the **in-transaction handlers** ([`BeforeCommit`]), before COMMIT and as part of the
//!    transaction: an error of theirs rolls the change back (today: the NOTIFY that tells other
//!    instances what to evict, the message store's seats of joining and registering users
//!    (`seats`) and each user's notice log (`notices`); later: webhook outbox rows, audit rows);
//! 2. the **after-commit subscribers** ([`AfterCommit`]), once COMMIT succeeded, so they see
//!    committed events only (today: this instance's cache eviction; later: live delivery).
//!
//! An attempt that fails or that the wrapper retries keeps none of its events: each attempt
//! starts an empty batch, and a rolled-back batch reaches nobody. A COMMIT whose outcome is
//! unknown (its connection was lost) reaches [`AfterCommit::after_unsure`] only.
//!
//! Publishers: the domain's write operations (`domain::*`). Subscribers are composed at
//! start-up (`AppState::new`: the identity cache's two handlers) and may be added later
//! (`Seam::subscribe`, e.g. a test's collector).
pub mod catalogue;
pub mod notices;
pub mod seats;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use sea_orm::{DatabaseTransaction, DbErr};

use crate::cache::identity::Change;
pub use catalogue::{Actor, Event, EventKind, JoinedBy, SessionEnd};

/// What one attempt of a transaction recorded.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// When the transaction's body ran (ms, the state's clock).
    pub at_ms: i64,
    /// The events, in the order they were recorded.
    pub events: Vec<Event>,
    /// The cached state it changed (deduplicated).
    pub evictions: Vec<Change>,
}

/// A future that an in-transaction handler answers.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'a>>;

/// Runs inside the transaction, before COMMIT; an error rolls the whole change back.
pub trait BeforeCommit: Send + Sync {
    fn before_commit<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        batch: &'a Batch,
    ) -> HandlerFuture<'a>;
}

/// Runs after the transaction committed, before the request is answered; must not block.
pub trait AfterCommit: Send + Sync {
    fn after_commit(&self, batch: &Batch);
    /// COMMIT was sent but its outcome is unknown (the connection was lost meanwhile).
    fn after_unsure(&self, _batch: &Batch) {}
}

/// The handlers of every transaction of a state.
#[derive(Default)]
pub struct Seam {
    before: RwLock<Vec<Arc<dyn BeforeCommit>>>,
    after: RwLock<Vec<Arc<dyn AfterCommit>>>,
}

impl Seam {
    pub fn handle_in_transaction(&self, handler: Arc<dyn BeforeCommit>) {
        self.before
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(handler);
    }

    pub fn subscribe(&self, subscriber: Arc<dyn AfterCommit>) {
        self.after
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(subscriber);
    }

    /// Phase 1: every in-transaction handler, in the order they were added.
    pub async fn before_commit(
        &self,
        txn: &DatabaseTransaction,
        batch: &Batch,
    ) -> Result<(), DbErr> {
        let handlers = self
            .before
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for handler in handlers {
            handler.before_commit(txn, batch).await?;
        }
        Ok(())
    }

    /// Phase 2: every after-commit subscriber (`committed`), or their `after_unsure`.
    pub fn after_commit(&self, batch: &Batch, committed: bool) {
        let subscribers = self.after.read().unwrap_or_else(|e| e.into_inner()).clone();
        for subscriber in subscribers {
            if committed {
                subscriber.after_commit(batch);
            } else {
                subscriber.after_unsure(batch);
            }
        }
    }
}

/// The rows the message store keeps per user, written inside the changing transaction: the seats
/// of joining members and new users (`seats`), and each user's notice log (`notices`).
pub struct StoreRows;

impl BeforeCommit for StoreRows {
    fn before_commit<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        batch: &'a Batch,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            seats::write(txn, batch).await?;
            notices::write_batch(txn, batch).await
        })
    }
}

tokio::task_local! {
    /// The batch of the transaction body running on this task.
    static RECORDING: Arc<Mutex<Batch>>;
}

/// Record `event` in the running transaction body's batch. Outside a transaction body it is
/// dropped (and a debug build panics: every change runs in `transaction!`).
pub fn record(event: Event) {
    let recorded = RECORDING.try_with(|b| lock(b).events.push(event));
    debug_assert!(
        recorded.is_ok(),
        "an event recorded outside a transaction body"
    );
}

/// [`record`] an event of `app_id` caused by `actor`.
pub fn record_for(app_id: &str, actor: Actor, kind: EventKind) {
    record(Event {
        app_id: app_id.to_owned(),
        actor,
        kind,
    });
}

/// Record that the running transaction body changes cached state `change` (e.g. a group
/// locked for a change). Outside a transaction body it does nothing.
pub fn evict(change: Change) {
    let _ = RECORDING.try_with(|b| {
        let mut batch = lock(b);
        if !batch.evictions.contains(&change) {
            batch.evictions.push(change);
        }
    });
}

fn lock(batch: &Mutex<Batch>) -> std::sync::MutexGuard<'_, Batch> {
    batch.lock().unwrap_or_else(|e| e.into_inner())
}

/// The recording of one `transaction!`: a fresh batch per attempt, holding the evictions the
/// wrapper was given and what the body records.
pub struct Recorder {
    given: Option<Change>,
    batch: Arc<Mutex<Batch>>,
    /// 0 running, 1 COMMIT sent, 2 committed.
    stage: Mutex<u8>,
}

impl Recorder {
    pub fn new(given: Option<&Change>) -> Recorder {
        Recorder {
            given: given.cloned(),
            batch: Arc::default(),
            stage: Mutex::new(0),
        }
    }

    /// Run one attempt of the body at `at_ms`, recording into a fresh batch.
    pub async fn collect<T, E>(
        &self,
        at_ms: i64,
        body: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        *lock(&self.batch) = Batch {
            at_ms,
            events: vec![],
            evictions: self.given.iter().cloned().collect(),
        };
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        RECORDING.scope(self.batch.clone(), body).await
    }

    /// The batch of the current attempt.
    pub fn batch(&self) -> Batch {
        lock(&self.batch).clone()
    }

    pub fn commit_sent(&self) {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = 1;
    }

    pub fn committed(&self) {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = 2;
    }

    /// After the last attempt: phase 2 for a batch that committed (or may have).
    pub fn finish(&self, seam: &Seam) {
        let stage = *self.stage.lock().unwrap_or_else(|e| e.into_inner());
        if stage > 0 {
            seam.after_commit(&lock(&self.batch), stage == 2);
        }
    }
}
