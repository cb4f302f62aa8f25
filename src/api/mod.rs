//! The HTTP surface: endpoint structs (one file per area), the envelope, identity headers,
//! and the assembled service with its spec and Swagger UI.
pub mod auth;
pub mod body;
pub mod envelope;
pub mod fallback;
pub mod group_admins;
pub mod group_announcements;
pub mod group_files;
pub mod group_info;
pub mod group_invites;
pub mod group_members;
pub mod group_moderation;
pub mod group_qrcode;
pub mod group_settings;
pub mod lenient;
pub mod paging;
pub mod request_body;
pub mod roster;
pub mod spec;
pub mod system;
pub mod token;
pub mod user_admin;
pub mod user_conversations;
pub mod user_devices;
pub mod user_profile;
pub mod user_push;
pub mod user_register;
pub mod user_settings;

use poem::endpoint::make_sync;
use poem::middleware::{AddData, CatchPanic};
use poem::web::{Html, Redirect};
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, get};
use poem_openapi::{ContactObject, LicenseObject, OpenApiService, ServerObject, Tags};

use crate::state::State;

/// The areas of the API, in the order Swagger UI shows them (`TAG_ORDER`).
#[derive(Tags)]
pub enum ApiTags {
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
    /// Friends (roster, chapter 3)
    Friends,
    /// Create, read, rename, transfer and dissolve groups; the caller's groups
    #[oai(rename = "Group lifecycle")]
    GroupLifecycle,
    /// Group switches (invitations, approval, read receipts, history, hidden members) and the caller's per-group settings
    #[oai(rename = "Group settings")]
    GroupSettings,
    /// Members and admins: lists, profiles, kick, leave, admin roles
    #[oai(rename = "Group members")]
    GroupMembers,
    /// Invitations and membership applications, and their handling
    #[oai(rename = "Group invitations and applications")]
    GroupInvitations,
    /// Mutes (ban), mute-all and the blacklist (block)
    #[oai(rename = "Group moderation")]
    GroupModeration,
    /// Group announcements
    #[oai(rename = "Group announcements")]
    GroupAnnouncements,
    /// Shared files of a group
    #[oai(rename = "Group files")]
    GroupFiles,
    /// Signed QR codes that invite into a group
    #[oai(rename = "Group QR codes")]
    GroupQrCodes,
    /// Probes of the server itself (no app_id, no token)
    System,
}

/// The tags in the order of `ApiTags` (the spec lists them so; Swagger UI shows them so).
pub const TAG_ORDER: [&str; 18] = [
    "Tokens",
    "User registration",
    "User profile",
    "User settings",
    "User devices",
    "User push",
    "User conversations",
    "User administration",
    "Friends",
    "Group lifecycle",
    "Group settings",
    "Group members",
    "Group invitations and applications",
    "Group moderation",
    "Group announcements",
    "Group files",
    "Group QR codes",
    "System",
];

/// The user document's APIs (chapter 1) and the token interface.
pub type UserApis = (
    token::TokenApi,
    user_register::UserRegisterApi,
    user_profile::UserProfileApi,
    user_settings::UserSettingsApi,
    user_devices::UserDevicesApi,
    user_admin::UserAdminApi,
    user_push::UserPushApi,
    user_conversations::UserConversationsApi,
);

/// The group document's APIs (chapter 4).
pub type GroupApis = (
    group_info::GroupInfoApi,
    group_settings::GroupSettingsApi,
    group_admins::GroupAdminsApi,
    group_moderation::GroupModerationApi,
    group_announcements::GroupAnnouncementsApi,
    group_files::GroupFilesApi,
    group_members::GroupMembersApi,
    group_invites::GroupInvitesApi,
    group_qrcode::GroupQrcodeApi,
);

/// Every API of the server, with the identity headers documented on each operation and the
/// spec conventions (operationIds, nullable references) of `spec`.
/// (A tuple holds at most 16 APIs: areas are grouped in nested tuples.)
pub type Apis = spec::SpecConventions<(system::SystemApi, UserApis, GroupApis, roster::RosterApi)>;

pub fn apis(state: &State) -> Apis {
    let s = || state.clone();
    spec::SpecConventions((
        system::SystemApi(s()),
        (
            token::TokenApi(s()),
            user_register::UserRegisterApi(s()),
            user_profile::UserProfileApi(s()),
            user_settings::UserSettingsApi(s()),
            user_devices::UserDevicesApi(s()),
            user_admin::UserAdminApi(s()),
            user_push::UserPushApi(s()),
            user_conversations::UserConversationsApi(s()),
        ),
        (
            group_info::GroupInfoApi(s()),
            group_settings::GroupSettingsApi(s()),
            group_admins::GroupAdminsApi(s()),
            group_moderation::GroupModerationApi(s()),
            group_announcements::GroupAnnouncementsApi(s()),
            group_files::GroupFilesApi(s()),
            group_members::GroupMembersApi(s()),
            group_invites::GroupInvitesApi(s()),
            group_qrcode::GroupQrcodeApi(s()),
        ),
        roster::RosterApi(s()),
    ))
}

