//! Groups: lifecycle (create, destroy, transfer), information and settings, and the caller's
//! own per-member settings (display name, message mute and push modes, do-not-disturb).
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait, Set,
};

use crate::domain::common::text::check_chars;
use crate::domain::common::tx::{self, Alive};
use crate::domain::groups::roles::{
    Acting, Need, Role, STATUS_DISSOLVED, STATUS_NORMAL, acting_member, memberships,
    renumbered_many, viewing_member,
};
use crate::domain::identity::auth::Caller;
use crate::entity::{group, group_member};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::events::catalogue::JoinedBy;
use crate::state::AppState;

/// group.type of a private group.
pub const TYPE_PRIVATE: i32 = 0;
/// group.type of a chatroom.
pub const TYPE_CHATROOM: i32 = 2;
/// Member limit of a private group.
pub const PRIVATE_GROUP_CAPACITY: i64 = 2000;
/// Member limit of a chatroom.
pub const CHATROOM_CAPACITY: i64 = 100_000;
/// Longest user_list of /group/create and of the admin operations; longest group_list of
/// /group/info/batch.
pub use crate::domain::common::lists::{MAX_ID_LIST, check_list, unique_ids};
pub const NAME_MAX: usize = 128;
pub const AVATAR_MAX: usize = 1024;
pub const TEXT_MAX: usize = 2048;
pub const DISPLAY_NAME_MAX: usize = 128;

/// A group as one caller sees it: the group and the caller's own message modes and
/// do-not-disturb.
pub struct GroupView {
    pub group: group::Model,
    pub msg_mute_mode: i32,
    pub msg_push_mode: i32,
    pub not_disturb: bool,
}

impl GroupView {
    /// The group with the settings of `member` (the caller's membership; none: the defaults).
    fn with(group: group::Model, member: Option<&group_member::Model>) -> GroupView {
        let (msg_mute_mode, msg_push_mode, not_disturb) = member
            .map(|m| (m.msg_mute_mode, m.msg_push_mode, m.not_disturb))
            .unwrap_or((0, 0, false));
        GroupView {
            group,
            msg_mute_mode,
            msg_push_mode,
            not_disturb,
        }
    }

    fn of(acting: Acting) -> GroupView {
        GroupView::with(acting.group, acting.member.as_ref())
    }
}

/// The outcome of an operation on one user (admin add/remove, transfer).
pub struct UserOutcome {
    pub user_id: i64,
    pub success: bool,
    pub reason: Option<String>,
}

impl UserOutcome {
    pub fn ok(user_id: i64) -> Self {
        UserOutcome {
            user_id,
            success: true,
            reason: None,
        }
    }

    /// Success that is not yet the final state (an invitation waiting for the invitee's
    /// confirmation): `note` says so in `reason`.
    pub fn ok_pending(user_id: i64, note: &str) -> Self {
        UserOutcome {
            user_id,
            success: true,
            reason: Some(note.to_owned()),
        }
    }

    pub fn fail(user_id: i64, reason: impl Into<String>) -> Self {
        UserOutcome {
            user_id,
            success: false,
            reason: Some(reason.into()),
        }
    }
}

pub struct NewGroup {
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub description: Option<String>,
    pub r#type: Option<i32>,
    pub user_list: Vec<i64>,
}

