//! App administration of users: /user/disable, /user/enable, /user/list, /user/delete,
//! /user/avatar/batch, /user/profile/batch.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{P, R};
use crate::api::kit::paging::{self, PageNumber, PageSize};
use crate::domain::users::accounts::{self as users, ItemResult, ProfileItem, ProfilePatch};
use crate::state::State;

pub struct UserAdminApi(pub State);

#[derive(Object)]
pub struct UserIdList {
    /// List of user IDs
    #[oai(validator(min_items = 1, max_items = 500))]
    pub list: Vec<i64>,
}

/// A user of the app, as the admin list shows it
#[derive(Object)]
pub struct UserListItem {
    /// 0-normal, 1-ban
    pub status: i32,
    /// User ID
    pub user_id: i64,
    /// Username
    pub username: String,
}

#[derive(Object)]
pub struct DeleteUserReq {
    /// User password: if it is a user TOKEN, this field needs to be set; if it is an administrator TOKEN, it does not need to be set
    pub password: Option<String>,
}

#[derive(Object)]
pub struct AvatarBatchItem {
    /// Avatar url
    pub avatar: String,
    /// User ID
    pub user_id: i64,
}

#[derive(Object)]
pub struct AvatarBatchReq {
    /// Users and their new avatars, at most 500
    #[oai(validator(max_items = 500))]
    pub list: Vec<AvatarBatchItem>,
}

#[derive(Object)]
pub struct ProfileBatchItem {
    /// Description
    pub description: Option<String>,
    /// Nickname
    pub nick_name: Option<String>,
    /// Private information, visible only to yourself
    pub private_info: Option<String>,
    /// Public information, visible to both friends and strangers
    pub public_info: Option<String>,
    /// User ID (an item without it fails)
    pub user_id: Option<i64>,
}

#[derive(Object)]
pub struct ProfileBatchReq {
    /// Users and the profile fields to change, at most 500
    #[oai(validator(max_items = 500))]
    pub list: Vec<ProfileBatchItem>,
}

/// The outcome of one item
#[derive(Object)]
pub struct BatchItemResult {
    /// Cause of failure
    #[oai(nullable)]
    pub reason: Option<String>,
    /// Success or not
    pub success: bool,
    /// User ID
    #[oai(nullable)]
    pub user_id: Option<i64>,
}

impl From<ItemResult> for BatchItemResult {
    fn from(r: ItemResult) -> Self {
        BatchItemResult {
            reason: r.reason,
            success: r.success,
            user_id: r.user_id,
        }
    }
}

fn results(v: Vec<ItemResult>) -> Vec<BatchItemResult> {
    v.into_iter().map(Into::into).collect()
}

#[OpenApi(tag = "Tag::UserAdministration")]
impl UserAdminApi {
    /// Banned user
    ///
    /// Section 1.9 of the user document. App admin token only (10010 otherwise). Disables the
    /// listed users (1-500 IDs): their sessions end (10008) and they cannot log in (10010)
    /// until enabled. Every ID must be a user of the app (10000 naming the others; nothing
    /// changes then).
    #[oai(path = "/user/disable", method = "put")]
    async fn disable(&self, caller: Caller, body: JsonBody<UserIdList>) -> R<bool> {
        users::set_status(&self.0, &caller, body.0.list, true)
            .await
            .into()
    }

    /// Unbanned user
    ///
    /// Section 1.11 of the user document. App admin token only (10010 otherwise). Enables the
    /// listed users (1-500 IDs); they log in again (sessions ended by the ban stay ended).
    /// Every ID must be a user of the app (10000 naming the others; nothing changes then).
    #[oai(path = "/user/enable", method = "put")]
    async fn enable(&self, caller: Caller, body: JsonBody<UserIdList>) -> R<bool> {
        users::set_status(&self.0, &caller, body.0.list, false)
            .await
            .into()
    }

    /// List all users under the APP
    ///
    /// Section 1.13 of the user document. App admin token only (10010 otherwise). The app's
    /// users by user_id, page_num from 1, page_size as the parameters declare; `total`
    /// is the number of users, `cursor` the next page_num (absent on the last page).
    #[oai(path = "/user/list", method = "get")]
    async fn list(
        &self,
        caller: Caller,
        /// Number of pages:must be greater than0,default is 1
        page_num: Query<Option<PageNumber>>,
        /// Size per page:50 per page by default
        page_size: Query<Option<PageSize>>,
    ) -> P<UserListItem> {
        users::list_users(&self.0, &caller, paging::numbered(page_num.0, page_size.0))
            .await
            .map(|p| {
                p.map(|u| UserListItem {
                    status: u.status,
                    user_id: u.id,
                    username: u.username,
                })
            })
            .into()
    }

    /// Delete users
    ///
    /// Section 1.6 of the user document. Deletes the acting user with its sessions, devices,
    /// settings, push tags and group memberships (the member counts follow). A user that owns
    /// a live group is refused with 20004 until it transfers or destroys its groups. With a user
    /// token, password is required (10002 when absent, 11001 when wrong); an app admin token
    /// names the user with the user_id header and needs no password (the body may be left out).
    #[oai(path = "/user/delete", method = "delete", method = "post")]
    async fn delete(&self, caller: Caller, body: JsonBody<DeleteUserReq>) -> R<bool> {
        crate::domain::accounts::delete_user(&self.0, &caller, body.0.password)
            .await
            .into()
    }

    /// Set avatar in batch
    ///
    /// Section 1.3 of the user document. App admin token only (10010 otherwise). At most 500
    /// items; each succeeds or fails on its own (unknown user, repeated user_id, empty or too
    /// long avatar) and the good ones are written in one transaction.
    #[oai(path = "/user/avatar/batch", method = "put", method = "post")]
    async fn avatar_batch(
        &self,
        caller: Caller,
        body: JsonBody<AvatarBatchReq>,
    ) -> R<Vec<BatchItemResult>> {
        let items = body
            .0
            .list
            .into_iter()
            .map(|i| ProfileItem {
                user_id: Some(i.user_id),
                avatar: Some(i.avatar),
                patch: ProfilePatch::default(),
            })
            .collect();
        users::update_profiles_batch(&self.0, &caller, items)
            .await
            .map(results)
            .into()
    }

    /// Update user information in batch
    ///
    /// Section 1.20 of the user document. App admin token only (10010 otherwise). At most 500
    /// items, each changing the fields it gives; each succeeds or fails on its own (no or
    /// unknown user_id, repeated user_id, a field too long) and the good ones are written in
    /// one transaction.
    #[oai(path = "/user/profile/batch", method = "put", method = "post")]
    async fn profile_batch(
        &self,
        caller: Caller,
        body: JsonBody<ProfileBatchReq>,
    ) -> R<Vec<BatchItemResult>> {
        let items = body
            .0
            .list
            .into_iter()
            .map(|i| ProfileItem {
                user_id: i.user_id,
                avatar: None,
                patch: ProfilePatch {
                    description: i.description,
                    nick_name: i.nick_name,
                    private_info: i.private_info,
                    public_info: i.public_info,
                },
            })
            .collect();
        users::update_profiles_batch(&self.0, &caller, items)
            .await
            .map(results)
            .into()
    }
}
