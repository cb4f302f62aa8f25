//! Who a token is, from memory: apps, live admin tokens, user sessions and the users behind them,
//! filled from the database on a miss and evicted when they change — in this process at once,
//! in every other instance through PostgreSQL `LISTEN`/`NOTIFY`.
//!
//! It also holds the rows of the hot group reads (/group/info, member_list, ...): groups, the
//! caller's membership in them and member_list pages, evicted the same way by every change of a
//! group.
//!
//! **Evicting.** A transaction that changes identity state (a session ends or is replaced, a
//! password, status or any user field changes, a user is deleted, an admin token is revoked)
//! calls [`announce`] inside the transaction — on PostgreSQL a `NOTIFY` that the database delivers
//! to every listening instance when, and only if, it commits — and [`Identity::forget`] after it
//! committed, so the instance that made the change refuses a revoked token at once.
//!
//! **Fills that race an eviction.** A fill reads the generation before it queries and stores its
//! rows only if no eviction happened meanwhile ([`Identity::store`]): a reader that loaded a row
//! just before a change committed cannot put the stale row back after the eviction.
//!
//! **When evictions might be missed.** On PostgreSQL each instance runs one listener
//! ([`listen`]). While it is not known to be healthy — at start, after its connection dropped,
//! or when its own heartbeat (a `NOTIFY` every [`HEARTBEAT_MS`]) has not come back within
//! [`STALE_AFTER_MS`] — the cache is emptied and bypassed: every request reads the database
//! until the listener hears its heartbeat again. On SQLite (one server process per file) the
//! server polls `PRAGMA data_version` ([`watch_sqlite`]) and empties the cache when another
//! process (`imserver app revoke`) wrote to the file.
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::entity::{app, group, group_member, user};

/// How often a listener sends its heartbeat.
pub const HEARTBEAT_MS: u64 = 200;
/// A listener whose last heartbeat came back longer ago than this is not trusted.
pub const STALE_AFTER_MS: u64 = 1000;
/// Largest NOTIFY payload we send (PostgreSQL allows a little under 8000 bytes).
const MAX_PAYLOAD: usize = 7900;

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Users whose row, status, password or sessions changed (or who were deleted).
    Users(Vec<i64>),
    /// An admin token (its SHA-256 digest) was revoked.
    AdminToken(String),
    /// Groups whose row or members changed (every change of a group locks its row first:
    /// `group_roles::load_group`, `tx::lock_groups`, which report it).
    Groups(Vec<i64>),
    /// Anything: drop every cached identity.
    All,
}

impl Change {
    pub fn user(id: i64) -> Change {
        Change::Users(vec![id])
    }

    /// The NOTIFY payloads of this change, each under the payload limit.
    fn payloads(&self) -> Vec<String> {
        match self {
            Change::All => vec!["*".into()],
            Change::AdminToken(digest) => vec![format!("t:{digest}")],
            Change::Users(ids) => id_payloads("u:", ids),
            Change::Groups(ids) => id_payloads("g:", ids),
        }
    }

    /// A payload received from another instance (None: a heartbeat or something unknown).
    fn parse(payload: &str) -> Option<Change> {
        if payload == "*" {
            return Some(Change::All);
        }
        if let Some(d) = payload.strip_prefix("t:") {
            return Some(Change::AdminToken(d.to_owned()));
        }
        let ids = |list: &str| list.split(',').filter_map(|s| s.parse().ok()).collect();
        if let Some(list) = payload.strip_prefix("g:") {
            return Some(Change::Groups(ids(list)));
        }
        Some(Change::Users(ids(payload.strip_prefix("u:")?)))
    }
}

/// `prefix` and the ids, comma-separated, in as many payloads as the size limit needs.
fn id_payloads(prefix: &str, ids: &[i64]) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::from(prefix);
    for id in ids {
        let part = id.to_string();
        if cur.len() + part.len() + 1 > MAX_PAYLOAD {
            out.push(std::mem::replace(&mut cur, String::from(prefix)));
        }
        if cur.len() > prefix.len() {
            cur.push(',');
        }
        cur.push_str(&part);
    }
    if cur.len() > prefix.len() {
        out.push(cur);
    }
    out
}

