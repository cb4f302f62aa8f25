//! Friends (roster, chapter 3): friendships, the friend list, what a user sees of another, and
//! whether one user may message another. Applications live in `roster_apply`, each user's own
//! blacklist in `roster_blacklist`.
//!
//! A friendship is a pair of directed rows of `roster_items`, one per side, each with that side's
//! alias, ext and mute. Ending it (/roster/delete) removes the row of the side that deletes and
//! keeps the other side's row as "deleted friend" (state 1, relation 1 as that side sees it):
//! its alias and ext come back if the two become friends again.
//!
//! Every write locks the user rows of both sides (`FOR UPDATE`, ascending id: the last step of
//! the lock order of `tx`) before it touches their rows, so two changes of one pair (mutual
//! applications, an accept racing a delete, a user deletion) run one after the other.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::domain::common::id_lists::among;
use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::domain::roster::blacklist::{Blocks, blocks_among};
use crate::entity::{roster_application, roster_block, roster_item, user, user_setting};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// `roster_items.state`: friends.
pub const FRIEND: i32 = 0;
/// `roster_items.state`: the other side ended the friendship; this side's row is kept.
pub const DELETED: i32 = 1;

/// `relation` of a RosterItemDto, as the viewer sees the other user.
pub const RELATION_FRIEND: i32 = 0;
pub const RELATION_DELETED: i32 = 1;
pub const RELATION_STRANGER: i32 = 2;
pub const RELATION_BLOCKED: i32 = 3;

/// auth_mode 3: the user refuses every friend application (and, as a stranger's receiver, every
/// stranger's message: see [`may_message`]).
pub const AUTH_REFUSE_ALL: i32 = 3;

/// Longest alias, in characters.
pub const ALIAS_MAX: usize = 128;
/// Longest ext, in characters.
pub const EXT_MAX: usize = 2048;
/// Most ids of POST /roster/list, items of /roster/apply/batch.
pub const MAX_ROSTER_LIST: usize = crate::domain::common::lists::MAX_ID_LIST;

/// The users a roster write locked.
pub struct People {
    /// Users of the app.
    pub exist: HashSet<i64>,
    /// Users of the app that are not disabled.
    pub enabled: HashSet<i64>,
}

/// Lock the user rows of `ids` (`FOR UPDATE`, ascending id) until the transaction ends; answers
/// which are users of the app, and which of them are enabled. Every roster write that changes
/// friendships or blacklists starts with it.
pub async fn lock_people<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    ids: &[i64],
) -> ApiResult<People> {
    // one statement: the rows locked FOR UPDATE with their status
    let statuses = tx::lock_user_statuses(db, app_id, ids).await?;
    let enabled = statuses
        .iter()
        .filter(|(_, status)| **status == 0)
        .map(|(id, _)| *id)
        .collect();
    Ok(People {
        exist: statuses.into_keys().collect(),
        enabled,
    })
}

