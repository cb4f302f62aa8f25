//! The friend list at scale (issue 16), run by `make bench` after membership: GET /roster/list's
//! domain call for a user with 5,000 friends, its first page and a middle page at the default
//! limit (1000, what the original SDK reads) and at 50, against a user with 10 friends. The
//! friendships are made through /roster/apply/batch's domain call (10 batches of 500, each one
//! transaction), which is timed too. SQLite in memory, or PostgreSQL when BENCH_DATABASE_URL
//! is set. It reports; it does not fail (but on wrong answers).
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use imserver::clock::SystemClock;
use imserver::config::Settings;
use imserver::domain::common::paging::{PageRequest, ROSTER_LIST_DEFAULT};
use imserver::domain::identity::apps;
use imserver::domain::identity::auth::{Caller, TokenKind};
use imserver::domain::roster::apply::ApplyItem;
use imserver::domain::roster::{apply as roster_apply, items as roster};
use imserver::state::{AppState, State};
use sea_orm::ConnectionTrait;

const FRIENDS: usize = 5_000;
const FEW: usize = 10;
const BATCH: usize = 500;
const ROUNDS: usize = 200;

/// The bench's database, and on PostgreSQL its schema and the connection that drops it at the end.
async fn open() -> (State, Option<(sea_orm::DatabaseConnection, String)>) {
    let (db, scratch) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("imbench_{}", imserver::crypto::new_id(8));
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("postgres");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("schema");
            (
                imserver::boot::connect(&url, 4, Some(&schema))
                    .await
                    .expect("postgres schema"),
                Some((admin, schema)),
            )
        }
        _ => (
            imserver::boot::connect("sqlite::memory:", 1, None)
                .await
                .expect("sqlite"),
            None,
        ),
    };
    (
        Arc::new(AppState::new(
            db,
            Settings::for_tests(),
            Arc::new(SystemClock),
        )),
        scratch,
    )
}

fn caller(app_id: &str, user_id: i64) -> Caller {
    Caller {
        app_id: app_id.to_owned(),
        kind: TokenKind::User {
            user_id,
            device_sn: 1,
        },
        as_user: Some(user_id),
        as_group: None,
        user: None,
    }
}

/// Befriend `me` with `others` in batches of BATCH; answers the mean time of a batch in ms.
async fn befriend(st: &State, me: &Caller, others: &[i64]) -> f64 {
    let t = Instant::now();
    for chunk in others.chunks(BATCH) {
        let items = chunk
            .iter()
            .map(|&u| ApplyItem {
                user_id: u,
                alias: None,
                reason: None,
                auth_answer: None,
            })
            .collect();
        let outcomes = roster_apply::apply_batch(st, me, items)
            .await
            .expect("apply/batch");
        assert!(
            outcomes.iter().all(|(_, o)| o.is_ok()),
            "every application of the batch succeeds"
        );
    }
    t.elapsed().as_secs_f64() * 1000.0 / others.len().div_ceil(BATCH) as f64
}

/// (p50, p99) in µs of ROUNDS calls of GET /roster/list's page.
async fn page_times(st: &State, me: &Caller, after: Option<i64>, limit: u64) -> (f64, f64) {
    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let page = roster::friend_ids(st, me, PageRequest { after, limit })
            .await
            .expect("roster/list");
        times.push(t.elapsed());
        assert!(!page.items.is_empty() && page.items.len() as u64 <= limit);
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    (us(times[ROUNDS / 2]), us(times[ROUNDS * 99 / 100]))
}

/// The cursor key after half the friends of `me`.
async fn middle(st: &State, me: &Caller, friends: usize) -> Option<i64> {
    let page = roster::friend_ids(
        st,
        me,
        PageRequest {
            after: None,
            limit: (friends / 2) as u64,
        },
    )
    .await
    .expect("half");
    page.cursor.as_deref().and_then(PageRequest::decode_cursor)
}

#[tokio::main]
async fn main() {
    let (st, scratch) = open().await;
    let backend = if std::env::var("BENCH_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "PostgreSQL"
    } else {
        "SQLite (memory)"
    };
    let app = apps::create_app(&st, "bench", None).await.expect("app");
    let owners = common::users(&st, &app.app_id, "owner", 2, |_| false).await;
    let (popular, modest) = (
        caller(&app.app_id, owners[0]),
        caller(&app.app_id, owners[1]),
    );
    let crowd = common::users(&st, &app.app_id, "f", FRIENDS, |_| false).await;
    let per_batch = befriend(&st, &popular, &crowd).await;
    befriend(&st, &modest, &crowd[..FEW]).await;
    println!(
        "roster benchmark on {backend}: apply/batch of {BATCH} (friends at once): {per_batch:.1} ms per batch"
    );
    println!(
        "{:<52} {:>10} {:>10}",
        "GET /roster/list", "p50 µs", "p99 µs"
    );
    let mid = middle(&st, &popular, FRIENDS).await;
    for limit in [ROSTER_LIST_DEFAULT, 50] {
        let rows = [
            (
                format!("first page, {FEW} friends, limit {limit}"),
                page_times(&st, &modest, None, limit).await,
            ),
            (
                format!("first page, {FRIENDS} friends, limit {limit}"),
                page_times(&st, &popular, None, limit).await,
            ),
            (
                format!("middle page, {FRIENDS} friends, limit {limit}"),
                page_times(&st, &popular, mid, limit).await,
            ),
        ];
        for (name, (p50, p99)) in &rows {
            println!("{name:<52} {p50:>10.0} {p99:>10.0}");
        }
    }
    if let Some((admin, schema)) = scratch {
        st.db.clone().close().await.ok();
        admin
            .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .expect("drop schema");
    }
}
