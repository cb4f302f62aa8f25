//! Accounts: registration (single, batch, push) and the profile.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IdenStatic,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use unicode_normalization::UnicodeNormalization;
use validator::ValidateLength;

use crate::cache::identity::Change;
use crate::crypto::{ct_eq, hmac_sha256_hex};
use crate::domain::common::paging::{NumberedPage, Page};
use crate::domain::common::text::{check_chars, check_optional};
use crate::domain::common::tx;
use crate::domain::identity::auth::{Caller, TokenKind};
use crate::domain::users::push::{MAX_ALIAS_LEN, MAX_PUSH_TOKEN_LEN};
use crate::domain::users::sessions::{check_device_guid, end_sessions};
use crate::entity::{app, device, user, user_push_tag, user_setting};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Actor, EventKind, SessionEnd};
use crate::state::AppState;

pub const USERNAME_MIN: u64 = 3;
pub const USERNAME_MAX: u64 = 64;
pub const PASSWORD_MIN: u64 = 6;
pub const PASSWORD_MAX: u64 = 128;
/// Largest list of /user/register/batch.
pub const MAX_REGISTER_BATCH: usize = 1000;

/// A username as stored: Unicode NFC (so that one name typed two ways is one name). Logins
/// look names up in the same form.
pub fn normal_name(name: &str) -> String {
    name.nfc().collect()
}

/// The stored form of a new username, or why it is refused: letters of any script (Chinese
/// characters included), digits and underscore, not all digits, USERNAME_MIN-USERNAME_MAX
/// characters. Unique per app and case-exact.
pub fn check_username(name: &str) -> ApiResult<String> {
    let name = normal_name(name);
    if !name.validate_length(Some(USERNAME_MIN), Some(USERNAME_MAX), None) {
        return Err(ApiError::bad(format!(
            "username must be {USERNAME_MIN} to {USERNAME_MAX} characters"
        )));
    }
    if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(ApiError::bad(
            "username may contain only letters, digits and underscore",
        ));
    }
    if name.chars().all(char::is_numeric) {
        return Err(ApiError::bad("username cannot be all digits"));
    }
    Ok(name)
}

pub fn check_password(password: &str) -> ApiResult<()> {
    if !password.validate_length(Some(PASSWORD_MIN), Some(PASSWORD_MAX), None) {
        return Err(ApiError::bad(format!(
            "password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"
        )));
    }
    Ok(())
}