/// Make `me` friends with each of `others` (with `me`'s alias for it, if given), both ways: one
/// upsert for both sides' rows. A row kept as "deleted friend" becomes a friend again with its
/// alias and ext; a given alias replaces the old one. The two users' pending applications to
/// each other close as accepted.
pub async fn befriend<C: ConnectionTrait>(
    db: &C,
    me: i64,
    others: &[(i64, Option<String>)],
    now: i64,
) -> ApiResult<()> {
    if others.is_empty() {
        return Ok(());
    }
    let row = |user_id: i64, roster_id: i64, alias: Option<String>| roster_item::ActiveModel {
        user_id: Set(user_id),
        roster_id: Set(roster_id),
        state: Set(FRIEND),
        alias: Set(alias),
        ext: Set(None),
        mute_notification: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let rows = others
        .iter()
        .flat_map(|(other, alias)| [row(me, *other, alias.clone()), row(*other, me, None)]);
    let renew = OnConflict::columns([roster_item::Column::UserId, roster_item::Column::RosterId])
        .update_columns([roster_item::Column::State, roster_item::Column::UpdatedAt])
        .value(
            roster_item::Column::Alias,
            Expr::cust(r#"COALESCE("excluded"."alias", "roster_items"."alias")"#),
        )
        .to_owned();
    roster_item::Entity::insert_many(rows)
        .on_conflict(renew)
        .exec_without_returning(db)
        .await?;
    let ids: Vec<i64> = others.iter().map(|(o, _)| *o).collect();
    crate::domain::roster::apply::close_between(
        db,
        me,
        &ids,
        crate::domain::common::pending::AGREED,
        now,
    )
    .await
}

/// The rows of `me` for the users among `ids` (any state), by the other user.
async fn rows_of<C: ConnectionTrait>(
    db: &C,
    me: i64,
    ids: &[i64],
) -> ApiResult<HashMap<i64, roster_item::Model>> {
    Ok(roster_item::Entity::find()
        .filter(roster_item::Column::UserId.eq(me))
        .filter(among(db, roster_item::Column::RosterId, ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.roster_id, r))
        .collect())
}

/// The users among `ids` that are `me`'s friends (one query).
pub async fn friends_among<C: ConnectionTrait>(
    db: &C,
    me: i64,
    ids: &[i64],
) -> ApiResult<HashSet<i64>> {
    Ok(rows_of(db, me, ids)
        .await?
        .into_values()
        .filter(|r| r.state == FRIEND)
        .map(|r| r.roster_id)
        .collect())
}

/// End the friendship of the acting user with `friend` (3.8): the caller's row goes, the other
/// side's row stays as "deleted friend". A user the caller holds no row for (friend or deleted
/// friend): 10007.
pub async fn delete(state: &AppState, caller: &Caller, friend: i64) -> ApiResult<bool> {
    let me = caller.user_id()?;
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        lock_people(txn, &caller.app_id, &[me, friend]).await?;
        let gone = roster_item::Entity::delete_many()
            .filter(roster_item::Column::UserId.eq(me))
            .filter(roster_item::Column::RosterId.eq(friend))
            .exec(txn)
            .await?;
        if gone.rows_affected == 0 {
            return Err(ApiError::NotFriend(friend));
        }
        let ended = roster_item::Entity::update_many()
            .col_expr(roster_item::Column::State, Expr::value(DELETED))
            .col_expr(roster_item::Column::UpdatedAt, Expr::value(now))
            .filter(roster_item::Column::UserId.eq(friend))
            .filter(roster_item::Column::RosterId.eq(me))
            .filter(roster_item::Column::State.eq(FRIEND))
            .exec(txn)
            .await?;
        if ended.rows_affected > 0 {
            caller.record(EventKind::FriendRemoved {
                user_id: me,
                friend_id: friend,
            });
        }
        Ok(true)
    })
}

/// What /roster/ext changes; absent fields stay.
pub struct ExtChange {
    pub alias: Option<String>,
    pub ext: Option<String>,
    pub mute_notification: Option<bool>,
}

/// Change the acting user's alias, ext and mute for `friend` (3.9): its own row (a friend or a
/// deleted friend; 10007 otherwise). One statement.
pub async fn update_ext(
    state: &AppState,
    caller: &Caller,
    friend: i64,
    change: ExtChange,
) -> ApiResult<bool> {
    crate::domain::common::text::check_optional("alias", change.alias.as_deref(), 0, ALIAS_MAX)?;
    crate::domain::common::text::check_optional("ext", change.ext.as_deref(), 0, EXT_MAX)?;
    let me = caller.user_id()?;
    let mut update = roster_item::Entity::update_many()
        .col_expr(roster_item::Column::UpdatedAt, Expr::value(state.now_ms()));
    if let Some(alias) = change.alias {
        update = update.col_expr(roster_item::Column::Alias, Expr::value(alias));
    }
    if let Some(ext) = change.ext {
        update = update.col_expr(roster_item::Column::Ext, Expr::value(ext));
    }
    if let Some(mute) = change.mute_notification {
        update = update.col_expr(roster_item::Column::MuteNotification, Expr::value(mute));
    }
    let done = update
        .filter(roster_item::Column::UserId.eq(me))
        .filter(roster_item::Column::RosterId.eq(friend))
        .exec(&state.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(ApiError::NotFriend(friend));
    }
    Ok(true)
}

