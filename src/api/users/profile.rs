//! The user's profile: GET and PUT /user/profile, avatar, nickname, mobile, username, and the
//! private / public extension information.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::users::accounts as users;
use crate::entity::user;
use crate::state::State;

pub struct UserProfileApi(pub State);

/// A user's profile
#[derive(Object)]
pub struct Profile {
    /// User ID
    pub user_id: i64,
    /// Username
    pub username: String,
    /// Avatar url
    #[oai(nullable)]
    pub avatar: Option<String>,
    /// Description
    #[oai(nullable)]
    pub description: Option<String>,
    /// Email
    #[oai(nullable)]
    pub email: Option<String>,
    /// Mobile number
    #[oai(nullable)]
    pub mobile: Option<String>,
    /// Nickname
    #[oai(nullable)]
    pub nick_name: Option<String>,
    /// Private information, visible only to yourself
    #[oai(nullable)]
    pub private_info: Option<String>,
    /// Public information, visible to both friends and strangers
    #[oai(nullable)]
    pub public_info: Option<String>,
}

impl From<user::Model> for Profile {
    fn from(u: user::Model) -> Self {
        Profile {
            user_id: u.id,
            username: u.username,
            avatar: u.avatar,
            description: u.description,
            email: u.email,
            mobile: u.mobile,
            nick_name: u.nick_name,
            private_info: u.private_info,
            public_info: u.public_info,
        }
    }
}

/// The profile fields to change; absent fields are left as they are
#[derive(Object)]
pub struct ProfileUpdate {
    /// Description
    #[oai(validator(max_length = 4096))]
    pub description: Option<String>,
    /// Nickname
    #[oai(validator(max_length = 64))]
    pub nick_name: Option<String>,
    /// Private information, visible only to yourself
    #[oai(validator(max_length = 4096))]
    pub private_info: Option<String>,
    /// Public information, visible to both friends and strangers
    #[oai(validator(max_length = 4096))]
    pub public_info: Option<String>,
}

impl From<ProfileUpdate> for users::ProfilePatch {
    fn from(p: ProfileUpdate) -> Self {
        users::ProfilePatch {
            description: p.description,
            nick_name: p.nick_name,
            private_info: p.private_info,
            public_info: p.public_info,
        }
    }
}

#[derive(Object)]
pub struct AvatarReq {
    /// Avatar url
    #[oai(validator(max_length = 1024))]
    pub avatar: String,
}

#[derive(Object)]
pub struct ChangePasswordReq {
    /// New password
    #[oai(validator(min_length = 6, max_length = 128))]
    pub new_password: String,
    /// Old password
    pub old_password: String,
}

#[derive(Object)]
pub struct AdminPasswordReq {
    /// Password
    #[oai(validator(min_length = 6, max_length = 128))]
    pub password: String,
}

#[OpenApi(tag = "Tag::UserProfile")]
impl UserProfileApi {
    /// Get user information
    ///
    /// Section 1.18 of the user document. The profile of the calling user (an app admin token
    /// names the user with the user_id header), private_info included.
    #[oai(path = "/user/profile", method = "get")]
    async fn profile(&self, caller: Caller) -> R<Profile> {
        users::own_profile(&self.0, &caller)
            .await
            .map(Profile::from)
            .into()
    }

    /// Update user information
    ///
    /// Section 1.19 of the user document. Changes the given fields of the acting user's
    /// profile (description, nick_name, private_info, public_info); absent fields stay as they
    /// are. Errors: 10002 a field too long (it is named).
    #[oai(path = "/user/profile", method = "put", method = "post")]
    async fn update_profile(&self, caller: Caller, body: JsonBody<ProfileUpdate>) -> R<bool> {
        users::update_profile(&self.0, &caller, body.0.into())
            .await
            .into()
    }