fn new_user(app_id: &str, username: &str, password_hash: String, now: i64) -> user::ActiveModel {
    user::ActiveModel {
        app_id: Set(app_id.to_owned()),
        username: Set(username.to_owned()),
        password_hash: Set(password_hash),
        status: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The seed system's default settings of a new user.
fn default_settings(user_id: i64) -> user_setting::ActiveModel {
    user_setting::ActiveModel {
        user_id: Set(user_id),
        auth_mode: Set(0),
        auth_question: Set(None),
        auth_answer: Set(None),
        auto_download: Set(true),
        group_confirm: Set(false),
        no_push: Set(false),
        no_push_detail: Set(false),
        no_push_start_hour: Set(0),
        no_push_end_hour: Set(0),
        no_sounds: Set(false),
        push_nick_name: Set(None),
        push_token: Set(None),
        silence_start_time: Set(0),
        silence_end_time: Set(0),
        vibratory: Set(true),
        ..Default::default()
    }
}

fn map_duplicate(err: sea_orm::DbErr, username: &str) -> ApiError {
    if ApiError::is_unique_violation(&err) {
        ApiError::UserExists(username.to_owned())
    } else {
        ApiError::Database(err)
    }
}

/// Register one user (POST /user/register/v2); answers its settings.
pub async fn register(
    state: &AppState,
    app_id: &str,
    username: &str,
    password: String,
) -> ApiResult<user_setting::Model> {
    let username = &check_username(username)?;
    check_password(&password)?;
    let hash = state.settings.password.hash(password).await?;
    tx::transaction!(state, |txn| {
        let created = new_user(app_id, username, hash.clone(), state.now_ms())
            .insert(txn)
            .await
            .map_err(|e| map_duplicate(e, username))?;
        let registered = EventKind::UserRegistered {
            user_id: created.id,
        };
        events::record_for(app_id, Actor::Anonymous, registered);
        Ok(default_settings(created.id).insert(txn).await?)
    })
}

pub struct PushRegistration {
    pub username: String,
    pub password: String,
    pub alias: Option<String>,
    pub push_token: Option<String>,
    pub device_guid: Option<String>,
    pub sign: Option<String>,
}

/// Register a push user (POST /user/register/push). When the app has a registration secret,
/// `sign` must be the hex HMAC-SHA256 of the username under that secret.
pub async fn register_push(
    state: &AppState,
    app: &app::Model,
    req: PushRegistration,
) -> ApiResult<user_setting::Model> {
    let username = check_username(&req.username)?;
    check_password(&req.password)?;
    if let Some(secret) = &app.register_secret {
        let expected = hmac_sha256_hex(secret.as_bytes(), req.username.as_bytes());
        let given = req.sign.as_deref().unwrap_or("").to_ascii_lowercase();
        if !ct_eq(&expected, &given) {
            return Err(ApiError::denied(
                "sign does not match the app's registration secret",
            ));
        }
    }
    check_optional("alias", req.alias.as_deref(), 0, MAX_ALIAS_LEN)?;
    check_optional(
        "push_token",
        req.push_token.as_deref(),
        0,
        MAX_PUSH_TOKEN_LEN,
    )?;
    check_device_guid(req.device_guid.as_deref())?;
    let hash = state.settings.password.hash(req.password).await?;
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let mut account = new_user(&app.app_id, &username, hash.clone(), now);
        account.alias = Set(req.alias.clone());
        let created = account
            .insert(txn)
            .await
            .map_err(|e| map_duplicate(e, &username))?;
        let registered = EventKind::UserRegistered {
            user_id: created.id,
        };
        events::record_for(&app.app_id, Actor::Anonymous, registered);
        let mut settings = default_settings(created.id);
        settings.push_token = Set(req.push_token.clone());
        let settings = settings.insert(txn).await?;
        if let Some(guid) = &req.device_guid {
            add_push_device(txn, &created, guid, req.push_token.clone(), now).await?;
        }
        Ok(settings)
    })
}

