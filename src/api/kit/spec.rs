//! What the emitted spec needs beyond what the endpoint attributes express. Two passes:
//!
//! On the operation and schema metadata ([`SpecConventions`], so that `openapi/`,
//! `/openapi.json` and Swagger UI agree):
//! - every operation gets a verb `operationId` from the capabilities' `OPERATION_NAMES` (`loginByName`,
//!   `listGroupMembers`): the name client generators give the call. One handler reached by PUT
//!   (or DELETE) and POST is two operations: the PUT/DELETE one keeps the name, the POST one is
//!   `{name}Post`, marked deprecated as an alias (both keep working on the wire).
//! - identity as security schemes: `app_id` and `access-token` are required together (one
//!   requirement holding both), and an app admin token may add `act_as_user` (the `user_id`
//!   header) or `act_on_group` (the `group_id` header) as alternatives. Operations open to
//!   everyone of the app need `app_id` alone (and accept a token); System probes need nothing.
//!   So a client sets its identity once, and no header shares a name with a parameter.
//! - a nullable reference (`Option<T>` of an object, as the envelope's `data`) is written
//!   `{nullable: true, allOf: [{$ref}]}`: "the referenced schema or null"; a described field of
//!   an object type (`SessionMessage.from_xid`) `{allOf: [{$ref}], description}`. poem-openapi repeats
//!   the description and `nullable` as a second `allOf` member, which client generators turn into
//!   an anonymous copy of the referenced model (openapi-python-client: `EnvelopeProfileDataType1`
//!   instead of `Profile`). No `type` beside it: with one, openapi-python-client drops the null
//!   and its client fails on every error envelope (`data: null`); see tests/gate/lint/redocly.yaml.
//! - body fields that the documents make required while the server also takes an alternative
//!   ([`DOCUMENTED_REQUIRED`]).
//! - typed envelopes: a success envelope (`Envelope_*`, `EnvelopePage_*`) has `code` 200 and
//!   every field required (`message` null, `data`, and on lists `cursor`, `total`, `version`);
//!   errors are `ErrorEnvelope`, whose `code` is an [`ERROR_CODE`] (the error table as an enum).
//!   An operation answers HTTP 200 with `oneOf` the two (so `code !== 200` tells them apart in
//!   a typed client) and HTTP 500 with `ErrorEnvelope`. Every success envelope's name sorts
//!   before `ErrorEnvelope`'s: typescript-fetch tries the members of a `oneOf` in the order of
//!   their names, and its check of `ErrorEnvelope` (the keys `code` and `message` present) also
//!   passes on a success, while a success envelope's check (`code === 200`) fails on an error;
//!   openapi-python-client tries them in the spec's order (success first), hey-api does not
//!   choose at run time (`code` narrows the union).
//!
//! On the JSON document ([`finish`]): the tags in the order of `ApiTags`; `enum` and
//! `x-enum-varnames` for the error codes and every fixed value set, each a named component
//! schema that its fields refer to ([`VALUE_SETS`]; poem-openapi's
//! schema type cannot carry the names); `maximum` 2^53-1 on ids ([`MAX_ID`]); every object's keys
//! sorted, so that the committed files are the same on every run (poem-openapi keeps security
//! requirements in hash maps).
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use poem::http::Method;
use poem_openapi::OpenApi;
use poem_openapi::registry::{
    MetaApi, MetaOperation, MetaPath, MetaSchema, MetaSchemaRef, MetaSecurityScheme, Registry,
};
use serde_json::Value;

use crate::error::ERROR_CODES;

/// The schema of the error codes and the one of error answers.
pub const ERROR_CODE: &str = "ErrorCode";
pub const ERROR_ENVELOPE: &str = "ErrorEnvelope";

fn is_envelope(schema: &str) -> bool {
    schema.starts_with("Envelope_") || schema.starts_with("EnvelopePage_")
}

pub struct SpecConventions<T>(pub T);

/// Body fields that the documents make required and the spec shows so, while the server also
/// takes the original clients' alternative in their place (said in the field's description):
/// `/token/user`'s `name`, for which the web SDK sends `mobile`. The body check works from the
/// types, where they are optional; the handler then asks for one of the two.
const DOCUMENTED_REQUIRED: [(&str, &str); 2] = [
    ("TokenByNameReq", "name"),
    // the original's own tool omits it, its newer spec makes it optional: absent reads as ""
    ("MessageRequest", "attachment"),
];

