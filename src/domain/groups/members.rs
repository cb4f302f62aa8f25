//! Membership writes shared by every flow that changes who is in a group (create, invite,
//! apply, QR code, kick, leave, block, ...): batched statements, and `groups.count` kept equal
//! to the member rows in the same transaction. Also the member reads (member_list,
//! members/display_name) and the kick and leave flows.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::cache::identity::Fill;
use crate::domain::common::id_lists::{among, insert_each};
use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::tx;
use crate::domain::groups::lifecycle::{UserOutcome, check_list, unique_ids};
use crate::domain::groups::roles::{
    Acting, Need, OnUsers, Role, acting_member, acts_on_users, memberships, reading_member,
};
use crate::domain::identity::auth::Caller;
use crate::entity::{group, group_member, user};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// Remove `user_ids` (never the owner) from a group in two statements, whatever their number;
/// answers how many memberships ended. Call inside the request's transaction.
pub async fn remove_members<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
    user_ids: &[i64],
    now_ms: i64,
) -> ApiResult<u64> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let removed = group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(group_id))
        .filter(among(db, group_member::Column::UserId, user_ids))
        .filter(group_member::Column::Role.ne(Role::Owner.db()))
        .exec(db)
        .await?
        .rows_affected;
    if removed > 0 {
        group::Entity::update_many()
            .col_expr(
                group::Column::Count,
                Expr::col(group::Column::Count).sub(removed as i64),
            )
            .col_expr(group::Column::UpdatedAt, Expr::value(now_ms))
            .filter(group::Column::Id.eq(group_id))
            .exec(db)
            .await?;
    }
    Ok(removed)
}

