//! How every write reaches the database: one transaction per request, retried in this one place
//! when the database resolves a race by aborting it, and one lock order shared by every
//! operation, which keeps such aborts rare.
//!
//! **Lock order.** A change that touches several rows locks them in this order, and never the
//! other way round: **groups by id, then memberships, then users.**
//! - Groups: `group_roles::load_group` (one group, `Need::Live`) or [`lock_groups`] (several,
//!   ascending id) take `FOR UPDATE`. Every change of a group's members holds its group's lock,
//!   so membership rows need no lock of their own: the group lock guards them and `count`.
//! - Users last: [`lock_users`] takes `FOR SHARE` on the users that a change makes members or
//!   owners (create, invite, invitation and application handling, apply, QR codes, transfer);
//!   user deletion and logins take `FOR UPDATE` on the user row after any group locks.
//!
//! On SQLite the lock clauses are left out: its writers are serialised by the database.
//!
//! **Retries.** [`transaction!`] runs a transaction body and commits it. When the database aborts the
//! attempt — a deadlock (40P01) or serialisation failure (40001) on PostgreSQL, a busy or locked
//! database on SQLite, or [`ApiError::Contended`] raised by the body itself — the whole body runs
//! again on a fresh transaction, at most [`MAX_ATTEMPTS`] times with a growing random pause. A
//! body therefore reads everything it decides on inside its transaction, and does its slow
//! work (password hashing) before `write`.
//!
//! **Connection loss.** A transaction whose connection died before its COMMIT was sent changed
//! nothing: `transaction!` runs it again like an aborted one; a COMMIT whose connection was
//! lost is resolved by asking a fresh connection whether it committed (`crate::db`, which also
//! runs the statements outside transactions again).
use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, RuntimeErr, TransactionTrait,
};

use crate::cache::identity::Change;
use crate::domain::common::id_lists::among;
use crate::entity::{group, user};
use crate::error::{ApiError, ApiResult};
use crate::events::Recorder;
use crate::state::AppState;

pub use crate::db::MAX_ATTEMPTS;
use crate::db::{backoff, is_connection_lost};

/// `transaction!(state, |txn| { body })`: run `body` (an async block over `txn: &DatabaseTransaction`
/// that answers an `ApiResult`) in a transaction and commit it; run it again on a fresh
/// transaction when the database aborted the attempt for a race (see the module docs). An `Err`
/// from the body (`?` or `return Err(..)`) rolls back and is answered. The body may run more
/// than once: it must not move what it captures (clone instead).
///
/// The body records its domain events with `events::record` and the cached state it changes with
/// `events::evict`; the seam (`crate::events`) hands them to the in-transaction handlers before
/// COMMIT and to the after-commit subscribers once it committed. An attempt that is rolled back
/// or retried keeps none of them.
///
/// `transaction!(state, evicts &change, |txn| { body })`: the same, with `change` evicted by
/// every attempt (see cache::identity).
///
/// A body that must record something and still answer an error (e.g. close an application
/// whose applicant is gone, and answer 10000) returns `Ok(Err(e))`: committed, then answered.
///
/// (A macro rather than a function taking an async closure: the future of a closure called
/// with a higher-ranked `&DatabaseTransaction` cannot be proven `Send`, which poem needs.)
macro_rules! transaction {
    ($state:expr, |$txn:ident| $body:block) => {
        $crate::domain::common::tx::transaction!(@run $state, None, |$txn| $body)
    };
    ($state:expr, evicts $change:expr, |$txn:ident| $body:block) => {
        $crate::domain::common::tx::transaction!(@run $state, Some($change), |$txn| $body)
    };
    (@run $state:expr, $change:expr, |$txn:ident| $body:block) => {{
        let state: &$crate::state::AppState = $state;
        let recorder = $crate::events::Recorder::new($change);
        let mut attempt = 1u32;
        let answer = loop {
            let result = match $crate::domain::common::tx::begin(state).await {
                Ok(txn) => {
                    let outcome = {
                        let $txn = &txn;
                        let body = $crate::domain::common::tx::typed(async $body);
                        recorder.collect(state.now_ms(), body).await
                    };
                    $crate::domain::common::tx::finish(txn, state, &recorder, outcome).await
                }
                Err(e) => Err(e),
            };
            match $crate::domain::common::tx::again(result, &mut attempt).await {
                ::std::ops::ControlFlow::Break(answer) => break answer,
                ::std::ops::ControlFlow::Continue(()) => {}
            }
        };
        recorder.finish(&state.seam);
        answer
    }};
}
pub(crate) use transaction;

