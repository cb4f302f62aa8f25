//! Who may send what where: one function per rule, shared by every path that sends (REST
//! now, the real-time paths later) and by `/roster/may_message`. A send first locks the rows that
//! every competing change holds (the group row: kicks, bans, blacklistings, dissolution; the user
//! rows: blocks, friendships, disabling, deletion) `FOR SHARE`, each in a statement of its own,
//! and only then reads the facts it decides on, in later statements: on PostgreSQL each statement
//! sees what committed before it began, so a send racing a block, a disable, a kick or a group's
//! destruction is either stored before it or refused after it (a statement that waited for a lock
//! would still read the other tables as they were when it began).
use sea_orm::ConnectionTrait;

use super::store::{self, get};
use crate::domain::groups::mutes::group_banned;
use crate::domain::groups::roles::{Role, STATUS_DISSOLVED};
pub use crate::domain::roster::rule::{Pair, condition, pair};
use crate::error::{ApiError, ApiResult};

/// What the group rules decide on: the group and the acting user's place in it, read in one
/// statement.
#[derive(Clone, Debug)]
pub struct GroupFacts {
    pub group_id: i64,
    pub dissolved: bool,
    /// groups.ban_expire_time (seconds, -1 until lifted; see groups::mutes).
    pub ban_expire_time: i64,
    pub read_ack: bool,
    pub history_visible: bool,
    /// The user's role, None when it is not a member.
    pub role: Option<Role>,
    /// Its mute's end (ms), 0 when not muted.
    pub mute_until: i64,
    pub blacklisted: bool,
}

/// Hold group `group_id` of `app_id` `FOR SHARE` until the transaction ends (a kick, a ban, a
/// blacklisting or a dissolution, which lock it `FOR UPDATE`, waits for the send, or has
/// committed when this answers). One statement; read the facts after it.
pub async fn lock_group<C: ConnectionTrait>(db: &C, app_id: &str, group_id: i64) -> ApiResult<()> {
    let lock = store::share_lock(db, "g");
    store::all(
        db,
        &format!("SELECT g.id AS id FROM groups g WHERE g.id = ? AND g.app_id = ?{lock}"),
        vec![group_id.into(), app_id.into()],
    )
    .await?;
    Ok(())
}

/// Hold the users `ids` of `app_id` `FOR SHARE` (ascending id) until the transaction ends;
/// answers the status of each that exists (0 enabled). One statement.
pub async fn lock_users<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    ids: &[i64],
) -> ApiResult<std::collections::HashMap<i64, i32>> {
    let lock = store::share_lock(db, "u");
    let mut values: Vec<sea_orm::Value> = vec![app_id.into()];
    values.extend(ids.iter().map(|i| sea_orm::Value::from(*i)));
    let rows = store::all(
        db,
        &format!(
            "SELECT u.id AS id, u.status AS status FROM users u WHERE u.app_id = ? AND u.id IN ({}) \
             ORDER BY u.id{lock}",
            vec!["?"; ids.len()].join(", ")
        ),
        values,
    )
    .await?;
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        found.insert(get::<i64>(row, "id")?, get::<i32>(row, "status")?);
    }
    Ok(found)
}

/// The group `group_id` of `app_id` as `user_id` stands in it (None: no such group). A send
/// holds the group first ([`lock_group`]). One statement.
pub async fn group_facts<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    group_id: i64,
    user_id: i64,
) -> ApiResult<Option<GroupFacts>> {
    let row = store::one(
        db,
        "SELECT g.status AS status, g.ban_expire_time AS ban_expire_time, \
         g.read_ack AS read_ack, g.history_visible AS history_visible, \
         m.role AS role, m.mute_expire_time AS mute_until, \
         (SELECT COUNT(*) FROM group_blacklist b WHERE b.group_id = g.id AND b.user_id = ?) \
           AS blacklisted \
         FROM groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = ? \
         WHERE g.id = ? AND g.app_id = ?",
        vec![
            user_id.into(),
            user_id.into(),
            group_id.into(),
            app_id.into(),
        ],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(GroupFacts {
        group_id,
        dissolved: get::<i32>(&row, "status")? == STATUS_DISSOLVED,
        ban_expire_time: get(&row, "ban_expire_time")?,
        read_ack: get(&row, "read_ack")?,
        history_visible: get(&row, "history_visible")?,
        role: get::<Option<i32>>(&row, "role")?.map(Role::from_db),
        mute_until: get::<Option<i64>>(&row, "mute_until")?.unwrap_or(0),
        blacklisted: get::<i64>(&row, "blacklisted")? > 0,
    }))
}

