//! `JsonBody<T>`: a JSON request body like poem-openapi's `Json<T>` (same spec), whose errors
//! name the field at fault. Before poem-openapi parses the value, it is checked against T's
//! registered schema: every present field must have its documented JSON type (poem-openapi's
//! String would silently take numbers and booleans), required fields must be present, and no
//! string may hold U+0000 (PostgreSQL text refuses it). Each failure is a 10002 naming the field
//! by its path (`user_list[3]`, `items[0].nick_name`).
//!
//! An absent body (no bytes) of an operation whose body fields are all optional is read as
//! `{}`; the spec marks such bodies not required. A boolean field also takes the numbers 0 and 1
//! (as the original service's web UI sends them).
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use poem::{Request, RequestBody};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use crate::error::ApiError;

pub struct JsonBody<T>(pub T);

/// True when T is an object whose fields are all optional (an absent body means `{}`).
fn all_optional<T: Type + 'static>() -> bool {
    let registry = schemas_of::<T>();
    let root = T::schema_ref();
    let Some(schema) = resolve(&registry, &root) else {
        return false;
    };
    schema.ty == "object" && schema.required.is_empty() && !schema.properties.is_empty()
}

/// T's registered schemas, built once per body type rather than on every request.
fn schemas_of<T: Type + 'static>() -> Arc<Registry> {
    static CACHE: LazyLock<RwLock<HashMap<TypeId, Arc<Registry>>>> =
        LazyLock::new(Default::default);
    let key = TypeId::of::<T>();
    if let Some(found) = CACHE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return found.clone();
    }
    let mut registry = Registry::new();
    T::register(&mut registry);
    CACHE
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_insert_with(|| Arc::new(registry))
        .clone()
}

impl<'a, T: ParseFromJSON + ToJSON + Type + Send + Sync + 'static> ApiExtractor<'a>
    for JsonBody<T>
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Json<T> as ApiExtractor>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        let mut meta = <Json<T> as ApiExtractor>::request_meta()?;
        if all_optional::<T>() {
            meta.required = false;
        }
        Some(meta)
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        _opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let bytes = body
            .take()?
            .into_bytes_limit(crate::api::MAX_BODY_BYTES)
            .await
            .map_err(|e| match e {
                poem::error::ReadBodyError::PayloadTooLarge => ApiError::bad(format!(
                    "the request body exceeds {} bytes",
                    crate::api::MAX_BODY_BYTES
                )),
                // The body deadline of `request_body`: its message says so.
                poem::error::ReadBodyError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    ApiError::bad(e.to_string())
                }
                other => ApiError::bad(format!("reading the body: {other}")),
            })?;
        let value: Value = if bytes.is_empty() && all_optional::<T>() {
            Value::Object(Default::default())
        } else if bytes.is_empty() {
            return Err(ApiError::bad("the request body is required (JSON)").into());
        } else {
            let is_json = req.content_type().is_some_and(|ct| {
                let ct = ct.to_ascii_lowercase();
                ct.starts_with("application/json")
                    || (ct.starts_with("application/") && ct.contains("+json"))
            });
            if !is_json {
                return Err(ApiError::bad(
                    "the request body must be JSON (content-type: application/json)",
                )
                .into());
            }
            serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad(format!("the body is not valid JSON: {e}")))?
        };
        let registry = schemas_of::<T>();
        let mut value = value;
        numbers_as_booleans(&registry, &T::schema_ref(), &mut value);
        if let Err(msg) = check(&registry, &T::schema_ref(), &value, "") {
            return Err(ApiError::bad(msg).into());
        }
        match T::parse_from_json(Some(value)) {
            Ok(v) => Ok(JsonBody(v)),
            // Types, presence and bounds are checked above; what is left are poem-openapi's
            // other validators (patterns), whose messages name the field.
            Err(err) => Err(ApiError::bad(
                err.into_message()
                    .replace("parse request payload error: ", ""),
            )
            .into()),
        }
    }
}

