//! The HTTP surface: a folder per capability (`users`, `roster`, `groups`, and `system`), each
//! declaring its endpoint structs, tags and operation names, over the HTTP kit (`kit`: the
//! envelope, identity headers, bodies, paging, spec conventions); and the assembled service
//! with its spec and Swagger UI.
pub mod groups;
pub mod kit;
pub mod messages;
pub mod roster;
pub mod system;
pub mod users;

use poem::endpoint::make_sync;
use poem::middleware::{AddData, CatchPanic};
use poem::web::{Html, Redirect};
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, get};
use poem_openapi::{ContactObject, LicenseObject, OpenApiService, ServerObject};

use std::sync::OnceLock;

use poem::http::Method;

use crate::state::State;

/// The capabilities, in the order Swagger UI shows their tags. Each names its `Apis` type and
/// `apis(state)`, its `TAGS` and its `OPERATION_NAMES`: a new area is a folder and one name here.
/// (A tuple holds at most 16 APIs: each capability's are a nested tuple.)
macro_rules! capabilities {
    ($($cap:ident),+) => {
        /// Every API of the server, with the identity headers documented on each operation and
        /// the spec conventions (operationIds, nullable references) of `kit::spec`.
        pub type Apis = kit::spec::SpecConventions<($($cap::Apis,)+)>;

        pub fn apis(state: &State) -> Apis {
            kit::spec::SpecConventions(($($cap::apis(state),)+))
        }

        /// The tags in the order the spec lists them and Swagger UI shows them.
        pub fn tag_order() -> Vec<&'static str> {
            [$($cap::TAGS),+].concat()
        }

        /// Every operation's verb name: path, method (`None`: every method of one handler), name.
        pub fn operation_names() -> &'static [(&'static str, Option<Method>, &'static str)] {
            static NAMES: OnceLock<Vec<(&'static str, Option<Method>, &'static str)>> =
                OnceLock::new();
            NAMES.get_or_init(|| [$($cap::OPERATION_NAMES),+].concat())
        }
    };
}

capabilities!(users, roster, groups, messages, system);

fn description() -> String {
    String::from(
        "Self-hosted instant-messaging back office: users, devices, push settings, friends, groups and messages.\n\n\
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
/// document after the JSON pass of `kit::spec::finish`.
fn spec_value(service: &OpenApiService<Apis, ()>) -> serde_json::Value {
    kit::spec::finish(&service.spec(), &tag_order())
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
    let allowed = kit::fallback::Allowed::of::<Apis>();
    let body_timeout = state.settings.body_timeout;
    let routes = std::sync::Arc::new(route_templates(&spec));
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
        .at("/metrics", get(metrics_endpoint))
        .around(redirect_root)
        .around(move |next, req| kit::fallback::fallbacks(next, req, allowed.clone()))
        .with(AddData::new(state))
        .with(CatchPanic::new().with_handler(panic_reply))
        .around(move |next, req| kit::request_body::guard(next, req, body_timeout))
        .around(crate::logging::request_log)
        .around(move |next, req| count_request(next, req, routes.clone()))
        .into_endpoint()
}

/// The paths a request's metrics may name (every route of the API is a fixed path, its
/// parameters in the query or body): the spec's paths and the documents'.
fn route_templates(spec: &serde_json::Value) -> std::collections::HashSet<String> {
    let mut routes: std::collections::HashSet<String> = spec["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for extra in [
        "/",
        "/openapi.json",
        "/openapi.yaml",
        "/swagger/",
        "/metrics",
    ] {
        routes.insert(extra.to_owned());
    }
    routes
}

/// Counts each answered request by route template (`unmatched` for any other path), method and
/// HTTP status, with its time.
async fn count_request<E: Endpoint>(
    next: E,
    req: Request,
    routes: std::sync::Arc<std::collections::HashSet<String>>,
) -> poem::Result<Response> {
    let started = std::time::Instant::now();
    let route = routes
        .get(req.uri().path())
        .map_or("unmatched", String::as_str);
    // the methods the API serves; any other (hyper takes extension methods) is one label
    let method = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    crate::metrics::global().http(route, method, resp.status().as_u16(), started);
    Ok(resp)
}

/// GET /metrics: the Prometheus text format (see crate::metrics). With `--metrics-token` set, it
/// answers 401 without `Authorization: Bearer <that token>`.
#[poem::handler]
fn metrics_endpoint(req: &Request, state: poem::web::Data<&State>) -> Response {
    if let Some(digest) = &state.settings.metrics_token_digest {
        let given = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !crate::crypto::ct_eq(&crate::crypto::sha256_hex(given), digest) {
            return Response::builder()
                .status(poem::http::StatusCode::UNAUTHORIZED)
                .header("www-authenticate", "Bearer")
                .body("the metrics token is required (Authorization: Bearer ...)\n");
        }
    }
    let m = crate::metrics::global();
    let (open, idle) = state.db.pool_use();
    m.db_pool.with_label_values(&["open"]).set(open);
    m.db_pool.with_label_values(&["idle"]).set(idle);
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(m.render())
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
    kit::envelope::envelope(
        poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        err.code(),
        err.to_string(),
    )
}
