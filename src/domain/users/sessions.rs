//! Logins: each token issuance is a device session with a per-user device_sn.
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use crate::cache::identity::Change;
use crate::crypto::{new_token, sha256_hex};
use crate::domain::common::tx;
use crate::domain::identity::auth::USER_TOKEN_PREFIX;
use crate::domain::users::accounts::normal_name;
use crate::entity::{device, user, user_setting};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Actor, EventKind, SessionEnd};
use crate::state::AppState;

/// Which account a login names.
pub enum LoginBy {
    Username(String),
    UserId(i64),
    /// Username or mobile number.
    LoginName(String),
    /// Mobile number.
    Mobile(String),
}

pub struct LoginRequest {
    pub by: LoginBy,
    pub password: String,
    pub device_guid: Option<String>,
    pub platform: Option<i32>,
    pub user_agent: Option<String>,
}

pub struct TokenGrant {
    pub token: String,
    pub user_id: i64,
    /// Expiry, epoch milliseconds.
    pub expire: i64,
    pub push_token: Option<String>,
}

pub const MAX_DEVICE_GUID_LEN: usize = 128;

/// A device_guid, when given, holds 1 to MAX_DEVICE_GUID_LEN characters.
pub fn check_device_guid(guid: Option<&str>) -> ApiResult<()> {
    crate::domain::common::text::check_optional("device_guid", guid, 1, MAX_DEVICE_GUID_LEN)
}

pub async fn login(state: &AppState, app_id: &str, req: LoginRequest) -> ApiResult<TokenGrant> {
    check_device_guid(req.device_guid.as_deref())?;
    if req.platform.is_some_and(|p| !(0..=6).contains(&p)) {
        return Err(ApiError::bad("platform must be 0-6"));
    }
    let (find, shown) = match &req.by {
        LoginBy::Username(name) => (
            Condition::all().add(user::Column::Username.eq(normal_name(name))),
            name.clone(),
        ),
        LoginBy::UserId(id) => (
            Condition::all().add(user::Column::Id.eq(*id)),
            id.to_string(),
        ),
        LoginBy::Mobile(mobile) => (
            Condition::all().add(user::Column::Mobile.eq(mobile.clone())),
            mobile.clone(),
        ),
        LoginBy::LoginName(name) => (
            Condition::any()
                .add(user::Column::Username.eq(normal_name(name)))
                .add(user::Column::Mobile.eq(name.clone())),
            name.clone(),
        ),
    };
    let account = user::Entity::find()
        .filter(user::Column::AppId.eq(app_id))
        .filter(find)
        .one(&state.db)
        .await?
        .ok_or(ApiError::UserNotFound(shown))?;
    if !state
        .settings
        .password
        .verify(req.password, account.password_hash.clone())
        .await?
    {
        return Err(ApiError::WrongPassword);
    }
    if account.status != 0 {
        return Err(ApiError::denied(format!("user {} is disabled", account.id)));
    }
    // the api layer guesses an absent platform from the User-Agent (0 when it cannot)
    let platform = req.platform.unwrap_or(0);
    let user_agent = req
        .user_agent
        .map(|ua| ua.chars().take(512).collect::<String>());
    let token = new_token(USER_TOKEN_PREFIX);
    let expire = state.now_ms().saturating_add(state.settings.token_ttl_ms);
    // a login on a known device_guid replaces that device's token: the old one is forgotten
    let session = tx::transaction!(state, evicts & Change::user(account.id), |txn| {
        // The user row, locked: this user's logins run one after the other (device_sn is the
        // next free number, a device_guid is bound once), and a deletion or disabling that
        // went first is seen.
        let locked = tx::lock_user_for_update(txn, app_id, account.id).await?;
        if locked.password_hash != account.password_hash {
            return Err(ApiError::WrongPassword);
        }
        if locked.status != 0 {
            return Err(ApiError::denied(format!("user {} is disabled", account.id)));
        }
        open_session(
            state,
            txn,
            &account,
            req.device_guid.as_deref(),
            platform,
            user_agent.clone(),
            &token,
            expire,
        )
        .await
    })?;
    let push_token = match session.device_token {
        Some(t) => Some(t),
        None => user_setting::Entity::find()
            .filter(user_setting::Column::UserId.eq(account.id))
            .one(&state.db)
            .await?
            .and_then(|s| s.push_token),
    };
    Ok(TokenGrant {
        token,
        user_id: account.id,
        expire,
        push_token,
    })
}