/// The push device of a push registration: known before its first login; a login with this
/// device_guid later reuses its device_sn and push token. The user row is new and locked by
/// this transaction, so device_sn 1 is free.
async fn add_push_device(
    txn: &DatabaseTransaction,
    created: &user::Model,
    guid: &str,
    push_token: Option<String>,
    now: i64,
) -> ApiResult<()> {
    {
        device::ActiveModel {
            app_id: Set(created.app_id.clone()),
            user_id: Set(created.id),
            device_sn: Set(1),
            device_guid: Set(Some(guid.to_owned())),
            platform: Set(0),
            user_agent: Set(None),
            token_hash: Set(None),
            token_expires_at: Set(0),
            device_token: Set(push_token),
            notifier_name: Set(None),
            created_at: Set(now),
            last_seen_at: Set(0),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

pub struct BatchItem {
    pub username: String,
    pub password: String,
}

pub struct BatchResult {
    pub username: String,
    pub user_id: Option<i64>,
    pub success: bool,
    pub reason: Option<String>,
}

/// Register many users (app admin). Each item succeeds or fails on its own; the good items
/// are written in one transaction with a constant number of statements.
pub async fn register_batch(
    state: &AppState,
    caller: &Caller,
    items: Vec<BatchItem>,
) -> ApiResult<Vec<BatchResult>> {
    caller.require_admin()?;
    if items.len() > MAX_REGISTER_BATCH {
        return Err(ApiError::bad(format!(
            "list may hold at most {MAX_REGISTER_BATCH} users"
        )));
    }
    // names as stored (NFC) from here on, in the answer too
    let items: Vec<BatchItem> = items
        .into_iter()
        .map(|i| BatchItem {
            username: normal_name(&i.username),
            ..i
        })
        .collect();
    let mut results: Vec<BatchResult> = items
        .iter()
        .map(|i| BatchResult {
            username: i.username.clone(),
            user_id: None,
            success: false,
            reason: None,
        })
        .collect();
    let mut candidates = screen_batch(&items, &mut results);
    let names: Vec<String> = candidates
        .iter()
        .map(|&i| items[i].username.clone())
        .collect();
    let taken = taken_names(&state.db, &caller.app_id, names).await?;
    candidates.retain(|&i| {
        let free = !taken.contains(&items[i].username);
        if !free {
            results[i].reason = Some(ApiError::UserExists(items[i].username.clone()).to_string());
        }
        free
    });
    if candidates.is_empty() {
        return Ok(results);
    }
    let hashes = state
        .settings
        .password
        .hash_all(
            candidates
                .iter()
                .map(|&i| items[i].password.clone())
                .collect(),
        )
        .await?;
    // Rows go in in username order: overlapping batches then wait for each other on the unique
    // key instead of each holding a name the other needs (a deadlock).
    let mut fresh: Vec<(&str, &String, usize)> = candidates
        .iter()
        .zip(&hashes)
        .map(|(&i, h)| (items[i].username.as_str(), h, i))
        .collect();
    fresh.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let stored = insert_batch(state, caller, &fresh).await?;
    for (name, _, i) in fresh {
        match stored.get(name) {
            Some(u) => {
                results[i].user_id = Some(u.id);
                results[i].success = true;
            }
            None => results[i].reason = Some(ApiError::UserExists(name.to_owned()).to_string()),
        }
    }
    Ok(results)
}

/// The items of a batch whose username and password are well formed and whose username is
/// not repeated in the batch; the others get their reason.
fn screen_batch(items: &[BatchItem], results: &mut [BatchResult]) -> Vec<usize> {
    let mut seen = HashSet::new();
    let mut candidates = Vec::new();
    for (idx, item) in items.iter().enumerate() {
        let check = check_username(&item.username).and_then(|_| check_password(&item.password));
        if let Err(e) = check {
            results[idx].reason = Some(e.to_string());
        } else if !seen.insert(item.username.clone()) {
            results[idx].reason = Some(format!(
                "username '{}' appears twice in the list",
                item.username
            ));
        } else {
            candidates.push(idx);
        }
    }
    candidates
}

/// The usernames among `names` that the app's users hold already (one query, none for none).
async fn taken_names<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    names: Vec<String>,
) -> ApiResult<HashSet<String>> {
    if names.is_empty() {
        return Ok(HashSet::new());
    }
    let taken = user::Entity::find()
        .select_only()
        .column(user::Column::Username)
        .filter(user::Column::AppId.eq(app_id))
        .filter(user::Column::Username.is_in(names))
        .into_tuple::<String>()
        .all(db)
        .await?;
    Ok(taken.into_iter().collect())
}

/// Insert the `(username, password hash, item)` rows that are still free, with their settings,
/// in one transaction; answers the users stored, by username. A name taken meanwhile is skipped
/// by the unique key, and our rows are told apart by their (salted, unique) password hash.
async fn insert_batch(
    state: &AppState,
    caller: &Caller,
    fresh: &[(&str, &String, usize)],
) -> ApiResult<HashMap<String, user::Model>> {
    let app_id = caller.app_id.as_str();
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let rows = fresh
            .iter()
            .map(|(name, h, _)| new_user(app_id, name, (*h).clone(), now));
        user::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([user::Column::AppId, user::Column::Username])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        let stored: HashMap<String, user::Model> = user::Entity::find()
            .filter(user::Column::AppId.eq(app_id))
            .filter(user::Column::Username.is_in(fresh.iter().map(|f| f.0.to_owned())))
            .all(txn)
            .await?
            .into_iter()
            .filter(|u| {
                fresh
                    .iter()
                    .any(|(name, h, _)| *name == u.username && **h == u.password_hash)
            })
            .map(|u| (u.username.clone(), u))
            .collect();
        let mut ids: Vec<i64> = stored.values().map(|u| u.id).collect();
        ids.sort_unstable();
        for user_id in ids {
            caller.record(EventKind::UserRegistered { user_id });
        }
        let settings: Vec<_> = stored.values().map(|u| default_settings(u.id)).collect();
        if !settings.is_empty() {
            user_setting::Entity::insert_many(settings)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(stored)
    })
}

/// The row of the user the caller acts as: as authentication found it (from the identity cache
/// when warm), else looked up the same way; 10000 when absent.
async fn acting_user(state: &AppState, caller: &Caller) -> ApiResult<Arc<user::Model>> {
    match &caller.user {
        Some(u) => Ok(u.clone()),
        None => {
            crate::domain::identity::auth::user_of(state, &caller.app_id, caller.user_id()?).await
        }
    }
}

/// The profile of the user the caller acts as (private_info included: it is its own).
pub async fn own_profile(state: &AppState, caller: &Caller) -> ApiResult<user::Model> {
    let u = acting_user(state, caller).await?;
    Ok(user::Model::clone(&u))
}

/// Longest free-text profile fields (description, private_info, public_info).
pub const MAX_INFO_LEN: usize = 4096;
pub const MAX_NICK_NAME_LEN: usize = 64;
pub const MAX_AVATAR_LEN: usize = 1024;
pub const MAX_MOBILE_LEN: usize = 32;

/// The profile fields that PUT /user/profile may change; None leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfilePatch {
    pub description: Option<String>,
    pub nick_name: Option<String>,
    pub private_info: Option<String>,
    pub public_info: Option<String>,
}