/// The groups (dead or alive) that `user_id` is a member of, ascending (one query).
pub async fn groups_of<C: ConnectionTrait>(db: &C, user_id: i64) -> ApiResult<Vec<i64>> {
    Ok(group_member::Entity::find()
        .select_only()
        .column(group_member::Column::GroupId)
        .filter(group_member::Column::UserId.eq(user_id))
        .order_by_asc(group_member::Column::GroupId)
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// Take a user out of every group it belongs to (its account is being deleted), as the lock
/// order wants it: the user's groups are locked first (ascending id), then the user row. A
/// user that owns a live group is refused (20004): its groups are transferred or destroyed
/// first. Answers the locked user row. Call inside the deletion's transaction; it then
/// deletes the user row itself.
///
/// Every change of a group's members holds that group's lock, and every join locks the
/// joining user (`tx::lock_users`) after its group, so once both locks are held nothing can
/// change the user's memberships: a join that committed between the first read and the user
/// lock shows up in the second read, and the attempt starts again (`ApiError::Contended`).
pub async fn remove_user_everywhere<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    user_id: i64,
    now_ms: i64,
) -> ApiResult<user::Model> {
    let before = groups_of(db, user_id).await?;
    tx::lock_groups(db, &before).await?;
    let account = tx::lock_user_for_update(db, app_id, user_id).await?;
    let groups = groups_of(db, user_id).await?;
    if groups.iter().any(|g| before.binary_search(g).is_err()) {
        return Err(ApiError::Contended(
            "the user joined a group during its deletion",
        ));
    }
    let owned_live: Vec<String> = group::Entity::find()
        .select_only()
        .column(group::Column::Id)
        .filter(group::Column::OwnerId.eq(user_id))
        .filter(group::Column::Status.eq(crate::domain::groups::roles::STATUS_NORMAL))
        .order_by_asc(group::Column::Id)
        .into_tuple::<i64>()
        .all(db)
        .await?
        .iter()
        .map(i64::to_string)
        .collect();
    if !owned_live.is_empty() {
        return Err(ApiError::OwnsLiveGroups(owned_live.join(", ")));
    }
    if !groups.is_empty() {
        group_member::Entity::delete_many()
            .filter(group_member::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
        group::Entity::update_many()
            .col_expr(group::Column::Count, Expr::col(group::Column::Count).sub(1))
            .col_expr(group::Column::UpdatedAt, Expr::value(now_ms))
            .filter(group::Column::Id.is_in(groups))
            .exec(db)
            .await?;
    }
    crate::domain::groups::invites::close_pending(
        db,
        None,
        &[user_id],
        crate::domain::groups::invites::REJECTED,
        now_ms,
    )
    .await?;
    Ok(account)
}

/// A new membership row with the defaults of a fresh member.
pub fn new_member(
    group_id: i64,
    user_id: i64,
    role: Role,
    now_ms: i64,
) -> group_member::ActiveModel {
    group_member::ActiveModel {
        group_id: Set(group_id),
        user_id: Set(user_id),
        role: Set(role.db()),
        display_name: Set(None),
        msg_mute_mode: Set(0),
        msg_push_mode: Set(0),
        join_time: Set(now_ms),
        mute_expire_time: Set(0),
        ..Default::default()
    }
}

/// Add `user_ids` to a group as plain members in four statements whatever their number (the
/// rows, the guarded count, and closing their pending invitations and applications);
/// answers how many joined (users already members are skipped by the unique key, also when a
/// concurrent request added them first). The count update is guarded in the database
/// (`count + n <= capacity`): when it does not fit, 20010 is answered and the caller's
/// transaction, dropped uncommitted, takes the inserted rows back. Call inside the request's
/// transaction; the caller checks blacklist and existence of the users.
pub async fn add_members<C: ConnectionTrait>(
    db: &C,
    group: &group::Model,
    user_ids: &[i64],
    now_ms: i64,
) -> ApiResult<u64> {
    let ids = unique_ids(user_ids);
    if ids.is_empty() {
        return Ok(0);
    }
    // one row per id (the user_id of the template replaced), one array parameter on PostgreSQL
    let added = insert_each(
        db,
        new_member(group.id, 0, Role::Member, now_ms),
        group_member::Column::UserId,
        &ids,
        OnConflict::columns([group_member::Column::GroupId, group_member::Column::UserId])
            .do_nothing()
            .to_owned(),
    )
    .await?;
    if added == 0 {
        return Ok(0);
    }
    let n = added as i64;
    let fitted = group::Entity::update_many()
        .col_expr(group::Column::Count, Expr::col(group::Column::Count).add(n))
        .col_expr(group::Column::UpdatedAt, Expr::value(now_ms))
        .filter(group::Column::Id.eq(group.id))
        .filter(
            Expr::col(group::Column::Count)
                .add(n)
                .lte(Expr::col(group::Column::Capacity)),
        )
        .exec(db)
        .await?
        .rows_affected;
    if fitted == 0 {
        return Err(ApiError::GroupFull(group.capacity));
    }
    crate::domain::groups::invites::close_pending(
        db,
        Some(group.id),
        &ids,
        crate::domain::groups::invites::AGREED,
        now_ms,
    )
    .await?;
    Ok(added)
}

/// A member as member_list and members/display_name show it.
pub struct MemberItem {
    pub user_id: i64,
    pub display_name: Option<String>,
    pub join_time: i64,
    /// End of the member's mute (ms): 0 when not muted or the mute has passed (a member's mute
    /// always has an end: /group/ban takes 1 to MAX_MUTE_MINUTES minutes).
    pub expired_time: i64,
}

impl MemberItem {
    /// Member `m` as `acting` may see it (see [`shows_details`]).
    fn of(acting: &Acting, m: group_member::Model, now_ms: i64) -> Self {
        if !shows_details(acting, &m) {
            return MemberItem {
                user_id: m.user_id,
                display_name: None,
                join_time: 0,
                expired_time: 0,
            };
        }
        let t = m.mute_expire_time;
        MemberItem {
            user_id: m.user_id,
            display_name: m.display_name,
            join_time: m.join_time,
            expired_time: if t > now_ms { t } else { 0 },
        }
    }
}

/// Whether the caller `acting` sees the details (display name, join time, mute end) of member
/// `m`. Only the group setting hide_member_info hides anything, and only from a plain member,
/// and only the rows of the other plain members: the owner, admins and an app admin token acting
/// on the group see every row; a member always sees its own row and those of the owner and the
/// admins (the group's staff, whom /group/admin_list shows to every member anyway). Applied per
/// caller after the shared page cache, on member_list and members/display_name.
pub fn shows_details(acting: &Acting, m: &group_member::Model) -> bool {
    !acting.group.hide_member_info
        || acting.role != Some(Role::Member)
        || acting.user_id == Some(m.user_id)
        || Role::from_db(m.role) != Role::Member
}

/// The members of a group (4.35), a page at a time in join order (row id), for its members and
/// an admin token acting on the group; a dissolved group too. Details as `shows_details`
/// allows. At most one query (the page) past the check, none when the page is cached.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    page: PageRequest,
) -> ApiResult<Page<MemberItem>> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    let now = state.now_ms();
    // groups.count is kept equal to the member rows: no COUNT scan of a large group per page.
    let total = acting.group.count;
    // the page from memory when warm (evicted with the group by every change of its members)
    let rows = match state.identity.page(group_id, page.after, page.fetch()) {
        Some(rows) => Vec::clone(&rows),
        None => {
            let generation = state.identity.generation();
            let members =
                group_member::Entity::find().filter(group_member::Column::GroupId.eq(group_id));
            let rows = page
                .rows(&state.db, members, group_member::Column::Id)
                .await?;
            let fill = Fill::Page {
                group_id,
                after: page.after,
                fetch: page.fetch(),
                rows: rows.clone(),
            };
            state.identity.store(generation, fill);
            rows
        }
    };
    Ok(page
        .finish(rows, |m| m.id, Some(total))
        .map(|m| MemberItem::of(&acting, m, now)))
}