fn description() -> String {
    String::from(
        "Self-hosted instant-messaging back office: users, devices, push settings, friends and groups.\n\n\
         Every answer is the envelope `{code, data, message}` (paged lists add `cursor`, `total`, \
         `version`). `code` 200 with `message` null is success. Business errors answer HTTP 200 \
         with their code in the envelope (an `ErrorEnvelope`); faults of the server answer HTTP \
         500 with the same envelope. The schema `ErrorCode` (under Schemas, below the operations) \
         lists every code.\n\n\
         Identity (Authorize, once): `app_id` on every call; `access-token` with a user token \
         (from /token/*) or an app admin token (from `imserver app`). An admin token acts as the \
         app admin, as a user with `act_as_user` (the `user_id` header), or with owner rights on \
         one group with `act_on_group` (the `group_id` header).",
    )
}

pub fn service(state: &State) -> OpenApiService<Apis, ()> {
    OpenApiService::new(apis(state), "imserver", env!("CARGO_PKG_VERSION"))
        .description(description())
        // Relative: the spec is served by the server it describes, wherever it listens.
        .server(ServerObject::new("/").description("The server that serves this document"))
        .license(
            LicenseObject::new(env!("CARGO_PKG_LICENSE"))
                .url("https://opensource.org/licenses/MIT"),
        )
        .contact(ContactObject::new().name("imserver maintainers"))
}

/// The spec as committed under openapi/ and served (server-independent): poem-openapi's
/// document after the JSON pass of `spec::finish`.
fn spec_value(service: &OpenApiService<Apis, ()>) -> serde_json::Value {
    spec::finish(&service.spec(), &TAG_ORDER)
}

pub fn spec_json(state: &State) -> String {
    to_json(&spec_value(&service(state)))
}

pub fn spec_yaml(state: &State) -> String {
    serde_yaml::to_string(&spec_value(&service(state))).expect("a JSON value is YAML")
}

fn to_json(spec: &serde_json::Value) -> String {
    serde_json::to_string_pretty(spec).expect("a JSON value serialises")
}

/// Swagger UI showing the served spec (poem-openapi's page embeds its own document, whose
/// keys and tags are in another order and which lacks the JSON pass).
fn swagger_html(service: &OpenApiService<Apis, ()>, spec: &str) -> String {
    let html = service.swagger_ui_html();
    let (start, end) = (html.find("let spec = "), html.find("let oauth2RedirectUrl"));
    match (start, end) {
        (Some(start), Some(end)) if start < end => {
            format!("{}let spec = {spec};\n    {}", &html[..start], &html[end..])
        }
        _ => html,
    }
}

/// The whole HTTP application: API, spec, Swagger UI, request ids and logs, and the request
/// body's deadline and draining.
pub fn app(state: State) -> impl Endpoint {
    let service = service(&state);
    let spec = spec_value(&service);
    let json = to_json(&spec);
    let yaml = serde_yaml::to_string(&spec).expect("a JSON value is YAML");
    let ui = swagger_html(&service, &json);
    let allowed = fallback::Allowed::of::<Apis>();
    let body_timeout = state.settings.body_timeout;
    Route::new()
        .nest("/", service)
        .at(
            "/openapi.json",
            get(make_sync(move |_| json.clone())).with(
                poem::middleware::SetHeader::new().overriding("content-type", "application/json"),
            ),
        )
        .at(
            "/openapi.yaml",
            get(make_sync(move |_| yaml.clone())).with(
                poem::middleware::SetHeader::new().overriding("content-type", "application/yaml"),
            ),
        )
        .nest(
            "/swagger",
            Route::new().at("/", get(make_sync(move |_| Html(ui.clone())))),
        )
        .around(redirect_root)
        .around(move |next, req| fallback::fallbacks(next, req, allowed.clone()))
        .with(AddData::new(state))
        .with(CatchPanic::new().with_handler(panic_reply))
        .around(move |next, req| request_body::guard(next, req, body_timeout))
        .around(crate::logging::request_log)
        .into_endpoint()
}

/// `/` sends a newcomer to Swagger UI (the API itself is nested at the root).
async fn redirect_root<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    if req.uri().path() == "/" {
        return Ok(Redirect::see_other("/swagger/").into_response());
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Largest accepted JSON request body (10002 beyond).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A panic never reaches the client as a bare 500: it answers the envelope with code 50000.
fn panic_reply(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("request handler panicked");
    let err = crate::error::ApiError::Internal("panic".into());
    envelope::envelope(
        poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        err.code(),
        err.to_string(),
    )
}