fn check_len(field: &str, value: &str, max: usize) -> ApiResult<()> {
    check_chars(field, value, 0, max)
}

impl ProfilePatch {
    pub fn check(&self) -> ApiResult<()> {
        if let Some(v) = &self.description {
            check_len("description", v, MAX_INFO_LEN)?;
        }
        if let Some(v) = &self.nick_name {
            check_len("nick_name", v, MAX_NICK_NAME_LEN)?;
        }
        if let Some(v) = &self.private_info {
            check_len("private_info", v, MAX_INFO_LEN)?;
        }
        if let Some(v) = &self.public_info {
            check_len("public_info", v, MAX_INFO_LEN)?;
        }
        Ok(())
    }
}

/// One UPDATE of the acting user's row (evicting the cached row); 10000 when the user is gone.
async fn update_acting_user(
    state: &AppState,
    caller: &Caller,
    set: Vec<(user::Column, sea_orm::sea_query::SimpleExpr)>,
) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, evicts & Change::user(user_id), |txn| {
        let mut update = user::Entity::update_many()
            .col_expr(user::Column::UpdatedAt, Expr::value(state.now_ms()))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::AppId.eq(caller.app_id.clone()));
        for (col, expr) in &set {
            update = update.col_expr(*col, expr.clone());
        }
        if update.exec(txn).await?.rows_affected == 0 {
            return Err(ApiError::UserNotFound(user_id.to_string()));
        }
        let what: Vec<&str> = set.iter().map(|(col, _)| col.as_str()).collect();
        caller.record(EventKind::UserUpdated {
            user_ids: vec![user_id],
            what: what.join(","),
        });
        Ok(true)
    })
}

/// PUT /user/profile: change the fields given, leave the others.
pub async fn update_profile(
    state: &AppState,
    caller: &Caller,
    patch: ProfilePatch,
) -> ApiResult<bool> {
    patch.check()?;
    let mut set = Vec::new();
    if let Some(v) = patch.description {
        set.push((user::Column::Description, Expr::value(v)));
    }
    if let Some(v) = patch.nick_name {
        set.push((user::Column::NickName, Expr::value(v)));
    }
    if let Some(v) = patch.private_info {
        set.push((user::Column::PrivateInfo, Expr::value(v)));
    }
    if let Some(v) = patch.public_info {
        set.push((user::Column::PublicInfo, Expr::value(v)));
    }
    update_acting_user(state, caller, set).await
}

pub async fn set_avatar(state: &AppState, caller: &Caller, avatar: String) -> ApiResult<bool> {
    check_len("avatar", &avatar, MAX_AVATAR_LEN)?;
    update_acting_user(
        state,
        caller,
        vec![(user::Column::Avatar, Expr::value(avatar))],
    )
    .await
}

pub async fn set_nick_name(
    state: &AppState,
    caller: &Caller,
    nick_name: String,
) -> ApiResult<bool> {
    check_len("nick_name", &nick_name, MAX_NICK_NAME_LEN)?;
    update_acting_user(
        state,
        caller,
        vec![(user::Column::NickName, Expr::value(nick_name))],
    )
    .await
}