/// The security schemes besides `access-token` (declared by its extractor in api/auth.rs).
pub const APP_ID: &str = "app_id";
pub const ACCESS_TOKEN: &str = "access-token";
pub const ACT_AS_USER: &str = "act_as_user";
pub const ACT_ON_GROUP: &str = "act_on_group";

/// The name of an operation: the entry for its method, else the one for every method (the
/// capabilities' `OPERATION_NAMES`, gathered by `api::operation_names`).
pub fn operation_name(method: &Method, path: &str) -> Option<&'static str> {
    let entries = || {
        crate::api::operation_names()
            .iter()
            .filter(move |(p, _, _)| *p == path)
    };
    entries()
        .find(|(_, m, _)| m.as_ref() == Some(method))
        .or_else(|| entries().find(|(_, m, _)| m.is_none()))
        .map(|(_, _, name)| *name)
}

/// The metadata holds `&'static str`: each distinct id is allocated once per process.
fn intern(s: String) -> &'static str {
    static IDS: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    ids.entry(s.clone())
        .or_insert_with(|| Box::leak(s.into_boxed_str()))
}

/// Names every operation of `path`; the POST twin of a PUT or DELETE handler becomes its
/// deprecated alias `{name}Post`.
fn name_operations(path: &mut MetaPath) {
    let canonical = |m: &Method| *m == Method::PUT || *m == Method::DELETE;
    let twinned: Vec<&'static str> = path
        .operations
        .iter()
        .filter(|op| canonical(&op.method))
        .filter_map(|op| operation_name(&op.method, &path.path))
        .collect();
    for op in path.operations.iter_mut() {
        // an operation missing from the table keeps a name from method and path (a test fails)
        let name = operation_name(&op.method, &path.path);
        let fallback = || {
            intern(format!(
                "{}_{}",
                op.method.as_str().to_ascii_lowercase(),
                path.path.trim_matches('/').replace('/', "_")
            ))
        };
        let name = name.unwrap_or_else(fallback);
        if op.method == Method::POST && twinned.contains(&name) {
            op.operation_id = Some(intern(format!("{name}Post")));
            op.deprecated = true;
            let alias = format!(
                "The same operation as `{name}`, reached by POST (kept for clients that use it)."
            );
            op.description = Some(intern(match op.description {
                Some(d) => format!("{alias}\n\n{d}"),
                None => alias,
            }));
        } else {
            op.operation_id = Some(name);
        }
    }
}

/// The security requirements of an operation from what its extractors declared: a token
/// (`Caller`), a token accepted but not needed (`TokenAccepted`: an empty alternative), or none.
fn security_of(op: &MetaOperation) -> Vec<HashMap<&'static str, Vec<&'static str>>> {
    if op.tags.contains(&"System") {
        return vec![];
    }
    let all = |names: &[&'static str]| {
        names
            .iter()
            .map(|n| (*n, vec![]))
            .collect::<HashMap<_, _>>()
    };
    let with_token = vec![
        all(&[APP_ID, ACCESS_TOKEN]),
        all(&[APP_ID, ACCESS_TOKEN, ACT_AS_USER]),
        all(&[APP_ID, ACCESS_TOKEN, ACT_ON_GROUP]),
    ];
    let token_accepted = op.security.iter().any(HashMap::is_empty);
    if op.security.is_empty() {
        vec![all(&[APP_ID])]
    } else if token_accepted {
        // open to everyone of the app; a client that sends its identity anyway is not refused
        [vec![all(&[APP_ID])], with_token].concat()
    } else {
        with_token
    }
}

/// HTTP 200: the operation's success envelope or an `ErrorEnvelope`; HTTP 500: `ErrorEnvelope`.
fn type_responses(op: &mut MetaOperation) {
    for response in op.responses.responses.iter_mut() {
        for media in response.content.iter_mut() {
            let MetaSchemaRef::Reference(name) = &media.schema else {
                continue;
            };
            if !is_envelope(name) {
                continue;
            }
            let error = MetaSchemaRef::Reference(ERROR_ENVELOPE.to_owned());
            media.schema = if response.status == Some(200) {
                let mut either = MetaSchema::ANY;
                either.one_of = vec![MetaSchemaRef::Reference(name.clone()), error];
                MetaSchemaRef::Inline(Box::new(either))
            } else {
                error
            };
        }
    }
}

