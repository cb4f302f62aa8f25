//! Token issuance: POST /token/user, /token/id, /token/login. Each login is a device session.
use crate::api::kit::body::JsonBody;
use poem::Request;
use poem::web::headers::{HeaderMapExt, UserAgent};
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::AppScope;
use crate::api::kit::envelope::{R, Reply};
use crate::api::kit::platform::platform_from_user_agent;
use crate::domain::users::sessions::{self, LoginBy, LoginRequest, TokenGrant};
use crate::error::ApiError;
use crate::state::State;

pub struct TokenApi(pub State);

/// What every token request carries besides the account.
#[derive(Object)]
pub struct LoginFields {
    /// Password
    #[oai(validator(min_length = 1, max_length = 128))]
    pub password: String,
    /// Device ID chosen by the client: a login with the same device_guid reuses the same device (device_sn)
    #[oai(validator(min_length = 1, max_length = 128))]
    pub device_guid: Option<String>,
    /// Device platform, 1:ios, 2:android, 3:windows, 4:mac, 5:linux, 6:web; guessed from User-Agent when absent
    #[oai(validator(minimum(value = "0"), maximum(value = "6")))]
    pub platform: Option<i32>,
}

#[derive(Object)]
pub struct TokenByNameReq {
    /// Username (required unless `mobile` is given instead)
    #[oai(validator(min_length = 1, max_length = 64))]
    pub name: Option<String>,
    /// Mobile number, in place of `name` (as the original web SDK sends it); not both
    #[oai(validator(min_length = 1, max_length = 32))]
    pub mobile: Option<String>,
    #[oai(flatten)]
    pub login: LoginFields,
}

#[derive(Object)]
pub struct TokenByIdReq {
    /// User ID
    pub user_id: i64,
    #[oai(flatten)]
    pub login: LoginFields,
}

#[derive(Object)]
pub struct TokenByLoginReq {
    /// Username or mobile number
    #[oai(validator(min_length = 1, max_length = 64))]
    pub login_name: String,
    #[oai(flatten)]
    pub login: LoginFields,
}

#[derive(Object)]
pub struct TokenInfo {
    /// The access-token: send it in the access-token header
    pub token: String,
    /// User ID
    pub user_id: i64,
    /// Expiry of the token (epoch milliseconds)
    pub expire: i64,
    /// Push token of the device, or of the user when the device has none
    #[oai(nullable)]
    pub push_token: Option<String>,
    /// Public key for an encrypted connection: null (imserver has no encrypted connection)
    #[oai(nullable)]
    pub public_key: Option<String>,
    /// Whether the connection is encrypted: 0 (no)
    pub encrypt_type: i32,
    /// File-storage token: null (imserver has no file store)
    #[oai(nullable)]
    pub store_token: Option<String>,
    /// File-storage key: null (imserver has no file store)
    #[oai(nullable)]
    pub access_key_secret: Option<String>,
}

impl From<TokenGrant> for TokenInfo {
    fn from(g: TokenGrant) -> Self {
        TokenInfo {
            token: g.token,
            user_id: g.user_id,
            expire: g.expire,
            push_token: g.push_token,
            public_key: None,
            encrypt_type: 0,
            store_token: None,
            access_key_secret: None,
        }
    }
}

fn user_agent(req: &Request) -> Option<String> {
    req.headers()
        .typed_get::<UserAgent>()
        .map(|ua| ua.to_string())
}

impl TokenApi {
    async fn issue(
        &self,
        app: AppScope,
        req: &Request,
        by: LoginBy,
        f: LoginFields,
    ) -> R<TokenInfo> {
        let login = LoginRequest {
            by,
            password: f.password,
            device_guid: f.device_guid,
            platform: Some(
                f.platform
                    .unwrap_or_else(|| platform_from_user_agent(user_agent(req).as_deref())),
            ),
            user_agent: user_agent(req),
        };
        sessions::login(&self.0, &app.0.app_id, login)
            .await
            .map(TokenInfo::from)
            .into()
    }
}

#[OpenApi(tag = "Tag::Tokens")]
impl TokenApi {
    /// Get a user token by username
    ///
    /// Token interface. No access-token needed. Opens (or, with the same device_guid, renews)
    /// a device session and answers its token. Errors: 10000 unknown user, 11001 wrong password,
    /// 10010 user disabled. `mobile` may stand in place of `name` (the original web SDK logs in
    /// with `{mobile, password}`); giving neither or both is 10002. The answer has the original
    /// service's eight fields; public_key, store_token and access_key_secret are null and
    /// encrypt_type 0 (no encrypted connection, no file store).
    #[oai(path = "/token/user", method = "post")]
    async fn by_username(
        &self,
        app: AppScope,
        req: &Request,
        body: JsonBody<TokenByNameReq>,
    ) -> R<TokenInfo> {
        let b = body.0;
        let by = match (b.name, b.mobile) {
            (Some(name), None) => LoginBy::Username(name),
            (None, Some(mobile)) => LoginBy::Mobile(mobile),
            (None, None) => {
                return Reply::error(ApiError::bad(
                    "field `name` is required (or `mobile` in its place)",
                ));
            }
            (Some(_), Some(_)) => {
                return Reply::error(ApiError::bad(
                    "give field `name` or field `mobile`, not both",
                ));
            }
        };
        self.issue(app, req, by, b.login).await
    }

    /// Get a user token by user ID
    ///
    /// Token interface. No access-token needed. Same as /token/user, naming the user by its ID.
    #[oai(path = "/token/id", method = "post")]
    async fn by_user_id(
        &self,
        app: AppScope,
        req: &Request,
        body: JsonBody<TokenByIdReq>,
    ) -> R<TokenInfo> {
        let b = body.0;
        self.issue(app, req, LoginBy::UserId(b.user_id), b.login)
            .await
    }

    /// Get a user token by username or mobile
    ///
    /// Token interface. No access-token needed. login_name is matched against usernames and
    /// mobile numbers of the app.
    #[oai(path = "/token/login", method = "post")]
    async fn by_login_name(
        &self,
        app: AppScope,
        req: &Request,
        body: JsonBody<TokenByLoginReq>,
    ) -> R<TokenInfo> {
        let b = body.0;
        self.issue(app, req, LoginBy::LoginName(b.login_name), b.login)
            .await
    }
}