/// The members among `user_list` (4.36), in its order; ids that are not members are left
/// out. For members of the group (and an admin token acting on the group); details as
/// `shows_details` allows.
pub async fn profiles(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    user_list: &[i64],
) -> ApiResult<Vec<MemberItem>> {
    check_list("user_list", user_list)?;
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    let ids = unique_ids(user_list);
    let now = state.now_ms();
    let mut found: HashMap<i64, group_member::Model> =
        memberships(&state.db, group_id, ids.clone())
            .await?
            .into_iter()
            .map(|m| (m.user_id, m))
            .collect();
    Ok(ids
        .into_iter()
        .filter_map(|u| found.remove(&u))
        .map(|m| MemberItem::of(&acting, m, now))
        .collect())
}

acts_on_users! {
    /// Kick members out (4.33): the owner kicks anyone but itself, admins plain members only.
    /// Each user succeeds or fails on its own; one transaction, a constant number of statements.
    pub fn kick() as Role::Admin => kick_users();
}

/// The removal of [`kick`] and its event.
async fn kick_users(on: &OnUsers<'_>) -> ApiResult<Vec<UserOutcome>> {
    let outcomes = kick_among(on.txn, &on.acting, on.ids, on.state.now_ms()).await?;
    // the successes are the users removed (their memberships, read under the group lock)
    let kicked: Vec<i64> = outcomes
        .iter()
        .filter(|o| o.success)
        .map(|o| o.user_id)
        .collect();
    if !kicked.is_empty() {
        on.caller.record(EventKind::MembersKicked {
            group_id: on.group_id,
            user_ids: kicked,
        });
    }
    Ok(outcomes)
}

/// The per-user decisions and the removal of `kick`, in the caller's transaction.
async fn kick_among(
    txn: &DatabaseTransaction,
    acting: &Acting,
    ids: &[i64],
    now: i64,
) -> ApiResult<Vec<UserOutcome>> {
    let group_id = acting.group.id;
    let roles: HashMap<i64, Role> = memberships(txn, group_id, ids.to_vec())
        .await?
        .into_iter()
        .map(|m| (m.user_id, Role::from_db(m.role)))
        .collect();
    let mut outcomes = Vec::with_capacity(ids.len());
    let mut leaving = Vec::new();
    for &uid in ids {
        let outcome = match roles.get(&uid) {
            None => UserOutcome::fail(uid, ApiError::NotMember(uid).to_string()),
            Some(&role) => match acting.check_target(uid, role, "kick") {
                Ok(()) => {
                    leaving.push(uid);
                    UserOutcome::ok(uid)
                }
                Err(reason) => UserOutcome::fail(uid, reason),
            },
        };
        outcomes.push(outcome);
    }
    remove_members(txn, group_id, &leaving, now).await?;
    Ok(outcomes)
}

/// Leave a group (4.34): members and admins; the owner gets 20004 (transfer first).
pub async fn leave(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<bool> {
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        let me = acting.own_membership()?;
        if Role::from_db(me.role) == Role::Owner {
            return Err(ApiError::OwnerCannotLeave);
        }
        remove_members(txn, group_id, &[me.user_id], state.now_ms()).await?;
        caller.record(EventKind::MemberLeft {
            group_id,
            user_id: me.user_id,
        });
        Ok(true)
    })
}