/// Success envelopes: `code` is 200 and every field is present; `data` and a list's `total` are
/// never null on success (but for an operation whose data is optional: `Envelope_optional_*`,
/// announcement/last before the first announcement), `cursor` is null on the last page.
fn type_envelopes(registry: &mut Registry) {
    for (name, schema) in registry.schemas.iter_mut() {
        if !is_envelope(name) {
            continue;
        }
        let optional_data = name.contains("_optional_");
        for (field, prop) in schema.properties.iter_mut() {
            match *field {
                "code" => {
                    let mut code = MetaSchema::new_with_format("integer", "int32");
                    code.enum_items = vec![200.into()];
                    code.description = Some("200: success (errors answer an ErrorEnvelope)");
                    *prop = MetaSchemaRef::Inline(Box::new(code));
                }
                "data" if !optional_data => not_null(prop),
                "total" => not_null(prop),
                _ => {}
            }
        }
        schema.required = schema.properties.iter().map(|(field, _)| *field).collect();
    }
    let mut code = MetaSchema::new_with_format("integer", "int32");
    code.enum_items = ERROR_CODES
        .iter()
        .filter(|r| r.code != 200)
        .map(|r| r.code.into())
        .collect();
    code.description = Some(error_table());
    registry.schemas.insert(ERROR_CODE.to_owned(), code);
    let mut envelope = MetaSchema::new("object");
    envelope.description = Some(
        "A refused request or a fault: `code` says which, `message` says why in words (`data` is null).",
    );
    envelope.properties = vec![
        ("code", MetaSchemaRef::Reference(ERROR_CODE.to_owned())),
        (
            "message",
            MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
        ),
    ];
    envelope.required = vec!["code", "message"];
    registry.schemas.insert(ERROR_ENVELOPE.to_owned(), envelope);
}

/// A property that the envelope type may leave null but a success never does.
fn not_null(prop: &mut MetaSchemaRef) {
    let MetaSchemaRef::Inline(schema) = prop else {
        return;
    };
    match schema.all_of.as_slice() {
        [MetaSchemaRef::Reference(r)] if schema.ty.is_empty() => {
            *prop = MetaSchemaRef::Reference(r.clone())
        }
        _ => schema.nullable = false,
    }
}

/// The error table in Markdown (the description of `ErrorCode`).
fn error_table() -> &'static str {
    static TABLE: OnceLock<String> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = String::from("The error codes of the envelope (HTTP 200 unless said):\n\n| code | name | meaning |\n|---|---|---|\n");
        for row in ERROR_CODES.iter().filter(|r| r.code != 200) {
            t.push_str(&format!("| {} | {} | {} |\n", row.code, row.name, row.meaning));
        }
        t
    })
}

fn header_scheme(name: &'static str, description: &'static str) -> MetaSecurityScheme {
    MetaSecurityScheme {
        ty: "apiKey",
        description: Some(description),
        name: Some(name),
        key_in: Some("header"),
        scheme: None,
        bearer_format: None,
        flows: None,
        openid_connect_url: None,
    }
}

impl<T: OpenApi> OpenApi for SpecConventions<T> {
    fn meta() -> Vec<MetaApi> {
        let mut apis = T::meta();
        for path in apis.iter_mut().flat_map(|api| api.paths.iter_mut()) {
            name_operations(path);
            for op in path.operations.iter_mut() {
                op.security = security_of(op);
                type_responses(op);
            }
        }
        apis
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
        registry.create_security_scheme(
            APP_ID,
            header_scheme(
                "app_id",
                "The app's id: on every call but the System probes",
            ),
        );
        registry.create_security_scheme(
            ACT_AS_USER,
            header_scheme(
                "user_id",
                "With an app admin token: act as this user. With a user token: must be the token's own \
                 user id (or absent); another id is refused with 10010.",
            ),
        );
        registry.create_security_scheme(
            ACT_ON_GROUP,
            header_scheme(
                "group_id",
                "Only with an app admin token: act with owner rights on this group (and only on it). A \
                 user token with this header is refused with 10010.",
            ),
        );
        for (schema, field) in DOCUMENTED_REQUIRED {
            if let Some(s) = registry.schemas.get_mut(schema) {
                s.required.push(field);
            }
        }
        for schema in registry.schemas.values_mut() {
            for (_, prop) in schema.properties.iter_mut() {
                let MetaSchemaRef::Inline(prop) = prop else {
                    continue;
                };
                // nullable or not: a described reference is the reference (a second member holding
                // only the description makes generators build an anonymous copy of the model)
                if matches!(prop.all_of.first(), Some(MetaSchemaRef::Reference(_))) {
                    prop.all_of
                        .retain(|s| matches!(s, MetaSchemaRef::Reference(_)));
                }
            }
        }
        // after the nullable references are cleaned: success data is then a plain reference
        type_envelopes(registry);
    }

