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
//! **Connection loss.** A PostgreSQL connection may die under a statement (its backend
//! terminated, the server restarted: SQLSTATE 57P01 and the like, or a broken socket). A
//! transaction that failed so before its COMMIT was sent changed nothing: `transaction!` runs it
//! again like an aborted one. A statement outside a transaction goes through
//! [`crate::state::Db`], which runs it again the same way, [`reconnecting`] (a write there is
//! its own transaction, so that this holds for it too). A connection lost during COMMIT itself
//! is resolved by asking a fresh connection whether the transaction committed ([`commit`]);
//! only when that stays unknown is it answered as an error ([`commit_error`]). After a loss the
//! pool pings each connection once before its next use ([`suspect`]), so that a retry does not
//! meet the next dead connection; otherwise checkouts are not pinged.
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, RuntimeErr, Statement, TransactionTrait,
};

use crate::domain::id_lists::among;
use crate::domain::identity::Change;
use crate::entity::{group, user};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How many times one request's transaction runs at most before its error is answered.
pub const MAX_ATTEMPTS: u32 = 8;

/// `transaction!(state, |txn| { body })`: run `body` (an async block over `txn: &DatabaseTransaction`
/// that answers an `ApiResult`) in a transaction and commit it; run it again on a fresh
/// transaction when the database aborted the attempt for a race (see the module docs). An `Err`
/// from the body (`?` or `return Err(..)`) rolls back and is answered. The body may run more
/// than once: it must not move what it captures (clone instead).
///
/// `transaction!(state, evicts &change, |txn| { body })`: the same, for a change of identity state
/// (see domain::identity): the change is announced to the other instances inside the
/// transaction that commits, and forgotten by this one after it.
///
/// A body that must record something and still answer an error (e.g. close an application
/// whose applicant is gone, and answer 10000) returns `Ok(Err(e))`: committed, then answered.
///
/// (A macro rather than a function taking an async closure: the future of a closure called
/// with a higher-ranked `&DatabaseTransaction` cannot be proven `Send`, which poem needs.)
macro_rules! transaction {
    ($state:expr, |$txn:ident| $body:block) => {
        $crate::domain::tx::transaction!(@run $state, None, |$txn| $body)
    };
    ($state:expr, evicts $change:expr, |$txn:ident| $body:block) => {
        $crate::domain::tx::transaction!(@run $state, Some($change), |$txn| $body)
    };
    (@run $state:expr, $change:expr, |$txn:ident| $body:block) => {{
        let state: &$crate::state::AppState = $state;
        let changes = $crate::domain::tx::Changes::new($change);
        let mut attempt = 1u32;
        let answer = loop {
            let result = match $crate::domain::tx::begin(state).await {
                Ok(txn) => {
                    let outcome = {
                        let $txn = &txn;
                        changes.collect($crate::domain::tx::typed(async $body)).await
                    };
                    let outcome = changes.announce(&txn, state, outcome).await;
                    $crate::domain::tx::finish(state, txn, outcome).await
                }
                Err(e) => Err(e),
            };
            match $crate::domain::tx::again(result, &mut attempt).await {
                ::std::ops::ControlFlow::Break(answer) => break answer,
                ::std::ops::ControlFlow::Continue(()) => {}
            }
        };
        changes.forget(state);
        answer
    }};
}
pub(crate) use transaction;

/// Pins the answer type of a transaction body (so `?` inside it knows its error type).
pub fn typed<T, F: std::future::Future<Output = ApiResult<T>>>(body: F) -> F {
    body
}

tokio::task_local! {
    /// The changes of cached state that the running transaction body reports (see [`touched`]).
    static TOUCHED: Arc<Mutex<Vec<Change>>>;
}

/// Report a change of cached state from inside a `transaction!` body (e.g. a group locked for a
/// change, by `group_roles::load_group`): it is announced to the other instances before the
/// commit and forgotten by this one after it. Outside a transaction body it does nothing.
pub fn touched(change: Change) {
    let _ = TOUCHED.try_with(|t| t.lock().unwrap_or_else(|e| e.into_inner()).push(change));
}

/// The changes of one `transaction!`: the one it was given, and those its body reports.
pub struct Changes {
    given: Option<Change>,
    touched: Arc<Mutex<Vec<Change>>>,
}

impl Changes {
    pub fn new(given: Option<&Change>) -> Changes {
        Changes {
            given: given.cloned(),
            touched: Arc::default(),
        }
    }

    /// Run one attempt of the body, collecting what it reports.
    pub async fn collect<T>(
        &self,
        body: impl std::future::Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        self.touched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        TOUCHED.scope(self.touched.clone(), body).await
    }

    fn all(&self) -> Vec<Change> {
        let mut all: Vec<Change> = self.given.iter().cloned().collect();
        all.extend(
            self.touched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
        all.dedup();
        all
    }

    /// After a body that succeeded: NOTIFY the other instances, inside its transaction.
    pub async fn announce<T>(
        &self,
        txn: &DatabaseTransaction,
        state: &AppState,
        outcome: ApiResult<T>,
    ) -> ApiResult<T> {
        let value = outcome?;
        for change in self.all() {
            crate::domain::identity::announce(txn, &state.identity, &change).await?;
        }
        Ok(value)
    }

    /// After the transaction ended: forget here what it changed (whether it committed or not).
    pub fn forget(&self, state: &AppState) {
        for change in self.all() {
            state.identity.forget(&change);
        }
    }
}

/// A new transaction of `transaction!`.
pub async fn begin(state: &AppState) -> ApiResult<DatabaseTransaction> {
    Ok(state.db.begin().await?)
}

/// Commit after a body that succeeded ([`commit`]), roll back after one that failed.
pub async fn finish<T>(
    state: &AppState,
    txn: DatabaseTransaction,
    outcome: ApiResult<T>,
) -> ApiResult<T> {
    match outcome {
        Ok(value) => commit(&state.db, txn)
            .await
            .map(|()| value)
            .map_err(ApiError::from),
        Err(e) => {
            // a failed rollback (a dropped connection) is rolled back by the database
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// Whether `transaction!` runs its body again after `result`: after a transient error, while
/// attempts remain, once a random pause has passed.
pub async fn again<T>(
    result: ApiResult<T>,
    attempt: &mut u32,
) -> std::ops::ControlFlow<ApiResult<T>> {
    match result {
        Err(e) if is_transient(&e) && *attempt < MAX_ATTEMPTS => {
            if lost(&e) {
                connection_lost();
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

/// A random pause before attempt `attempt + 1`: up to 2, 4, 8 ... ms, at most 100 ms.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = (1u64 << attempt.min(16)).saturating_mul(2).min(100);
    Duration::from_micros(rand::rng().random_range(500..=cap_ms * 1000))
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

fn lost(e: &ApiError) -> bool {
    matches!(e, ApiError::Database(db) if is_connection_lost(db))
}

/// PostgreSQL: serialization_failure, deadlock_detected. SQLite (extended result codes):
/// SQLITE_BUSY, SQLITE_LOCKED and their variants (recovery, snapshot, shared cache).
const TRANSIENT_CODES: &[&str] = &["40001", "40P01", "5", "6", "261", "262", "517"];

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
/// place where a statement outside `transaction!` is retried ([`crate::state::Db`]).
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
    touched(Change::Groups(ids.to_vec()));
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
