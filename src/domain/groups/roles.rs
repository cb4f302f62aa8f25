//! THE permission check of every group operation, written once.
//!
//! `acting_member` loads the group and the caller's membership; `Acting::require` checks the
//! caller's rank; `Acting::may_act_on` checks rank against a target member. Roles rank
//! owner > admin > member. An app admin token acting on a group has owner rights on that
//! group only; acting as a user, it has that user's place.
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};

use crate::cache::identity::{Change, Fill};
use crate::domain::common::id_lists::among;
use crate::domain::identity::auth::{Caller, ClaimError};
use crate::entity::{group, group_member, group_renumbering};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// group.status of a live group.
pub const STATUS_NORMAL: i32 = 0;
/// group.status of a dissolved group.
pub const STATUS_DISSOLVED: i32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member = 0,
    Admin = 1,
    Owner = 2,
}

impl Role {
    pub fn from_db(v: i32) -> Role {
        match v {
            2 => Role::Owner,
            1 => Role::Admin,
            _ => Role::Member,
        }
    }

    pub fn db(self) -> i32 {
        self as i32
    }

    /// The error of a caller below this rank.
    fn needed(self) -> ApiError {
        match self {
            Role::Member => ApiError::NeedsMember,
            Role::Admin => ApiError::NeedsAdmin,
            Role::Owner => ApiError::NeedsOwner,
        }
    }
}

/// Whether the operation needs a live group (changes) or also accepts a dissolved one (reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Live,
    Any,
}

/// The caller as seen by one group.
#[derive(Clone, Debug)]
pub struct Acting {
    pub group: group::Model,
    /// The user the caller acts as (None for an admin token acting on the group by group_id).
    pub user_id: Option<i64>,
    /// The caller's membership record, if it is a member.
    pub member: Option<group_member::Model>,
    /// The caller's rank in the group (None: not a member).
    pub role: Option<Role>,
}

impl Acting {
    /// At least `role`, else 20011 / 20012 / 20013.
    pub fn require(&self, role: Role) -> ApiResult<()> {
        match self.role {
            Some(r) if r >= role => Ok(()),
            _ => Err(role.needed()),
        }
    }

    /// The caller's own membership record (its per-member settings), else 20002. An admin token
    /// acting on the group has none: it must act as a user.
    pub fn own_membership(&self) -> ApiResult<&group_member::Model> {
        let uid = self
            .user_id
            .ok_or(ApiError::Claim(ClaimError::MemberSettingsNeedUser))?;
        self.member.as_ref().ok_or(ApiError::NotMember(uid))
    }

    /// The caller may act on a member of rank `target`: the owner on anyone but itself as
    /// owner, admins on plain members only. Else 20013 (needs owner).
    pub fn may_act_on(&self, target: Role) -> ApiResult<()> {
        match self.role {
            Some(Role::Owner) if target != Role::Owner => Ok(()),
            Some(Role::Admin) if target == Role::Member => Ok(()),
            Some(Role::Owner) | Some(Role::Admin) => Err(ApiError::NeedsOwner),
            _ => Err(ApiError::NeedsAdmin),
        }
    }

    /// The per-user check of a batch action (`verb`: kick, mute, ...) on member `uid` of rank
    /// `target`: never on oneself, else `may_act_on`. The error is the user's failure reason.
    pub fn check_target(&self, uid: i64, target: Role, verb: &str) -> Result<(), String> {
        if self.user_id == Some(uid) {
            return Err(format!("you cannot {verb} yourself"));
        }
        self.may_act_on(target).map_err(|e| e.to_string())
    }

    /// Member modes as the caller sees them (0 when it is not a member).
    pub fn modes(&self) -> (i32, i32) {
        self.member
            .as_ref()
            .map(|m| (m.msg_mute_mode, m.msg_push_mode))
            .unwrap_or((0, 0))
    }
}