    fn add_routes(
        self,
        route_table: &mut HashMap<String, HashMap<Method, poem::endpoint::BoxEndpoint<'static>>>,
    ) {
        self.0.add_routes(route_table)
    }
}

/// The JSON pass over poem-openapi's document: tags in `tag_order`, keys sorted.
pub fn finish(document: &str, tag_order: &[&str]) -> Value {
    let mut doc: Value = serde_json::from_str(document).expect("poem-openapi emits JSON");
    if let Some(tags) = doc.get_mut("tags").and_then(Value::as_array_mut) {
        let place = |t: &Value| {
            tag_order
                .iter()
                .position(|n| t["name"] == *n)
                .unwrap_or(usize::MAX)
        };
        tags.sort_by_key(place);
    }
    let names: Vec<Value> = ERROR_CODES
        .iter()
        .filter(|r| r.code != 200)
        .map(|r| r.name.into())
        .collect();
    if let Some(code) = doc.pointer_mut(&format!("/components/schemas/{ERROR_CODE}")) {
        code["x-enum-varnames"] = Value::Array(names);
    }
    let mut components = Components::new();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            for (field, prop) in schema
                .get_mut("properties")
                .and_then(Value::as_object_mut)
                .into_iter()
                .flatten()
            {
                describe_value(name, field, prop, &mut components);
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                for param in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    let name = param["name"].as_str().unwrap_or_default().to_owned();
                    if let Some(schema) = param.get_mut("schema") {
                        describe_value(path, &name, schema, &mut components);
                    }
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, component) in components {
            assert!(
                !schemas.contains_key(name),
                "the value set {name} takes the name of a schema"
            );
            schemas.insert(name.to_owned(), component);
        }
    }
    // serde_json's map is ordered by key: the round trip sorts every object
    doc
}

/// The largest id a JavaScript number holds exactly (2^53 - 1): every id stays below it (they
/// come from the databases' increasing sequences), the spec says so with `maximum`, and a
/// request naming a larger id is refused (10002) before it reaches the domain, so no answer
/// echoes one (body.rs, fallback.rs, auth.rs).
pub const MAX_ID: i64 = (1 << 53) - 1;

/// Whether a field or parameter of this name holds ids (int64 ones: `id`, `*_id`, id lists).
pub fn id_field(name: &str) -> bool {
    name == "id" || name.ends_with("_id") || matches!(name, "user_list" | "group_list" | "list")
}

/// The words for an id above [`MAX_ID`].
pub const ID_BOUND: &str = "must be at most 9007199254740991 (ids stay below 2^53)";

/// A fixed value set: where (a schema, or a path for query parameters; `*` anywhere), which
/// field, the component schema that names the set, its values and their names in generated
/// clients (`x-enum-varnames`).
struct ValueSet {
    places: &'static [&'static str],
    field: &'static str,
    component: &'static str,
    values: Values,
    names: &'static [&'static str],
}

enum Values {
    Int(&'static [i64]),
    Str(&'static [&'static str]),
}

const fn set(
    places: &'static [&'static str],
    field: &'static str,
    component: &'static str,
    values: Values,
    names: &'static [&'static str],
) -> ValueSet {
    ValueSet {
        places,
        field,
        component,
        values,
        names,
    }
}

use Values::{Int, Str};

const AUTH_MODES: &[&str] = &["Anyone", "NeedsConsent", "NeedsAnswer", "Nobody"];