    /// Set avatar
    ///
    /// Section 1.2 of the user document. Sets the acting user's avatar url (at most 1024
    /// characters).
    #[oai(path = "/user/avatar", method = "put", method = "post")]
    async fn avatar(&self, caller: Caller, body: JsonBody<AvatarReq>) -> R<bool> {
        users::set_avatar(&self.0, &caller, body.0.avatar)
            .await
            .into()
    }

    /// Set nickname
    ///
    /// Section 1.15 of the user document. Sets the acting user's nickname (at most 64
    /// characters), given as the query parameter nick_name.
    #[oai(path = "/user/nickname", method = "put", method = "post")]
    async fn nickname(
        &self,
        caller: Caller,
        /// Nickname
        #[oai(validator(max_length = 64))]
        nick_name: Query<String>,
    ) -> R<bool> {
        users::set_nick_name(&self.0, &caller, nick_name.0)
            .await
            .into()
    }

    /// Set mobile number
    ///
    /// Section 1.14 of the user document. Sets the acting user's mobile number: 3-32 digits,
    /// optionally after a '+'. Mobile numbers are unique in the app (10004 when another user
    /// has it); a user can log in with it at /token/login.
    #[oai(path = "/user/mobile", method = "put", method = "post")]
    async fn mobile(
        &self,
        caller: Caller,
        /// Mobile number: 3-32 digits, optionally after a '+'
        #[oai(validator(min_length = 3, max_length = 32))]
        mobile: Query<String>,
    ) -> R<bool> {
        users::set_mobile(&self.0, &caller, mobile.0).await.into()
    }

    /// Modify username
    ///
    /// Section 1.40 of the user document. Renames the acting user, with the rules of
    /// registration: letters of any script, digits and underscore, not all digits, 3-64
    /// characters, unique in the app (10004 when taken). Tokens stay valid.
    #[oai(path = "/user/username", method = "put", method = "post")]
    async fn username(
        &self,
        caller: Caller,
        /// Username: letters of any script, digits and underscore, not all digits, 3-64 characters
        #[oai(validator(min_length = 3, max_length = 64))]
        username: Query<String>,
    ) -> R<bool> {
        users::set_username(&self.0, &caller, username.0)
            .await
            .into()
    }

    /// Set private extension information
    ///
    /// Section 1.17 of the user document. The body is a bare JSON string (at most 4096
    /// characters), stored as the acting user's private_info.
    #[oai(path = "/user/private", method = "put", method = "post")]
    async fn private_info(&self, caller: Caller, body: JsonBody<String>) -> R<bool> {
        users::set_private_info(&self.0, &caller, body.0)
            .await
            .into()
    }

    /// Set public extension information
    ///
    /// Section 1.21 of the user document. The body is a bare JSON string (at most 4096
    /// characters), stored as the acting user's public_info.
    #[oai(path = "/user/public", method = "put", method = "post")]
    async fn public_info(&self, caller: Caller, body: JsonBody<String>) -> R<bool> {
        users::set_public_info(&self.0, &caller, body.0)
            .await
            .into()
    }

    /// Modify password
    ///
    /// Section 1.4 of the user document. Changes the acting user's password (6-128
    /// characters) after checking old_password (11001 when wrong). Every other session of the
    /// user ends (their tokens answer 10008); the calling session stays. With an app admin
    /// token acting as the user, all of its sessions end.
    #[oai(path = "/user/change_password", method = "post")]
    async fn change_password(&self, caller: Caller, body: JsonBody<ChangePasswordReq>) -> R<bool> {
        let b = body.0;
        users::change_password(&self.0, &caller, b.old_password, b.new_password)
            .await
            .into()
    }

    /// Administrator change password
    ///
    /// Section 1.5 of the user document. App admin token only (10010 otherwise): sets the
    /// password of the user named by the user_id header, without the old one. All of that
    /// user's sessions end.
    #[oai(path = "/user/change_password_admin", method = "post")]
    async fn change_password_admin(
        &self,
        caller: Caller,
        body: JsonBody<AdminPasswordReq>,
    ) -> R<bool> {
        users::change_password_admin(&self.0, &caller, body.0.password)
            .await
            .into()
    }
}
