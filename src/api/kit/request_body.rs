//! The request body, around the whole application (one place for every route):
//!
//! - it must arrive within the body timeout (`--body-timeout-secs`), counted from when its head
//!   was read; a body reader that waits longer gets a `TimedOut` error (JsonBody answers 10002);
//! - a body the handler left unread (a POST refused before its body is read: a bad token, an
//!   unknown app, an unknown route) is drained, at most [`DRAIN_LIMIT`] bytes within the same
//!   deadline, so the next request on a keep-alive connection starts at its first byte;
//! - a body that cannot be drained (larger, late, broken, or sent only after `100 Continue`)
//!   answers with `connection: close`, and the connection closes after the answer.
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::{HeaderValue, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The most of an unread body that is read and discarded to keep the connection.
pub const DRAIN_LIMIT: u64 = 64 * 1024;

type Reader = Box<dyn AsyncRead + Send + Unpin>;

/// True when the request announces a body (a length above 0, or chunked).
fn has_body(req: &Request) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) != Some(0))
}

pub async fn guard<E: Endpoint>(
    next: E,
    mut req: Request,
    timeout: Duration,
) -> poem::Result<Response> {
    if !has_body(&req) {
        return Ok(next
            .call(req)
            .await
            .map(IntoResponse::into_response)
            .unwrap_or_else(|e| e.into_response()));
    }
    let deadline = Instant::now() + timeout;
    let expects_continue = req.headers().contains_key(header::EXPECT);
    let announced = req
        .header(header::CONTENT_LENGTH)
        .and_then(|v| v.trim().parse::<u64>().ok());
    // The handler reads the body through `Deadlined`; what it leaves stays in `rest`.
    let rest: Arc<Mutex<Option<Reader>>> = Arc::new(Mutex::new(Some(Box::new(
        req.take_body().into_async_read(),
    ))));
    req.set_body(Body::from_async_read(Deadlined {
        rest: rest.clone(),
        deadline: Box::pin(tokio::time::sleep_until(deadline)),
        timeout,
    }));
    let mut resp = next
        .call(req)
        .await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| e.into_response());
    let unread = rest.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(mut unread) = unread {
        // Draining would first send `100 Continue` for a body the client has held back.
        let drainable = !expects_continue && announced.is_none_or(|n| n <= DRAIN_LIMIT);
        if !drainable || !drain(&mut unread, deadline).await {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
    Ok(resp)
}

/// Read and discard the rest of a body: true when it ended within the limit and the deadline.
async fn drain(body: &mut Reader, deadline: Instant) -> bool {
    let mut sink = tokio::io::sink();
    let mut limited = body.take(DRAIN_LIMIT + 1);
    match tokio::time::timeout_at(deadline, tokio::io::copy(&mut limited, &mut sink)).await {
        Ok(Ok(n)) => n <= DRAIN_LIMIT,
        _ => false,
    }
}

/// The body as the handler sees it: the client's bytes until the deadline, then `TimedOut`.
/// Reaching the end empties `rest` (nothing left to drain); an error leaves it, so the answer
/// closes the connection.
struct Deadlined {
    rest: Arc<Mutex<Option<Reader>>>,
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
}

impl AsyncRead for Deadlined {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let mut rest = this.rest.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(reader) = rest.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let before = buf.filled().len();
        match Pin::new(reader).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before => {
                *rest = None;
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.deadline.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the request body did not arrive within {} s",
                        this.timeout.as_secs_f64()
                    ),
                )))
            }
            other => other,
        }
    }
}