/// The member_list pages of one group: (after, rows fetched) -> the rows.
type Pages = HashMap<(Option<i64>, u64), Arc<Vec<group_member::Model>>>;

/// A user session as a token names it.
#[derive(Clone, Debug)]
pub struct Session {
    pub device_id: i64,
    pub user_id: i64,
    pub device_sn: i32,
    pub expires_at: i64,
}

#[derive(Default)]
struct Cache {
    apps: HashMap<String, Arc<app::Model>>,
    /// Live admin tokens: digest -> app_id.
    admin_tokens: HashMap<String, String>,
    /// Live user sessions by token digest.
    sessions: HashMap<String, Arc<Session>>,
    /// The digests of the cached sessions of each user.
    sessions_of: HashMap<i64, HashSet<String>>,
    users: HashMap<i64, Arc<user::Model>>,
    groups: HashMap<i64, Arc<group::Model>>,
    /// (group, user) -> the membership, or None: not a member.
    members: HashMap<(i64, i64), Option<Arc<group_member::Model>>>,
    /// The users of each group in `members`.
    members_of: HashMap<i64, HashSet<i64>>,
    /// member_list pages: group -> (after, rows fetched) -> the rows.
    pages: HashMap<i64, Pages>,
    /// How many pages `pages` holds.
    page_count: usize,
}

/// Past this many member_list pages the page cache starts over empty (a page holds up to 501 rows).
const MAX_PAGES: usize = 2_000;

/// Past this many entries a map of the cache starts over empty (a bound on memory; a miss costs
/// one statement).
const MAX_ENTRIES: usize = 200_000;

fn bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) -> &mut HashMap<K, V> {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map
}

/// One row that a fill stores.
pub enum Fill {
    App(app::Model),
    AdminToken {
        digest: String,
        app_id: String,
    },
    Session {
        digest: String,
        session: Session,
    },
    User(user::Model),
    Group(group::Model),
    Membership {
        group_id: i64,
        user_id: i64,
        member: Option<group_member::Model>,
    },
    /// A member_list page: the rows after `after` (row id), `fetch` of them at most.
    Page {
        group_id: i64,
        after: Option<i64>,
        fetch: u64,
        rows: Vec<group_member::Model>,
    },
}

/// The identity cache of one server process.
pub struct Identity {
    cache: RwLock<Cache>,
    generation: AtomicU64,
    /// Whether cached entries may be served (false while evictions may be missed).
    trusted: AtomicBool,
    /// The NOTIFY channel (PostgreSQL), named after the schema the server works in.
    channel: RwLock<Option<String>>,
    /// Milliseconds since `started` when the last heartbeat came back (listeners only).
    last_beat: AtomicI64,
    started: Instant,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            cache: RwLock::default(),
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(true),
            channel: RwLock::new(None),
            last_beat: AtomicI64::new(i64::MIN / 2),
            started: Instant::now(),
        }
    }
}

impl Identity {
    /// Whether cached identities may be served now.
    pub fn trusted(&self) -> bool {
        self.trusted.load(Ordering::Acquire)
    }

