//! Who may send what where: one function per rule, shared by every path that sends (REST
//! now, the real-time paths later) and by `/roster/may_message`. Each reads what it decides on
//! inside the caller's transaction, with the rows it depends on locked (`FOR SHARE`), so a
//! send racing a block, a disable, a kick or a group's destruction is either stored before it
//! or refused after it.
use sea_orm::ConnectionTrait;

use super::store::{self, get};
use crate::domain::groups::mutes::group_banned;
use crate::domain::groups::roles::{Role, STATUS_DISSOLVED};
pub use crate::domain::roster::rule::{Pair, pair};
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

/// The group `group_id` of `app_id` as `user_id` stands in it (None: no such group). `lock`
/// takes the group row `FOR SHARE` until the transaction ends (a kick, a ban or a dissolution
/// waits for the send, or the send sees it). One statement.
pub async fn group_facts<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    group_id: i64,
    user_id: i64,
    lock: bool,
) -> ApiResult<Option<GroupFacts>> {
    let lock = if lock {
        store::share_lock(db, "g")
    } else {
        String::new()
    };
    let row = store::one(
        db,
        &format!(
            "SELECT g.status AS status, g.ban_expire_time AS ban_expire_time, \
             g.read_ack AS read_ack, g.history_visible AS history_visible, \
             m.role AS role, m.mute_expire_time AS mute_until, \
             (SELECT COUNT(*) FROM group_blacklist b WHERE b.group_id = g.id AND b.user_id = ?) \
               AS blacklisted \
             FROM groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = ? \
             WHERE g.id = ? AND g.app_id = ?{lock}"
        ),
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

/// The sender of a group message is a live user of the app, its row held `FOR SHARE` (a
/// disable or a deletion waits for the send, or the send sees it): 10000 when it is no user,
/// 60003 when it is disabled. One statement.
pub async fn live_sender<C: ConnectionTrait>(db: &C, app_id: &str, user_id: i64) -> ApiResult<()> {
    let lock = store::share_lock(db, "u");
    let row = store::one(
        db,
        &format!("SELECT u.status AS status FROM users u WHERE u.id = ? AND u.app_id = ?{lock}"),
        vec![user_id.into(), app_id.into()],
    )
    .await?
    .ok_or_else(|| ApiError::UserNotFound(user_id.to_string()))?;
    if get::<i32>(&row, "status")? != 0 {
        return Err(ApiError::MessageRefused("the sender is disabled"));
    }
    Ok(())
}