/// Create a group (4.16): the caller becomes its owner and first member; the users of
/// user_list join at once (unknown ids are skipped and logged).
pub async fn create(state: &AppState, caller: &Caller, req: NewGroup) -> ApiResult<GroupView> {
    let owner = caller.user_id()?;
    let kind = req.r#type.unwrap_or(TYPE_PRIVATE);
    let capacity = match kind {
        TYPE_PRIVATE => PRIVATE_GROUP_CAPACITY,
        TYPE_CHATROOM => CHATROOM_CAPACITY,
        other => {
            return Err(ApiError::bad(format!(
                "type must be 0 (private group) or 2 (chatroom), got {other}"
            )));
        }
    };
    if let Some(n) = &req.name {
        check_chars("name", n, 1, NAME_MAX)?;
    }
    if let Some(a) = &req.avatar {
        check_chars("avatar", a, 0, AVATAR_MAX)?;
    }
    if let Some(d) = &req.description {
        check_chars("description", d, 0, TEXT_MAX)?;
    }
    check_list("user_list", &req.user_list)?;
    let wanted: Vec<i64> = unique_ids(&req.user_list)
        .into_iter()
        .filter(|&u| u != owner)
        .collect();
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        // the owner and the members, locked: a deletion of any of them waits, or went first
        let mut everyone = wanted.clone();
        everyone.push(owner);
        let known = tx::lock_users(txn, &caller.app_id, &everyone, Alive::Exists).await?;
        if !known.contains(&owner) {
            return Err(ApiError::UserNotFound(owner.to_string()));
        }
        let (joining, skipped): (Vec<i64>, Vec<i64>) =
            wanted.iter().partition(|u| known.contains(u));
        if !skipped.is_empty() {
            tracing::info!(
                ?skipped,
                "group create: unknown user ids in user_list skipped"
            );
        }
        create_with(txn, caller, &req, kind, capacity, owner, &joining, now).await
    })
}

/// The group row and its member rows of `create` (after its checks and locks).
#[allow(clippy::too_many_arguments)]
async fn create_with(
    txn: &DatabaseTransaction,
    caller: &Caller,
    req: &NewGroup,
    kind: i32,
    capacity: i64,
    owner: i64,
    joining: &[i64],
    now: i64,
) -> ApiResult<GroupView> {
    let count = 1 + joining.len() as i64;
    if count > capacity {
        return Err(ApiError::GroupFull(capacity));
    }
    let created = group::ActiveModel {
        app_id: Set(caller.app_id.clone()),
        name: Set(req.name.clone()),
        avatar: Set(req.avatar.clone()),
        description: Set(req.description.clone()),
        ext: Set(None),
        r#type: Set(kind),
        owner_id: Set(owner),
        capacity: Set(capacity),
        count: Set(count),
        member_invite: Set(true),
        member_modify: Set(false),
        apply_approval: Set(1),
        read_ack: Set(false),
        history_visible: Set(false),
        hide_member_info: Set(false),
        ban_expire_time: Set(0),
        status: Set(STATUS_NORMAL),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut rows = vec![crate::domain::groups::members::new_member(
        created.id,
        owner,
        Role::Owner,
        now,
    )];
    rows.extend(
        joining
            .iter()
            .map(|&u| crate::domain::groups::members::new_member(created.id, u, Role::Member, now)),
    );
    group_member::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    caller.record(EventKind::GroupCreated {
        group_id: created.id,
        owner_id: owner,
    });
    if !joining.is_empty() {
        caller.record(EventKind::MembersJoined {
            group_id: created.id,
            user_ids: joining.to_vec(),
            by: JoinedBy::Creation,
        });
    }
    Ok(GroupView::with(created, None))
}

/// Information of a group (4.24) and its settings (4.42): the same object, with the caller's
/// own message modes. Any caller of the app may read it, a dissolved group too.
pub async fn info(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<GroupView> {
    Ok(GroupView::of(
        viewing_member(state, caller, group_id).await?,
    ))
}

/// Information of many groups (4.26), in a constant number of queries; ids that are unknown
/// or of another app are left out.
pub async fn info_batch(
    state: &AppState,
    caller: &Caller,
    group_ids: &[i64],
) -> ApiResult<Vec<GroupView>> {
    check_list("group_list", group_ids)?;
    let ids = unique_ids(group_ids);
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut groups = groups_by_id(state, caller, ids.clone()).await?;
    // old ids of renumbered groups (see roles::load_group) answer the group under its new id
    let missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !groups.contains_key(id))
        .collect();
    let moved = renumbered_many(&state.db, &caller.app_id, &missing, state.now_ms()).await?;
    if !moved.is_empty() {
        groups.extend(groups_by_id(state, caller, moved.values().copied().collect()).await?);
    }
    let groups = groups;
    let mut own: HashMap<i64, group_member::Model> = match caller.as_user {
        Some(uid) if !groups.is_empty() => group_member::Entity::find()
            .filter(group_member::Column::UserId.eq(uid))
            .filter(group_member::Column::GroupId.is_in(groups.keys().copied().collect::<Vec<_>>()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|m| (m.group_id, m))
            .collect(),
        _ => HashMap::new(),
    };
    let mut groups = groups;
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            groups
                .remove(&id)
                .or_else(|| moved.get(&id).and_then(|n| groups.remove(n)))
        })
        .map(|g| {
            let member = own.remove(&g.id);
            GroupView::with(g, member.as_ref())
        })
        .collect())
}

