//! Group announcements: owner and admins publish (each edit is a new announcement) and
//! delete; members read one, the latest, or all of them newest first.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::common::tx;
use crate::domain::groups::roles::{Need, Role, acting_member, reading_member};
use crate::domain::identity::auth::Caller;
use crate::entity::group_announcement;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

pub const TITLE_MAX: usize = 128;
pub const CONTENT_MAX: usize = 4096;
/// `author` of an announcement published by the app admin token acting by group_id.
pub const APP_ADMIN_AUTHOR: i64 = 0;

fn check_len(field: &str, value: &str, max: usize) -> ApiResult<()> {
    crate::domain::common::text::check_chars(field, value, 1, max)?;
    crate::domain::groups::files::no_nul(field, value)
}

/// Publish a new announcement (4.6): owner and admins.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    title: String,
    content: String,
) -> ApiResult<group_announcement::Model> {
    check_len("title", &title, TITLE_MAX)?;
    check_len("content", &content, CONTENT_MAX)?;
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Admin)?;
        let row = group_announcement::ActiveModel {
            group_id: Set(group_id),
            author: Set(acting.user_id.unwrap_or(APP_ADMIN_AUTHOR)),
            title: Set(title.clone()),
            content: Set(content.clone()),
            created_at: Set(state.now_ms()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        caller.record(EventKind::AnnouncementPublished {
            group_id,
            announcement_id: row.id,
        });
        Ok(row)
    })
}

async fn find<C: sea_orm::ConnectionTrait>(
    db: &C,
    group_id: i64,
    announcement_id: i64,
) -> ApiResult<group_announcement::Model> {
    group_announcement::Entity::find_by_id(announcement_id)
        .filter(group_announcement::Column::GroupId.eq(group_id))
        .one(db)
        .await?
        .ok_or(ApiError::AnnouncementNotFound(announcement_id))
}

/// The group a member reads, by the id it was named with (an old id resolves): 20011 for
/// others.
async fn member_reads(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<i64> {
    let acting = reading_member(state, caller, group_id).await?;
    acting.require(Role::Member)?;
    Ok(acting.group.id)
}

/// The group's announcements, newest first.
fn newest_first(group_id: i64) -> sea_orm::Select<group_announcement::Entity> {
    group_announcement::Entity::find()
        .filter(group_announcement::Column::GroupId.eq(group_id))
        .order_by_desc(group_announcement::Column::Id)
}

/// One announcement of the group (4.4), for members; 20020 when absent.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    announcement_id: i64,
) -> ApiResult<group_announcement::Model> {
    let group_id = member_reads(state, caller, group_id).await?;
    find(&state.db, group_id, announcement_id).await
}

/// The latest announcement of the group (4.7), for members; None when it has none.
pub async fn last(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
) -> ApiResult<Option<group_announcement::Model>> {
    let group_id = member_reads(state, caller, group_id).await?;
    Ok(newest_first(group_id).one(&state.db).await?)
}

/// Every announcement of the group (4.8), newest first, for members.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
) -> ApiResult<Vec<group_announcement::Model>> {
    let group_id = member_reads(state, caller, group_id).await?;
    Ok(newest_first(group_id).all(&state.db).await?)
}

/// Delete an announcement (4.5): owner and admins; answers the deleted announcement.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    announcement_id: i64,
) -> ApiResult<group_announcement::Model> {
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Admin)?;
        let row = find(txn, group_id, announcement_id).await?;
        group_announcement::Entity::delete_by_id(row.id)
            .exec(txn)
            .await?;
        caller.record(EventKind::AnnouncementDeleted {
            group_id,
            announcement_id: row.id,
        });
        Ok(row)
    })
}
