//! Each user's own blacklist (3.5 block, 3.16 unblock, 3.6 blocked_list). A blocked user cannot
//! apply to the user that blocked it (10012) and neither may message the other
//! (`roster::may_message`). Blocking keeps a friendship (unblocking restores messaging) but
//! closes the pending applications between the two, both ways, as declined.
use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::domain::common::id_lists::among;
use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::domain::roster::items::lock_people;
use crate::entity::roster_block;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// Most users one blacklist holds (10002 beyond): blocked_list answers them all at once.
pub const MAX_BLOCKED: u64 = 1000;

/// Which way the blacklist entries between a user and others go.
#[derive(Clone, Copy)]
pub enum Blocks {
    /// The user blocked them (its own blacklist).
    ByUser,
    /// They blocked the user.
    OfUser,
}

/// The users among `ids` with a blacklist entry between them and `user_id` that goes the way
/// `way` says (one query).
pub async fn blocks_among<C: ConnectionTrait>(
    db: &C,
    way: Blocks,
    user_id: i64,
    ids: &[i64],
) -> ApiResult<HashSet<i64>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let (side, other) = match way {
        Blocks::ByUser => (
            roster_block::Column::UserId,
            roster_block::Column::BlockedId,
        ),
        Blocks::OfUser => (
            roster_block::Column::BlockedId,
            roster_block::Column::UserId,
        ),
    };
    Ok(roster_block::Entity::find()
        .select_only()
        .column(other)
        .filter(side.eq(user_id))
        .filter(among(db, other, ids))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Add `target` to the acting user's blacklist (3.5): a user of the app (10000), not the caller
/// itself (10002), not already there (10006), at most [`MAX_BLOCKED`] entries (10002).
pub async fn block(state: &AppState, caller: &Caller, target: i64) -> ApiResult<bool> {
    let me = caller.user_id()?;
    if target == me {
        return Err(ApiError::bad(
            "parameter `user_id`: a user cannot block itself",
        ));
    }
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        if !lock_people(txn, &caller.app_id, &[me, target])
            .await?
            .exist
            .contains(&target)
        {
            return Err(ApiError::UserNotFound(target.to_string()));
        }
        if !blocks_among(txn, Blocks::ByUser, me, &[target])
            .await?
            .is_empty()
        {
            return Err(ApiError::AlreadyBlocked(target));
        }
        let held = roster_block::Entity::find()
            .filter(roster_block::Column::UserId.eq(me))
            .count(txn)
            .await?;
        if held >= MAX_BLOCKED {
            return Err(ApiError::bad(format!(
                "a blacklist holds at most {MAX_BLOCKED} users: unblock one first"
            )));
        }
        let row = roster_block::ActiveModel {
            user_id: Set(me),
            blocked_id: Set(target),
            created_at: Set(now),
            ..Default::default()
        };
        roster_block::Entity::insert(row)
            .exec_without_returning(txn)
            .await?;
        crate::domain::roster::apply::close_between(
            txn,
            me,
            &[target],
            crate::domain::common::pending::REJECTED,
            now,
        )
        .await?;
        caller.record(EventKind::FriendBlocked {
            user_id: me,
            blocked_id: target,
        });
        Ok(true)
    })
}

/// Take `target` off the acting user's blacklist (3.16). A user that is not on it answers true
/// as well (the state asked for holds). One statement.
pub async fn unblock(state: &AppState, caller: &Caller, target: i64) -> ApiResult<bool> {
    let me = caller.user_id()?;
    tx::transaction!(state, |txn| {
        let done = roster_block::Entity::delete_many()
            .filter(roster_block::Column::UserId.eq(me))
            .filter(roster_block::Column::BlockedId.eq(target))
            .exec(txn)
            .await?;
        if done.rows_affected > 0 {
            caller.record(EventKind::FriendUnblocked {
                user_id: me,
                blocked_id: target,
            });
        }
        Ok(true)
    })
}

/// The acting user's blacklist (3.6), oldest entry first (one query).
pub async fn blocked_list(state: &AppState, caller: &Caller) -> ApiResult<Vec<i64>> {
    let me = caller.user_id()?;
    Ok(roster_block::Entity::find()
        .select_only()
        .column(roster_block::Column::BlockedId)
        .filter(roster_block::Column::UserId.eq(me))
        .order_by_asc(roster_block::Column::Id)
        .limit(MAX_BLOCKED)
        .into_tuple::<i64>()
        .all(&state.db)
        .await?)
}