    /// The generation a fill starts from (read it before querying the database).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn app(&self, app_id: &str) -> Option<Arc<app::Model>> {
        self.read(|c| c.apps.get(app_id).cloned())
    }

    /// The app_id of a live admin token.
    pub fn admin_token(&self, digest: &str) -> Option<String> {
        self.read(|c| c.admin_tokens.get(digest).cloned())
    }

    pub fn session(&self, digest: &str) -> Option<Arc<Session>> {
        self.read(|c| c.sessions.get(digest).cloned())
    }

    pub fn user(&self, user_id: i64) -> Option<Arc<user::Model>> {
        self.read(|c| c.users.get(&user_id).cloned())
    }

    pub fn group(&self, group_id: i64) -> Option<Arc<group::Model>> {
        self.read(|c| c.groups.get(&group_id).cloned())
    }

    /// A cached member_list page (see [`Fill::Page`]).
    pub fn page(
        &self,
        group_id: i64,
        after: Option<i64>,
        fetch: u64,
    ) -> Option<Arc<Vec<group_member::Model>>> {
        self.read(|c| {
            c.pages
                .get(&group_id)
                .and_then(|p| p.get(&(after, fetch)))
                .cloned()
        })
    }

    /// Some(None): known not to be a member.
    pub fn membership(
        &self,
        group_id: i64,
        user_id: i64,
    ) -> Option<Option<Arc<group_member::Model>>> {
        self.read(|c| c.members.get(&(group_id, user_id)).cloned())
    }

    fn read<T>(&self, f: impl FnOnce(&Cache) -> Option<T>) -> Option<T> {
        if !self.trusted() {
            crate::metrics::global().cache_lookup(false);
            return None;
        }
        let found = f(&self.cache.read().unwrap_or_else(|e| e.into_inner()));
        crate::metrics::global().cache_lookup(found.is_some());
        found
    }

    /// Store rows read since `generation`, unless an eviction happened meanwhile (or the cache
    /// is not trusted now). Answers the stored rows as shared values.
    pub fn store(&self, generation: u64, fill: Fill) {
        let mut c = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if !self.trusted() || self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        match fill {
            Fill::App(a) => {
                bounded(&mut c.apps).insert(a.app_id.clone(), Arc::new(a));
            }
            Fill::AdminToken { digest, app_id } => {
                bounded(&mut c.admin_tokens).insert(digest, app_id);
            }
            Fill::Session { digest, session } => {
                if c.sessions.len() >= MAX_ENTRIES {
                    c.sessions.clear();
                    c.sessions_of.clear();
                }
                c.sessions_of
                    .entry(session.user_id)
                    .or_default()
                    .insert(digest.clone());
                c.sessions.insert(digest, Arc::new(session));
            }
            Fill::User(u) => {
                bounded(&mut c.users).insert(u.id, Arc::new(u));
            }
            Fill::Group(g) => {
                bounded(&mut c.groups).insert(g.id, Arc::new(g));
            }
            Fill::Membership {
                group_id,
                user_id,
                member,
            } => {
                if c.members.len() >= MAX_ENTRIES {
                    c.members.clear();
                    c.members_of.clear();
                }
                c.members_of.entry(group_id).or_default().insert(user_id);
                c.members.insert((group_id, user_id), member.map(Arc::new));
            }
            Fill::Page {
                group_id,
                after,
                fetch,
                rows,
            } => {
                if c.page_count >= MAX_PAGES {
                    c.pages.clear();
                    c.page_count = 0;
                }
                if c.pages
                    .entry(group_id)
                    .or_default()
                    .insert((after, fetch), Arc::new(rows))
                    .is_none()
                {
                    c.page_count += 1;
                }
            }
        }
    }

    /// Drop what `change` names (after its transaction committed, and when another instance
    /// announced it). Every fill that started before this is refused.
    pub fn forget(&self, change: &Change) {
        let mut c = self.cache.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        match change {
            Change::All => *c = Cache::default(),
            Change::AdminToken(digest) => {
                c.admin_tokens.remove(digest);
            }
            Change::Users(ids) => {
                for id in ids {
                    c.users.remove(id);
                    for digest in c.sessions_of.remove(id).unwrap_or_default() {
                        c.sessions.remove(&digest);
                    }
                }
            }
            Change::Groups(ids) => {
                for id in ids {
                    c.groups.remove(id);
                    c.page_count -= c.pages.remove(id).map_or(0, |p| p.len());
                    for user_id in c.members_of.remove(id).unwrap_or_default() {
                        c.members.remove(&(*id, user_id));
                    }
                }
            }
        }
    }

    /// Stop serving from memory and empty the cache (evictions may be missed from now on).
    fn distrust(&self) {
        if self.trusted.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                "identity cache off: invalidations from other instances may be missed; reading the database"
            );
        }
        self.forget(&Change::All);
    }

    /// Serve from memory again (the cache is empty: what it fills from now on is current).
    fn trust(&self) {
        self.forget(&Change::All);
        if !self.trusted.swap(true, Ordering::AcqRel) {
            tracing::info!("identity cache on: the invalidation listener is healthy");
        }
    }

    fn channel(&self) -> Option<String> {
        self.channel
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn now_ms(&self) -> i64 {
        self.started.elapsed().as_millis() as i64
    }
}