/// The app's groups of `ids`, in one query.
async fn groups_by_id(
    state: &AppState,
    caller: &Caller,
    ids: Vec<i64>,
) -> ApiResult<HashMap<i64, group::Model>> {
    Ok(group::Entity::find()
        .filter(group::Column::AppId.eq(caller.app_id.clone()))
        .filter(group::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect())
}

/// Dissolve a group (4.17, owner): status 1; it stays readable by id and leaves every
/// member's group list; no further change is accepted (20001).
pub async fn destroy(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<bool> {
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Owner)?;
        let mut g: group::ActiveModel = acting.group.into();
        g.status = Set(STATUS_DISSOLVED);
        g.updated_at = Set(state.now_ms());
        g.update(txn).await?;
        caller.record(EventKind::GroupDestroyed { group_id });
        Ok(true)
    })
}

/// A change of group information (4.25, 4.27-4.29).
pub enum InfoChange {
    Name(String),
    Avatar(String),
    Description(String),
    Ext(String),
}

/// Change group information: admins and the owner; members too when member_modify is on.
pub async fn update_info(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    change: InfoChange,
) -> ApiResult<bool> {
    match &change {
        InfoChange::Name(v) => check_chars("value", v, 1, NAME_MAX)?,
        InfoChange::Avatar(v) => check_chars("value", v, 0, AVATAR_MAX)?,
        InfoChange::Description(v) | InfoChange::Ext(v) => check_chars("value", v, 0, TEXT_MAX)?,
    }
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(if acting.group.member_modify {
            Role::Member
        } else {
            Role::Admin
        })?;
        // the event only when the value changes (setting it again changes nothing but updated_at)
        let (what, before, value) = match &change {
            InfoChange::Name(v) => ("name", &acting.group.name, v),
            InfoChange::Avatar(v) => ("avatar", &acting.group.avatar, v),
            InfoChange::Description(v) => ("description", &acting.group.description, v),
            InfoChange::Ext(v) => ("ext", &acting.group.ext, v),
        };
        let changed = before.as_deref() != Some(value.as_str());
        let mut g: group::ActiveModel = acting.group.into();
        match &change {
            InfoChange::Name(v) => g.name = Set(Some(v.clone())),
            InfoChange::Avatar(v) => g.avatar = Set(Some(v.clone())),
            InfoChange::Description(v) => g.description = Set(Some(v.clone())),
            InfoChange::Ext(v) => g.ext = Set(Some(v.clone())),
        }
        g.updated_at = Set(state.now_ms());
        g.update(txn).await?;
        if changed {
            caller.record(EventKind::GroupInfoUpdated {
                group_id,
                what: what.to_owned(),
            });
        }
        Ok(true)
    })
}

/// A change of group settings (4.43, 4.44, 4.46-4.48, and the newer hide_member_info).
pub enum SettingChange {
    MemberInvite(bool),
    MemberModify(bool),
    ReadAck(bool),
    HistoryVisible(bool),
    ApplyApproval(i32),
    HideMemberInfo(bool),
}