pub async fn set_private_info(state: &AppState, caller: &Caller, info: String) -> ApiResult<bool> {
    check_len("body (private_info)", &info, MAX_INFO_LEN)?;
    update_acting_user(
        state,
        caller,
        vec![(user::Column::PrivateInfo, Expr::value(info))],
    )
    .await
}

pub async fn set_public_info(state: &AppState, caller: &Caller, info: String) -> ApiResult<bool> {
    check_len("body (public_info)", &info, MAX_INFO_LEN)?;
    update_acting_user(
        state,
        caller,
        vec![(user::Column::PublicInfo, Expr::value(info))],
    )
    .await
}

/// Mobile numbers: digits with an optional leading '+', 3-32 characters, unique per app.
pub fn check_mobile(mobile: &str) -> ApiResult<()> {
    let digits = mobile.strip_prefix('+').unwrap_or(mobile);
    if mobile.len() < 3
        || mobile.len() > MAX_MOBILE_LEN
        || digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return Err(ApiError::bad(format!(
            "mobile must be 3-{MAX_MOBILE_LEN} digits, optionally after a '+'"
        )));
    }
    Ok(())
}

pub async fn set_mobile(state: &AppState, caller: &Caller, mobile: String) -> ApiResult<bool> {
    check_mobile(&mobile)?;
    let shown = mobile.clone();
    update_acting_user(
        state,
        caller,
        vec![(user::Column::Mobile, Expr::value(mobile))],
    )
    .await
    .map_err(|e| match e {
        ApiError::Database(db) if ApiError::is_unique_violation(&db) => {
            ApiError::Conflict(format!("mobile {shown}"))
        }
        e => e,
    })
}

pub async fn set_username(state: &AppState, caller: &Caller, username: String) -> ApiResult<bool> {
    let username = check_username(&username)?;
    let shown = username.clone();
    update_acting_user(
        state,
        caller,
        vec![(user::Column::Username, Expr::value(username))],
    )
    .await
    .map_err(|e| match e {
        ApiError::Database(db) if ApiError::is_unique_violation(&db) => ApiError::UserExists(shown),
        e => e,
    })
}

/// POST /user/change_password: the acting user's password, checked against the old one
/// (11001). The user's other sessions end; the calling session (user token) stays.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    old_password: String,
    new_password: String,
) -> ApiResult<bool> {
    check_password(&new_password).map_err(|_| {
        ApiError::bad(format!(
            "new_password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"
        ))
    })?;
    let account = acting_user(state, caller).await?;
    if !state
        .settings
        .password
        .verify(old_password, account.password_hash.clone())
        .await?
    {
        return Err(ApiError::WrongPassword);
    }
    let keep = match caller.kind {
        TokenKind::User { user_id, device_sn } => Some((user_id, device_sn)),
        TokenKind::Admin => None,
    };
    store_password(state, caller, account.id, new_password, keep).await
}

/// POST /user/change_password_admin: the app admin sets the password of the user named by
/// acting as the user; all of that user's sessions end.
pub async fn change_password_admin(
    state: &AppState,
    caller: &Caller,
    password: String,
) -> ApiResult<bool> {
    caller.require_admin()?;
    check_password(&password)?;
    let account = acting_user(state, caller).await?;
    store_password(state, caller, account.id, password, None).await
}

async fn store_password(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    password: String,
    keep: Option<(i64, i32)>,
) -> ApiResult<bool> {
    let hash = state.settings.password.hash(password).await?;
    tx::transaction!(state, evicts & Change::user(user_id), |txn| {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash.clone()))
            .col_expr(user::Column::UpdatedAt, Expr::value(state.now_ms()))
            .filter(user::Column::Id.eq(user_id))
            .exec(txn)
            .await?;
        end_sessions(txn, vec![user_id], keep).await?;
        caller.record(EventKind::PasswordChanged { user_id });
        caller.record(EventKind::SessionEnded {
            user_id,
            device_sns: None,
            reason: SessionEnd::PasswordChanged,
        });
        Ok(true)
    })
}

/// Largest list of the admin list operations (disable, enable, avatar and profile batches).
pub const MAX_ADMIN_BATCH: usize = 500;

fn check_batch_len(len: usize) -> ApiResult<()> {
    if len == 0 || len > MAX_ADMIN_BATCH {
        return Err(ApiError::bad(format!(
            "list must hold 1-{MAX_ADMIN_BATCH} items, got {len}"
        )));
    }
    Ok(())
}

