//! Friend applications (3.2 apply, 3.3 apply/batch, 3.1 accept, 3.7 decline, 3.4 apply/list).
//!
//! An application honours the target's `auth_mode`: 0 friends at once, both ways; 1 a pending
//! application (expiring after `group_invites::PENDING_TTL_MS`, 7 days, as group applications
//! do; applying again renews it); 2 friends at once with the right answer, refused otherwise;
//! 3 refused. Refusals by the target (its blacklist, auth_mode 3, a wrong answer) are 10012,
//! each with its own message. Two users applying to each other become friends: an application
//! to a user whose own application to the caller is pending makes them friends, whatever the
//! target's auth_mode.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use crate::domain::common::id_lists::among;
use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::pending::{PENDING, REJECTED, new_request, renewal};
use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::domain::roster::blacklist::{Blocks, blocks_among};
use crate::domain::roster::items::{
    ALIAS_MAX, AUTH_REFUSE_ALL, MAX_ROSTER_LIST, befriend, friends_among, lock_people,
};
use crate::entity::{roster_application, user_setting};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// Longest application or decline reason, in characters.
pub const REASON_MAX: usize = crate::domain::common::pending::REASON_MAX;

/// auth_mode 0: anyone becomes a friend at once; 2: with the right answer.
const AUTH_OPEN: i32 = 0;
const AUTH_ANSWER: i32 = 2;

/// One application: to `user_id`, with the caller's alias for it, a reason, and the answer to
/// the target's question (auth_mode 2).
#[derive(Clone, Debug)]
pub struct ApplyItem {
    pub user_id: i64,
    pub alias: Option<String>,
    pub reason: Option<String>,
    pub auth_answer: Option<String>,
}

/// How an application ended at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The two are friends now.
    Friends,
    /// A pending application awaits the target's answer.
    Pending,
}

/// Apply to befriend one user (3.2); the item's refusal is the answer's error.
pub async fn apply(state: &AppState, caller: &Caller, item: ApplyItem) -> ApiResult<Applied> {
    let target = item.user_id;
    let mut outcomes = apply_all(state, caller, vec![item]).await?;
    outcomes.pop().map_or(
        Err(ApiError::UserNotFound(target.to_string())),
        |(_, outcome)| outcome,
    )
}

/// Apply to befriend each user of `items` (3.3, at most 500): each item succeeds or fails on its
/// own, the good ones are written in one transaction. Answers (user_id, outcome) per item.
pub async fn apply_batch(
    state: &AppState,
    caller: &Caller,
    items: Vec<ApplyItem>,
) -> ApiResult<Vec<(i64, ApiResult<Applied>)>> {
    if items.len() > MAX_ROSTER_LIST {
        return Err(ApiError::bad(format!(
            "the list may hold at most {MAX_ROSTER_LIST} applications"
        )));
    }
    apply_all(state, caller, items).await
}

/// The format of an item, before any database work: 10002 for itself, a repeat, or an alias or
/// reason too long.
fn check_item(me: i64, item: &ApplyItem, seen: &mut HashSet<i64>) -> ApiResult<()> {
    if item.user_id == me {
        return Err(ApiError::bad("user_id: a user cannot befriend itself"));
    }
    if !seen.insert(item.user_id) {
        return Err(ApiError::bad(format!(
            "user_id {} is repeated in the list",
            item.user_id
        )));
    }
    crate::domain::common::text::check_optional("alias", item.alias.as_deref(), 0, ALIAS_MAX)?;
    crate::domain::common::text::check_optional("reason", item.reason.as_deref(), 0, REASON_MAX)
}

async fn apply_all(
    state: &AppState,
    caller: &Caller,
    items: Vec<ApplyItem>,
) -> ApiResult<Vec<(i64, ApiResult<Applied>)>> {
    let me = caller.user_id()?;
    let mut seen = HashSet::new();
    let checked: Vec<(ApplyItem, ApiResult<()>)> = items
        .into_iter()
        .map(|item| {
            let format = check_item(me, &item, &mut seen);
            (item, format)
        })
        .collect();
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let good: Vec<&ApplyItem> = checked
            .iter()
            .filter(|(_, f)| f.is_ok())
            .map(|(i, _)| i)
            .collect();
        let mut decided = decide(txn, &caller.app_id, me, &good, now).await?;
        for item in &good {
            let user_id = me;
            match decided.get(&item.user_id) {
                Some(Ok(Applied::Friends)) => caller.record(EventKind::FriendAdded {
                    user_id,
                    friend_id: item.user_id,
                }),
                Some(Ok(Applied::Pending)) => caller.record(EventKind::FriendRequested {
                    user_id,
                    target_id: item.user_id,
                }),
                _ => {}
            }
        }
        Ok(checked
            .iter()
            .map(|(item, format)| {
                let outcome = match format {
                    Err(e) => Err(ApiError::bad(e.to_string())),
                    Ok(()) => decided
                        .remove(&item.user_id)
                        .unwrap_or(Err(ApiError::UserNotFound(item.user_id.to_string()))),
                };
                (item.user_id, outcome)
            })
            .collect())
    })
}

