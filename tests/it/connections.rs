//! Connection hygiene (issue 11): the real server stack (our acceptor around
//! `imserver::api::app`) on 127.0.0.1:0 with short limits, driven by raw sockets. Each test waits
//! for what the server does with an upper bound; a close is also checked not to come before its
//! deadline, so it is the deadline that closed the socket.
use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imserver::config::Settings;
use imserver::crypto::PasswordParams;
use imserver::domain::identity::apps;
use imserver::net::{self, Limits};
use imserver::state::AppState;
use poem::Server;
use poem::listener::Acceptor;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER: Duration = Duration::from_millis(400);
const BODY: Duration = Duration::from_millis(400);
const IDLE: Duration = Duration::from_millis(400);
/// Scheduling slack on a loaded machine: a close must come within its timeout plus this.
const SLACK: Duration = Duration::from_secs(3);

struct Running {
    addr: SocketAddr,
    app_id: String,
}

async fn start(max_connections: usize) -> Running {
    let limits = Limits {
        header_timeout: HEADER,
        idle_timeout: IDLE,
        max_connections,
    };
    start_with(
        limits,
        Settings {
            body_timeout: BODY,
            ..Settings::for_tests()
        },
    )
    .await
}

async fn start_with(limits: Limits, settings: Settings) -> Running {
    let (base, _) = common::empty_state(&common::Backend::Sqlite).await;
    let state = Arc::new(AppState::new(base.db.clone(), settings, base.clock.clone()));
    let app = apps::create_app(&state, "conn", None).await.expect("app");
    let acceptor = net::bind("127.0.0.1:0", limits).await.expect("bind");
    let addr = *acceptor.local_addr()[0].as_socket_addr().expect("tcp");
    tokio::spawn(Server::new_with_acceptor(acceptor).run(imserver::api::app(state)));
    Running {
        addr,
        app_id: app.app_id,
    }
}

/// One answer: status, lowercased head, JSON body (None when the socket closed first).
struct Answer {
    status: u16,
    head: String,
    body: Value,
}

/// Read one answer (heads and a content-length body), within `limit`.
async fn answer(s: &mut TcpStream, limit: Duration) -> Option<Answer> {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().expect("length"))
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    let status = head[9..12].parse().expect("status");
                    let body =
                        serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap_or(Value::Null);
                    return Some(Answer { status, head, body });
                }
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read)
        .await
        .expect("no answer in time")
}

/// Wait until the server closes the socket (EOF or reset), at most `limit`; answers the wait.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let wait = async {
        let mut chunk = [0u8; 1024];
        while let Ok(n) = s.read(&mut chunk).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(limit, wait)
        .await
        .expect("the server did not close the socket in time");
    started.elapsed()
}