/// PUT /user/disable and /user/enable (app admin): set the status of the listed users. Every
/// id must be a user of the app (10000 naming the others, nothing changed). Disabling ends
/// the users' sessions.
pub async fn set_status(
    state: &AppState,
    caller: &Caller,
    ids: Vec<i64>,
    disabled: bool,
) -> ApiResult<bool> {
    caller.require_admin()?;
    check_batch_len(ids.len())?;
    tx::transaction!(state, evicts & Change::Users(ids.clone()), |txn| {
        let found = tx::lock_users_for_update(txn, &caller.app_id, &ids).await?;
        let missing: Vec<String> = ids
            .iter()
            .filter(|i| !found.contains(i))
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::UserNotFound(missing.join(", ")));
        }
        user::Entity::update_many()
            .col_expr(
                user::Column::Status,
                Expr::value(if disabled { 1 } else { 0 }),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(state.now_ms()))
            .filter(user::Column::AppId.eq(caller.app_id.clone()))
            .filter(user::Column::Id.is_in(ids.clone()))
            .exec(txn)
            .await?;
        if disabled {
            end_sessions(txn, ids.clone(), None).await?;
            caller.record(EventKind::UserDisabled {
                user_ids: ids.clone(),
            });
            for user_id in ids.iter().copied() {
                caller.record(EventKind::SessionEnded {
                    user_id,
                    device_sns: None,
                    reason: SessionEnd::UserDisabled,
                });
            }
        } else {
            caller.record(EventKind::UserEnabled {
                user_ids: ids.clone(),
            });
        }
        Ok(true)
    })
}

/// GET /user/list (app admin): the app's users by user_id, one numbered page.
pub async fn list_users(
    state: &AppState,
    caller: &Caller,
    page: NumberedPage,
) -> ApiResult<Page<user::Model>> {
    caller.require_admin()?;
    let query = user::Entity::find().filter(user::Column::AppId.eq(caller.app_id.clone()));
    let total = query.clone().count(&state.db).await?;
    let users = query
        .order_by_asc(user::Column::Id)
        .offset(page.offset())
        .limit(page.size)
        .all(&state.db)
        .await?;
    Ok(page.finish(users, total))
}

/// The account that DELETE /user/delete removes (the acting user), once its password is
/// checked: a user token must give it (11001 when wrong); an app admin token acting as the user
/// need not. The deletion itself is `domain::accounts::delete_user`.
pub async fn account_to_delete(
    state: &AppState,
    caller: &Caller,
    password: Option<String>,
) -> ApiResult<std::sync::Arc<user::Model>> {
    let account = acting_user(state, caller).await?;
    if !caller.is_admin() {
        let password = password
            .ok_or_else(|| ApiError::bad("field `password` is required with a user token"))?;
        if !state
            .settings
            .password
            .verify(password, account.password_hash.clone())
            .await?
        {
            return Err(ApiError::WrongPassword);
        }
    }
    Ok(account)
}

