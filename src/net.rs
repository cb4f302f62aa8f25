//! Connection hygiene below HTTP: the acceptor the server runs on. poem's only knob is an idle
//! timeout that any byte resets (a byte every 10 s keeps a socket forever) and hyper's header
//! timeout is not reachable through poem, so every accepted socket is wrapped in [`Guarded`],
//! which enforces deadlines by the phase of the connection:
//!
//! - **waiting** for a request: a fresh connection must send the first byte of its first request
//!   within the header timeout; after an answer, the next request must start within the idle
//!   timeout (keep-alive). Bytes do not extend these deadlines, they end the phase.
//! - **head**: from the first byte of a request, its whole head (request line and headers, up to
//!   the empty line) must arrive within the header timeout, however the bytes trickle.
//! - **service**: the head is complete; the body's deadline is kept by the service
//!   (`api::kit::request_body`, body timeout) and a handler may run as long as it needs, so no read
//!   deadline applies. The first byte the server writes ends the phase: waiting again.
//!
//! A write that makes no progress within the idle timeout (a client that does not read its
//! answers) ends the connection too. An expired deadline surfaces as a `TimedOut` error from the
//! socket, which makes hyper drop the connection.
//!
//! The number of open connections is capped: the acceptor takes a semaphore permit before it
//! accepts, and each connection holds its permit until it closes. At the cap, new connections
//! wait in the kernel's accept queue (they are not refused) until a connection closes.
//!
//! - **upgraded**: the server answered `101 Switching Protocols` (a WebSocket): none of these
//!   deadlines apply any more; the WebSocket keeps its own (pings, idle close).
//!
//! HTTP/2 without TLS ("prior knowledge", `PRI * HTTP/2.0`) multiplexes requests on one socket,
//! where these deadlines cannot see request boundaries: such connections are closed at once.
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::config::Config;

/// The connection limits (flags `--header-timeout-secs`, `--idle-timeout-secs`,
/// `--max-connections`; the body timeout lives in `Settings`, the service enforces it).
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    pub fn from_config(c: &Config) -> Self {
        Limits {
            header_timeout: Duration::from_secs(c.header_timeout_secs),
            idle_timeout: Duration::from_secs(c.idle_timeout_secs),
            max_connections: c.max_connections,
        }
    }
}

/// Bind `addr` and wrap its acceptor with the limits (bound now, so the caller knows the port).
pub async fn bind(addr: &str, limits: Limits) -> io::Result<GuardedAcceptor<TcpAcceptor>> {
    Ok(GuardedAcceptor::new(
        TcpListener::bind(addr.to_owned()).into_acceptor().await?,
        limits,
    ))
}

/// An acceptor whose connections hold a permit of the connection cap and keep the deadlines.
pub struct GuardedAcceptor<A> {
    inner: A,
    limits: Limits,
    slots: Arc<Semaphore>,
    open: Arc<AtomicUsize>,
}