fn get_health() -> &'static [u8] {
    b"GET /health HTTP/1.1\r\nhost: test\r\n\r\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_headers_are_closed_at_the_header_timeout() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let started = Instant::now();
    s.write_all(b"GET /health HTTP/1.1\r\nhost: test\r\n")
        .await
        .unwrap();
    closed_within(&mut s, HEADER + SLACK).await;
    assert!(
        started.elapsed() >= HEADER - Duration::from_millis(50),
        "closed before the header timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let waited = closed_within(&mut s, HEADER + SLACK).await;
    assert!(
        waited >= HEADER - Duration::from_millis(50),
        "closed before the header timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_trickle_does_not_keep_the_socket_alive() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nx-slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    // One byte every 50 ms: each byte would reset an idle timer; the head deadline does not move.
    let mut chunk = [0u8; 64];
    let closed = loop {
        assert!(
            started.elapsed() < HEADER + SLACK,
            "a trickled head kept the socket open"
        );
        if s.write_all(b"a").await.is_err() {
            break started.elapsed();
        }
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(50), s.read(&mut chunk)).await
        {
            break started.elapsed();
        }
    };
    assert!(closed >= HEADER - Duration::from_millis(50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_serves_two_requests_then_closes_when_idle() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    for _ in 0..2 {
        s.write_all(get_health()).await.unwrap();
        let a = answer(&mut s, SLACK).await.expect("an answer");
        assert_eq!(a.status, 200);
        assert!(!a.head.contains("connection: close"));
    }
    let waited = closed_within(&mut s, IDLE + SLACK).await;
    assert!(
        waited >= IDLE - Duration::from_millis(50),
        "closed before the idle timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_running_longer_than_every_timeout_still_answers() {
    // Expensive password hashing (about 3 s here) makes a registration outlast the head, body
    // and idle timeouts, all 100 ms for this test.
    let short = Duration::from_millis(100);
    let limits = Limits {
        header_timeout: short,
        idle_timeout: short,
        max_connections: 100,
    };
    let password = PasswordParams {
        memory_kib: 64 * 1024,
        iterations: 40,
        parallelism: 1,
    };
    let srv = start_with(
        limits,
        Settings {
            body_timeout: short,
            password,
            ..Settings::for_tests()
        },
    )
    .await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let body = r#"{"username":"slow_user","password":"secret123"}"#;
    let request = format!(
        "POST /user/register/v2 HTTP/1.1\r\nhost: test\r\napp_id: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        srv.app_id,
        body.len()
    );
    let started = Instant::now();
    s.write_all(request.as_bytes()).await.unwrap();
    let a = answer(&mut s, Duration::from_secs(120))
        .await
        .expect("the slow handler's answer");
    assert_eq!(a.body["code"], 200, "{}", a.body);
    let took = started.elapsed();
    assert!(
        took > 3 * short,
        "hashing took only {took:?}: make it slower for this test to mean something"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_cut_off_at_the_body_timeout() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let head = format!(
        "POST /user/register/v2 HTTP/1.1\r\nhost: test\r\napp_id: {}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{{",
        srv.app_id
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut got = None;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // A byte every 50 ms of a 200-byte body (10 s) until the server answers and closes.
    while started.elapsed() < BODY + SLACK {
        if s.write_all(b" ").await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(50), s.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
        if got.is_none() && buf.windows(4).any(|w| w == b"\r\n\r\n") {
            got = Some(started.elapsed());
        }
    }
    let answered = got.expect("an answer to the late body");
    assert!(answered >= BODY - Duration::from_millis(50));
    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    assert!(
        text.contains("\"code\":10002") && text.contains("did not arrive within 0.4 s"),
        "{text}"
    );
    closed_within(&mut s, SLACK).await;
}

/// A POST to an operation that needs a token, with a bad token: refused (10008) before its body
/// is read.
fn refused_post(app_id: &str, body_len: usize) -> String {
    format!(
        "POST /user/avatar HTTP/1.1\r\nhost: test\r\napp_id: {app_id}\r\naccess-token: usr_bogus\r\ncontent-type: application/json\r\ncontent-length: {body_len}\r\n\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_post_keeps_its_connection_usable() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let body = format!("{{\"avatar\":\"{}\"}}", "x".repeat(20_000));
    let (first, second) = body.as_bytes().split_at(1000);
    s.write_all(refused_post(&srv.app_id, body.len()).as_bytes())
        .await
        .unwrap();
    s.write_all(first).await.unwrap();
    // The rest of the body comes later, as from a slow client, after the refusal is decided.
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.write_all(second).await.unwrap();
    let a = answer(&mut s, SLACK).await.expect("the refusal");
    assert_eq!(a.body["code"], 10008, "{}", a.body);
    assert!(!a.head.contains("connection: close"), "{}", a.head);
    s.write_all(get_health()).await.unwrap();
    let b = answer(&mut s, SLACK)
        .await
        .expect("the next request on the same socket is answered");
    assert_eq!(b.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_post_with_a_large_body_closes_its_connection() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(refused_post(&srv.app_id, 1 << 20).as_bytes())
        .await
        .unwrap();
    s.write_all(&[b' '; 1000]).await.unwrap();
    let a = answer(&mut s, SLACK).await.expect("the refusal");
    assert_eq!(a.body["code"], 10008, "{}", a.body);
    assert!(a.head.contains("connection: close"), "{}", a.head);
    closed_within(&mut s, SLACK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_connection_waits_for_a_free_slot() {
    let srv = start(2).await;
    let mut a = TcpStream::connect(srv.addr).await.unwrap();
    let mut b = TcpStream::connect(srv.addr).await.unwrap();
    for s in [&mut a, &mut b] {
        s.write_all(get_health()).await.unwrap();
        assert_eq!(answer(s, SLACK).await.expect("served").status, 200);
    }
    // The third connects (the kernel queues it) but is not served while both slots are taken.
    let mut c = TcpStream::connect(srv.addr).await.unwrap();
    c.write_all(get_health()).await.unwrap();
    let mut one = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(200), c.read(&mut one))
            .await
            .is_err(),
        "a third connection was served past the cap of 2"
    );
    drop(a);
    assert_eq!(
        answer(&mut c, SLACK)
            .await
            .expect("served once a slot is free")
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_without_tls_is_closed_at_once() {
    let srv = start(100).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let waited = closed_within(&mut s, SLACK).await;
    assert!(
        waited < HEADER,
        "an HTTP/2 connection waited for a deadline"
    );
}

/// An upgraded connection (`101 Switching Protocols`, a WebSocket) leaves the HTTP phases: its
/// frames are not a request head that never ends, and a quiet socket is not an idle keep-alive
/// connection, so neither the header timeout nor the idle timeout closes it (its deadlines are
/// the WebSocket's own). Here an echo endpoint of the test's own behind the server's acceptor:
/// frames pass well past both timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_connection_outlives_the_http_timeouts() {
    use futures::{SinkExt, StreamExt};
    use poem::web::websocket::{Message, WebSocket};
    use poem::{EndpointExt, IntoResponse, Route, get, handler};
    use tokio_tungstenite::tungstenite::Message as Frame;

    #[handler]
    async fn echo(ws: WebSocket) -> impl IntoResponse {
        ws.on_upgrade(|mut socket| async move {
            while let Some(Ok(Message::Text(text))) = socket.next().await {
                if socket.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        })
    }

    let limits = Limits {
        header_timeout: HEADER,
        idle_timeout: IDLE,
        max_connections: 8,
    };
    let acceptor = net::bind("127.0.0.1:0", limits).await.expect("bind");
    let addr = *acceptor.local_addr()[0].as_socket_addr().expect("tcp");
    let app = Route::new().at("/echo", get(echo)).map_to_response();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/echo"))
        .await
        .expect("upgrade");
    // quiet for longer than the idle and the header timeout together, then frames
    tokio::time::sleep(HEADER + IDLE + Duration::from_millis(200)).await;
    for i in 0..3 {
        socket
            .send(Frame::Text(format!("frame {i}").into()))
            .await
            .expect("send");
        let back = tokio::time::timeout(SLACK, socket.next())
            .await
            .expect("an answer in time")
            .expect("open")
            .expect("a frame");
        assert_eq!(back, Frame::Text(format!("frame {i}").into()));
        tokio::time::sleep(HEADER).await;
    }
}
