//! The envelope `{code, message, data}` (plus `cursor`, `total`, `version` on paged lists),
//! and the one place where errors become envelopes.
use poem::Error;
use poem_openapi::error::AuthorizationError;
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object};

use crate::domain::common::paging::Page;
use crate::error::{ApiError, ApiResult};

/// An envelope body that can also carry an error.
pub trait EnvelopeBody: ParseFromJSON + ToJSON + Send + Sync {
    fn failure(code: i32, message: String) -> Self;
}

#[derive(Object)]
pub struct Envelope<T: ParseFromJSON + ToJSON + Send + Sync> {
    /// Return code, 200 is success
    pub code: i32,
    /// Error information, null means success
    #[oai(nullable)]
    pub message: Option<String>,
    /// Result data
    #[oai(nullable)]
    pub data: Option<T>,
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> EnvelopeBody for Envelope<T> {
    fn failure(code: i32, message: String) -> Self {
        Envelope {
            code,
            message: Some(message),
            data: None,
        }
    }
}

#[derive(Object)]
pub struct EnvelopePage<T: ParseFromJSON + ToJSON + Send + Sync> {
    /// Return code, 200 is success
    pub code: i32,
    /// Error information, null means success
    #[oai(nullable)]
    pub message: Option<String>,
    /// Result data
    #[oai(nullable)]
    pub data: Option<Vec<T>>,
    /// Cursor for page turning; absent or null when the last page has been returned
    #[oai(nullable)]
    pub cursor: Option<String>,
    /// Total number of matching items
    #[oai(nullable)]
    pub total: Option<i64>,
    /// Version, not used at present, reserved for extension
    #[oai(nullable)]
    pub version: Option<i64>,
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> EnvelopeBody for EnvelopePage<T> {
    fn failure(code: i32, message: String) -> Self {
        EnvelopePage {
            code,
            message: Some(message),
            data: None,
            cursor: None,
            total: None,
            version: None,
        }
    }
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "bad_request")]
pub enum Reply<B: EnvelopeBody> {
    /// Success (code 200) or a business error, with its code in the envelope.
    #[oai(status = 200)]
    Ok(Json<B>),
    /// A fault of the server (code 20000 database error, 50000 internal error).
    #[oai(status = 500)]
    Fault(Json<B>),
}

/// The reply of an operation answering `data` of type T.
pub type R<T> = Reply<Envelope<T>>;
/// The reply of a paged list of T.
pub type P<T> = Reply<EnvelopePage<T>>;

impl<B: EnvelopeBody> Reply<B> {
    pub fn error(err: ApiError) -> Self {
        if err.is_fault() {
            tracing::error!(error = ?err, "request failed");
            Reply::Fault(Json(B::failure(err.code(), err.to_string())))
        } else {
            Reply::Ok(Json(B::failure(err.code(), err.to_string())))
        }
    }
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> From<ApiResult<T>> for R<T> {
    fn from(result: ApiResult<T>) -> Self {
        match result {
            Ok(data) => Reply::Ok(Json(Envelope {
                code: 200,
                message: None,
                data: Some(data),
            })),
            Err(err) => Reply::error(err),
        }
    }
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> From<ApiResult<Page<T>>> for P<T> {
    fn from(result: ApiResult<Page<T>>) -> Self {
        match result {
            Ok(page) => Reply::Ok(Json(EnvelopePage {
                code: 200,
                message: None,
                data: Some(page.items),
                cursor: page.cursor,
                total: page.total,
                version: page.version,
            })),
            Err(err) => Reply::error(err),
        }
    }
}

/// An error envelope outside the operations (the HTTP fallback, a panic), built by the same
/// type as every other answer.
pub fn envelope(status: poem::http::StatusCode, code: i32, message: String) -> poem::Response {
    let body = Envelope::<bool>::failure(code, message).to_json_string();
    poem::Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body)
}

/// Every error raised while extracting a request (auth, headers, query, body) lands here.
pub fn bad_request<B: EnvelopeBody>(err: Error) -> Reply<B> {
    if let Some(api) = err.downcast_ref::<ApiError>() {
        // ApiError is not Clone (DbErr); rebuild what the envelope needs.
        let body = B::failure(api.code(), api.to_string());
        return if api.is_fault() {
            tracing::error!(error = ?api, "request failed");
            Reply::Fault(Json(body))
        } else {
            Reply::Ok(Json(body))
        };
    }
    if err.is::<AuthorizationError>() {
        return Reply::error(ApiError::MissingToken);
    }
    if let Some(p) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        return Reply::error(ApiError::BadRequest(param_message(p.name, &p.reason)));
    }
    if err.status().is_client_error() {
        return Reply::error(ApiError::BadRequest(err.to_string()));
    }
    Reply::error(ApiError::Internal(err.to_string()))
}

/// A parameter error in words: "parameter `group_id` is required", "... must be an integer
/// (int64)", instead of poem-openapi's `Type "integer_int64" expects an input value`.
fn param_message(name: &str, reason: &str) -> String {
    if reason.contains("expects an input value") {
        return format!("parameter `{name}` is required");
    }
    if let Some(rule) = reason.strip_prefix("verification failed. ") {
        return format!("parameter `{name}` {}", validator_words(rule));
    }
    let ty = reason.split('"').nth(1).unwrap_or("");
    match ty.split_once('_') {
        Some(("integer", f)) => format!("parameter `{name}` must be an integer ({f})"),
        _ if ty == "boolean" => format!("parameter `{name}` must be true or false"),
        _ if crate::api::kit::paging::PARAMETER_TYPES.contains(&ty) => {
            // `failed to parse "limit": <words>`, and for an optional one poem-openapi appends
            // ` (occurred while parsing "optional_limit")`
            let words = reason.split_once("\": ").map_or(reason, |(_, words)| words);
            let words = words
                .split(" (occurred while parsing")
                .next()
                .unwrap_or(words);
            format!("parameter `{name}` {words}")
        }
        _ => format!("parameter `{name}` is not valid: {reason}"),
    }
}

/// A poem-openapi validator (`maximum(3, exclusive: false)`, `maxLength(64)`, ...) as the rule
/// it states, in words.
fn validator_words(rule: &str) -> String {
    let (kind, args) = rule.split_once('(').unwrap_or((rule, ""));
    let args = args.trim_end_matches(')');
    let n = args.split(',').next().unwrap_or("").trim();
    let exclusive = args.contains("exclusive: true");
    match kind {
        "maximum" if exclusive => format!("must be less than {n}"),
        "maximum" => format!("must be at most {n}"),
        "minimum" if exclusive => format!("must be greater than {n}"),
        "minimum" => format!("must be at least {n}"),
        "maxLength" => format!("must be at most {n} characters"),
        "minLength" => format!("must be at least {n} characters"),
        "maxItems" => format!("must hold at most {n} items"),
        "minItems" => format!("must hold at least {n} items"),
        "pattern" => format!("must match the pattern {args}"),
        _ => format!("must satisfy {rule}"),
    }
}