/// Pins the answer type of a transaction body (so `?` inside it knows its error type).
pub fn typed<T, F: std::future::Future<Output = ApiResult<T>>>(body: F) -> F {
    body
}

/// A new transaction of `transaction!`.
pub async fn begin(state: &AppState) -> ApiResult<DatabaseTransaction> {
    Ok(state.db.begin().await?)
}

/// After a body that succeeded: the in-transaction handlers of the seam, then COMMIT. After one
/// that failed: roll back.
pub async fn finish<T>(
    txn: DatabaseTransaction,
    state: &AppState,
    recorder: &Recorder,
    outcome: ApiResult<T>,
) -> ApiResult<T> {
    let value = match outcome {
        Ok(value) => value,
        Err(e) => {
            // a failed rollback (a dropped connection) is rolled back by the database
            let _ = txn.rollback().await;
            return Err(e);
        }
    };
    if let Err(e) = state.seam.before_commit(&txn, &recorder.batch()).await {
        let _ = txn.rollback().await;
        return Err(e.into());
    }
    recorder.commit_sent();
    crate::db::commit(&state.db, txn).await?;
    recorder.committed();
    Ok(value)
}

/// Whether `transaction!` runs its body again after `result`: after a transient error, while
/// attempts remain, once a random pause has passed.
pub async fn again<T>(
    result: ApiResult<T>,
    attempt: &mut u32,
) -> std::ops::ControlFlow<ApiResult<T>> {
    match result {
        Err(e) if is_transient(&e) && *attempt < MAX_ATTEMPTS => {
            if matches!(&e, ApiError::Database(db) if is_connection_lost(db)) {
                crate::db::connection_lost();
            }
            tracing::debug!(attempt = *attempt, error = %describe(&e), "transaction aborted by a race or a lost connection; retrying");
            tokio::time::sleep(backoff(*attempt)).await;
            *attempt += 1;
            std::ops::ControlFlow::Continue(())
        }
        Err(e) if is_transient(&e) => {
            tracing::warn!(attempts = *attempt, error = %describe(&e), "transaction still aborted after every retry");
            std::ops::ControlFlow::Break(Err(e))
        }
        other => std::ops::ControlFlow::Break(other),
    }
}

fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Database(db) => db.to_string(),
        other => other.to_string(),
    }
}

/// True for the errors that a new attempt of the same transaction can resolve: an abort by a
/// race, or a connection lost before COMMIT.
pub fn is_transient(e: &ApiError) -> bool {
    match e {
        ApiError::Contended(_) => true,
        ApiError::Database(db) => {
            is_connection_lost(db)
                || db_code(db).is_some_and(|code| TRANSIENT_CODES.contains(&code.as_str()))
        }
        _ => false,
    }
}

/// PostgreSQL: serialization_failure, deadlock_detected. SQLite (extended result codes):
/// SQLITE_BUSY, SQLITE_LOCKED and their variants (recovery, snapshot, shared cache).
const TRANSIENT_CODES: &[&str] = &["40001", "40P01", "5", "6", "261", "262", "517"];

/// The database's own error code (SQLSTATE on PostgreSQL, the result code on SQLite).
fn db_code(e: &DbErr) -> Option<String> {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(err))
        | DbErr::Query(RuntimeErr::SqlxError(err))
        | DbErr::Conn(RuntimeErr::SqlxError(err)) => err
            .as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned()),
        _ => None,
    }
}

