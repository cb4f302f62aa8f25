//! The user's profile: GET /user/profile.
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::Caller;
use super::envelope::R;
use crate::domain::users;
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

#[OpenApi(tag = "ApiTags::User")]
impl UserProfileApi {
    /// Get user information
    ///
    /// Section 1.18 of the user document. The profile of the calling user (an app admin token
    /// names the user with the user_id header), private_info included.
    #[oai(path = "/user/profile", method = "get")]
    async fn profile(&self, caller: Caller) -> R<Profile> {
        users::own_profile(&self.0, &caller).await.map(Profile::from).into()
    }
}