/// Change group settings: admins and the owner.
pub async fn update_setting(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    change: SettingChange,
) -> ApiResult<bool> {
    if let SettingChange::ApplyApproval(v) = change
        && !(0..=2).contains(&v)
    {
        return Err(ApiError::bad(format!(
            "apply_approval must be 0-2, got {v}"
        )));
    }
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Admin)?;
        // the event only when the setting changes
        let old = &acting.group;
        let (what, changed) = match change {
            SettingChange::MemberInvite(v) => ("member_invite", old.member_invite != v),
            SettingChange::MemberModify(v) => ("member_modify", old.member_modify != v),
            SettingChange::ReadAck(v) => ("read_ack", old.read_ack != v),
            SettingChange::HistoryVisible(v) => ("history_visible", old.history_visible != v),
            SettingChange::ApplyApproval(v) => ("apply_approval", old.apply_approval != v),
            SettingChange::HideMemberInfo(v) => ("hide_member_info", old.hide_member_info != v),
        };
        let mut g: group::ActiveModel = acting.group.into();
        match change {
            SettingChange::MemberInvite(v) => g.member_invite = Set(v),
            SettingChange::MemberModify(v) => g.member_modify = Set(v),
            SettingChange::ReadAck(v) => g.read_ack = Set(v),
            SettingChange::HistoryVisible(v) => g.history_visible = Set(v),
            SettingChange::ApplyApproval(v) => g.apply_approval = Set(v),
            SettingChange::HideMemberInfo(v) => g.hide_member_info = Set(v),
        }
        g.updated_at = Set(state.now_ms());
        g.update(txn).await?;
        if changed {
            caller.record(EventKind::GroupSettingsChanged {
                group_id,
                what: what.to_owned(),
            });
        }
        Ok(true)
    })
}

/// A change of the caller's own per-member settings (4.18, 4.37, 4.38, and the newer
/// not_disturb).
pub enum MemberChange {
    DisplayName(String),
    MuteMode(i32),
    PushMode(i32),
    NotDisturb(bool),
}

/// Change the caller's own member settings; answers the group as the caller now sees it.
pub async fn update_own_member(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    change: MemberChange,
) -> ApiResult<GroupView> {
    match &change {
        MemberChange::DisplayName(v) => check_chars("value", v, 0, DISPLAY_NAME_MAX)?,
        MemberChange::MuteMode(v) if !(0..=2).contains(v) => {
            return Err(ApiError::bad(format!("msg_mute_mode must be 0-2, got {v}")));
        }
        MemberChange::PushMode(v) if !(0..=4).contains(v) => return Err(ApiError::BadPushMode(*v)),
        _ => {}
    }
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        let own = acting.own_membership()?;
        // the event only when the setting changes
        let (what, changed) = match &change {
            MemberChange::DisplayName(v) => (
                "display_name",
                own.display_name.as_deref() != Some(v.as_str()),
            ),
            MemberChange::MuteMode(v) => ("msg_mute_mode", own.msg_mute_mode != *v),
            MemberChange::PushMode(v) => ("msg_push_mode", own.msg_push_mode != *v),
            MemberChange::NotDisturb(v) => ("not_disturb", own.not_disturb != *v),
        };
        let mut m: group_member::ActiveModel = own.clone().into();
        match &change {
            MemberChange::DisplayName(v) => m.display_name = Set(Some(v.clone())),
            MemberChange::MuteMode(v) => m.msg_mute_mode = Set(*v),
            MemberChange::PushMode(v) => m.msg_push_mode = Set(*v),
            MemberChange::NotDisturb(v) => m.not_disturb = Set(*v),
        }
        let m = m.update(txn).await?;
        if changed {
            caller.record(EventKind::MemberSettingsChanged {
                group_id,
                user_id: m.user_id,
                what: what.to_owned(),
            });
        }
        Ok(GroupView::with(acting.group, Some(&m)))
    })
}

