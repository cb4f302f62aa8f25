//! Registration: POST /user/register/v2, /user/register/batch, /user/register/push.
use crate::api::kit::body::JsonBody;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::{AppScope, Caller, TokenAccepted};
use crate::api::kit::envelope::R;
use crate::api::users::settings::UserSettings;
use crate::domain::users::accounts::{self as users, BatchItem, BatchResult, PushRegistration};
use crate::state::State;

pub struct UserRegisterApi(pub State);

#[derive(Object)]
pub struct RegisterReq {
    /// Username: letters of any script, digits and underscore, not all digits, 3-64 characters, unique in the app
    #[oai(validator(min_length = 3, max_length = 64))]
    pub username: String,
    /// Password, 6-128 characters
    #[oai(validator(min_length = 6, max_length = 128))]
    pub password: String,
}

#[derive(Object)]
pub struct RegisterBatchItem {
    /// Username (same rules as /user/register/v2; a bad one fails its item only)
    pub username: String,
    /// Password, 6-128 characters (a bad one fails its item only)
    pub password: String,
}

#[derive(Object)]
pub struct RegisterBatchReq {
    /// Users to register, at most 1000
    #[oai(validator(max_items = 1000))]
    pub list: Vec<RegisterBatchItem>,
}

#[derive(Object)]
pub struct RegisterBatchResult {
    /// User ID (null when the item failed)
    #[oai(nullable)]
    pub user_id: Option<i64>,
    /// Username
    pub username: String,
    /// Success or not
    pub success: bool,
    /// Cause of failure
    #[oai(nullable)]
    pub reason: Option<String>,
}

impl From<BatchResult> for RegisterBatchResult {
    fn from(r: BatchResult) -> Self {
        RegisterBatchResult {
            user_id: r.user_id,
            username: r.username,
            success: r.success,
            reason: r.reason,
        }
    }
}

#[derive(Object)]
pub struct RegisterPushReq {
    /// Username: letters of any script, digits and underscore, not all digits, 3-64 characters, unique in the app
    #[oai(validator(min_length = 3, max_length = 64))]
    pub username: String,
    /// Password, 6-128 characters
    #[oai(validator(min_length = 6, max_length = 128))]
    pub password: String,
    /// Alias
    #[oai(validator(max_length = 128))]
    pub alias: Option<String>,
    /// Device ID: a later login with this device_guid reuses the registered device and its push token
    #[oai(validator(min_length = 1, max_length = 128))]
    pub device_guid: Option<String>,
    /// Push token
    #[oai(validator(max_length = 512))]
    pub push_token: Option<String>,
    /// Signature: when the app has a registration secret, the hex HMAC-SHA256 of the username under that secret (10010 otherwise); ignored when it has none
    pub sign: Option<String>,
}

#[OpenApi(tag = "Tag::UserRegistration")]
impl UserRegisterApi {
    /// Register user
    ///
    /// Section 1.34 of the user document. Open to anyone of the app (no access-token needed;
    /// one may be sent, and is not checked). Answers the new user's settings, whose user_id is the new user's ID.
    /// Errors: 10004 username taken, 10002 bad username or password.
    #[oai(path = "/user/register/v2", method = "post")]
    async fn register(
        &self,
        _token: TokenAccepted,
        app: AppScope,
        body: JsonBody<RegisterReq>,
    ) -> R<UserSettings> {
        let b = body.0;
        users::register(&self.0, &app.0.app_id, &b.username, b.password)
            .await
            .map(UserSettings::from)
            .into()
    }

    /// Register user in batch
    ///
    /// Section 1.32 of the user document. App admin token only (10010 otherwise). At most 1000
    /// users; each item succeeds or fails on its own (bad format, duplicate in the list, name
    /// taken), and the good items are written in one transaction.
    #[oai(path = "/user/register/batch", method = "post")]
    async fn register_batch(
        &self,
        caller: Caller,
        body: JsonBody<RegisterBatchReq>,
    ) -> R<Vec<RegisterBatchResult>> {
        let items = body
            .0
            .list
            .into_iter()
            .map(|i| BatchItem {
                username: i.username,
                password: i.password,
            })
            .collect();
        users::register_batch(&self.0, &caller, items)
            .await
            .map(|v| v.into_iter().map(RegisterBatchResult::from).collect())
            .into()
    }

    /// Register push user
    ///
    /// Section 1.33 of the user document. Open to anyone of the app. Registers the user with
    /// its alias and push token; with device_guid the device is registered too (a later login
    /// with it reuses its device_sn and push token). When the app has a registration secret,
    /// `sign` must be the hex HMAC-SHA256 of the username under it (10010 otherwise).
    #[oai(path = "/user/register/push", method = "post")]
    async fn register_push(
        &self,
        _token: TokenAccepted,
        app: AppScope,
        body: JsonBody<RegisterPushReq>,
    ) -> R<UserSettings> {
        let b = body.0;
        let req = PushRegistration {
            username: b.username,
            password: b.password,
            alias: b.alias,
            push_token: b.push_token,
            device_guid: b.device_guid,
            sign: b.sign,
        };
        users::register_push(&self.0, &app.0, req)
            .await
            .map(UserSettings::from)
            .into()
    }
}