/// An id field (by the last name of its path, `user_list[3]` is `user_list`) holding a number
/// beyond 2^53 - 1 either way.
fn beyond_ids(path: &str, value: &Value) -> bool {
    let field = path.rsplit('.').next().unwrap_or(path);
    let field = field.split('[').next().unwrap_or(field);
    let n = value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from));
    crate::api::kit::spec::id_field(field)
        && n.is_some_and(|n| n.abs() > i128::from(crate::api::kit::spec::MAX_ID))
}

/// 0 and 1 where the schema says boolean become false and true: the original service's web UI
/// sends its on/off values as numbers. Any other number stays, and the check refuses it.
fn numbers_as_booleans(registry: &Registry, schema: &MetaSchemaRef, value: &mut Value) {
    let Some(s) = resolve(registry, schema) else {
        return;
    };
    for part in &s.all_of {
        numbers_as_booleans(registry, part, value);
    }
    match value {
        Value::Number(n) if s.ty == "boolean" => {
            if let Some(b) = n.as_u64().filter(|n| *n <= 1) {
                *value = Value::Bool(b == 1);
            }
        }
        Value::Array(items) => {
            if let Some(item) = &s.items {
                items
                    .iter_mut()
                    .for_each(|v| numbers_as_booleans(registry, item, v));
            }
        }
        Value::Object(map) => {
            for (field, prop) in &s.properties {
                if let Some(v) = map.get_mut(*field) {
                    numbers_as_booleans(registry, prop, v);
                }
            }
        }
        _ => {}
    }
}

fn resolve<'r>(registry: &'r Registry, schema: &'r MetaSchemaRef) -> Option<&'r MetaSchema> {
    match schema {
        MetaSchemaRef::Inline(s) => Some(s),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
    }
}