/// The decisions and writes of the well-formed `items` of `me`, in its transaction: a constant
/// number of statements (locks, five reads, three writes) whatever the number of items.
async fn decide(
    txn: &DatabaseTransaction,
    app_id: &str,
    me: i64,
    items: &[&ApplyItem],
    now: i64,
) -> ApiResult<HashMap<i64, ApiResult<Applied>>> {
    let targets: Vec<i64> = items.iter().map(|i| i.user_id).collect();
    let mut everyone = targets.clone();
    everyone.push(me);
    let people = lock_people(txn, app_id, &everyone).await?;
    if !people.enabled.contains(&me) {
        return Err(ApiError::UserNotFound(me.to_string()));
    }
    let friends = friends_among(txn, me, &targets).await?;
    let mine_blocked = blocks_among(txn, Blocks::ByUser, me, &targets).await?;
    let blocking_me = blocks_among(txn, Blocks::OfUser, me, &targets).await?;
    let asking_me = pending_from(txn, &targets, me, now).await?;
    let settings: HashMap<i64, user_setting::Model> = user_setting::Entity::find()
        .filter(among(txn, user_setting::Column::UserId, &targets))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.user_id, s))
        .collect();
    let mut outcomes = HashMap::new();
    let mut befriended = Vec::new();
    let mut pending = Vec::new();
    for item in items {
        let uid = item.user_id;
        let setting = settings.get(&uid);
        let mode = setting.map_or(AUTH_OPEN, |s| s.auth_mode);
        let outcome = if !people.enabled.contains(&uid) {
            Err(ApiError::UserNotFound(uid.to_string()))
        } else if friends.contains(&uid) {
            Err(ApiError::AlreadyFriend(uid))
        } else if mine_blocked.contains(&uid) {
            Err(ApiError::AlreadyBlocked(uid))
        } else if blocking_me.contains(&uid) {
            Err(ApiError::FriendRequestRejected(
                "you are in the user's blacklist",
            ))
        } else if asking_me.contains(&uid) || mode == AUTH_OPEN {
            Ok(Applied::Friends)
        } else if mode == AUTH_REFUSE_ALL {
            Err(ApiError::FriendRequestRejected(
                "the user accepts no friend requests (auth_mode 3)",
            ))
        } else if mode == AUTH_ANSWER {
            let expected = setting
                .and_then(|s| s.auth_answer.as_deref())
                .map(str::trim)
                .filter(|a| !a.is_empty());
            match (expected, item.auth_answer.as_deref().map(str::trim)) {
                (Some(want), Some(given)) if want == given => Ok(Applied::Friends),
                (None, _) => Err(ApiError::FriendRequestRejected(
                    "the user's question has no answer set",
                )),
                (_, None) => Err(ApiError::FriendRequestRejected(
                    "the user's question needs an answer (auth_answer)",
                )),
                _ => Err(ApiError::FriendRequestRejected(
                    "wrong answer to the user's question",
                )),
            }
        } else {
            Ok(Applied::Pending)
        };
        match outcome {
            Ok(Applied::Friends) => befriended.push((uid, item.alias.clone())),
            Ok(Applied::Pending) => pending.push(*item),
            Err(_) => {}
        }
        outcomes.insert(uid, outcome);
    }
    befriend(txn, me, &befriended, now).await?;
    record(txn, me, &pending, now).await?;
    Ok(outcomes)
}

