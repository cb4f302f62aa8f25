//! What the router answers outside the operations, in the envelope like everything else:
//! an unknown path is HTTP 404 with code 404, a known path with a method it does not take is
//! HTTP 405 with code 405 and an `Allow` header listing the methods it takes. A query parameter
//! holding U+0000 (`%00`) is refused with 10002 naming it, once for every operation, before any
//! handler (PostgreSQL text cannot store it).
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OpenApi;

use crate::api::kit::envelope::envelope;
use crate::error::ApiError;

/// The methods of every documented path (from the spec's own metadata).
#[derive(Clone, Default)]
pub struct Allowed(Arc<HashMap<String, String>>);

impl Allowed {
    pub fn of<T: OpenApi>() -> Self {
        let mut paths: HashMap<String, BTreeSet<String>> = HashMap::new();
        for api in T::meta() {
            for path in api.paths {
                let methods = paths.entry(path.path.to_string()).or_default();
                for op in path.operations {
                    methods.insert(op.method.to_string());
                    if op.method == Method::GET {
                        methods.insert("HEAD".into());
                    }
                }
            }
        }
        let joined = paths
            .into_iter()
            .map(|(p, m)| (p, m.into_iter().collect::<Vec<_>>().join(", ")))
            .collect();
        Allowed(Arc::new(joined))
    }

    fn get(&self, path: &str) -> Option<&str> {
        self.0.get(path).map(String::as_str)
    }
}

/// The name of the first query parameter whose (percent-decoded) name or value holds U+0000.
fn nul_query_param(query: &str) -> Option<String> {
    // ("%00" has no letters: no case folding needed, nothing allocated on the common path)
    query
        .split('&')
        .find(|pair| pair.contains("%00"))
        .map(|pair| {
            let raw = pair.split('=').next().unwrap_or_default();
            percent_decode(raw).replace('\0', "\\u0000")
        })
}

/// The name of the first id parameter whose integer value lies beyond 2^53 - 1 either way.
fn id_out_of_range(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = percent_decode(name);
        let n: i128 = percent_decode(value).trim().parse().ok()?;
        (crate::api::kit::spec::id_field(&name)
            && n.abs() > i128::from(crate::api::kit::spec::MAX_ID))
        .then_some(name)
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| {
                s.get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .flatten();
        match (hex, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Around the whole application (inside the request log).
pub async fn fallbacks<E: Endpoint>(
    next: E,
    req: Request,
    allowed: Allowed,
) -> poem::Result<Response> {
    if let Some(param) = req.uri().query().and_then(nul_query_param) {
        let err = ApiError::bad(format!("query parameter `{param}` must not contain U+0000"));
        return Ok(envelope(StatusCode::OK, err.code(), err.to_string()));
    }
    // (on an operation that exists: an unknown route or method keeps its 404 / 405)
    let routed = allowed
        .get(req.uri().path())
        .is_some_and(|methods| methods.split(", ").any(|m| m == req.method().as_str()));
    if let Some(param) = req
        .uri()
        .query()
        .filter(|_| routed)
        .and_then(id_out_of_range)
    {
        let err = ApiError::bad(format!(
            "parameter `{param}` {}",
            crate::api::kit::spec::ID_BOUND
        ));
        return Ok(envelope(StatusCode::OK, err.code(), err.to_string()));
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    Ok(match resp.status() {
        StatusCode::NOT_FOUND if !is_envelope(&resp) => envelope(
            StatusCode::NOT_FOUND,
            404,
            format!("no such route: {method} {path}"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = allowed.get(&path).map(str::to_owned).or_else(|| {
                resp.headers()
                    .get(header::ALLOW)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            });
            let mut reply = envelope(
                StatusCode::METHOD_NOT_ALLOWED,
                405,
                format!(
                    "method {method} not allowed on {path}{}",
                    allow
                        .as_deref()
                        .map(|a| format!(" (allowed: {a})"))
                        .unwrap_or_default()
                ),
            );
            if let Some(v) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
                reply.headers_mut().insert(header::ALLOW, v);
            }
            reply
        }
        _ => resp,
    })
}

fn is_envelope(resp: &Response) -> bool {
    resp.content_type()
        .is_some_and(|ct| ct.starts_with("application/json"))
}