/// How long an old group id, renumbered by the id-space migration (issue 22), still names its
/// group: 30 days from the renumbering.
pub const RENUMBERED_ID_MS: i64 = 30 * 24 * 3600 * 1000;

/// A group of the caller's app (20001 when absent or of another app; also when dissolved and
/// `need` is Live). A Live load is a change to come: it locks the group row (PostgreSQL; SQLite
/// serialises writers anyway), so concurrent changes of one group see each other's result.
///
/// THE place where a group id is located: an id that names no group of the app but was renumbered
/// (`group_renumberings`) less than [`RENUMBERED_ID_MS`] before `now` answers the group under its
/// new id, so callers go on with the answered group's `id`, never the id they were given.
pub async fn load_group<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    group_id: i64,
    need: Need,
    now: i64,
) -> ApiResult<group::Model> {
    let g = match find_group(db, app_id, group_id, need).await? {
        Some(g) => g,
        None => match renumbered(db, app_id, group_id, now).await? {
            Some(new_id) => find_group(db, app_id, new_id, need).await?,
            None => None,
        }
        .ok_or(ApiError::GroupNotFound(group_id))?,
    };
    if need == Need::Live {
        // a change of this group is to come: the cached group and memberships go with it
        crate::events::evict(Change::Groups(vec![g.id]));
        if g.status != STATUS_NORMAL {
            return Err(ApiError::GroupNotFound(group_id));
        }
    }
    Ok(g)
}

/// The group row `group_id` of the app (locked for a Live load).
async fn find_group<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    group_id: i64,
    need: Need,
) -> ApiResult<Option<group::Model>> {
    let mut query = group::Entity::find_by_id(group_id).filter(group::Column::AppId.eq(app_id));
    if need == Need::Live {
        query = query.lock_exclusive();
    }
    Ok(query.one(db).await?)
}

/// The new id of the app's group renumbered from `old_id` less than [`RENUMBERED_ID_MS`] ago.
pub async fn renumbered<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    old_id: i64,
    now: i64,
) -> ApiResult<Option<i64>> {
    Ok(renumbered_many(db, app_id, &[old_id], now)
        .await?
        .remove(&old_id))
}

/// [`renumbered`] for many ids in one query: old id -> new id.
pub async fn renumbered_many<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    old_ids: &[i64],
    now: i64,
) -> ApiResult<std::collections::HashMap<i64, i64>> {
    if old_ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(group_renumbering::Entity::find()
        .filter(group_renumbering::Column::AppId.eq(app_id))
        .filter(among(db, group_renumbering::Column::OldId, old_ids))
        .filter(group_renumbering::Column::RenumberedAt.gt(now - RENUMBERED_ID_MS))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.old_id, r.new_id))
        .collect())
}

/// The memberships of `user_ids` in a group, in one query (one list parameter, `id_lists`).
pub async fn memberships<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
    user_ids: Vec<i64>,
) -> ApiResult<Vec<group_member::Model>> {
    if user_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .filter(among(db, group_member::Column::UserId, &user_ids))
        .all(db)
        .await?)
}

/// Who the caller is in a group it acts on: the group itself (an app admin token with that
/// acting on it, owner rights) or a user (a user token, or an admin token acting as a user).
enum Identity {
    Group,
    User(i64),
}

impl Identity {
    fn user(&self) -> Option<i64> {
        match self {
            Identity::Group => None,
            Identity::User(uid) => Some(*uid),
        }
    }
}

/// The identity a caller acts with in group `group_id` (10010 for an admin token acting
/// on another group, 10002 for an admin token acting on neither a group nor a user).
fn identity_in(caller: &Caller, group_id: i64) -> ApiResult<Identity> {
    if let Some(as_group) = caller.as_group {
        if as_group != group_id {
            return Err(ApiError::Claim(ClaimError::OtherGroup {
                named: as_group,
                wanted: group_id,
            }));
        }
        return Ok(Identity::Group);
    }
    caller
        .as_user
        .map(Identity::User)
        .ok_or(ApiError::Claim(ClaimError::NoUserNorGroup))
}

