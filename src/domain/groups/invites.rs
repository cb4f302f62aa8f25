//! Invitations (invite, invite/handle, invitation_list) and applications (apply,
//! apply/handle, application_list). Pending ones expire after `PENDING_TTL_MS`; each write
//! runs in one transaction with a constant number of statements, whatever the list length.
use std::collections::HashSet;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::common::id_lists::{among, insert_each};
use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::tx::{self, Alive};
use crate::domain::groups::blacklist::blocked_among;
use crate::domain::groups::lifecycle::{MAX_ID_LIST, TYPE_CHATROOM, UserOutcome, unique_ids};
use crate::domain::groups::members::add_members;
use crate::domain::groups::roles::{
    Acting, Need, Role, acting_member, load_group, memberships, renumbered_many,
};
use crate::domain::identity::auth::Caller;
use crate::entity::{group, group_application, group_invitation, group_member, user_setting};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::events::catalogue::JoinedBy;
use crate::state::AppState;

pub use crate::domain::common::pending::{AGREED, PENDING, PENDING_TTL_MS, REASON_MAX, REJECTED};
use crate::domain::common::pending::{new_request, renewal};

/// apply_approval values of a group (1, the default, records a pending application).
pub const APPROVAL_OPEN: i32 = 0;
pub const APPROVAL_CLOSED: i32 = 2;

fn check_reason(reason: &Option<String>) -> ApiResult<()> {
    crate::domain::common::text::check_optional("reason", reason.as_deref(), 0, REASON_MAX)
}

/// Rows still worth listing: handled ones, and pending ones not yet expired.
fn listed(status: impl ColumnTrait, expire: impl ColumnTrait, now: i64) -> Condition {
    Condition::any().add(status.ne(PENDING)).add(expire.gt(now))
}

/// Close the pending invitations and applications of `user_ids` in a group (or, with `None`, in
/// every group: the users are being deleted), as `status` (AGREED when they joined by whatever
/// path, REJECTED when they were blacklisted or deleted), so that none stays pending for a user
/// it no longer applies to. Two statements, whatever the count; answers how many closed.
pub async fn close_pending<C: ConnectionTrait>(
    db: &C,
    group_id: Option<i64>,
    user_ids: &[i64],
    status: i32,
    now: i64,
) -> ApiResult<u64> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let mut invitations = group_invitation::Entity::update_many()
        .col_expr(group_invitation::Column::Status, Expr::value(status))
        .col_expr(group_invitation::Column::UpdatedAt, Expr::value(now))
        .filter(among(db, group_invitation::Column::InviteeId, user_ids))
        .filter(group_invitation::Column::Status.eq(PENDING));
    let mut applications = group_application::Entity::update_many()
        .col_expr(group_application::Column::Status, Expr::value(status))
        .col_expr(group_application::Column::UpdatedAt, Expr::value(now))
        .filter(among(db, group_application::Column::ApplicantId, user_ids))
        .filter(group_application::Column::Status.eq(PENDING));
    if let Some(g) = group_id {
        invitations = invitations.filter(group_invitation::Column::GroupId.eq(g));
        applications = applications.filter(group_application::Column::GroupId.eq(g));
    }
    let closed = invitations.exec(db).await?.rows_affected;
    Ok(closed + applications.exec(db).await?.rows_affected)
}

/// The `reason` of an invitee that confirms invitations: invited, not yet a member.
pub const PENDING_NOTE: &str = "invitation sent: the user joins when it accepts (invite/handle)";

/// Invite users (4.31). The owner and admins always; members when member_invite is true
/// (20012 otherwise). Each invitee succeeds or fails on its own: unknown user (10000),
/// already a member (20017), blacklisted (20018), capacity reached (20010). An invitee whose
/// group_confirm setting is on gets a pending invitation; the others join at once.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    user_list: &[i64],
    reason: Option<String>,
) -> ApiResult<Vec<UserOutcome>> {
    if user_list.len() > MAX_ID_LIST {
        return Err(ApiError::bad(format!(
            "user_list may hold at most {MAX_ID_LIST} ids"
        )));
    }
    check_reason(&reason)?;
    let ids = unique_ids(user_list);
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        acting.require(invite_rank(&acting.group))?;
        invite_among(txn, caller, &acting, &ids, &reason, now).await
    })
}

