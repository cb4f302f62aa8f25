//! Pinned conversations (a newer route set of the original service): each user keeps an ordered
//! list of the conversations it pinned. A conversation id is the id of a user of the app (a
//! one-to-one chat, the caller's own id included) or of a group of the app (a dissolved one
//! too). Users and groups share one id space (README, "One id space for users and groups"), so
//! the pin's id names one conversation.
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::entity::{conversation_pin, group, user};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// Most conversations a user may have pinned at once.
pub const MAX_PINS: usize = 100;

/// The conversations `user_id` has pinned, oldest pin first (one query).
async fn pins_of<C: ConnectionTrait>(db: &C, user_id: i64) -> ApiResult<Vec<i64>> {
    Ok(conversation_pin::Entity::find()
        .select_only()
        .column(conversation_pin::Column::ConversationId)
        .filter(conversation_pin::Column::UserId.eq(user_id))
        .order_by_asc(conversation_pin::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Whether `id` is a user or a group of the app.
async fn names_conversation<C: ConnectionTrait>(db: &C, app_id: &str, id: i64) -> ApiResult<bool> {
    let users = user::Entity::find_by_id(id)
        .filter(user::Column::AppId.eq(app_id))
        .count(db)
        .await?;
    if users > 0 {
        return Ok(true);
    }
    Ok(group::Entity::find_by_id(id)
        .filter(group::Column::AppId.eq(app_id))
        .count(db)
        .await?
        > 0)
}

/// Pin a conversation of the acting user. Pinning a pinned conversation answers true and keeps
/// its place; an id that is neither a user nor a group of the app, and a pin beyond MAX_PINS,
/// are 10002.
pub async fn pin(state: &AppState, caller: &Caller, conversation_id: i64) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, |txn| {
        // the user row, locked: concurrent pins count each other's (and a deleted user gets
        // 10000, not a pin of nobody)
        tx::lock_user_for_update(txn, &caller.app_id, user_id).await?;
        let pinned = pins_of(txn, user_id).await?;
        if pinned.contains(&conversation_id) {
            return Ok(true);
        }
        if pinned.len() >= MAX_PINS {
            return Err(ApiError::bad(format!(
                "at most {MAX_PINS} conversations may be pinned: unpin one first"
            )));
        }
        if !names_conversation(txn, &caller.app_id, conversation_id).await? {
            return Err(ApiError::bad(format!(
                "field `conversation_id`: {conversation_id} is neither a user nor a group of the app"
            )));
        }
        let row = conversation_pin::ActiveModel {
            user_id: Set(user_id),
            conversation_id: Set(conversation_id),
            created_at: Set(state.now_ms()),
            ..Default::default()
        };
        conversation_pin::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    conversation_pin::Column::UserId,
                    conversation_pin::Column::ConversationId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        caller.record(EventKind::user_updated(user_id, "conversation_pins"));
        Ok(true)
    })
}

/// Unpin a conversation of the acting user; an id it has not pinned answers true as well (the
/// state asked for holds), whether or not it names a user or a group.
pub async fn unpin(state: &AppState, caller: &Caller, conversation_id: i64) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, |txn| {
        let done = conversation_pin::Entity::delete_many()
            .filter(conversation_pin::Column::UserId.eq(user_id))
            .filter(conversation_pin::Column::ConversationId.eq(conversation_id))
            .exec(txn)
            .await?;
        if done.rows_affected > 0 {
            caller.record(EventKind::user_updated(user_id, "conversation_pins"));
        }
        Ok(true)
    })
}

/// The acting user's pinned conversations, oldest pin first (one query).
pub async fn pin_list(state: &AppState, caller: &Caller) -> ApiResult<Vec<i64>> {
    pins_of(&state.db, caller.user_id()?).await
}