/// Inside the transaction that makes `change`: on PostgreSQL, NOTIFY every instance (delivered
/// when the transaction commits, dropped when it rolls back). Nothing on SQLite, whose single
/// server process forgets after the commit. Call [`Identity::forget`] after the commit too.
pub async fn announce<C: ConnectionTrait>(
    db: &C,
    identity: &Identity,
    change: &Change,
) -> Result<(), sea_orm::DbErr> {
    let Some(channel) = identity.channel() else {
        return Ok(());
    };
    for payload in change.payloads() {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [channel.clone().into(), payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The seam's in-transaction handler of the cache: every eviction of a batch is announced
/// ([`announce`]) inside the transaction that makes it.
pub struct Announcer(pub Arc<Identity>);

impl crate::events::BeforeCommit for Announcer {
    fn before_commit<'a>(
        &'a self,
        txn: &'a sea_orm::DatabaseTransaction,
        batch: &'a crate::events::Batch,
    ) -> crate::events::HandlerFuture<'a> {
        Box::pin(async move {
            for change in &batch.evictions {
                announce(txn, &self.0, change).await?;
            }
            Ok(())
        })
    }
}

/// The seam's after-commit subscriber of the cache: this instance forgets what a batch evicts
/// once it committed (or may have: a COMMIT whose outcome is unknown).
pub struct Evictor(pub Arc<Identity>);

impl crate::events::AfterCommit for Evictor {
    fn after_commit(&self, batch: &crate::events::Batch) {
        for change in &batch.evictions {
            self.0.forget(change);
        }
    }

    fn after_unsure(&self, batch: &crate::events::Batch) {
        self.after_commit(batch);
    }
}

/// The channel of the schema `db` works in (`imserver_identity.<schema>`).
async fn channel_of(db: &DatabaseConnection) -> Result<String, sea_orm::DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema()::text",
        ))
        .await?
        .ok_or_else(|| sea_orm::DbErr::Custom("no current_schema".into()))?;
    let schema: String = row.try_get_by_index(0)?;
    Ok(format!("imserver_identity.{schema}"))
}

/// PostgreSQL: from now on this instance announces its changes on the schema's channel, and
/// serves nothing from memory until its listener ([`listen`]) hears its first heartbeat. Call
/// before the server takes requests.
pub async fn prepare_listener(
    identity: &Identity,
    db: &DatabaseConnection,
) -> Result<String, sea_orm::DbErr> {
    let channel = announce_changes(identity, db).await?;
    identity.distrust();
    Ok(channel)
}

/// PostgreSQL: announce this process's changes on the channel of the schema `db` works in (the
/// server, and `imserver app revoke`, whose revocation the servers then hear). No-op on SQLite.
pub async fn announce_changes(
    identity: &Identity,
    db: &DatabaseConnection,
) -> Result<String, sea_orm::DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(String::new());
    }
    let channel = channel_of(db).await?;
    *identity.channel.write().unwrap_or_else(|e| e.into_inner()) = Some(channel.clone());
    Ok(channel)
}

/// Run the invalidation listener of this instance (PostgreSQL, after [`prepare_listener`]) until
/// the process ends: LISTEN on `channel`, apply what other instances announce, send a heartbeat
/// every [`HEARTBEAT_MS`] and trust the cache only while heartbeats come back within
/// [`STALE_AFTER_MS`]. `url` is the database URL (the listener has its own connection).
pub async fn listen(identity: Arc<Identity>, db: DatabaseConnection, url: String, channel: String) {
    let beat_id = format!("hb:{}", crate::crypto::new_id(12));
    tokio::spawn(heartbeat(
        identity.clone(),
        db,
        channel.clone(),
        beat_id.clone(),
    ));
    loop {
        if let Err(e) = listen_once(&identity, &url, &channel, &beat_id).await {
            tracing::warn!(error = %e, "identity listener: connection lost; reconnecting");
        }
        identity.distrust();
        tokio::time::sleep(Duration::from_millis(HEARTBEAT_MS)).await;
    }
}