/// The per-user decisions and writes of `invite`, in the caller's transaction.
async fn invite_among(
    txn: &DatabaseTransaction,
    caller: &Caller,
    acting: &Acting,
    ids: &[i64],
    reason: &Option<String>,
    now: i64,
) -> ApiResult<Vec<UserOutcome>> {
    let group_id = acting.group.id;
    // an admin token acting by group_id invites in the owner's name
    let inviter = acting.user_id.unwrap_or(acting.group.owner_id);
    let members: HashSet<i64> = memberships(txn, group_id, ids.to_vec())
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let known = tx::lock_users(txn, &acting.group.app_id, ids, Alive::Exists).await?;
    let blocked = blocked_among(txn, group_id, ids).await?;
    let confirm = confirming(txn, &known).await?;
    let mut room = (acting.group.capacity - acting.group.count).max(0);
    let mut outcomes = Vec::with_capacity(ids.len());
    let mut joining = Vec::new();
    let mut pending = Vec::new();
    for &uid in ids {
        let outcome = if !known.contains(&uid) {
            UserOutcome::fail(uid, ApiError::UserNotFound(uid.to_string()).to_string())
        } else if members.contains(&uid) {
            UserOutcome::fail(uid, ApiError::AlreadyMember(uid).to_string())
        } else if blocked.contains(&uid) {
            UserOutcome::fail(uid, ApiError::Blacklisted(uid).to_string())
        } else if confirm.contains(&uid) {
            pending.push(uid);
            UserOutcome::ok_pending(uid, PENDING_NOTE)
        } else if room > 0 {
            room -= 1;
            joining.push(uid);
            UserOutcome::ok(uid)
        } else {
            UserOutcome::fail(uid, ApiError::GroupFull(acting.group.capacity).to_string())
        };
        outcomes.push(outcome);
    }
    // the group is locked and `joining` holds no member: every one of them joins
    add_members(txn, &acting.group, &joining, now).await?;
    record_invitations(txn, group_id, inviter, &pending, reason, now).await?;
    if !joining.is_empty() {
        caller.record(EventKind::MembersJoined {
            group_id,
            user_ids: joining,
            by: JoinedBy::Invitation,
        });
    }
    if !pending.is_empty() {
        caller.record(EventKind::MembersInvited {
            group_id,
            inviter_id: inviter,
            user_ids: pending,
        });
    }
    Ok(outcomes)
}

/// The users among `users` whose group_confirm setting is on: invitations wait for them.
async fn confirming(txn: &DatabaseTransaction, users: &HashSet<i64>) -> ApiResult<HashSet<i64>> {
    if users.is_empty() {
        return Ok(HashSet::new());
    }
    let users: Vec<i64> = users.iter().copied().collect();
    let found = user_setting::Entity::find()
        .select_only()
        .column(user_setting::Column::UserId)
        .filter(among(txn, user_setting::Column::UserId, &users))
        .filter(user_setting::Column::GroupConfirm.eq(true))
        .into_tuple::<i64>()
        .all(txn)
        .await?;
    Ok(found.into_iter().collect())
}

/// One pending invitation per invitee of `pending` (one statement); inviting again renews it.
async fn record_invitations(
    txn: &DatabaseTransaction,
    group_id: i64,
    inviter: i64,
    pending: &[i64],
    reason: &Option<String>,
    now: i64,
) -> ApiResult<()> {
    let invitation = new_request(
        group_invitation::ActiveModel {
            group_id: Set(group_id),
            inviter_id: Set(inviter),
            invitee_id: Set(0),
            reason: Set(reason.clone()),
            ..Default::default()
        },
        now,
    );
    let renew = renewal::<group_invitation::Entity>(
        [
            group_invitation::Column::GroupId,
            group_invitation::Column::InviteeId,
            group_invitation::Column::InviterId,
        ],
        [group_invitation::Column::Reason],
    );
    insert_each(
        txn,
        invitation,
        group_invitation::Column::InviteeId,
        pending,
        renew,
    )
    .await?;
    Ok(())
}

/// The rank a member needs to invite: any member when member_invite is on, else admin. An
/// invitation or a QR code is only as good as its inviter's right to invite when it is used.
pub fn invite_rank(group: &group::Model) -> Role {
    if group.member_invite {
        Role::Member
    } else {
        Role::Admin
    }
}

/// Whether `inviter` may still invite to the locked `group` (a member of `invite_rank`).
pub async fn may_still_invite<C: ConnectionTrait>(
    db: &C,
    group: &group::Model,
    inviter: i64,
) -> ApiResult<bool> {
    Ok(still_inviting(db, group, vec![inviter])
        .await?
        .contains(&inviter))
}

