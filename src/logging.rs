//! Structured logs with a request id per request. Headers and bodies are never logged, so
//! passwords and tokens never reach the log.
use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response, Result};
use tracing::Instrument;

const REQUEST_ID: &str = "x-request-id";

/// Install the log subscriber. Lines are written to stderr by a background thread (the request
/// workers only queue them); keep the answered guard alive for the life of the process: when it
/// is dropped, the lines still queued are written out.
pub fn init(filter: &str, format: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr (stdout carries what a command prints: the first-start banner, app
    // tokens, spec paths); colours only on a terminal, and never with NO_COLOR set.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    // Not lossy: when the queue (128,000 lines) is full, a worker waits rather than drop a line.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer)
        .with_ansi(colour);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    guard
}

/// Around every request: take or make its id, log method, path, status and duration.
pub async fn request_log<E: Endpoint>(next: E, mut req: Request) -> Result<Response> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| crate::crypto::new_id(16));
    if let Ok(v) = id.parse() {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    async move {
        let started = Instant::now();
        let mut resp = match next.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        if let Ok(v) = id.parse() {
            resp.headers_mut().insert(REQUEST_ID, v);
        }
        tracing::info!(
            status = resp.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "served"
        );
        Ok(resp)
    }
    .instrument(span)
    .await
}
