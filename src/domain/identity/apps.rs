//! Apps and their admin tokens; the first-start bootstrap.
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use std::sync::Arc;

use crate::cache::identity::{Change, Fill};
use crate::crypto::{new_id, new_token, sha256_hex};
use crate::domain::common::tx;
use crate::domain::identity::auth::{ADMIN_TOKEN_PREFIX, ClaimError};
use crate::entity::{admin_token, app, server_meta};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A new app with its first admin token (shown once, stored only as a digest).
pub struct NewApp {
    pub app_id: String,
    pub admin_token: String,
}

/// The app a request names (from the identity cache when warm): 10002 when absent,
/// 40000 when unknown.
pub async fn require_app(state: &AppState, app_id: Option<&str>) -> ApiResult<Arc<app::Model>> {
    let app_id = app_id
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::Claim(ClaimError::NoApp))?;
    if let Some(app) = state.identity.app(app_id) {
        return Ok(app);
    }
    let generation = state.identity.generation();
    let app = app::Entity::find_by_id(app_id.to_owned())
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::AppNotFound(app_id.to_owned()))?;
    state.identity.store(generation, Fill::App(app.clone()));
    Ok(Arc::new(app))
}

pub async fn create_app(
    state: &AppState,
    name: &str,
    register_secret: Option<String>,
) -> ApiResult<NewApp> {
    let n = name.trim().chars().count();
    if n == 0 || n > 128 || name.contains('\0') {
        return Err(ApiError::bad("the app name must be 1 to 128 characters"));
    }
    if register_secret.as_deref().is_some_and(|s| s.is_empty()) {
        return Err(ApiError::bad("the registration secret must not be empty"));
    }
    tx::transaction!(state, |txn| {
        insert_app(state, txn, name, register_secret.clone()).await
    })
}

async fn insert_app<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    db: &C,
    name: &str,
    register_secret: Option<String>,
) -> ApiResult<NewApp> {
    let app_id = new_id(12);
    app::ActiveModel {
        app_id: Set(app_id.clone()),
        name: Set(name.to_owned()),
        register_secret: Set(register_secret),
        created_at: Set(state.now_ms()),
    }
    .insert(db)
    .await?;
    let admin_token = insert_admin_token(state, db, &app_id).await?;
    Ok(NewApp {
        app_id,
        admin_token,
    })
}

/// Issue another admin token for an existing app.
pub async fn issue_admin_token(state: &AppState, app_id: &str) -> ApiResult<String> {
    require_app(state, Some(app_id)).await?;
    insert_admin_token(state, &state.db, app_id).await
}

/// Revoke an admin token by its value: refused at once by this process, by the others as
/// soon as they hear of it (see cache::identity).
pub async fn revoke_admin_token(state: &AppState, token: &str) -> ApiResult<bool> {
    let change = Change::AdminToken(sha256_hex(token));
    tx::transaction!(state, evicts & change, |txn| {
        let res = admin_token::Entity::update_many()
            .col_expr(
                admin_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(state.now_ms()),
            )
            .filter(admin_token::Column::TokenHash.eq(sha256_hex(token)))
            .filter(admin_token::Column::RevokedAt.is_null())
            .exec(txn)
            .await?;
        Ok(res.rows_affected > 0)
    })
}

async fn insert_admin_token<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    db: &C,
    app_id: &str,
) -> ApiResult<String> {
    let token = new_token(ADMIN_TOKEN_PREFIX);
    admin_token::ActiveModel {
        app_id: Set(app_id.to_owned()),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(state.now_ms()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// On the first start of an empty database (no app yet), create the default app. Exactly one
/// instance wins the bootstrap marker, so several instances starting together create one app.
pub async fn bootstrap(state: &AppState) -> ApiResult<Option<NewApp>> {
    tx::transaction!(state, |txn| {
        let inserted = server_meta::Entity::insert(server_meta::ActiveModel {
            key: Set("bootstrapped".into()),
            value: Set(state.now_ms().to_string()),
        })
        .on_conflict(
            OnConflict::column(server_meta::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        let has_apps = app::Entity::find().one(txn).await?.is_some();
        if inserted == 0 || has_apps {
            return Ok(None);
        }
        Ok(Some(insert_app(state, txn, "default", None).await?))
    })
}