/// The caller's place in `group` with `member` as its membership.
fn acting(
    group: group::Model,
    user_id: Option<i64>,
    member: Option<group_member::Model>,
) -> Acting {
    let role = match user_id {
        None => Some(Role::Owner), // an admin token acting on the group
        Some(_) => member.as_ref().map(|m| Role::from_db(m.role)),
    };
    Acting {
        group,
        user_id,
        member,
        role,
    }
}

/// Load the group and the caller's place in it (two queries), inside a change's transaction
/// with `Need::Live` (the group row locked). The caller needs an identity in the group: a user
/// (token, or an admin token acting as a user) or an admin token acting on the group.
pub async fn acting_member<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    caller: &Caller,
    group_id: i64,
    need: Need,
) -> ApiResult<Acting> {
    let who = identity_in(caller, group_id)?;
    let group = load_group(db, &caller.app_id, group_id, need, state.now_ms()).await?;
    let member = match who.user() {
        Some(uid) => memberships(db, group.id, vec![uid]).await?.pop(),
        None => None,
    };
    Ok(acting(group, who.user(), member))
}

/// `acting_member` for reads (a dissolved group too), served from the cache when warm: no
/// statement at all; a miss reads the group and the membership once and caches them.
pub async fn reading_member(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<Acting> {
    let who = identity_in(caller, group_id)?;
    let group = cached_group(state, &caller.app_id, group_id).await?;
    let member = match who.user() {
        Some(uid) => cached_membership(state, group.id, uid).await?,
        None => None,
    };
    Ok(acting(group, who.user(), member))
}

/// The group and the caller's place in it, for reads open to any caller of the app (a dissolved
/// group too): its membership when it acts as a user. From the cache when warm.
pub async fn viewing_member(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<Acting> {
    let group = cached_group(state, &caller.app_id, group_id).await?;
    if caller.as_group == Some(group_id) {
        return Ok(acting(group, None, None));
    }
    let group_id = group.id;
    let member = match caller.as_user {
        Some(uid) => cached_membership(state, group_id, uid).await?,
        None => None,
    };
    let role = member.as_ref().map(|m| Role::from_db(m.role));
    Ok(Acting {
        group,
        user_id: caller.as_user,
        member,
        role,
    })
}

/// A group of the app (any status) from the cache, or the database (then cached).
async fn cached_group(state: &AppState, app_id: &str, group_id: i64) -> ApiResult<group::Model> {
    if let Some(g) = state.identity.group(group_id) {
        return if g.app_id == app_id {
            Ok(group::Model::clone(&g))
        } else {
            Err(ApiError::GroupNotFound(group_id))
        };
    }
    let generation = state.identity.generation();
    let g = load_group(&state.db, app_id, group_id, Need::Any, state.now_ms()).await?;
    state.identity.store(generation, Fill::Group(g.clone()));
    Ok(g)
}

/// A user's membership in a group (None: not a member) from the cache, or the database.
async fn cached_membership(
    state: &AppState,
    group_id: i64,
    user_id: i64,
) -> ApiResult<Option<group_member::Model>> {
    if let Some(m) = state.identity.membership(group_id, user_id) {
        return Ok(m.map(|m| group_member::Model::clone(&m)));
    }
    let generation = state.identity.generation();
    let member = memberships(&state.db, group_id, vec![user_id])
        .await?
        .into_iter()
        .next();
    state.identity.store(
        generation,
        Fill::Membership {
            group_id,
            user_id,
            member: member.clone(),
        },
    );
    Ok(member)
}

/// What an operation of [`acts_on_users!`] works with, inside its transaction.
pub struct OnUsers<'a> {
    pub state: &'a AppState,
    pub txn: &'a DatabaseTransaction,
    pub caller: &'a Caller,
    pub group_id: i64,
    /// The caller in the live group, of the role the operation needs.
    pub acting: Acting,
    /// The users of the list, without repeats, in their order.
    pub ids: &'a [i64],
    /// The time of the request (read once, before the transaction).
    pub now: i64,
}

/// Operations of a group's owner or admins on each user of a list, each user succeeding or
/// failing on its own. `pub fn name(params) as role => act(args);` is
/// `pub async fn name(state, caller, group_id, user_list, params)`, which checks the list (at
/// most `MAX_ID_LIST` ids, 10002 otherwise), drops its repeats and, in one transaction
/// (`tx::transaction!`), reads the caller's membership of the live group (under the group's
/// lock, see [`acting_member`]), requires `role` and answers `act(&OnUsers, args)`. (A macro
/// for the reason `tx::transaction!` is one.)
macro_rules! acts_on_users {
    ($(
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($param:ident: $ty:ty),*) as $role:expr => $act:ident($($arg:expr),*);
    )+) => {$(
        $(#[$attr])*
        $vis async fn $name(
            state: &$crate::state::AppState,
            caller: &$crate::domain::identity::auth::Caller,
            group_id: i64,
            user_list: &[i64],
            $($param: $ty,)*
        ) -> $crate::error::ApiResult<Vec<$crate::domain::groups::lifecycle::UserOutcome>> {
            $crate::domain::common::lists::check_list("user_list", user_list)?;
            let ids = $crate::domain::groups::lifecycle::unique_ids(user_list);
            let now = state.now_ms();
            $crate::domain::common::tx::transaction!(state, |txn| {
                let acting = $crate::domain::groups::roles::acting_member(
                    state,
                    txn,
                    caller,
                    group_id,
                    $crate::domain::groups::roles::Need::Live,
                )
                .await?;
                acting.require($role)?;
                let on = $crate::domain::groups::roles::OnUsers {
                    state,
                    txn,
                    caller,
                    group_id: acting.group.id,
                    acting,
                    ids: &ids,
                    now,
                };
                $act(&on, $($arg),*).await
            })
        }
    )+};
}
pub(crate) use acts_on_users;

#[cfg(test)]
mod tests {
    use super::*;

    fn acting(role: Option<Role>) -> Acting {
        let group = group::Model {
            id: 1,
            app_id: "a".into(),
            name: None,
            avatar: None,
            description: None,
            ext: None,
            r#type: 0,
            owner_id: 1,
            capacity: 2000,
            count: 1,
            member_invite: true,
            member_modify: false,
            apply_approval: 1,
            read_ack: false,
            history_visible: false,
            hide_member_info: false,
            ban_expire_time: 0,
            status: 0,
            created_at: 0,
            updated_at: 0,
        };
        Acting {
            group,
            user_id: Some(7),
            member: None,
            role,
        }
    }

    #[test]
    fn require_answers_the_missing_rank() {
        assert!(acting(Some(Role::Owner)).require(Role::Owner).is_ok());
        let refused = [
            (Some(Role::Admin), Role::Owner, 20013),
            (Some(Role::Member), Role::Admin, 20012),
            (None, Role::Member, 20011),
        ];
        for (role, needed, code) in refused {
            let err = acting(role).require(needed).unwrap_err();
            assert_eq!(err.code(), code, "{role:?} needing {needed:?}");
        }
        assert_eq!(acting(None).own_membership().unwrap_err().code(), 20002);
    }

    #[test]
    fn admins_act_on_members_only() {
        let admin = acting(Some(Role::Admin));
        assert!(admin.may_act_on(Role::Member).is_ok());
        assert_eq!(admin.may_act_on(Role::Admin).unwrap_err().code(), 20013);
        assert_eq!(admin.may_act_on(Role::Owner).unwrap_err().code(), 20013);
        let owner = acting(Some(Role::Owner));
        assert!(owner.may_act_on(Role::Admin).is_ok());
        assert!(owner.may_act_on(Role::Owner).is_err());
        assert_eq!(
            acting(Some(Role::Member))
                .may_act_on(Role::Member)
                .unwrap_err()
                .code(),
            20012
        );
    }
}