/// The acting user's friends (3.11), in the order they became friends (row id), keyset paged;
/// total counts them all. Deleted friends are not listed; disabled friends are.
pub async fn friend_ids(
    state: &AppState,
    caller: &Caller,
    page: PageRequest,
) -> ApiResult<Page<i64>> {
    let me = caller.user_id()?;
    let mine = roster_item::Entity::find()
        .filter(roster_item::Column::UserId.eq(me))
        .filter(roster_item::Column::State.eq(FRIEND));
    Ok(page
        .counted(&state.db, mine, roster_item::Column::Id, |r| r.id)
        .await?
        .map(|r| r.roster_id))
}

/// A user as another user (the viewer) sees it: a RosterItemDto.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub user_id: i64,
    pub username: String,
    pub nick_name: Option<String>,
    pub avatar: Option<String>,
    pub public_info: Option<String>,
    /// Friends (and the viewer itself) only.
    pub description: Option<String>,
    pub auth_mode: i32,
    pub auth_question: Option<String>,
    /// The viewer's own alias, ext and mute for the user (its row: friend or deleted friend).
    pub alias: Option<String>,
    pub ext: Option<String>,
    pub mute_notification: bool,
    pub relation: i32,
}

/// What `me` sees of `users` (with their settings), in their order: two queries (its rows for
/// them, its blacklist among them). Never the answer, the mobile, the email or private_info.
async fn entries<C: ConnectionTrait>(
    db: &C,
    me: i64,
    users: Vec<(user::Model, Option<user_setting::Model>)>,
) -> ApiResult<Vec<RosterEntry>> {
    let ids: Vec<i64> = users.iter().map(|(u, _)| u.id).collect();
    let rows = rows_of(db, me, &ids).await?;
    let blocked = blocks_among(db, Blocks::ByUser, me, &ids).await?;
    Ok(users
        .into_iter()
        .map(|(u, settings)| {
            let row = rows.get(&u.id);
            let relation = match row {
                _ if blocked.contains(&u.id) => RELATION_BLOCKED,
                Some(r) if r.state == FRIEND => RELATION_FRIEND,
                Some(_) => RELATION_DELETED,
                None => RELATION_STRANGER,
            };
            let close = u.id == me || row.is_some_and(|r| r.state == FRIEND);
            RosterEntry {
                user_id: u.id,
                username: u.username,
                nick_name: u.nick_name,
                avatar: u.avatar,
                public_info: u.public_info,
                description: if close { u.description } else { None },
                auth_mode: settings.as_ref().map_or(0, |s| s.auth_mode),
                auth_question: settings.and_then(|s| s.auth_question),
                alias: row.and_then(|r| r.alias.clone()),
                ext: row.and_then(|r| r.ext.clone()),
                mute_notification: row.is_some_and(|r| r.mute_notification),
                relation,
            }
        })
        .collect())
}

/// The users of the app matching `filter`, with their settings (one query).
async fn users_where<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    filter: Condition,
) -> ApiResult<Vec<(user::Model, Option<user_setting::Model>)>> {
    Ok(user::Entity::find()
        .find_also_related(user_setting::Entity)
        .filter(user::Column::AppId.eq(app_id))
        .filter(filter)
        .all(db)
        .await?)
}