/// Among `applicants`, those whose application to `target` is pending and not expired.
async fn pending_from<C: ConnectionTrait>(
    db: &C,
    applicants: &[i64],
    target: i64,
    now: i64,
) -> ApiResult<HashSet<i64>> {
    if applicants.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(roster_application::Entity::find()
        .select_only()
        .column(roster_application::Column::ApplicantId)
        .filter(roster_application::Column::TargetId.eq(target))
        .filter(among(
            db,
            roster_application::Column::ApplicantId,
            applicants,
        ))
        .filter(roster_application::Column::Status.eq(PENDING))
        .filter(roster_application::Column::ExpireTime.gt(now))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// One pending application of `me` per item (one statement); applying again renews it.
async fn record(
    txn: &DatabaseTransaction,
    me: i64,
    items: &[&ApplyItem],
    now: i64,
) -> ApiResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows = items.iter().map(|i| {
        let row = roster_application::ActiveModel {
            applicant_id: Set(me),
            target_id: Set(i.user_id),
            alias: Set(i.alias.clone()),
            reason: Set(i.reason.clone()),
            decline_reason: Set(None),
            ..Default::default()
        };
        new_request(row, now)
    });
    let renew = renewal::<roster_application::Entity>(
        [
            roster_application::Column::ApplicantId,
            roster_application::Column::TargetId,
        ],
        [
            roster_application::Column::Alias,
            roster_application::Column::Reason,
            roster_application::Column::DeclineReason,
        ],
    );
    roster_application::Entity::insert_many(rows)
        .on_conflict(renew)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Close the pending applications between `me` and each of `others`, both ways, as `status`
/// (one statement).
pub async fn close_between<C: ConnectionTrait>(
    db: &C,
    me: i64,
    others: &[i64],
    status: i32,
    now: i64,
) -> ApiResult<()> {
    if others.is_empty() {
        return Ok(());
    }
    let between = Condition::any()
        .add(
            Condition::all()
                .add(roster_application::Column::ApplicantId.eq(me))
                .add(among(db, roster_application::Column::TargetId, others)),
        )
        .add(
            Condition::all()
                .add(roster_application::Column::TargetId.eq(me))
                .add(among(db, roster_application::Column::ApplicantId, others)),
        );
    roster_application::Entity::update_many()
        .col_expr(roster_application::Column::Status, Expr::value(status))
        .col_expr(roster_application::Column::UpdatedAt, Expr::value(now))
        .filter(between)
        .filter(roster_application::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(())
}

/// Accept the pending application of `applicant` to the acting user (3.1): friends both ways,
/// with the applicant's alias. Handled, expired or absent: 10007. An applicant deleted or
/// disabled meanwhile: 10000, and its application closes.
pub async fn accept(state: &AppState, caller: &Caller, applicant: i64) -> ApiResult<bool> {
    let me = caller.user_id()?;
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let people = lock_people(txn, &caller.app_id, &[me, applicant]).await?;
        if !people.enabled.contains(&me) {
            return Err(ApiError::UserNotFound(me.to_string()));
        }
        let application = roster_application::Entity::find()
            .filter(roster_application::Column::ApplicantId.eq(applicant))
            .filter(roster_application::Column::TargetId.eq(me))
            .filter(roster_application::Column::Status.eq(PENDING))
            .filter(roster_application::Column::ExpireTime.gt(now))
            .one(txn)
            .await?
            .ok_or(ApiError::FriendApplicationHandled(applicant))?;
        if !people.enabled.contains(&applicant) {
            close_between(txn, me, &[applicant], REJECTED, now).await?;
            return Ok(Err(ApiError::UserNotFound(applicant.to_string())));
        }
        befriend(txn, applicant, &[(me, application.alias)], now).await?;
        caller.record(EventKind::FriendRequestAccepted {
            user_id: me,
            applicant_id: applicant,
        });
        caller.record(EventKind::FriendAdded {
            user_id: applicant,
            friend_id: me,
        });
        Ok(Ok(true))
    })?
}

/// Decline the pending application of `applicant` to the acting user (3.7), with a reason kept
/// with it. Handled, expired or absent: 10007. It locks both users first, as accept does (the
/// roster lock order): an accept of the same application at the same moment runs before or
/// after it, never across it, so exactly one of the two wins.
pub async fn decline(
    state: &AppState,
    caller: &Caller,
    applicant: i64,
    reason: Option<String>,
) -> ApiResult<bool> {
    crate::domain::common::text::check_optional("reason", reason.as_deref(), 0, REASON_MAX)?;
    let me = caller.user_id()?;
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        lock_people(txn, &caller.app_id, &[me, applicant]).await?;
        let done = roster_application::Entity::update_many()
            .col_expr(roster_application::Column::Status, Expr::value(REJECTED))
            .col_expr(
                roster_application::Column::DeclineReason,
                Expr::value(reason.clone()),
            )
            .col_expr(roster_application::Column::UpdatedAt, Expr::value(now))
            .filter(roster_application::Column::ApplicantId.eq(applicant))
            .filter(roster_application::Column::TargetId.eq(me))
            .filter(roster_application::Column::Status.eq(PENDING))
            .filter(roster_application::Column::ExpireTime.gt(now))
            .exec(txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(ApiError::FriendApplicationHandled(applicant));
        }
        caller.record(EventKind::FriendRequestDeclined {
            user_id: me,
            applicant_id: applicant,
        });
        Ok(true)
    })
}

/// An application as apply/list shows it.
pub type Application = roster_application::Model;

/// The applications the acting user received (3.4): pending ones until they expire, and
/// handled ones (1 accepted, 2 declined), in the order they were first made (row id), keyset
/// paged; total counts them all. Two queries.
pub async fn received(
    state: &AppState,
    caller: &Caller,
    page: PageRequest,
) -> ApiResult<Page<Application>> {
    let me = caller.user_id()?;
    let now = state.now_ms();
    let listed = Condition::any()
        .add(roster_application::Column::Status.ne(PENDING))
        .add(roster_application::Column::ExpireTime.gt(now));
    let mine = roster_application::Entity::find()
        .filter(roster_application::Column::TargetId.eq(me))
        .filter(listed);
    page.counted(&state.db, mine, roster_application::Column::Id, |a| a.id)
        .await
}
