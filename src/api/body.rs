//! `JsonBody<T>`: a JSON request body like poem-openapi's `Json<T>` (same spec), whose errors
//! name the field at fault (poem-openapi's own messages lose it for missing or mistyped fields).
use poem::{Request, RequestBody};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use crate::error::ApiError;

pub struct JsonBody<T>(pub T);

impl<'a, T: ParseFromJSON + ToJSON + Type + Send + Sync> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Json<T> as ApiExtractor>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        <Json<T> as ApiExtractor>::request_meta()
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        _opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let is_json = req.content_type().is_some_and(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("application/json") || (ct.starts_with("application/") && ct.contains("+json"))
        });
        if !is_json {
            return Err(ApiError::bad("the request body must be JSON (content-type: application/json)").into());
        }
        let bytes = body.take()?.into_bytes_limit(super::MAX_BODY_BYTES).await.map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => {
                ApiError::bad(format!("the request body exceeds {} bytes", super::MAX_BODY_BYTES))
            }
            other => ApiError::bad(format!("reading the body: {other}")),
        })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::bad(format!("the body is not valid JSON: {e}")))?;
        // poem-openapi's String also takes numbers and booleans; a string body must be a string.
        if &*T::name() == "string" && !value.is_string() {
            return Err(ApiError::bad("the body must be a JSON string").into());
        }
        match T::parse_from_json(Some(value.clone())) {
            Ok(v) => Ok(JsonBody(v)),
            Err(err) => Err(ApiError::bad(explain::<T>(&value, err.into_message())).into()),
        }
    }
}

/// Find the field that a parse error is about, from T's registered schema.
fn explain<T: Type>(value: &Value, fallback: String) -> String {
    let Value::Object(map) = value else {
        return match &*T::name() {
            "string" => "the body must be a JSON string".into(),
            _ => "the body must be a JSON object".into(),
        };
    };
    let mut registry = Registry::new();
    T::register(&mut registry);
    let Some(schema) = registry.schemas.get(&*T::name()) else {
        return fallback;
    };
    for name in &schema.required {
        if map.get(*name).is_none_or(Value::is_null) {
            return format!("field `{name}` is required");
        }
    }
    for (name, prop) in &schema.properties {
        let Some(given) = map.get(*name) else { continue };
        if given.is_null() {
            continue;
        }
        let expected = match prop {
            MetaSchemaRef::Inline(s) => s.ty,
            MetaSchemaRef::Reference(_) => "object",
        };
        let fits = match expected {
            "string" => given.is_string(),
            "integer" => given.as_i64().is_some(),
            "number" => given.is_number(),
            "boolean" => given.is_boolean(),
            "array" => given.is_array(),
            "object" => given.is_object(),
            _ => true,
        };
        if !fits {
            return format!("field `{name}` must be of type {expected}");
        }
    }
    let fallback = fallback.replace("parse request payload error: ", "");
    // poem-openapi names the field in validator failures; anything else is reported as is.
    fallback
}