/// Hand the group to another member (4.50, owner). The old owner stays as a plain member.
pub async fn transfer(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    new_owner: i64,
) -> ApiResult<UserOutcome> {
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Owner)?;
        // The group is locked: a deletion of the new owner (which locks every group of the user
        // first) either went before, and took its membership with it, or waits for this transfer
        // and then refuses to delete an owner (20004).
        let Some(target) = memberships(txn, group_id, vec![new_owner])
            .await?
            .into_iter()
            .next()
        else {
            return Err(ApiError::TransferTargetNotMember(new_owner));
        };
        let old_owner = acting.group.owner_id;
        let now = state.now_ms();
        let outcome = hand_over(txn, acting.group, new_owner, now).await?;
        caller.record(EventKind::OwnerAssigned {
            group_id,
            from_id: old_owner,
            to_id: new_owner,
        });
        if target.mute_expire_time > now {
            caller.record(EventKind::MembersUnmuted {
                group_id,
                user_ids: vec![new_owner],
            });
        }
        Ok(outcome)
    })
}

/// The writes of a transfer: the roles of the old and new owner, the group's owner_id.
async fn hand_over(
    txn: &DatabaseTransaction,
    group: group::Model,
    new_owner: i64,
    now: i64,
) -> ApiResult<UserOutcome> {
    let old_owner = group.owner_id;
    if new_owner == old_owner {
        return Err(ApiError::bad(format!(
            "user {new_owner} already owns the group"
        )));
    }
    group_member::Entity::update_many()
        .col_expr(
            group_member::Column::Role,
            Expr::case(group_member::Column::UserId.eq(new_owner), Role::Owner.db())
                .finally(Role::Member.db())
                .into(),
        )
        // the owner cannot be muted (nobody ranks above it to unmute it): a mute ends with the transfer
        .col_expr(
            group_member::Column::MuteExpireTime,
            Expr::case(group_member::Column::UserId.eq(new_owner), 0i64)
                .finally(Expr::col(group_member::Column::MuteExpireTime))
                .into(),
        )
        .filter(group_member::Column::GroupId.eq(group.id))
        .filter(group_member::Column::UserId.is_in([old_owner, new_owner]))
        .exec(txn)
        .await?;
    let mut g: group::ActiveModel = group.into();
    g.owner_id = Set(new_owner);
    g.updated_at = Set(now);
    g.update(txn).await?;
    Ok(UserOutcome::ok(new_owner))
}

/// The live groups the caller is a member of (4.53), in one query.
pub async fn user_joined(state: &AppState, caller: &Caller) -> ApiResult<Vec<i64>> {
    let uid = caller.user_id()?;
    Ok(group_member::Entity::find()
        .select_only()
        .column(group_member::Column::GroupId)
        .join(JoinType::InnerJoin, group_member::Relation::Group.def())
        .filter(group_member::Column::UserId.eq(uid))
        .filter(group::Column::AppId.eq(caller.app_id.clone()))
        .filter(group::Column::Status.eq(STATUS_NORMAL))
        .order_by_asc(group_member::Column::GroupId)
        .into_tuple::<i64>()
        .all(&state.db)
        .await?)
}

/// The app's live chatrooms (4.39, deprecated), in one query.
pub async fn public_list(state: &AppState, caller: &Caller) -> ApiResult<Vec<i64>> {
    Ok(group::Entity::find()
        .select_only()
        .column(group::Column::Id)
        .filter(group::Column::AppId.eq(caller.app_id.clone()))
        .filter(group::Column::Type.eq(TYPE_CHATROOM))
        .filter(group::Column::Status.eq(STATUS_NORMAL))
        .order_by_asc(group::Column::Id)
        .into_tuple::<i64>()
        .all(&state.db)
        .await?)
}
