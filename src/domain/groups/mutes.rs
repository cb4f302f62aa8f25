//! Mutes: one member muted for a while (ban / unban / banned_list, stored in
//! group_members.mute_expire_time in ms) and the whole group muted but for its admins
//! (ban_all / unban_all, stored in groups.ban_expire_time in seconds). An expired mute needs
//! no job: every read compares with the injected clock.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::tx;
use crate::domain::groups::lifecycle::UserOutcome;
use crate::domain::groups::members::shows_details;
use crate::domain::groups::roles::{
    Need, OnUsers, Role, acting_member, acts_on_users, memberships, reading_member,
};
use crate::domain::identity::auth::Caller;
use crate::entity::{group, group_member};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// Longest mute (ban and ban_all), in minutes: one year of 365 days.
pub const MAX_MUTE_MINUTES: i64 = 525_600;
/// `duration` of ban_all meaning "until unban_all"; also the value stored in
/// groups.ban_expire_time and answered (the group document's "-1 means banned permanently").
pub const PERMANENT: i64 = -1;

const MINUTE_MS: i64 = 60_000;

fn check_duration(duration: i64, permanent_allowed: bool) -> ApiResult<()> {
    if (1..=MAX_MUTE_MINUTES).contains(&duration) || (permanent_allowed && duration == PERMANENT) {
        return Ok(());
    }
    let also = if permanent_allowed {
        " or -1 (until unban_all)"
    } else {
        ""
    };
    Err(ApiError::bad(format!(
        "duration must be 1-{MAX_MUTE_MINUTES} minutes{also}, got {duration}"
    )))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Mute until this time (ms).
    Mute(i64),
    Unmute,
}

acts_on_users! {
    /// Mute (4.12) or unmute (4.51) members: owner and admins; admins act on plain members only.
    /// Each user succeeds or fails on its own; a constant number of queries.
    fn change_mutes(change: Change) as Role::Admin => mutes_of(change);

    /// End the mutes of members (4.51); a member that is not muted fails.
    pub fn unban() as Role::Admin => mutes_of(Change::Unmute);
}

/// The per-user decisions and the writes of [`change_mutes`].
async fn mutes_of(on: &OnUsers<'_>, change: Change) -> ApiResult<Vec<UserOutcome>> {
    let targets: HashMap<i64, group_member::Model> =
        memberships(on.txn, on.group_id, on.ids.to_vec())
            .await?
            .into_iter()
            .map(|m| (m.user_id, m))
            .collect();
    let mut outcomes = Vec::with_capacity(on.ids.len());
    let mut changed = Vec::new();
    for &uid in on.ids {
        let Some(m) = targets.get(&uid) else {
            outcomes.push(UserOutcome::fail(uid, ApiError::NotMember(uid).to_string()));
            continue;
        };
        let verb = if change == Change::Unmute {
            "unmute"
        } else {
            "mute"
        };
        if let Err(reason) = on.acting.check_target(uid, Role::from_db(m.role), verb) {
            outcomes.push(UserOutcome::fail(uid, reason));
            continue;
        }
        if change == Change::Unmute && m.mute_expire_time <= on.now {
            outcomes.push(UserOutcome::fail(uid, "the user is not muted"));
            continue;
        }
        changed.push(uid);
        outcomes.push(UserOutcome::ok(uid));
    }
    if !changed.is_empty() {
        let until = match change {
            Change::Mute(until) => until,
            Change::Unmute => 0,
        };
        group_member::Entity::update_many()
            .col_expr(group_member::Column::MuteExpireTime, Expr::value(until))
            .filter(group_member::Column::GroupId.eq(on.group_id))
            .filter(group_member::Column::UserId.is_in(changed.clone()))
            .exec(on.txn)
            .await?;
        on.caller.record(match change {
            Change::Mute(until_ms) => EventKind::MembersMuted {
                group_id: on.group_id,
                user_ids: changed,
                until_ms,
            },
            Change::Unmute => EventKind::MembersUnmuted {
                group_id: on.group_id,
                user_ids: changed,
            },
        });
    }
    Ok(outcomes)
}

/// Mute members for `duration` minutes (4.12); a new mute replaces a running one.
pub async fn ban(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    user_list: &[i64],
    duration: i64,
) -> ApiResult<Vec<UserOutcome>> {
    check_duration(duration, false)?;
    let until = state.now_ms() + duration * MINUTE_MS;
    change_mutes(state, caller, group_id, user_list, Change::Mute(until)).await
}

/// The members muted now (4.13), by membership row, for members of the group: the
/// count and the page past the member check (which the identity cache answers when warm).
pub async fn banned_list(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    page: PageRequest,
) -> ApiResult<Page<group_member::Model>> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    let muted = group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .filter(group_member::Column::MuteExpireTime.gt(state.now_ms()));
    let page = page
        .counted(&state.db, muted, group_member::Column::Id, |m| m.id)
        .await?;
    // hide_member_info: a plain member sees when another plain member's mute ends, not who
    // they are beyond their id
    Ok(page.map(|m| {
        if shows_details(&acting, &m) {
            m
        } else {
            group_member::Model {
                display_name: None,
                join_time: 0,
                ..m
            }
        }
    }))
}

/// Mute the whole group but its owner and admins (4.45) for `duration` minutes, or until
/// unban_all with -1; answers the stored groups.ban_expire_time (seconds, or -1).
pub async fn ban_all(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    duration: i64,
) -> ApiResult<i64> {
    check_duration(duration, true)?;
    let now = state.now_ms();
    let until = if duration == PERMANENT {
        PERMANENT
    } else {
        now / 1000 + duration * 60
    };
    set_group_ban(state, caller, group_id, until).await?;
    Ok(until)
}

/// End the group-wide mute (4.49): groups.ban_expire_time becomes 0.
pub async fn unban_all(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<bool> {
    set_group_ban(state, caller, group_id, 0).await?;
    Ok(true)
}

async fn set_group_ban(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    until: i64,
) -> ApiResult<()> {
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Admin)?;
        let now = state.now_ms();
        let was_banned = group_banned(acting.group.ban_expire_time, now);
        let mut g: group::ActiveModel = acting.group.into();
        g.ban_expire_time = Set(until);
        g.updated_at = Set(now);
        g.update(txn).await?;
        if until != 0 {
            caller.record(EventKind::GroupBanSet {
                group_id,
                until_s: until,
            });
        } else if was_banned {
            // unban_all of a group that no ban mutes changes nothing worth an event
            caller.record(EventKind::GroupBanLifted { group_id });
        }
        Ok(())
    })
}

/// Whether a group-wide mute runs at `now_ms` (for the messaging side to come).
pub fn group_banned(ban_expire_time: i64, now_ms: i64) -> bool {
    ban_expire_time == PERMANENT || ban_expire_time * 1000 > now_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_group_ban() {
        assert!(check_duration(1, false).is_ok());
        assert!(check_duration(MAX_MUTE_MINUTES, false).is_ok());
        assert!(check_duration(0, false).is_err());
        assert!(check_duration(-1, false).is_err());
        assert!(check_duration(-1, true).is_ok());
        assert!(check_duration(-2, true).is_err());
        assert!(check_duration(MAX_MUTE_MINUTES + 1, true).is_err());
        assert!(group_banned(PERMANENT, 5));
        assert!(group_banned(10, 9_999));
        assert!(!group_banned(10, 10_000));
        assert!(!group_banned(0, 1));
    }
}