/// Details of the users of `ids` (3.12, at most 500) as the acting user sees them, in the order
/// of `ids`, repeats and ids that are no users of the app left out: three queries.
pub async fn details(
    state: &AppState,
    caller: &Caller,
    ids: &[i64],
) -> ApiResult<Vec<RosterEntry>> {
    crate::domain::common::lists::check_list("list", ids)?;
    let me = caller.user_id()?;
    let ids = crate::domain::common::lists::unique_ids(ids);
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut found = users_where(
        &state.db,
        &caller.app_id,
        Condition::all().add(among(&state.db, user::Column::Id, &ids)),
    )
    .await?;
    let place: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    found.sort_by_key(|(u, _)| place.get(&u.id).copied());
    entries(&state.db, me, found).await
}

/// How /roster/id, /roster/mobile and /roster/name name the user to find.
pub enum Lookup {
    Id(i64),
    Mobile(String),
    Username(String),
}

/// Find a user of the app by id, mobile or username (3.10, 3.14, 3.15) as the acting user sees
/// it (strangers: public fields only); 10000 when there is none. Three queries.
pub async fn find(state: &AppState, caller: &Caller, lookup: Lookup) -> ApiResult<RosterEntry> {
    let me = caller.user_id()?;
    let (filter, shown) = match lookup {
        Lookup::Id(id) => (user::Column::Id.eq(id), id.to_string()),
        Lookup::Mobile(m) => (
            user::Column::Mobile.eq(m.trim()),
            format!("with mobile {}", m.trim()),
        ),
        Lookup::Username(n) => {
            let n = crate::domain::users::accounts::normal_name(n.trim());
            (user::Column::Username.eq(n.clone()), n)
        }
    };
    let found = users_where(&state.db, &caller.app_id, Condition::all().add(filter)).await?;
    entries(&state.db, me, found)
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::UserNotFound(shown))
}

/// Whether `sender` may send a message to `receiver` (3.13): false when either blocked the other
/// or either is disabled; friends may; strangers (deleted friends too) may unless the receiver's
/// auth_mode is 3 (it refuses every friend request, and strangers' messages with them). A user
/// asks about messages it sends or receives (10010 otherwise); the app admin token (without
/// identity headers) about any two users of the app. The rule is `rule::pair`, which every 1:1
/// send runs too. One query.
pub async fn may_message(
    state: &AppState,
    caller: &Caller,
    sender: i64,
    receiver: i64,
) -> ApiResult<bool> {
    match caller.as_user {
        Some(me) if me == sender || me == receiver => {}
        Some(_) => {
            return Err(ApiError::denied(
                "a user may ask only about messages it sends or receives",
            ));
        }
        None => caller.require_admin()?,
    }
    let verdict = super::rule::pair(&state.db, &caller.app_id, sender, receiver).await?;
    Ok(verdict == super::rule::Pair::Allowed)
}

/// Remove everything of the roster that names `user_id`, both ways, inside its deletion's
/// transaction (which holds its user row): its friendships (its rows and the other sides' rows
/// for it: nobody is left to show as a deleted friend), the applications it made or received,
/// its blacklist and the entries of others' blacklists naming it. Three statements.
pub async fn remove_user<C: ConnectionTrait>(db: &C, user_id: i64) -> ApiResult<()> {
    let rows = Condition::any()
        .add(roster_item::Column::UserId.eq(user_id))
        .add(roster_item::Column::RosterId.eq(user_id));
    roster_item::Entity::delete_many()
        .filter(rows)
        .exec(db)
        .await?;
    let applications = Condition::any()
        .add(roster_application::Column::ApplicantId.eq(user_id))
        .add(roster_application::Column::TargetId.eq(user_id));
    roster_application::Entity::delete_many()
        .filter(applications)
        .exec(db)
        .await?;
    let blocks = Condition::any()
        .add(roster_block::Column::UserId.eq(user_id))
        .add(roster_block::Column::BlockedId.eq(user_id));
    roster_block::Entity::delete_many()
        .filter(blocks)
        .exec(db)
        .await?;
    Ok(())
}