/// Lock the groups `ids` (`FOR UPDATE`, ascending id, the first step of the lock order) until the
/// transaction ends; answers the ids that exist. A change of one group uses
/// `group_roles::load_group` instead.
pub async fn lock_groups<C: ConnectionTrait>(db: &C, ids: &[i64]) -> ApiResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    crate::events::evict(Change::Groups(ids.to_vec()));
    Ok(group::Entity::find()
        .select_only()
        .column(group::Column::Id)
        .filter(among(db, group::Column::Id, ids))
        .order_by_asc(group::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// Which users a change may count on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alive {
    /// The user exists (a disabled user may still be added to a group by others).
    Exists,
    /// The user exists and is not disabled (it acts or answers for itself).
    Enabled,
}

/// The users among `ids` that are users of the app (and enabled, with `Alive::Enabled`), locked
/// `FOR SHARE` (ascending id, the last step of the lock order) until the transaction ends: a
/// deletion of any of them waits for this transaction to end, and a deletion that committed
/// first leaves them out. Every change that makes users members or owners asks this.
pub async fn lock_users<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    ids: &[i64],
    alive: Alive,
) -> ApiResult<HashSet<i64>> {
    Ok(users_among(db, app_id, ids, alive, false)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// The users among `ids` that are users of the app, locked `FOR UPDATE` (ascending id) until
/// the transaction ends: for changes of the user rows themselves (status, profile batches).
pub async fn lock_users_for_update<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    ids: &[i64],
) -> ApiResult<HashSet<i64>> {
    Ok(lock_user_statuses(db, app_id, ids)
        .await?
        .into_keys()
        .collect())
}

/// [`lock_users_for_update`], answering each user's status (0 enabled, 1 disabled).
pub async fn lock_user_statuses<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    ids: &[i64],
) -> ApiResult<HashMap<i64, i32>> {
    Ok(users_among(db, app_id, ids, Alive::Exists, true)
        .await?
        .into_iter()
        .collect())
}

/// "Which of these ids are users of this app", written once: one statement, rows locked in
/// ascending id order.
async fn users_among<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    ids: &[i64],
    alive: Alive,
    exclusive: bool,
) -> ApiResult<Vec<(i64, i32)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Status)
        .filter(user::Column::AppId.eq(app_id))
        .filter(among(db, user::Column::Id, ids))
        .order_by_asc(user::Column::Id);
    if alive == Alive::Enabled {
        query = query.filter(user::Column::Status.eq(0));
    }
    query = if exclusive {
        query.lock_exclusive()
    } else {
        query.lock_shared()
    };
    Ok(query.into_tuple::<(i64, i32)>().all(db).await?)
}

/// The user row of `user_id` in the app, locked `FOR UPDATE` until the transaction ends (user
/// deletion, logins: after any group locks), or 10000.
pub async fn lock_user_for_update<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    user_id: i64,
) -> ApiResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::AppId.eq(app_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| ApiError::UserNotFound(user_id.to_string()))
}

#[cfg(test)]
mod tests {
    //! The seam's promises at the transaction wrapper: events reach the after-commit
    //! subscribers only from an attempt that committed; a rolled-back or retried attempt keeps
    //! none; an in-transaction handler's failure rolls the change back.
    use std::sync::{Arc, Mutex};