fn name(path: &str) -> String {
    if path.is_empty() {
        "the body".into()
    } else {
        format!("field `{path}`")
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Check `value` against `schema`: JSON types, required fields and U+0000, recursively.
fn check(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    path: &str,
) -> Result<(), String> {
    let Some(s) = resolve(registry, schema) else {
        return Ok(());
    };
    for part in &s.all_of {
        check(registry, part, value, path)?;
    }
    if value.is_null() {
        // Absent and null optional fields are handled by the parent; a null where a value
        // is required is refused there, and a top-level null here.
        return if path.is_empty() && !s.nullable {
            Err(format!("{} must be a JSON {}", name(path), json_type(s)))
        } else {
            Ok(())
        };
    }
    if let Some(wrong) = wrong_type(s, value) {
        return Err(format!("{} {wrong}", name(path)));
    }
    if let Some(rule) = out_of_bounds(s, value) {
        return Err(format!("{} {rule}", name(path)));
    }
    if s.format == Some("int64") && beyond_ids(path, value) {
        return Err(format!(
            "{} {}",
            name(path),
            crate::api::kit::spec::ID_BOUND
        ));
    }
    match value {
        Value::String(text) if text.contains('\0') => {
            Err(format!("{} must not contain U+0000", name(path)))
        }
        Value::Array(items) => check_items(registry, s, items, path),
        Value::Object(map) => check_fields(registry, s, map, path),
        _ => Ok(()),
    }
}

/// Whether `value` is of the schema's JSON type (and integer format), in words when not.
fn wrong_type(s: &MetaSchema, value: &Value) -> Option<String> {
    let fits = match s.ty {
        "string" => value.is_string(),
        "integer" => match s.format {
            Some("int32") => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            Some("uint32") => value.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
            Some("uint64") => value.as_u64().is_some(),
            _ => value.as_i64().is_some(),
        },
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    (!fits).then(|| match (s.ty, s.format) {
        ("integer", Some(f @ ("int32" | "int64" | "uint32" | "uint64"))) if value.is_number() => {
            format!("must be an integer in the range of {f}")
        }
        _ => format!("must be of type {}", json_type(s)),
    })
}

/// The items of an array, each against the item schema (a null item only where it is nullable).
fn check_items(
    registry: &Registry,
    s: &MetaSchema,
    items: &[Value],
    path: &str,
) -> Result<(), String> {
    let Some(item_schema) = &s.items else {
        return Ok(());
    };
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{}[{i}]", if path.is_empty() { "body" } else { path });
        if item.is_null() && !resolve(registry, item_schema).is_some_and(|x| x.nullable) {
            return Err(format!("{} must not be null", name(&item_path)));
        }
        check(registry, item_schema, item, &item_path)?;
    }
    Ok(())
}

/// The fields of an object: required ones present, each known one (and the additional ones)
/// against its schema.
fn check_fields(
    registry: &Registry,
    s: &MetaSchema,
    map: &serde_json::Map<String, Value>,
    path: &str,
) -> Result<(), String> {
    for field in &s.required {
        if map.get(*field).is_none_or(Value::is_null) {
            return Err(format!("{} is required", name(&join(path, field))));
        }
    }
    for (field, prop) in &s.properties {
        if let Some(given) = map.get(*field) {
            check(registry, prop, given, &join(path, field))?;
        }
    }
    if let Some(extra) = &s.additional_properties {
        for (key, given) in map {
            if !s.properties.iter().any(|(f, _)| f == key) {
                check(registry, extra, given, &join(path, key))?;
            }
        }
    }
    Ok(())
}

/// The documented bounds (lengths, ranges, item counts, enumerations) that `value` breaks, in
/// words; checked here so that the message names the field instead of poem-openapi's
/// `failed to parse "Req": ... minLength(3)`.
fn out_of_bounds(s: &MetaSchema, value: &Value) -> Option<String> {
    fn span(what: &str, min: Option<usize>, max: Option<usize>) -> String {
        match (min, max) {
            (Some(a), Some(b)) => format!("must be {a} to {b} {what}"),
            (Some(a), None) => format!("must be at least {a} {what}"),
            (None, Some(b)) => format!("must be at most {b} {what}"),
            (None, None) => String::new(),
        }
    }
    fn num(x: f64) -> String {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            format!("{}", x as i64)
        } else {
            x.to_string()
        }
    }
    match value {
        Value::String(text) => {
            let n = text.chars().count();
            let short = s.min_length.is_some_and(|m| n < m);
            let long = s.max_length.is_some_and(|m| n > m);
            (short || long).then(|| span("characters", s.min_length, s.max_length))
        }
        Value::Array(items) => {
            let few = s.min_items.is_some_and(|m| items.len() < m);
            let many = s.max_items.is_some_and(|m| items.len() > m);
            (few || many).then(|| span("items", s.min_items, s.max_items))
        }
        Value::Number(n) => {
            let x = n.as_f64()?;
            let low = s.minimum.is_some_and(|m| {
                if s.exclusive_minimum == Some(true) {
                    x <= m
                } else {
                    x < m
                }
            });
            let high = s.maximum.is_some_and(|m| {
                if s.exclusive_maximum == Some(true) {
                    x >= m
                } else {
                    x > m
                }
            });
            (low || high).then(|| match (s.minimum, s.maximum) {
                (Some(a), Some(b)) => format!("must be between {} and {}", num(a), num(b)),
                (Some(a), None) => format!(
                    "must be {} {}",
                    if s.exclusive_minimum == Some(true) {
                        ">"
                    } else {
                        ">="
                    },
                    num(a)
                ),
                (None, Some(b)) => format!(
                    "must be {} {}",
                    if s.exclusive_maximum == Some(true) {
                        "<"
                    } else {
                        "<="
                    },
                    num(b)
                ),
                (None, None) => String::new(),
            })
        }
        _ => None,
    }
    .or_else(|| {
        (!s.enum_items.is_empty() && !s.enum_items.contains(value)).then(|| {
            let allowed: Vec<String> = s.enum_items.iter().map(Value::to_string).collect();
            format!("must be one of {}", allowed.join(", "))
        })
    })
}

fn json_type(s: &MetaSchema) -> &'static str {
    match s.ty {
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "array" => "array",
        "object" => "object",
        "string" => "string",
        _ => "value",
    }
}
