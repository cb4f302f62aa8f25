//! The envelope `{code, message, data}` (plus `cursor`, `total`, `version` on paged lists),
//! and the one place where errors become envelopes.
use std::borrow::Cow;

use poem::Error;
use poem_openapi::error::AuthorizationError;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{ApiResponse, Object};
use serde_json::Value;

use crate::domain::paging::Page;
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
    pub data: Nullable<T>,
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> EnvelopeBody for Envelope<T> {
    fn failure(code: i32, message: String) -> Self {
        Envelope { code, message: Some(message), data: Nullable(None) }
    }
}

/// `data` of an envelope: an `Option<T>` (null on errors) whose schema names T itself,
/// `{nullable: true, allOf: [{$ref: T}]}`. A plain `Option<T>` field with `nullable` makes
/// poem-openapi emit `allOf: [{$ref: T}, {nullable: true}]`, which SDK generators turn into a new
/// anonymous type per envelope (openapi-python-client: `EnvelopeProfileDataType1`, a copy of
/// `Profile`) instead of T. On the wire it is exactly `Option<T>`.
pub struct Nullable<T>(pub Option<T>);

impl<T: Type> Type for Nullable<T> {
    const IS_REQUIRED: bool = false;
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        format!("nullable_{}", T::name()).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let nullable = MetaSchema { nullable: true, ..MetaSchema::ANY };
        match T::schema_ref() {
            MetaSchemaRef::Reference(name) => {
                MetaSchemaRef::Inline(Box::new(MetaSchema { all_of: vec![MetaSchemaRef::Reference(name)], ..nullable }))
            }
            inline => inline.merge(nullable),
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().and_then(Type::as_raw_value)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        match &self.0 {
            Some(value) => value.raw_element_iter(),
            None => Box::new(std::iter::empty()),
        }
    }

    fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

impl<T: ParseFromJSON> ParseFromJSON for Nullable<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Option::<T>::parse_from_json(value).map(Nullable).map_err(poem_openapi::types::ParseError::propagate)
    }
}

impl<T: ToJSON> ToJSON for Nullable<T> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}


#[derive(Object)]
pub struct PageEnvelope<T: ParseFromJSON + ToJSON + Send + Sync> {
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

impl<T: ParseFromJSON + ToJSON + Send + Sync> EnvelopeBody for PageEnvelope<T> {
    fn failure(code: i32, message: String) -> Self {
        PageEnvelope { code, message: Some(message), data: None, cursor: None, total: None, version: None }
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
pub type P<T> = Reply<PageEnvelope<T>>;

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
            Ok(data) => Reply::Ok(Json(Envelope { code: 200, message: None, data: Nullable(Some(data)) })),
            Err(err) => Reply::error(err),
        }
    }
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> From<ApiResult<Page<T>>> for P<T> {
    fn from(result: ApiResult<Page<T>>) -> Self {
        match result {
            Ok(page) => Reply::Ok(Json(PageEnvelope {
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
    if err.status().is_client_error() {
        return Reply::error(ApiError::BadRequest(err.to_string()));
    }
    Reply::error(ApiError::Internal(err.to_string()))
}
