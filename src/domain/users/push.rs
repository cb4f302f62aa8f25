//! Push: the alias and push token of a user, its badge, and its push tags.
use std::collections::HashSet;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::cache::identity::Change;
use crate::domain::common::text::{check_chars, check_optional};
use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::entity::{user, user_push_tag, user_setting};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

pub const MAX_ALIAS_LEN: usize = 128;
pub const MAX_PUSH_TOKEN_LEN: usize = 512;
pub const MAX_TAGS: usize = 100;
pub const MAX_TAG_LEN: usize = 64;

/// POST /user/push/alias: the acting user's alias, and its push token when given.
pub async fn bind_alias(
    state: &AppState,
    caller: &Caller,
    alias: String,
    push_token: Option<String>,
) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    check_chars("alias", &alias, 1, MAX_ALIAS_LEN)?;
    check_optional("push_token", push_token.as_deref(), 0, MAX_PUSH_TOKEN_LEN)?;
    tx::transaction!(state, evicts & Change::user(user_id), |txn| {
        let done = user::Entity::update_many()
            .col_expr(user::Column::Alias, Expr::value(alias.clone()))
            .col_expr(user::Column::UpdatedAt, Expr::value(state.now_ms()))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::AppId.eq(caller.app_id.clone()))
            .exec(txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(ApiError::UserNotFound(user_id.to_string()));
        }
        if let Some(token) = push_token.clone() {
            user_setting::Entity::update_many()
                .col_expr(user_setting::Column::PushToken, Expr::value(token))
                .filter(user_setting::Column::UserId.eq(user_id))
                .exec(txn)
                .await?;
        }
        caller.record(EventKind::user_updated(user_id, "alias"));
        Ok(true)
    })
}

/// POST /user/push/badge: the acting user's badge number (>= 0).
pub async fn set_badge(state: &AppState, caller: &Caller, badge: i32) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    if badge < 0 {
        return Err(ApiError::bad(format!(
            "badge must be 0 or more, got {badge}"
        )));
    }
    tx::transaction!(state, |txn| {
        let done = user_setting::Entity::update_many()
            .col_expr(user_setting::Column::Badge, Expr::value(badge))
            .filter(user_setting::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(ApiError::UserNotFound(user_id.to_string()));
        }
        caller.record(EventKind::user_updated(user_id, "badge"));
        Ok(true)
    })
}

/// The acting user's tags, sorted.
pub async fn tags(state: &AppState, caller: &Caller) -> ApiResult<Vec<String>> {
    let user_id = caller.user_id()?;
    user_tags(&state.db, user_id).await
}

async fn user_tags<C: sea_orm::ConnectionTrait>(db: &C, user_id: i64) -> ApiResult<Vec<String>> {
    Ok(user_push_tag::Entity::find()
        .select_only()
        .column(user_push_tag::Column::Tag)
        .filter(user_push_tag::Column::UserId.eq(user_id))
        .order_by_asc(user_push_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await?)
}

/// Tags of a request: each 1-MAX_TAG_LEN characters, repeats removed, order kept.
fn check_tags(tags: Vec<String>) -> ApiResult<Vec<String>> {
    if tags.is_empty() {
        return Err(ApiError::bad("tags must not be empty"));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for tag in tags {
        let len = tag.chars().count();
        if len == 0 || len > MAX_TAG_LEN {
            return Err(ApiError::bad(format!(
                "tags: each tag must be 1-{MAX_TAG_LEN} characters, got '{tag}'"
            )));
        }
        if seen.insert(tag.clone()) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(ApiError::bad(format!(
            "tags: at most {MAX_TAGS} tags per user"
        )));
    }
    Ok(out)
}

/// POST /user/push/tag: add tags to the acting user (tags it has already are kept once); a
/// user has at most MAX_TAGS tags (10002, nothing added).
pub async fn add_tags(state: &AppState, caller: &Caller, tags: Vec<String>) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    let tags = check_tags(tags)?;
    tx::transaction!(state, |txn| {
        // the user row, locked: concurrent additions count each other's tags (and a deleted
        // user gets 10000, not a tag of nobody)
        tx::lock_user_for_update(txn, &caller.app_id, user_id).await?;
        let have: HashSet<String> = user_tags(txn, user_id).await?.into_iter().collect();
        let new: Vec<String> = tags
            .iter()
            .filter(|t| !have.contains(*t))
            .cloned()
            .collect();
        if have.len() + new.len() > MAX_TAGS {
            return Err(ApiError::bad(format!(
                "tags: at most {MAX_TAGS} tags per user (has {}, adding {})",
                have.len(),
                new.len()
            )));
        }
        if !new.is_empty() {
            let now = state.now_ms();
            let rows = new.into_iter().map(|tag| user_push_tag::ActiveModel {
                user_id: Set(user_id),
                tag: Set(tag),
                created_at: Set(now),
                ..Default::default()
            });
            user_push_tag::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        user_push_tag::Column::UserId,
                        user_push_tag::Column::Tag,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            caller.record(EventKind::user_updated(user_id, "push_tags"));
        }
        Ok(true)
    })
}

/// DELETE /user/push/tag: remove the given tags of the acting user (absent ones are ignored).
pub async fn remove_tags(state: &AppState, caller: &Caller, tags: Vec<String>) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    let tags = check_tags(tags)?;
    tx::transaction!(state, |txn| {
        let done = user_push_tag::Entity::delete_many()
            .filter(user_push_tag::Column::UserId.eq(user_id))
            .filter(user_push_tag::Column::Tag.is_in(tags.clone()))
            .exec(txn)
            .await?;
        if done.rows_affected > 0 {
            caller.record(EventKind::user_updated(user_id, "push_tags"));
        }
        Ok(true)
    })
}

/// DELETE /user/push/tag/all: remove every tag of the acting user.
pub async fn remove_all_tags(state: &AppState, caller: &Caller) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, |txn| {
        let done = user_push_tag::Entity::delete_many()
            .filter(user_push_tag::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
        if done.rows_affected > 0 {
            caller.record(EventKind::user_updated(user_id, "push_tags"));
        }
        Ok(true)
    })
}