/// The users among `inviters` who may still invite to the locked `group` (one query).
async fn still_inviting<C: ConnectionTrait>(
    db: &C,
    group: &group::Model,
    inviters: Vec<i64>,
) -> ApiResult<HashSet<i64>> {
    let rank = invite_rank(group);
    let members = memberships(db, group.id, inviters).await?;
    Ok(members
        .into_iter()
        .filter(|m| Role::from_db(m.role) >= rank)
        .map(|m| m.user_id)
        .collect())
}

/// Join `uid` into the locked live `group` for an accepted invitation, an approved or open
/// application or a QR code: the user locked and enabled (10000), blacklist (20018) and
/// capacity (20010) checked; answers false when it already was a member.
pub async fn join_one<C: ConnectionTrait>(
    db: &C,
    group: &group::Model,
    uid: i64,
    now: i64,
) -> ApiResult<bool> {
    if tx::lock_users(db, &group.app_id, &[uid], Alive::Enabled)
        .await?
        .is_empty()
    {
        return Err(ApiError::UserNotFound(uid.to_string()));
    }
    if blocked_among(db, group.id, &[uid]).await?.contains(&uid) {
        return Err(ApiError::Blacklisted(uid));
    }
    Ok(add_members(db, group, &[uid], now).await? > 0)
}

/// Answer a pending invitation (4.32): the invitee (the caller) accepts or rejects the
/// invitation of `inviter`; accepting joins (blacklist and capacity checked again). Handled,
/// expired or absent: 20015. An invitee that was disabled or deleted meanwhile gets 10000, and
/// an inviter that may no longer invite (it left, or member_invite was turned off for plain
/// members) voids its invitation (20015); both close the invitation.
///
/// `inviter` = the caller itself (the original web UI's form) means the caller's pending
/// invitations of the group: accepting takes the newest whose inviter may still invite (20015
/// when none may), rejecting closes all of them.
pub async fn handle_invitation(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    inviter: i64,
    approval: bool,
) -> ApiResult<bool> {
    let uid = caller.user_id()?;
    let named = (inviter != uid).then_some(inviter);
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let group = load_group(txn, &caller.app_id, group_id, Need::Live, state.now_ms()).await?;
        let group_id = group.id;
        let pending = pending_invitations(txn, group_id, uid, named, now).await?;
        let Some(newest) = pending.first() else {
            return Err(ApiError::InvitationHandled);
        };
        let ids: Vec<i64> = pending.iter().map(|i| i.id).collect();
        if !approval {
            set_invitation_status(txn, &ids, REJECTED, now).await?;
            caller.record(EventKind::InvitationDeclined {
                group_id,
                user_id: uid,
                inviter_id: named,
            });
            return Ok(Ok(true));
        }
        let allowed =
            still_inviting(txn, &group, pending.iter().map(|i| i.inviter_id).collect()).await?;
        let refused = match pending.iter().find(|i| allowed.contains(&i.inviter_id)) {
            None => ApiError::InvitationVoid(newest.inviter_id),
            Some(chosen) => match join_one(txn, &group, uid, now).await {
                Ok(joined) => {
                    set_invitation_status(txn, &[chosen.id], AGREED, now).await?;
                    caller.record(EventKind::InvitationAccepted {
                        group_id,
                        user_id: uid,
                        inviter_id: chosen.inviter_id,
                    });
                    if joined {
                        caller.record(EventKind::MembersJoined {
                            group_id,
                            user_ids: vec![uid],
                            by: JoinedBy::Invitation,
                        });
                    }
                    return Ok(Ok(true));
                }
                Err(e @ ApiError::UserNotFound(_)) => e,
                Err(e) => return Err(e),
            },
        };
        set_invitation_status(txn, &ids, REJECTED, now).await?;
        caller.record(EventKind::PendingVoided {
            group_id,
            user_id: uid,
        });
        Ok(Err(refused))
    })?
}

/// The pending, unexpired invitations of `invitee` to a group (from `inviter` only, when
/// named), newest first.
async fn pending_invitations(
    txn: &DatabaseTransaction,
    group_id: i64,
    invitee: i64,
    inviter: Option<i64>,
    now: i64,
) -> ApiResult<Vec<group_invitation::Model>> {
    let mut query = group_invitation::Entity::find()
        .filter(group_invitation::Column::GroupId.eq(group_id))
        .filter(group_invitation::Column::InviteeId.eq(invitee))
        .filter(group_invitation::Column::Status.eq(PENDING))
        .filter(group_invitation::Column::ExpireTime.gt(now));
    if let Some(inviter) = inviter {
        query = query.filter(group_invitation::Column::InviterId.eq(inviter));
    }
    Ok(query
        .order_by_desc(group_invitation::Column::UpdatedAt)
        .order_by_desc(group_invitation::Column::Id)
        .all(txn)
        .await?)
}

