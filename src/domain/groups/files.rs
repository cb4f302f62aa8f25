//! Shared files of a group: metadata only (the server stores no bytes; `url` points at
//! them). Members upload, read and list; the uploader, admins and the owner rename and delete.
use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use validator::ValidateUrl;

use crate::domain::common::tx;
use crate::domain::groups::roles::{Acting, Need, Role, acting_member, reading_member};
use crate::domain::identity::auth::Caller;
use crate::entity::group_file;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

pub const NAME_MAX: usize = 255;
pub const TYPE_MAX: usize = 128;
pub const URL_MAX: usize = 2048;
/// Longest file_list of file/delete.
pub const MAX_FILE_LIST: usize = 500;
/// `uploader` of a file uploaded by the app admin token acting by group_id.
pub const APP_ADMIN_UPLOADER: i64 = 0;

pub struct NewFile {
    pub name: String,
    pub size: i64,
    pub r#type: Option<String>,
    pub url: String,
}

/// Text may not hold U+0000 (PostgreSQL text cannot store it): 10002 naming the field.
pub fn no_nul(field: &str, value: &str) -> ApiResult<()> {
    if value.contains('\0') {
        return Err(ApiError::bad(format!(
            "{field} may not contain the character U+0000"
        )));
    }
    Ok(())
}

fn check_name(name: &str) -> ApiResult<()> {
    crate::domain::common::text::check_chars("name", name, 1, NAME_MAX)?;
    no_nul("name", name)
}

/// An absolute http or https URL of at most URL_MAX characters.
pub fn check_url(url: &str) -> ApiResult<()> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    if url.chars().count() > URL_MAX || !http || url.contains('\0') || !url.validate_url() {
        return Err(ApiError::bad(format!(
            "url must be an http(s) URL of at most {URL_MAX} characters"
        )));
    }
    Ok(())
}

/// Record a shared file (4.23): members of the group.
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    file: NewFile,
) -> ApiResult<group_file::Model> {
    check_name(&file.name)?;
    if file.size < 0 {
        return Err(ApiError::bad("size must be >= 0"));
    }
    if let Some(t) = &file.r#type {
        if t.chars().count() > TYPE_MAX {
            return Err(ApiError::bad(format!(
                "type may have at most {TYPE_MAX} characters"
            )));
        }
        no_nul("type", t)?;
    }
    check_url(&file.url)?;
    let now = state.now_ms();
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Member)?;
        let row = group_file::ActiveModel {
            group_id: Set(group_id),
            uploader: Set(acting.user_id.unwrap_or(APP_ADMIN_UPLOADER)),
            name: Set(file.name.clone()),
            size: Set(file.size),
            r#type: Set(file.r#type.clone()),
            url: Set(file.url.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        caller.record(EventKind::FileUploaded {
            group_id,
            file_id: row.id,
        });
        Ok(row)
    })
}

/// One shared file (4.19), for members; 20022 when absent.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    file_id: i64,
) -> ApiResult<group_file::Model> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    group_file::Entity::find_by_id(file_id)
        .filter(group_file::Column::GroupId.eq(group_id))
        .one(&state.db)
        .await?
        .ok_or(ApiError::FileNotFound(file_id))
}

/// Every shared file of the group (4.21), newest first, for members.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
) -> ApiResult<Vec<group_file::Model>> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    acting.require(Role::Member)?;
    Ok(group_file::Entity::find()
        .filter(group_file::Column::GroupId.eq(group_id))
        .order_by_desc(group_file::Column::Id)
        .all(&state.db)
        .await?)
}

/// The uploader, admins and the owner may change a file.
fn may_change(acting: &Acting, file: &group_file::Model) -> bool {
    acting.require(Role::Admin).is_ok() || acting.user_id == Some(file.uploader)
}

/// Rename a shared file (4.22): its uploader, admins and the owner (20023 otherwise).
pub async fn rename(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    file_id: i64,
    name: String,
) -> ApiResult<bool> {
    check_name(&name)?;
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Member)?;
        let file = group_file::Entity::find_by_id(file_id)
            .filter(group_file::Column::GroupId.eq(group_id))
            .one(txn)
            .await?
            .ok_or(ApiError::FileNotFound(file_id))?;
        if !may_change(&acting, &file) {
            return Err(ApiError::FileNoPermission(file_id));
        }
        // the event only when the name changes
        let renamed = file.name != name;
        let mut f: group_file::ActiveModel = file.into();
        f.name = Set(name.clone());
        f.updated_at = Set(state.now_ms());
        f.update(txn).await?;
        if renamed {
            caller.record(EventKind::FileRenamed { group_id, file_id });
        }
        Ok(true)
    })
}

/// The outcome of file/delete on one file.
pub struct FileOutcome {
    pub file_id: i64,
    pub success: bool,
    pub reason: Option<String>,
}

/// Delete shared files (4.20): members of the group; each file succeeds or fails on its own
/// (absent: 20022's message; not the caller's and the caller not an admin: 20023's).
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    group_id: i64,
    file_list: &[i64],
) -> ApiResult<Vec<FileOutcome>> {
    if file_list.len() > MAX_FILE_LIST {
        return Err(ApiError::bad(format!(
            "file_list may hold at most {MAX_FILE_LIST} ids"
        )));
    }
    let ids = crate::domain::groups::lifecycle::unique_ids(file_list);
    tx::transaction!(state, |txn| {
        let acting = acting_member(state, txn, caller, group_id, Need::Live).await?;
        let group_id = acting.group.id;
        acting.require(Role::Member)?;
        let files: HashMap<i64, group_file::Model> = if ids.is_empty() {
            HashMap::new()
        } else {
            group_file::Entity::find()
                .filter(group_file::Column::GroupId.eq(group_id))
                .filter(group_file::Column::Id.is_in(ids.clone()))
                .all(txn)
                .await?
                .into_iter()
                .map(|f| (f.id, f))
                .collect()
        };
        let mut outcomes = Vec::with_capacity(ids.len());
        let mut gone = Vec::new();
        for &id in &ids {
            let (success, reason) = match files.get(&id) {
                None => (false, Some(ApiError::FileNotFound(id).to_string())),
                Some(f) if !may_change(&acting, f) => {
                    (false, Some(ApiError::FileNoPermission(id).to_string()))
                }
                Some(_) => {
                    gone.push(id);
                    (true, None)
                }
            };
            outcomes.push(FileOutcome {
                file_id: id,
                success,
                reason,
            });
        }
        if !gone.is_empty() {
            group_file::Entity::delete_many()
                .filter(group_file::Column::GroupId.eq(group_id))
                .filter(group_file::Column::Id.is_in(gone.clone()))
                .exec(txn)
                .await?;
            caller.record(EventKind::FilesDeleted {
                group_id,
                file_ids: gone,
            });
        }
        Ok(outcomes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http() {
        assert!(check_url("https://cdn.example.com/a.pdf").is_ok());
        assert!(check_url("HTTP://example.com").is_ok());
        assert!(check_url("ftp://example.com/a").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_url("http://").is_err());
        assert!(check_url("not a url").is_err());
        assert!(check_url("").is_err());
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(URL_MAX))).is_err());
    }
}