impl<A> GuardedAcceptor<A> {
    pub fn new(inner: A, limits: Limits) -> Self {
        let slots = Arc::new(Semaphore::new(
            limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
        ));
        GuardedAcceptor {
            inner,
            limits,
            slots,
            open: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl<A: Acceptor> Acceptor for GuardedAcceptor<A> {
    type Io = Guarded<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        // Never closed, so acquiring only waits; at the cap, connections queue in the kernel.
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        loop {
            match self.inner.accept().await {
                Ok((io, local, remote, scheme)) => {
                    let slot = Slot::new(permit, self.open.clone());
                    return Ok((Guarded::new(io, &self.limits, slot), local, remote, scheme));
                }
                // poem retries a failed accept at once; out of file descriptors that would spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// A connection's share of the cap; dropping it (the connection closed) frees the permit.
struct Slot {
    _permit: OwnedSemaphorePermit,
    open: Arc<AtomicUsize>,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, open: Arc<AtomicUsize>) -> Self {
        crate::memory::connection_opened(open.fetch_add(1, Ordering::Relaxed) + 1);
        crate::metrics::global().connections_open.inc();
        Slot {
            _permit: permit,
            open,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        crate::memory::connection_closed(self.open.fetch_sub(1, Ordering::Relaxed) - 1);
        crate::metrics::global().connections_open.dec();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Waiting,
    Head,
    Service,
    /// The server answered `101 Switching Protocols` (a WebSocket): the socket is no longer HTTP,
    /// and its deadlines are the protocol's own (pings, idle close).
    Upgraded,
}

/// A socket with the deadlines of the module documentation.
pub struct Guarded<T> {
    io: T,
    header_timeout: Duration,
    idle_timeout: Duration,
    phase: Phase,
    /// The deadline of the current phase (not polled in the service phase).
    deadline: Pin<Box<Sleep>>,
    /// End-of-head scanner: the current line holds only `\r` so far / the head holds text.
    line_empty: bool,
    head_has_text: bool,
    /// The first bytes of the connection, to recognise the HTTP/2 preface.
    first: [u8; 4],
    first_len: usize,
    _slot: Slot,
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_owned())
}

impl<T> Guarded<T> {
    fn new(io: T, limits: &Limits, slot: Slot) -> Self {
        Guarded {
            io,
            header_timeout: limits.header_timeout,
            idle_timeout: limits.idle_timeout,
            phase: Phase::Waiting,
            deadline: Box::pin(tokio::time::sleep(limits.header_timeout)),
            line_empty: true,
            head_has_text: false,
            first: [0; 4],
            first_len: 0,
            _slot: slot,
        }
    }

    /// Start the phase's deadline. It is polled at once, so that its expiry wakes the
    /// connection's task even when hyper polls nothing else first (after an answer, hyper may
    /// already have polled the read side for this turn).
    fn arm(&mut self, after: Duration, cx: &mut Context<'_>) {
        self.deadline.as_mut().reset(Instant::now() + after);
        let _ = self.deadline.as_mut().poll(cx);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }

    /// Bytes arrived from the client: start a request's head, or find where it ends.
    fn received(&mut self, bytes: &[u8], cx: &mut Context<'_>) -> io::Result<()> {
        if self.first_len < self.first.len() {
            let n = bytes.len().min(self.first.len() - self.first_len);
            self.first[self.first_len..self.first_len + n].copy_from_slice(&bytes[..n]);
            self.first_len += n;
            if self.first_len == 4 && &self.first == b"PRI " {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "HTTP/2 without TLS is not served",
                ));
            }
        }
        if self.phase == Phase::Upgraded {
            return Ok(());
        }
        if self.phase == Phase::Waiting {
            self.phase = Phase::Head;
            self.line_empty = true;
            self.head_has_text = false;
            self.arm(self.header_timeout, cx);
        }
        if self.phase != Phase::Head {
            return Ok(());
        }
        // The head ends with an empty line (CRLF CRLF, or bare LFs, which hyper accepts too).
        for &b in bytes {
            match b {
                b'\n' if self.line_empty && self.head_has_text => {
                    // Whatever follows is body (or a pipelined request): the service's business.
                    self.phase = Phase::Service;
                    return Ok(());
                }
                b'\n' => self.line_empty = true,
                b'\r' => {}
                _ => {
                    self.line_empty = false;
                    self.head_has_text = true;
                }
            }
        }
        Ok(())
    }

    /// The server writes: the request is being answered, the connection waits for the next one.
    fn answering(&mut self, buf: &[u8], cx: &mut Context<'_>) {
        // An interim `100 Continue` asks for the body: the request is still being read.
        if buf.starts_with(b"HTTP/1.1 100 ") || self.phase == Phase::Upgraded {
            return;
        }
        if buf.starts_with(b"HTTP/1.1 101 ") {
            self.phase = Phase::Upgraded;
            return;
        }
        self.phase = Phase::Waiting;
        self.arm(self.idle_timeout, cx);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                Poll::Ready(if new.is_empty() {
                    Ok(())
                } else {
                    this.received(new, cx)
                })
            }
            Poll::Pending
                if !matches!(this.phase, Phase::Service | Phase::Upgraded) && this.expired(cx) =>
            {
                Poll::Ready(Err(timed_out(if this.phase == Phase::Head {
                    "request head not received in time"
                } else {
                    "connection idle"
                })))
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> Guarded<T> {
    /// A write or flush that is not ready: fail once it has stalled past the idle timeout.
    fn stalled<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match polled {
            Poll::Pending if self.phase == Phase::Waiting && self.expired(cx) => {
                Poll::Ready(Err(timed_out("client not reading its answer")))
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        match polled {
            Poll::Ready(Ok(n)) if n > 0 => {
                this.answering(buf, cx);
                Poll::Ready(Ok(n))
            }
            Poll::Pending if !matches!(this.phase, Phase::Waiting | Phase::Upgraded) => {
                // The first write of an answer: its stall deadline starts now.
                this.answering(buf, cx);
                this.stalled(cx, Poll::Pending)
            }
            other => this.stalled(cx, other),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        this.stalled(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