/// Close the invitations `ids` with `status` (one statement).
async fn set_invitation_status(
    txn: &DatabaseTransaction,
    ids: &[i64],
    status: i32,
    now: i64,
) -> ApiResult<()> {
    group_invitation::Entity::update_many()
        .col_expr(group_invitation::Column::Status, Expr::value(status))
        .col_expr(group_invitation::Column::UpdatedAt, Expr::value(now))
        .filter(among(txn, group_invitation::Column::Id, ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// An invitation as invitation_list shows it.
pub type Invitation = group_invitation::Model;

/// The caller's invitations (4.30): pending ones until they expire, and handled ones, in
/// the order they were first made (row id), keyset paged.
pub async fn invitation_list(
    state: &AppState,
    caller: &Caller,
    page: PageRequest,
) -> ApiResult<Page<Invitation>> {
    let uid = caller.user_id()?;
    let now = state.now_ms();
    let mine = group_invitation::Entity::find()
        .filter(group_invitation::Column::InviteeId.eq(uid))
        .filter(listed(
            group_invitation::Column::Status,
            group_invitation::Column::ExpireTime,
            now,
        ));
    page.counted(&state.db, mine, group_invitation::Column::Id, |r| r.id)
        .await
}

/// How an application ended at once.
pub enum Applied {
    /// The caller joined.
    Joined,
    /// A pending application awaits the owner or an admin.
    Pending,
}

/// Apply to join a group (4.10). A chatroom (type 2) and a group with apply_approval 0 take
/// the caller at once (capacity 20010); apply_approval 1 records a pending application for
/// the owner and admins; apply_approval 2 refuses with 10010. A member gets 20017, a
/// blacklisted user 20018.
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    reason: Option<String>,
) -> ApiResult<Applied> {
    check_reason(&reason)?;
    let uid = caller.user_id()?;
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let group = load_group(txn, &caller.app_id, group_id, Need::Live, state.now_ms()).await?;
        let group_id = group.id;
        if !memberships(txn, group_id, vec![uid]).await?.is_empty() {
            return Err(ApiError::AlreadyMember(uid));
        }
        if group.r#type == TYPE_CHATROOM || group.apply_approval == APPROVAL_OPEN {
            return match join_one(txn, &group, uid, now).await? {
                true => {
                    caller.record(EventKind::MembersJoined {
                        group_id,
                        user_ids: vec![uid],
                        by: JoinedBy::Application,
                    });
                    Ok(Applied::Joined)
                }
                false => Err(ApiError::AlreadyMember(uid)),
            };
        }
        if group.apply_approval == APPROVAL_CLOSED {
            return Err(ApiError::denied(
                "the group accepts no membership applications (apply_approval 2)",
            ));
        }
        if tx::lock_users(txn, &caller.app_id, &[uid], Alive::Enabled)
            .await?
            .is_empty()
        {
            return Err(ApiError::UserNotFound(uid.to_string()));
        }
        if blocked_among(txn, group_id, &[uid]).await?.contains(&uid) {
            return Err(ApiError::Blacklisted(uid));
        }
        let row = new_request(
            group_application::ActiveModel {
                group_id: Set(group_id),
                applicant_id: Set(uid),
                reason: Set(reason.clone()),
                ..Default::default()
            },
            now,
        );
        // applying again renews the application
        group_application::Entity::insert(row)
            .on_conflict(renewal::<group_application::Entity>(
                [
                    group_application::Column::GroupId,
                    group_application::Column::ApplicantId,
                ],
                [group_application::Column::Reason],
            ))
            .exec_without_returning(txn)
            .await?;
        caller.record(EventKind::MemberApplied {
            group_id,
            user_id: uid,
        });
        Ok(Applied::Pending)
    })
}

