//! Group admins: add, remove (owner only) and list (members), each in a constant number of
//! queries whatever the length of the list.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::groups::lifecycle::UserOutcome;
use crate::domain::groups::roles::{OnUsers, Role, acts_on_users, memberships, reading_member};
use crate::domain::identity::auth::Caller;
use crate::entity::group_member;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Promote,
    Demote,
}

/// Make members admins (4.1) or admins members (4.2): the owner only. Each user succeeds or
/// fails on its own: only members become admins, only admins are demoted.
async fn roles_of(on: &OnUsers<'_>, change: Change) -> ApiResult<Vec<UserOutcome>> {
    let roles: HashMap<i64, Role> = memberships(on.txn, on.group_id, on.ids.to_vec())
        .await?
        .into_iter()
        .map(|m| (m.user_id, Role::from_db(m.role)))
        .collect();
    let mut outcomes = Vec::with_capacity(on.ids.len());
    let mut changed = Vec::new();
    for &uid in on.ids {
        let outcome = match (roles.get(&uid), change) {
            (None, _) => UserOutcome::fail(uid, ApiError::NotMember(uid).to_string()),
            (Some(Role::Owner), _) => UserOutcome::fail(uid, "the user is the group owner"),
            (Some(Role::Admin), Change::Promote) => {
                UserOutcome::fail(uid, "the user is already an admin")
            }
            (Some(Role::Member), Change::Demote) => {
                UserOutcome::fail(uid, "the user is not an admin")
            }
            (Some(_), _) => {
                changed.push(uid);
                UserOutcome::ok(uid)
            }
        };
        outcomes.push(outcome);
    }
    if !changed.is_empty() {
        let role = if change == Change::Promote {
            Role::Admin
        } else {
            Role::Member
        };
        group_member::Entity::update_many()
            .col_expr(group_member::Column::Role, Expr::value(role.db()))
            .filter(group_member::Column::GroupId.eq(on.group_id))
            .filter(group_member::Column::UserId.is_in(changed.clone()))
            .exec(on.txn)
            .await?;
        on.caller.record(match change {
            Change::Promote => EventKind::AdminsGranted {
                group_id: on.group_id,
                user_ids: changed,
            },
            Change::Demote => EventKind::AdminsRevoked {
                group_id: on.group_id,
                user_ids: changed,
            },
        });
    }
    Ok(outcomes)
}

acts_on_users! {
    /// Make members admins (4.1): see [`roles_of`].
    pub fn add() as Role::Owner => roles_of(Change::Promote);

    /// Make admins members again (4.2): see [`roles_of`].
    pub fn remove() as Role::Owner => roles_of(Change::Demote);
}

/// The admins of a group (4.3; the owner is not listed), for its members: one query past
/// the member check (which the identity cache answers when warm).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
) -> ApiResult<Vec<group_member::Model>> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    Ok(group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .filter(group_member::Column::Role.eq(Role::Admin.db()))
        .order_by_asc(group_member::Column::JoinTime)
        .order_by_asc(group_member::Column::Id)
        .all(&state.db)
        .await?)
}
