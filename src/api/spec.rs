//! What the emitted spec needs beyond what the endpoint attributes express, applied to the
//! operation and schema metadata (so `openapi/`, `/openapi.json` and Swagger UI agree):
//!
//! - every operation gets an `operationId`: `{method}_{path}` with `/` as `_` (`get_user_profile`,
//!   `post_group_member_list`). One handler reached by PUT and POST is two operations, so the id
//!   is derived per method and stays unique; it is the name client generators give the call.
//! - a nullable reference (`Option<T>` of an object, as the envelope's `data`) is written
//!   `{nullable: true, allOf: [{$ref}]}`: "the referenced schema or null". poem-openapi repeats
//!   the description and `nullable` as a second `allOf` member, which client generators turn into
//!   an anonymous copy of the referenced model (openapi-python-client: `EnvelopeProfileDataType1`
//!   instead of `Profile`). No `type` beside it: with one, openapi-python-client drops the null
//!   and its client fails on every error envelope (`data: null`); see tests/gate/lint/redocly.yaml.
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use poem::http::Method;
use poem_openapi::OpenApi;
use poem_openapi::registry::{MetaApi, MetaSchemaRef, Registry};

pub struct SpecConventions<T>(pub T);

/// Body fields that the documents make required and the spec shows so, while the server also
/// takes the original clients' alternative in their place (said in the field's description):
/// `/token/user`'s `name`, for which the web SDK sends `mobile`. The body check works from the
/// types, where they are optional; the handler then asks for one of the two.
const DOCUMENTED_REQUIRED: [(&str, &str); 1] = [("TokenByNameReq", "name")];

/// `{method}_{path}` in lower case, `/` and other separators as `_`, braces dropped.
pub fn operation_id(method: &Method, path: &str) -> String {
    let path: String = path
        .trim_matches('/')
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    format!("{}_{}", method.as_str().to_ascii_lowercase(), path)
}

/// The metadata holds `&'static str`: each distinct id is allocated once per process.
fn intern(s: String) -> &'static str {
    static IDS: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut ids = IDS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    ids.entry(s.clone()).or_insert_with(|| Box::leak(s.into_boxed_str()))
}

impl<T: OpenApi> OpenApi for SpecConventions<T> {
    fn meta() -> Vec<MetaApi> {
        let mut apis = T::meta();
        for path in apis.iter_mut().flat_map(|api| api.paths.iter_mut()) {
            for op in path.operations.iter_mut() {
                op.operation_id = Some(intern(operation_id(&op.method, &path.path)));
            }
        }
        apis
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
        for (schema, field) in DOCUMENTED_REQUIRED {
            if let Some(s) = registry.schemas.get_mut(schema) {
                s.required.push(field);
            }
        }
        for schema in registry.schemas.values_mut() {
            for (_, prop) in schema.properties.iter_mut() {
                let MetaSchemaRef::Inline(prop) = prop else { continue };
                if prop.nullable && matches!(prop.all_of.first(), Some(MetaSchemaRef::Reference(_))) {
                    prop.all_of.retain(|s| matches!(s, MetaSchemaRef::Reference(_)));
                }
            }
        }
    }

    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, poem::endpoint::BoxEndpoint<'static>>>) {
        self.0.add_routes(route_table)
    }
}