/// Answer a pending application (4.11): the owner or an admin approves or rejects the
/// application of `applicant`; approval joins it (blacklist 20018, capacity 20010). An
/// applicant that was deleted or disabled meanwhile: 10000, and its application is closed.
/// Handled, expired or absent: 20014. An applicant that joined meanwhile by another way is a
/// success.
pub async fn handle_application(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    applicant: i64,
    approval: bool,
) -> ApiResult<UserOutcome> {
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Admin)?;
        let gone = tx::lock_users(txn, &caller.app_id, &[applicant], Alive::Enabled)
            .await?
            .is_empty();
        if gone {
            if close_pending(txn, Some(group_id), &[applicant], REJECTED, now).await? > 0 {
                caller.record(EventKind::PendingVoided {
                    group_id,
                    user_id: applicant,
                });
            }
            return Ok(Err(ApiError::UserNotFound(applicant.to_string())));
        }
        let app = group_application::Entity::find()
            .filter(group_application::Column::GroupId.eq(group_id))
            .filter(group_application::Column::ApplicantId.eq(applicant))
            .filter(group_application::Column::Status.eq(PENDING))
            .filter(group_application::Column::ExpireTime.gt(now))
            .one(txn)
            .await?
            .ok_or(ApiError::ApplicationHandled)?;
        let joined = approval && join_one(txn, &acting.group, applicant, now).await?;
        let mut row: group_application::ActiveModel = app.into();
        row.status = Set(if approval { AGREED } else { REJECTED });
        row.updated_at = Set(now);
        row.update(txn).await?;
        if approval {
            caller.record(EventKind::ApplicationAccepted {
                group_id,
                user_id: applicant,
            });
        } else {
            caller.record(EventKind::ApplicationDeclined {
                group_id,
                user_id: applicant,
            });
        }
        if joined {
            caller.record(EventKind::MembersJoined {
                group_id,
                user_ids: vec![applicant],
                by: JoinedBy::Application,
            });
        }
        Ok(Ok(UserOutcome::ok(applicant)))
    })?
}

/// An application as application_list shows it.
pub type Application = group_application::Model;

/// The applications to the groups of `group_list` where the caller is owner or admin (4.9;
/// other groups contribute nothing): pending ones until they expire, and handled ones, in
/// the order they were first made (row id), keyset paged.
pub async fn application_list(
    state: &AppState,
    caller: &Caller,
    group_list: &[i64],
    page: PageRequest,
) -> ApiResult<Page<Application>> {
    if group_list.len() > MAX_ID_LIST {
        return Err(ApiError::bad(format!(
            "group_list may hold at most {MAX_ID_LIST} ids"
        )));
    }
    let ids = unique_ids(group_list);
    let now = state.now_ms();
    let mut managed = managed_among(state, caller, &ids).await?;
    if managed.len() < ids.len() {
        // old ids of renumbered groups (see roles::load_group) list the group under its new id
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !managed.contains(id))
            .collect();
        let moved = renumbered_many(&state.db, &caller.app_id, &missing, now).await?;
        if !moved.is_empty() {
            let news: Vec<i64> = moved.values().copied().collect();
            managed.extend(managed_among(state, caller, &news).await?);
            managed.sort_unstable();
            managed.dedup();
        }
    }
    if managed.is_empty() {
        return Ok(page.finish(vec![], |r: &Application| r.id, Some(0)));
    }
    let of_groups = group_application::Entity::find()
        .filter(group_application::Column::GroupId.is_in(managed))
        .filter(listed(
            group_application::Column::Status,
            group_application::Column::ExpireTime,
            now,
        ));
    page.counted(&state.db, of_groups, group_application::Column::Id, |r| {
        r.id
    })
    .await
}

/// The groups of `ids` where the caller is owner or admin (an admin token acting on a group: that
/// group, when listed).
async fn managed_among(state: &AppState, caller: &Caller, ids: &[i64]) -> ApiResult<Vec<i64>> {
    Ok(match caller.as_group {
        Some(g) => {
            if !ids.contains(&g) {
                vec![]
            } else {
                match load_group(&state.db, &caller.app_id, g, Need::Any, state.now_ms()).await {
                    Ok(group) => vec![group.id],
                    Err(ApiError::GroupNotFound(_)) => vec![],
                    Err(e) => return Err(e),
                }
            }
        }
        None => {
            let uid = caller.user_id()?;
            if ids.is_empty() {
                vec![]
            } else {
                group_member::Entity::find()
                    .select_only()
                    .column(group_member::Column::GroupId)
                    .filter(group_member::Column::UserId.eq(uid))
                    .filter(group_member::Column::GroupId.is_in(ids.to_vec()))
                    .filter(group_member::Column::Role.gte(Role::Admin.db()))
                    .into_tuple::<i64>()
                    .all(&state.db)
                    .await?
            }
        }
    })
}
