//! The identity of a request as the API sees it: the `access-token` security scheme and the
//! `app_id` / `user_id` / `group_id` headers (documented as security schemes by `spec`).
use std::fmt;

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::auth::ApiKey;
use poem_openapi::registry::Registry;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};

use crate::domain::identity::auth::{ClaimError, Claims};
use crate::domain::identity::{apps, auth};
use crate::entity::app;
use crate::error::ApiError;
use crate::state::State;

pub use crate::domain::identity::auth::Caller;

/// Token issued by /token/* (user token) or by `imserver app` (app admin token)
#[derive(SecurityScheme)]
#[oai(
    rename = "access-token",
    ty = "api_key",
    key_name = "access-token",
    key_in = "header"
)]
pub struct AccessToken(ApiKey);

fn state_of(req: &Request) -> poem::Result<&State> {
    req.data::<State>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()).into())
}

fn header<'r>(req: &'r Request, name: &str) -> poem::Result<Option<&'r str>> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| ApiError::bad(format!("header {name} is not valid text")).into()),
    }
}

fn id_header(req: &Request, name: &str) -> poem::Result<Option<i64>> {
    match header(req, name)? {
        None | Some("") => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(id) if id.abs() > crate::api::kit::spec::MAX_ID => Err(ApiError::bad(format!(
                "header {name} {}",
                crate::api::kit::spec::ID_BOUND
            ))
            .into()),
            Ok(id) => Ok(Some(id)),
            // the header is named, its value never echoed: it may be a pasted secret (a token)
            Err(_) => Err(ApiError::bad(format!("header {name} must be an int64")).into()),
        },
    }
}

/// The claims of a request: `app_id`, and the `user_id` / `group_id` an admin token acts for
/// (empty values count as absent).
fn claims(req: &Request) -> poem::Result<Claims> {
    Ok(Claims {
        app_id: header(req, "app_id")?.map(str::to_owned),
        act_as_user: id_header(req, "user_id")?,
        act_on_group: id_header(req, "group_id")?,
    })
}

/// A [`ClaimError`] in the words of the headers that state the claims.
impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::NoApp => write!(f, "header app_id is required"),
            ClaimError::UserAndGroup => {
                write!(f, "set either the user_id or the group_id header, not both")
            }
            ClaimError::NoUser => write!(
                f,
                "header user_id is required when an app admin token calls this operation"
            ),
            ClaimError::MemberSettingsNeedUser => write!(
                f,
                "header user_id is required: per-member settings belong to a user, not to the group_id header"
            ),
            ClaimError::NoUserNorGroup => write!(
                f,
                "an app admin token needs the user_id header (act as a user) or the group_id header (act as the group's owner)"
            ),
            ClaimError::LimitedToGroup(g) => write!(
                f,
                "the group_id header limits this admin token to group {g}; call app-wide operations without it"
            ),
            ClaimError::OtherGroup { named, wanted } => {
                write!(
                    f,
                    "the group_id header names group {named}; it gives no rights on group {wanted}"
                )
            }
            ClaimError::UserTokenAsOther => write!(
                f,
                "a user token cannot act as another user (user_id header)"
            ),
            ClaimError::UserTokenOnGroup => {
                write!(f, "the group_id header needs an app admin token")
            }
        }
    }
}

async fn resolve(req: &Request, token: String) -> poem::Result<Caller> {
    let state = state_of(req)?;
    Ok(auth::authenticate(state, &token, claims(req)?).await?)
}

/// An extractor that the spec shows as the access-token security scheme (`AccessToken`'s),
/// with its own `from_request` (and whatever else it says).
macro_rules! access_token_scheme {
    (impl<$a:lifetime> for $ty:ty { $($items:tt)* }) => {
        impl<$a> ApiExtractor<$a> for $ty {
            const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
            type ParamType = ();
            type ParamRawType = ();

            fn register(registry: &mut Registry) {
                <AccessToken as ApiExtractor>::register(registry);
            }

            fn security_schemes() -> Vec<&'static str> {
                <AccessToken as ApiExtractor>::security_schemes()
            }

            $($items)*
        }
    };
}

// An operation that needs an access-token.
access_token_scheme! {
    impl<'a> for Caller {
        async fn from_request(
            req: &'a Request,
            body: &mut RequestBody,
            opts: ExtractParamOptions<Self::ParamType>,
        ) -> poem::Result<Self> {
            let token = <AccessToken as ApiExtractor>::from_request(req, body, opts)
                .await
                .map_err(|_| ApiError::MissingToken)?;
            resolve(req, token.0.key).await
        }
    }
}

/// An operation open to everyone of the app that also accepts an access-token (the spec shows
/// the security scheme as optional, so Swagger UI and SDKs may send one). The operation needs no
/// caller, so the token is not looked at: a stale or foreign token does not fail the call.
pub struct TokenAccepted;

access_token_scheme! {
    impl<'a> for TokenAccepted {
        fn has_security_fallback() -> bool {
            true
        }

        async fn from_request(
            _req: &'a Request,
            _body: &mut RequestBody,
            _opts: ExtractParamOptions<Self::ParamType>,
        ) -> poem::Result<Self> {
            Ok(TokenAccepted)
        }
    }
}

/// The app named by the app_id header, for operations that take no token.
pub struct AppScope(pub std::sync::Arc<app::Model>);

impl<'a> FromRequest<'a> for AppScope {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = state_of(req)?;
        Ok(AppScope(
            apps::require_app(state, header(req, "app_id")?).await?,
        ))
    }
}
