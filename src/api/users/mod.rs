//! Users (chapter 1) and tokens (chapter 2): login, registration, profile, settings, devices,
//! push, pinned conversations and the app admin's user administration.
pub mod admin;
pub mod conversations;
pub mod devices;
pub mod profile;
pub mod push;
pub mod register;
pub mod settings;
pub mod token;

use poem::http::Method;
use poem_openapi::Tags;

use crate::state::State;

/// The areas of this capability, in the order Swagger UI shows them ([`TAGS`]).
#[derive(Tags)]
pub enum Tag {
    /// Log in: user access-tokens by username, mobile or user ID (the token interface)
    Tokens,
    /// Register users: one, a batch (app admin), or a push user
    #[oai(rename = "User registration")]
    UserRegistration,
    /// The acting user's profile: nickname, avatar, mobile, username, extension info, password
    #[oai(rename = "User profile")]
    UserProfile,
    /// The acting user's settings: push, sounds, do-not-disturb hours, friend verification
    #[oai(rename = "User settings")]
    UserSettings,
    /// The acting user's devices and sessions: list, remove, kick, push token binding, online status
    #[oai(rename = "User devices")]
    UserDevices,
    /// Push alias, badge and tags of the acting user
    #[oai(rename = "User push")]
    UserPush,
    /// Pinned conversations of the acting user
    #[oai(rename = "User conversations")]
    UserConversations,
    /// App admin token only: disable, enable, list, batch updates; deleting a user
    #[oai(rename = "User administration")]
    UserAdministration,
}

/// The names of [`Tag`], in its order.
pub const TAGS: &[&str] = &[
    "Tokens",
    "User registration",
    "User profile",
    "User settings",
    "User devices",
    "User push",
    "User conversations",
    "User administration",
];

/// The operations' verb names (`operationId`): path, method (`None`: every method of one
/// handler), name.
pub const OPERATION_NAMES: &[(&str, Option<Method>, &str)] = &[
    ("/token/user", None, "loginByName"),
    ("/token/id", None, "loginById"),
    ("/token/login", None, "loginByLoginName"),
    ("/user/register/v2", None, "registerUser"),
    ("/user/register/batch", None, "registerUsers"),
    ("/user/register/push", None, "registerPushUser"),
    ("/user/profile", Some(Method::GET), "getProfile"),
    ("/user/profile", None, "updateProfile"),
    ("/user/avatar", None, "setAvatar"),
    ("/user/nickname", None, "setNickname"),
    ("/user/mobile", None, "setMobile"),
    ("/user/username", None, "setUsername"),
    ("/user/private", None, "setPrivateInfo"),
    ("/user/public", None, "setPublicInfo"),
    ("/user/change_password", None, "changePassword"),
    ("/user/change_password_admin", None, "changePasswordAsAdmin"),
    ("/user/settings", Some(Method::GET), "getUserSettings"),
    ("/user/settings", None, "updateUserSettings"),
    ("/user/authmode", None, "setAuthMode"),
    ("/user/download", None, "setAutoDownload"),
    ("/user/push", None, "setNoPush"),
    ("/user/push/detail", None, "setNoPushDetail"),
    ("/user/push/limit", None, "setNoPushHours"),
    ("/user/push/nickname", None, "setPushNickname"),
    ("/user/sounds", None, "setNoSounds"),
    ("/user/vibratory", None, "setVibratory"),
    ("/user/device/list", None, "listDevices"),
    ("/user/device/remove", None, "removeDevice"),
    ("/user/kick", None, "kickDevices"),
    ("/user/token/bind", None, "bindDeviceToken"),
    ("/user/token/unbind", None, "unbindDeviceToken"),
    ("/user/online_status", None, "getOnlineStatus"),
    ("/user/disable", None, "disableUsers"),
    ("/user/enable", None, "enableUsers"),
    ("/user/list", None, "listUsers"),
    ("/user/delete", None, "deleteUser"),
    ("/user/avatar/batch", None, "setAvatars"),
    ("/user/profile/batch", None, "updateProfiles"),
    ("/user/push/alias", None, "bindPushAlias"),
    ("/user/push/badge", None, "setPushBadge"),
    ("/user/push/tag", Some(Method::GET), "listPushTags"),
    ("/user/push/tag", Some(Method::POST), "bindPushTags"),
    ("/user/push/tag", Some(Method::DELETE), "unbindPushTags"),
    ("/user/push/tag/all", None, "unbindAllPushTags"),
    ("/user/conversation/pin", None, "pinConversation"),
    ("/user/conversation/unpin", None, "unpinConversation"),
    (
        "/user/conversation/pin_list",
        None,
        "listPinnedConversations",
    ),
];

/// The endpoint structs of this capability (mounted by `api::capabilities!`).
pub type Apis = (
    token::TokenApi,
    register::UserRegisterApi,
    profile::UserProfileApi,
    settings::UserSettingsApi,
    devices::UserDevicesApi,
    admin::UserAdminApi,
    push::UserPushApi,
    conversations::UserConversationsApi,
);

pub fn apis(state: &State) -> Apis {
    (
        token::TokenApi(state.clone()),
        register::UserRegisterApi(state.clone()),
        profile::UserProfileApi(state.clone()),
        settings::UserSettingsApi(state.clone()),
        devices::UserDevicesApi(state.clone()),
        admin::UserAdminApi(state.clone()),
        push::UserPushApi(state.clone()),
        conversations::UserConversationsApi(state.clone()),
    )
}
