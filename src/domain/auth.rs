//! Who is calling: token kinds, the `user_id` / `group_id` headers, and the permission checks
//! that every operation shares.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, ActiveModelTrait};

use crate::crypto::{ct_eq, sha256_hex};
use crate::entity::{admin_token, device, user};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const ADMIN_TOKEN_PREFIX: &str = "adm_";
pub const USER_TOKEN_PREFIX: &str = "usr_";

/// How often (ms) a session's last_seen_at is refreshed by its requests.
const PRESENCE_WRITE_INTERVAL_MS: i64 = 60_000;

/// The raw identity headers of a request.
#[derive(Clone, Debug, Default)]
pub struct CallerHeaders {
    pub app_id: Option<String>,
    pub user_id: Option<i64>,
    pub group_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An app admin token.
    Admin,
    /// A user token, bound to one device session.
    User { user_id: i64, device_sn: i32 },
}

/// The authenticated caller of an operation.
#[derive(Clone, Debug)]
pub struct Caller {
    pub app_id: String,
    pub kind: TokenKind,
    /// The user this call acts as: the token's user, or the `user_id` header of an admin token.
    pub as_user: Option<i64>,
    /// The group an admin token acts on with owner rights (`group_id` header).
    pub as_group: Option<i64>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.kind == TokenKind::Admin
    }

    /// Operations reserved to the app admin token, app-wide: a `group_id` header narrows an
    /// admin token to that one group, so it is refused here too (10010).
    pub fn require_admin(&self) -> ApiResult<()> {
        if !self.is_admin() {
            return Err(ApiError::denied("this operation needs an app admin token"));
        }
        if let Some(g) = self.as_group {
            return Err(ApiError::denied(format!(
                "the group_id header limits this admin token to group {g}; call app-wide operations without it"
            )));
        }
        Ok(())
    }

    /// The user the operation acts as; an admin token must name one with the user_id header.
    pub fn user_id(&self) -> ApiResult<i64> {
        self.as_user.ok_or_else(|| {
            ApiError::bad("header user_id is required when an app admin token calls this operation")
        })
    }
}

/// Resolve the caller of a request from its access-token and identity headers.
pub async fn authenticate(state: &AppState, token: &str, headers: CallerHeaders) -> ApiResult<Caller> {
    let app = super::apps::require_app(state, headers.app_id.as_deref()).await?;
    let digest = sha256_hex(token);
    if token.starts_with(ADMIN_TOKEN_PREFIX) {
        let row = admin_token::Entity::find()
            .filter(admin_token::Column::TokenHash.eq(digest.clone()))
            .one(&state.db)
            .await?
            .filter(|t| ct_eq(&t.token_hash, &digest) && t.revoked_at.is_none())
            .ok_or(ApiError::InvalidToken("invalid access-token"))?;
        if row.app_id != app.app_id {
            return Err(ApiError::InvalidToken("access-token belongs to another app"));
        }
        if headers.user_id.is_some() && headers.group_id.is_some() {
            return Err(ApiError::bad("set either the user_id or the group_id header, not both"));
        }
        if let Some(uid) = headers.user_id {
            let exists = user::Entity::find()
                .filter(user::Column::Id.eq(uid))
                .filter(user::Column::AppId.eq(app.app_id.clone()))
                .one(&state.db)
                .await?
                .is_some();
            if !exists {
                return Err(ApiError::UserNotFound(uid.to_string()));
            }
        }
        return Ok(Caller {
            app_id: app.app_id,
            kind: TokenKind::Admin,
            as_user: headers.user_id,
            as_group: headers.group_id,
        });
    }
    if !token.starts_with(USER_TOKEN_PREFIX) {
        return Err(ApiError::InvalidToken("invalid access-token"));
    }
    let (session, owner) = device::Entity::find()
        .filter(device::Column::TokenHash.eq(digest.clone()))
        .find_also_related(user::Entity)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken("invalid access-token"))?;
    let owner = owner.ok_or(ApiError::InvalidToken("invalid access-token"))?;
    if !session.token_hash.as_deref().is_some_and(|h| ct_eq(h, &digest)) {
        return Err(ApiError::InvalidToken("invalid access-token"));
    }
    if owner.app_id != app.app_id {
        return Err(ApiError::InvalidToken("access-token belongs to another app"));
    }
    let now = state.now_ms();
    if session.token_expires_at <= now {
        return Err(ApiError::InvalidToken("access-token has expired"));
    }
    if owner.status != 0 {
        return Err(ApiError::InvalidToken("the user of this access-token is disabled"));
    }
    if headers.user_id.is_some_and(|u| u != owner.id) {
        return Err(ApiError::denied("a user token cannot act as another user (user_id header)"));
    }
    if headers.group_id.is_some() {
        return Err(ApiError::denied("the group_id header needs an app admin token"));
    }
    if now - session.last_seen_at >= PRESENCE_WRITE_INTERVAL_MS {
        let mut active: device::ActiveModel = session.clone().into();
        active.last_seen_at = Set(now);
        active.update(&state.db).await?;
    }
    Ok(Caller {
        app_id: app.app_id,
        kind: TokenKind::User { user_id: owner.id, device_sn: session.device_sn },
        as_user: Some(owner.id),
        as_group: None,
    })
}