/// One listener connection, until it fails.
async fn listen_once(
    identity: &Identity,
    url: &str,
    channel: &str,
    beat_id: &str,
) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(channel).await?;
    loop {
        let Some(n) = listener.try_recv().await? else {
            return Err(sea_orm::sqlx::Error::Protocol(
                "listener connection closed".into(),
            ));
        };
        let payload = n.payload();
        if payload == beat_id {
            identity
                .last_beat
                .store(identity.now_ms(), Ordering::Release);
            if !identity.trusted() {
                identity.trust();
            }
        } else if let Some(change) = Change::parse(payload) {
            identity.forget(&change);
        }
    }
}

/// Send this instance's heartbeat, and distrust the cache when it has not come back in time.
async fn heartbeat(
    identity: Arc<Identity>,
    db: DatabaseConnection,
    channel: String,
    beat_id: String,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let sent = db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [channel.clone().into(), beat_id.clone().into()],
            ))
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "identity heartbeat not sent");
        }
        let silent_for = identity.now_ms() - identity.last_beat.load(Ordering::Acquire);
        if identity.trusted() && silent_for > STALE_AFTER_MS as i64 {
            identity.distrust();
        }
    }
}

/// SQLite: empty the cache within a second after another process (e.g. `imserver app revoke`)
/// wrote to the database file. `PRAGMA data_version` changes only for other connections' commits.
pub async fn watch_sqlite(identity: Arc<Identity>, db: DatabaseConnection) {
    let mut seen: Option<i64> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let version = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA data_version",
            ))
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok());
        if let Some(v) = version {
            if seen.is_some_and(|s| s != v) {
                identity.forget(&Change::All);
            }
            seen = Some(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_stay_under_the_limit_and_parse_back() {
        let ids: Vec<i64> = (1_000_000_000..1_000_001_500).collect();
        let payloads = Change::Users(ids.clone()).payloads();
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<i64> = payloads
            .iter()
            .flat_map(|p| match Change::parse(p) {
                Some(Change::Users(v)) => v,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(back, ids);
        assert_eq!(Change::parse("*"), Some(Change::All));
        assert_eq!(
            Change::parse("t:abc"),
            Some(Change::AdminToken("abc".into()))
        );
        assert_eq!(Change::parse("hb:xyz"), None);
    }

    #[test]
    fn a_fill_that_raced_an_eviction_is_not_stored() {
        let id = Identity::default();
        let g = id.generation();
        id.forget(&Change::user(7));
        id.store(
            g,
            Fill::AdminToken {
                digest: "d".into(),
                app_id: "a".into(),
            },
        );
        assert_eq!(id.admin_token("d"), None);
        let g = id.generation();
        id.store(
            g,
            Fill::AdminToken {
                digest: "d".into(),
                app_id: "a".into(),
            },
        );
        assert_eq!(id.admin_token("d").as_deref(), Some("a"));
        id.forget(&Change::AdminToken("d".into()));
        assert_eq!(id.admin_token("d"), None);
    }

    #[test]
    fn forgetting_a_user_drops_its_sessions_and_row() {
        let id = Identity::default();
        let g = id.generation();
        for (digest, user_id) in [("a", 1), ("b", 1), ("c", 2)] {
            id.store(
                g,
                Fill::Session {
                    digest: digest.into(),
                    session: Session {
                        device_id: 0,
                        user_id,
                        device_sn: 1,
                        expires_at: 0,
                    },
                },
            );
        }
        id.forget(&Change::user(1));
        assert!(id.session("a").is_none() && id.session("b").is_none());
        assert!(id.session("c").is_some());
    }
}