    use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait};

    use super::*;
    use crate::config::Settings;
    use crate::entity::server_meta;
    use crate::events::{
        Actor, AfterCommit, Batch, BeforeCommit, EventKind, HandlerFuture, record_for,
    };
    use crate::state::AppState;

    #[derive(Default)]
    struct Collect(Mutex<Vec<EventKind>>);

    impl AfterCommit for Collect {
        fn after_commit(&self, batch: &Batch) {
            let kinds = batch.events.iter().map(|e| e.kind.clone());
            self.0.lock().unwrap().extend(kinds);
        }
    }

    /// An in-transaction handler that refuses every batch holding an event.
    struct Refuse;

    impl BeforeCommit for Refuse {
        fn before_commit<'a>(
            &'a self,
            _txn: &'a DatabaseTransaction,
            batch: &'a Batch,
        ) -> HandlerFuture<'a> {
            let refuse = !batch.events.is_empty();
            Box::pin(async move {
                if refuse {
                    return Err(DbErr::Custom("refused by a handler".into()));
                }
                Ok(())
            })
        }
    }

    async fn state() -> (AppState, Arc<Collect>) {
        let db = crate::boot::connect("sqlite::memory:", 1, None)
            .await
            .unwrap();
        let clock = Arc::new(crate::clock::SystemClock);
        let state = AppState::new(db, Settings::for_tests(), clock);
        let seen = Arc::new(Collect::default());
        state.seam.subscribe(seen.clone());
        (state, seen)
    }

    fn registered(user_id: i64) -> EventKind {
        EventKind::UserRegistered { user_id }
    }

    async fn insert_meta<C: ConnectionTrait>(db: &C, key: &str) -> ApiResult<()> {
        let row = server_meta::ActiveModel {
            key: sea_orm::Set(key.to_owned()),
            value: sea_orm::Set("v".to_owned()),
        };
        server_meta::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    #[tokio::test]
    async fn a_committed_body_publishes_its_events_in_order() {
        let (state, seen) = state().await;
        let answer = transaction!(&state, |txn| {
            record_for("app", Actor::Anonymous, registered(1));
            insert_meta(txn, "k1").await?;
            record_for("app", Actor::Anonymous, registered(2));
            Ok(7)
        });
        assert_eq!(answer.unwrap(), 7);
        assert_eq!(*seen.0.lock().unwrap(), vec![registered(1), registered(2)]);
    }

    #[tokio::test]
    async fn a_rolled_back_body_publishes_nothing() {
        let (state, seen) = state().await;
        let answer: ApiResult<()> = transaction!(&state, |txn| {
            record_for("app", Actor::Anonymous, registered(1));
            insert_meta(txn, "k1").await?;
            Err(ApiError::bad("refused after the write"))
        });
        assert!(answer.is_err());
        assert!(seen.0.lock().unwrap().is_empty());
        assert!(
            server_meta::Entity::find_by_id("k1".to_owned())
                .one(&state.db)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_retried_attempt_keeps_none_of_its_events() {
        let (state, seen) = state().await;
        let attempts = Mutex::new(0);
        let answer = transaction!(&state, |txn| {
            let attempt = {
                let mut n = attempts.lock().unwrap();
                *n += 1;
                *n
            };
            record_for("app", Actor::Anonymous, registered(attempt));
            insert_meta(txn, &format!("k{attempt}")).await?;
            if attempt < 3 {
                return Err(ApiError::Contended("a race, for the test"));
            }
            Ok(attempt)
        });
        assert_eq!(answer.unwrap(), 3);
        assert_eq!(*seen.0.lock().unwrap(), vec![registered(3)]);
        for (key, kept) in [("k1", false), ("k2", false), ("k3", true)] {
            let row = server_meta::Entity::find_by_id(key.to_owned())
                .one(&state.db)
                .await
                .unwrap();
            assert_eq!(row.is_some(), kept, "{key}");
        }
    }

    #[tokio::test]
    async fn a_failing_in_transaction_handler_rolls_the_change_back() {
        let (state, seen) = state().await;
        state.seam.handle_in_transaction(Arc::new(Refuse));
        let answer: ApiResult<()> = transaction!(&state, |txn| {
            record_for("app", Actor::Anonymous, registered(1));
            insert_meta(txn, "k1").await?;
            Ok(())
        });
        assert!(answer.is_err());
        assert!(seen.0.lock().unwrap().is_empty());
        let row = server_meta::Entity::find_by_id("k1".to_owned())
            .one(&state.db)
            .await
            .unwrap();
        assert!(row.is_none(), "the handler's failure rolled the write back");
    }
}

#[cfg(test)]
mod connection_loss {
    //! On PostgreSQL, a transaction whose connection dies before COMMIT runs again on a fresh
    //! connection (here the body terminates its own backend on the first attempt).
    use std::sync::{Arc, Mutex};

    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use crate::config::Settings;
    use crate::state::AppState;

    #[tokio::test]
    async fn a_transaction_whose_backend_is_terminated_runs_again() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            return;
        };
        let schema = format!(
            "imtest_{}_txloss",
            std::env::var("IMTEST_RUN").unwrap_or_else(|_| "adhoc".into())
        );
        let admin = crate::db::open_pool(&url, 1, None).await.unwrap();
        let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
        admin.execute_unprepared(&create).await.unwrap();
        let db = crate::boot::connect(&url, 2, Some(&schema)).await.unwrap();
        let state = AppState::new(
            db,
            Settings::for_tests(),
            Arc::new(crate::clock::SystemClock),
        );
        let attempts = Mutex::new(0);
        let answer = transaction!(&state, |txn| {
            let attempt = {
                let mut n = attempts.lock().unwrap();
                *n += 1;
                *n
            };
            if attempt == 1 {
                let kill = "SELECT pg_terminate_backend(pg_backend_pid())";
                txn.execute_raw(Statement::from_string(DbBackend::Postgres, kill))
                    .await?;
            }
            Ok(attempt)
        });
        let drop = format!("DROP SCHEMA {schema} CASCADE");
        admin.execute_unprepared(&drop).await.unwrap();
        assert_eq!(answer.unwrap(), 2, "the second attempt answered");
    }
}