/// Every fixed value set, each a component schema of its own (so generators name the type: a
/// TypeScript `Platform`, a Python `Platform` enum, instead of `0 | 1 | ...`).
#[rustfmt::skip]
const VALUE_SETS: &[ValueSet] = &[
    set(&["*"], "platform", "Platform", Int(&[0, 1, 2, 3, 4, 5, 6]),
        &["Unknown", "Ios", "Android", "Windows", "Mac", "Linux", "Web"]),
    set(&["*"], "apply_approval", "ApplyApproval", Int(&[0, 1, 2]), &["AcceptAll", "NeedsApproval", "RejectAll"]),
    set(&["*"], "auth_mode", "AuthMode", Int(&[0, 1, 2, 3]), AUTH_MODES),
    set(&["/user/authmode"], "value", "AuthMode", Int(&[0, 1, 2, 3]), AUTH_MODES),
    set(&["*"], "msg_mute_mode", "MsgMuteMode", Int(&[0, 1, 2]), &["NotBlocked", "NoNotifications", "NoMessages"]),
    // responses only: a bad msg_push_mode in a request is the documented 20003, not a schema error
    set(&["GroupBrief", "GroupInfo"], "msg_push_mode", "MsgPushMode", Int(&[0, 1, 2, 3, 4]),
        &["All", "NoPush", "AdminsAndMentions", "AdminsOnly", "MentionsOnly"]),
    set(&["CreateGroupReq", "GroupBrief", "GroupInfo"], "type", "GroupType", Int(&[0, 2]), &["PrivateGroup", "Chatroom"]),
    set(&["GroupBrief", "GroupInfo"], "status", "GroupStatus", Int(&[0, 1]), &["Normal", "Dissolved"]),
    set(&["GroupApplication", "GroupInvitation"], "status", "GroupRequestStatus", Int(&[0, 1, 2]),
        &["Pending", "Agreed", "Rejected"]),
    set(&["UserListItem"], "status", "UserStatus", Int(&[0, 1]), &["Normal", "Disabled"]),
    set(&["RosterApplicationView"], "status", "FriendRequestStatus", Int(&[0, 1, 2]), &["Pending", "Accepted", "Declined"]),
    set(&["RosterItemDto"], "relation", "RosterRelation", Int(&[0, 1, 2, 3]),
        &["Friend", "DeletedFriend", "Stranger", "Blacklisted"]),
    set(&["UserResult", "FileResult"], "result", "ItemResult", Str(&["success", "fail"]), &["Success", "Fail"]),
    set(&["Health"], "status", "HealthStatus", Str(&["up", "ready"]), &["Up", "Ready"]),
];

/// The component schemas of the value sets, as [`name_value`] made them while it passed over
/// the document.
type Components = std::collections::BTreeMap<&'static str, Value>;

/// A field of a fixed value set is a reference to its component, which holds the values, their
/// names and what the fields say of them. `maximum` on ids.
fn describe_value(place: &str, field: &str, schema: &mut Value, components: &mut Components) {
    let here = |places: &[&str]| places.iter().any(|p| *p == "*" || *p == place);
    if let Some(set) = VALUE_SETS
        .iter()
        .find(|s| s.field == field && here(s.places))
    {
        name_value(place, set, schema, components);
    }
    let id_like = id_field(field);
    if id_like && schema["format"] == "int64" {
        schema["maximum"] = MAX_ID.into();
    }
    if id_like && schema["type"] == "array" && schema["items"]["format"] == "int64" {
        schema["items"]["maximum"] = MAX_ID.into();
    }
}

fn name_value(place: &str, set: &ValueSet, schema: &mut Value, components: &mut Components) {
    let (ty, values): (_, Vec<Value>) = match set.values {
        Values::Int(v) => ("integer", v.iter().map(|v| Value::from(*v)).collect()),
        Values::Str(v) => ("string", v.iter().map(|v| Value::from(*v)).collect()),
    };
    if schema["type"] != ty {
        return;
    }
    assert!(
        schema.get("nullable").is_none(),
        "{place}.{}: a nullable field of a value set",
        set.field
    );
    let said = schema["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let component = components.entry(set.component).or_insert_with(|| {
        let names: Vec<String> = values
            .iter()
            .zip(set.names)
            .map(|(v, n)| format!("{v} {n}"))
            .collect();
        let mut component = serde_json::json!({
            "type": ty,
            "enum": values,
            "x-enum-varnames": set.names,
            "description": format!("{said}\n\nValues: {}.", names.join(", ")),
        });
        if let Some(format) = schema.get("format") {
            component["format"] = format.clone();
        }
        component
    });
    assert_eq!(
        (&component["format"], &component["type"]),
        (&schema["format"], &schema["type"]),
        "{place}.{}: the fields of {} differ in type",
        set.field,
        set.component
    );
    // a field that says more than the set's first one keeps its words, under its name
    let described = component["description"].as_str().unwrap_or_default();
    if !said.is_empty() && !described.contains(&said) {
        let more = format!("{described}\n\n`{place}` `{}`: {said}", set.field);
        component["description"] = more.into();
    }
    // OpenAPI 3.0 ignores what stands beside a `$ref` (and the linters refuse it): the field is
    // the reference alone
    *schema = serde_json::json!({ "$ref": format!("#/components/schemas/{}", set.component) });
}
