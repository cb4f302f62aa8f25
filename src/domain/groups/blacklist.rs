//! The group blacklist (block / unblock / blocked_list): owner and admins block users (any
//! user of the app, member or not; admins cannot block admins or the owner). A blocked member
//! leaves the group; a blocked user cannot apply, be invited or join by QR code (20018, see
//! `blocked_among`). Unblock removes the entry only.
use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::domain::common::id_lists::among;
use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::tx::{self, Alive};
use crate::domain::groups::lifecycle::UserOutcome;
use crate::domain::groups::members::remove_members;
use crate::domain::groups::roles::{OnUsers, Role, acts_on_users, memberships, reading_member};
use crate::domain::identity::auth::Caller;
use crate::entity::group_blacklist;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// The users of `user_ids` on the blacklist of a group, in one query. Flows that add members
/// (applications, invitations, QR codes) refuse these with 20018 (`ApiError::Blacklisted`).
pub async fn blocked_among<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
    user_ids: &[i64],
) -> ApiResult<HashSet<i64>> {
    if user_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(group_blacklist::Entity::find()
        .select_only()
        .column(group_blacklist::Column::UserId)
        .filter(group_blacklist::Column::GroupId.eq(group_id))
        .filter(among(db, group_blacklist::Column::UserId, user_ids))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

acts_on_users! {
    /// Blacklist users (4.14): owner and admins. Each user succeeds or fails on its own: unknown
    /// users (not of the app), users already blacklisted, and members the caller may not act on
    /// (admins act on plain members only) fail. Blocked members leave the group. Six statements
    /// at most whatever the length of the list.
    pub fn block() as Role::Admin => block_users();

    /// Take users off the blacklist (4.52): owner and admins. Users not on it fail; the entry
    /// only is removed (the user does not rejoin).
    pub fn unblock() as Role::Admin => unblock_users();
}

/// The per-user decisions and the writes of [`block`].
async fn block_users(on: &OnUsers<'_>) -> ApiResult<Vec<UserOutcome>> {
    let roles: HashMap<i64, Role> = memberships(on.txn, on.group_id, on.ids.to_vec())
        .await?
        .into_iter()
        .map(|m| (m.user_id, Role::from_db(m.role)))
        .collect();
    // the same lookup (and lock, after the group's) as every flow that names users
    let known = tx::lock_users(on.txn, &on.caller.app_id, on.ids, Alive::Exists).await?;
    let already = blocked_among(on.txn, on.group_id, on.ids).await?;
    let mut outcomes = Vec::with_capacity(on.ids.len());
    let mut blocked = Vec::new();
    let mut leaving = Vec::new();
    for &uid in on.ids {
        if !known.contains(&uid) {
            outcomes.push(UserOutcome::fail(
                uid,
                ApiError::UserNotFound(uid.to_string()).to_string(),
            ));
            continue;
        }
        if already.contains(&uid) {
            outcomes.push(UserOutcome::fail(uid, "the user is already blacklisted"));
            continue;
        }
        if let Some(role) = roles.get(&uid) {
            if let Err(reason) = on.acting.check_target(uid, *role, "blacklist") {
                outcomes.push(UserOutcome::fail(uid, reason));
                continue;
            }
            leaving.push(uid);
        }
        blocked.push(uid);
        outcomes.push(UserOutcome::ok(uid));
    }
    if !blocked.is_empty() {
        let rows = blocked.iter().map(|&uid| group_blacklist::ActiveModel {
            group_id: Set(on.group_id),
            user_id: Set(uid),
            created_at: Set(on.now),
            ..Default::default()
        });
        group_blacklist::Entity::insert_many(rows)
            .exec(on.txn)
            .await?;
        remove_members(on.txn, on.group_id, &leaving, on.now).await?;
        crate::domain::groups::invites::close_pending(
            on.txn,
            Some(on.group_id),
            &blocked,
            crate::domain::groups::invites::REJECTED,
            on.now,
        )
        .await?;
        // the members among them left: MembersBlocked says so (see the catalogue)
        on.caller.record(EventKind::MembersBlocked {
            group_id: on.group_id,
            user_ids: blocked,
        });
    }
    Ok(outcomes)
}

/// The per-user decisions and the writes of [`unblock`].
async fn unblock_users(on: &OnUsers<'_>) -> ApiResult<Vec<UserOutcome>> {
    let listed = blocked_among(on.txn, on.group_id, on.ids).await?;
    let mut outcomes = Vec::with_capacity(on.ids.len());
    let mut removed = Vec::new();
    for &uid in on.ids {
        if listed.contains(&uid) {
            removed.push(uid);
            outcomes.push(UserOutcome::ok(uid));
        } else {
            outcomes.push(UserOutcome::fail(uid, "the user is not blacklisted"));
        }
    }
    if !removed.is_empty() {
        group_blacklist::Entity::delete_many()
            .filter(group_blacklist::Column::GroupId.eq(on.group_id))
            .filter(group_blacklist::Column::UserId.is_in(removed.clone()))
            .exec(on.txn)
            .await?;
        on.caller.record(EventKind::MembersUnblocked {
            group_id: on.group_id,
            user_ids: removed,
        });
    }
    Ok(outcomes)
}

/// The blacklist of a group (4.15), oldest entry first, for its members: the count and the
/// page past the member check (which the identity cache answers when warm).
pub async fn blocked_list(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    page: PageRequest,
) -> ApiResult<Page<group_blacklist::Model>> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    let listed =
        group_blacklist::Entity::find().filter(group_blacklist::Column::GroupId.eq(group_id));
    page.counted(&state.db, listed, group_blacklist::Column::Id, |b| b.id)
        .await
}