#[allow(clippy::too_many_arguments)]
async fn open_session(
    state: &AppState,
    txn: &DatabaseTransaction,
    account: &user::Model,
    device_guid: Option<&str>,
    platform: i32,
    user_agent: Option<String>,
    token: &str,
    expire: i64,
) -> ApiResult<device::Model> {
    let now = state.now_ms();
    let actor = Actor::User {
        user_id: account.id,
    };
    if let Some(guid) = device_guid {
        let existing = device::Entity::find()
            .filter(device::Column::UserId.eq(account.id))
            .filter(device::Column::DeviceGuid.eq(guid))
            .one(txn)
            .await?;
        if let Some(existing) = existing {
            let device_sn = i64::from(existing.device_sn);
            if existing.token_hash.is_some() {
                let replaced = EventKind::SessionEnded {
                    user_id: account.id,
                    device_sns: Some(vec![device_sn]),
                    reason: SessionEnd::Replaced,
                };
                events::record_for(&account.app_id, actor.clone(), replaced);
            }
            let started = EventKind::SessionStarted {
                user_id: account.id,
                device_sn,
            };
            events::record_for(&account.app_id, actor, started);
            let mut active: device::ActiveModel = existing.into();
            active.token_hash = Set(Some(sha256_hex(token)));
            active.token_expires_at = Set(expire);
            active.platform = Set(platform);
            active.user_agent = Set(user_agent);
            active.last_seen_at = Set(now);
            return Ok(active.update(txn).await?);
        }
    }
    let device_sn = next_device_sn(txn, account.id).await?;
    let started = EventKind::SessionStarted {
        user_id: account.id,
        device_sn: i64::from(device_sn),
    };
    events::record_for(&account.app_id, actor, started);
    Ok(device::ActiveModel {
        app_id: Set(account.app_id.clone()),
        user_id: Set(account.id),
        device_sn: Set(device_sn),
        device_guid: Set(device_guid.map(str::to_owned)),
        platform: Set(platform),
        user_agent: Set(user_agent),
        token_hash: Set(Some(sha256_hex(token))),
        token_expires_at: Set(expire),
        device_token: Set(None),
        notifier_name: Set(None),
        created_at: Set(now),
        last_seen_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// The next free serial number of a user's devices (from 1). Call with the user row locked
/// (`tx::lock_user_for_update`), so that no other login takes the same number.
pub async fn next_device_sn<C: sea_orm::ConnectionTrait>(db: &C, user_id: i64) -> ApiResult<i32> {
    let max: Option<Option<i32>> = device::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::max(Expr::col(device::Column::DeviceSn))),
            "max_sn",
        )
        .filter(device::Column::UserId.eq(user_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// End the live sessions of some users (their tokens then fail with 10008), except the
/// session `keep` = (user_id, device_sn) when given. One UPDATE statement.
pub async fn end_sessions<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_ids: Vec<i64>,
    keep: Option<(i64, i32)>,
) -> ApiResult<u64> {
    let mut filter = Condition::all()
        .add(device::Column::UserId.is_in(user_ids))
        .add(device::Column::TokenHash.is_not_null());
    if let Some((user_id, device_sn)) = keep {
        filter = filter.add(
            Condition::any()
                .add(device::Column::UserId.ne(user_id))
                .add(device::Column::DeviceSn.ne(device_sn)),
        );
    }
    let done = device::Entity::update_many()
        .col_expr(
            device::Column::TokenHash,
            Expr::value(Option::<String>::None),
        )
        .filter(filter)
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