/// The group exists and is not dissolved (20001).
pub fn group_live(facts: Option<GroupFacts>, group_id: i64) -> ApiResult<GroupFacts> {
    match facts {
        Some(f) if !f.dissolved => Ok(f),
        _ => Err(ApiError::GroupNotFound(group_id)),
    }
}

/// The group exists, dissolved or not (20001): its members may still read it.
pub fn group_exists(facts: Option<GroupFacts>, group_id: i64) -> ApiResult<GroupFacts> {
    facts.ok_or(ApiError::GroupNotFound(group_id))
}

/// The user is not on the group's blacklist (20018).
pub fn not_blacklisted(facts: &GroupFacts) -> ApiResult<()> {
    if facts.blacklisted {
        return Err(ApiError::Blacklisted(facts.group_id));
    }
    Ok(())
}

/// The user is a member (20011).
pub fn member(facts: &GroupFacts) -> ApiResult<Role> {
    facts.role.ok_or(ApiError::NeedsMember)
}

/// The member is not muted (`ban`) at `now_ms` (60001).
pub fn not_muted(facts: &GroupFacts, now_ms: i64) -> ApiResult<()> {
    if facts.mute_until > now_ms {
        return Err(ApiError::Muted(facts.mute_until));
    }
    Ok(())
}

/// No ban_all silences the member at `now_ms`: the owner and admins speak through one (60002).
pub fn not_silenced(facts: &GroupFacts, role: Role, now_ms: i64) -> ApiResult<()> {
    if role < Role::Admin && group_banned(facts.ban_expire_time, now_ms) {
        return Err(ApiError::GroupSilenced(facts.group_id));
    }
    Ok(())
}

/// Every rule of a group send, in order: the group is live, the sender not blacklisted, a
/// member, not muted, not silenced.
pub fn group_sender(
    facts: Option<GroupFacts>,
    group_id: i64,
    now_ms: i64,
) -> ApiResult<GroupFacts> {
    let facts = group_live(facts, group_id)?;
    not_blacklisted(&facts)?;
    let role = member(&facts)?;
    not_muted(&facts, now_ms)?;
    not_silenced(&facts, role, now_ms)?;
    Ok(facts)
}

/// Each of `ids` is a user of the app (10000 naming the first that is not, in the order of
/// `ids`), from statuses that [`lock_users`] answered.
pub fn users_exist(statuses: &std::collections::HashMap<i64, i32>, ids: &[i64]) -> ApiResult<()> {
    match ids.iter().find(|id| !statuses.contains_key(id)) {
        Some(id) => Err(ApiError::UserNotFound(id.to_string())),
        None => Ok(()),
    }
}

/// The sender is a live user of the app (10000, 60003 when disabled), from statuses that
/// [`lock_users`] answered: its row held, a disable or a deletion waits for the send, or the
/// send sees it.
pub fn live_sender(statuses: &std::collections::HashMap<i64, i32>, user_id: i64) -> ApiResult<()> {
    users_exist(statuses, &[user_id])?;
    if statuses.get(&user_id) != Some(&0) {
        return Err(ApiError::MessageRefused("the sender is disabled"));
    }
    Ok(())
}

/// The receiver of a 1:1 message is not disabled (60003), from statuses of [`lock_users`].
pub fn live_receiver(
    statuses: &std::collections::HashMap<i64, i32>,
    user_id: i64,
) -> ApiResult<()> {
    users_exist(statuses, &[user_id])?;
    if statuses.get(&user_id) != Some(&0) {
        return Err(ApiError::MessageRefused("the receiver is disabled"));
    }
    Ok(())
}