/// Inside a deletion's transaction, after its locks: the user's own rows (devices, settings,
/// push tags, pins) and then the user row.
pub async fn delete_rows(txn: &DatabaseTransaction, user_id: i64) -> ApiResult<()> {
    device::Entity::delete_many()
        .filter(device::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    user_setting::Entity::delete_many()
        .filter(user_setting::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    user_push_tag::Entity::delete_many()
        .filter(user_push_tag::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    let pins = crate::entity::conversation_pin::Column::UserId.eq(user_id);
    crate::entity::conversation_pin::Entity::delete_many()
        .filter(pins)
        .exec(txn)
        .await?;
    user::Entity::delete_by_id(user_id).exec(txn).await?;
    Ok(())
}

/// The outcome of one item of an admin batch.
pub struct ItemResult {
    pub user_id: Option<i64>,
    pub success: bool,
    pub reason: Option<String>,
}

/// Where an item of a profile batch holds the value of one column.
type ItemField = fn(&ProfileItem) -> Option<&String>;

/// One item of /user/avatar/batch or /user/profile/batch: its user and the fields to set.
pub struct ProfileItem {
    pub user_id: Option<i64>,
    pub avatar: Option<String>,
    pub patch: ProfilePatch,
}

/// PUT /user/avatar/batch and /user/profile/batch (app admin): each item succeeds or fails
/// on its own (no user_id, unknown user, repeated user_id, a field too long); the good items
/// are written in one transaction with one UPDATE (a CASE per column): two queries in all.
pub async fn update_profiles_batch(
    state: &AppState,
    caller: &Caller,
    items: Vec<ProfileItem>,
) -> ApiResult<Vec<ItemResult>> {
    caller.require_admin()?;
    check_batch_len(items.len())?;
    let ids: Vec<i64> = items.iter().filter_map(|i| i.user_id).collect();
    tx::transaction!(state, evicts & Change::Users(ids.clone()), |txn| {
        let found = tx::lock_users_for_update(txn, &caller.app_id, &ids).await?;
        write_profiles(txn, caller, &items, &found, state.now_ms()).await
    })
}

/// The per-item checks and the one UPDATE of `update_profiles_batch`.
async fn write_profiles(
    txn: &DatabaseTransaction,
    caller: &Caller,
    items: &[ProfileItem],
    found: &HashSet<i64>,
    now: i64,
) -> ApiResult<Vec<ItemResult>> {
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    let mut good: Vec<(i64, &ProfileItem)> = Vec::new();
    for item in items {
        match check_profile_item(item, found, &mut seen) {
            Ok(id) => {
                results.push(ItemResult {
                    user_id: Some(id),
                    success: true,
                    reason: None,
                });
                good.push((id, item));
            }
            Err(e) => results.push(ItemResult {
                user_id: item.user_id,
                success: false,
                reason: Some(e.to_string()),
            }),
        }
    }
    update_profiles(txn, &caller.app_id, &good, now).await?;
    if !good.is_empty() {
        caller.record(EventKind::UserUpdated {
            user_ids: good.iter().map(|(id, _)| *id).collect(),
            what: "profile".into(),
        });
    }
    Ok(results)
}

/// The user id of a good batch item: a user of the app (`found`), not seen before in the
/// batch, with well-formed fields.
fn check_profile_item(
    item: &ProfileItem,
    found: &HashSet<i64>,
    seen: &mut HashSet<i64>,
) -> ApiResult<i64> {
    let id = item
        .user_id
        .ok_or_else(|| ApiError::bad("user_id is required"))?;
    if !found.contains(&id) {
        return Err(ApiError::UserNotFound(id.to_string()));
    }
    if !seen.insert(id) {
        return Err(ApiError::bad(format!(
            "user_id {id} appears more than once in the list"
        )));
    }
    item.patch.check()?;
    match &item.avatar {
        Some(a) if a.is_empty() => Err(ApiError::bad("avatar must not be empty")),
        Some(a) => check_len("avatar", a, MAX_AVATAR_LEN).map(|_| id),
        None => Ok(id),
    }
}

/// One UPDATE of the `good` items' fields: per column, a CASE on the user id.
async fn update_profiles(
    txn: &DatabaseTransaction,
    app_id: &str,
    good: &[(i64, &ProfileItem)],
    now: i64,
) -> ApiResult<()> {
    if good.is_empty() {
        return Ok(());
    }
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::AppId.eq(app_id))
        .filter(user::Column::Id.is_in(good.iter().map(|(id, _)| *id).collect::<Vec<_>>()));
    let columns: [(user::Column, ItemField); 5] = [
        (user::Column::Avatar, |i| i.avatar.as_ref()),
        (user::Column::Description, |i| i.patch.description.as_ref()),
        (user::Column::NickName, |i| i.patch.nick_name.as_ref()),
        (user::Column::PrivateInfo, |i| i.patch.private_info.as_ref()),
        (user::Column::PublicInfo, |i| i.patch.public_info.as_ref()),
    ];
    for (col, get) in columns {
        let mut case = CaseStatement::new();
        let mut any = false;
        for (id, item) in good {
            if let Some(v) = get(item) {
                case = case.case(user::Column::Id.eq(*id), Expr::value(v.clone()));
                any = true;
            }
        }
        if any {
            update = update.col_expr(col, case.finally(Expr::col(col)).into());
        }
    }
    update.exec(txn).await?;
    Ok(())
}
