//! POST /group/invite of 500 users in-process (issue 12, item 7): `cargo bench --bench invite`
//! (add `--profile dev` for a quick debug-build comparison). Runs on SQLite in memory, or on
//! PostgreSQL when BENCH_DATABASE_URL is set. Each round invites 500 other users of a 20,000-user
//! app into a fresh private group (as benches/http does); it prints the median and, for one
//! round, the time of each statement as sea-orm saw it (the commit excluded). It reports; it
//! does not fail.
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imserver::clock::SystemClock;
use imserver::config::Settings;
use imserver::domain::groups::{invites as group_invites, lifecycle as groups};
use imserver::domain::identity::apps;
use imserver::domain::identity::auth::{Caller, TokenKind};
use imserver::state::{AppState, State};
use sea_orm::{ConnectionTrait, DatabaseConnection};

const USERS: usize = 20_000;
const INVITEES: usize = 500;
const ROUNDS: usize = 25;

/// The pool, and on PostgreSQL a second pool of one connection on the same (new) schema for the
/// round shown statement by statement (with BENCH_PG_LOG=1 that connection also has the server
/// log the duration of each parse, bind and execute: `log_min_duration_statement = 0`,
/// superuser), and the schema's name (dropped at the end).
async fn open() -> (DatabaseConnection, Option<(DatabaseConnection, String)>) {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("imbench_{}", imserver::crypto::new_id(8));
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("postgres");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("schema");
            let db = imserver::boot::connect(&url, 4, Some(&schema))
                .await
                .expect("postgres schema");
            let detail = imserver::db::open_pool(&url, 1, Some(&schema))
                .await
                .expect("postgres detail");
            if std::env::var("BENCH_PG_LOG").is_ok_and(|v| v == "1") {
                detail
                    .execute_unprepared("SET log_min_duration_statement = 0")
                    .await
                    .expect("log");
                println!("schema {schema}: the detailed round is in the server log");
            }
            (db, Some((detail, schema)))
        }
        _ => (
            imserver::boot::connect("sqlite::memory:", 1, None)
                .await
                .expect("sqlite"),
            None,
        ),
    }
}

async fn fresh_group(st: &State, caller: &Caller, k: usize) -> i64 {
    let new = groups::NewGroup {
        name: Some(format!("bench-invite-{k}")),
        avatar: None,
        description: None,
        r#type: Some(0),
        user_list: vec![],
    };
    groups::create(st, caller, new)
        .await
        .expect("group")
        .group
        .id
}

#[tokio::main]
async fn main() {
    let (db, detail) = open().await;
    let pg = detail.is_some();
    let backend = if pg { "PostgreSQL" } else { "SQLite (memory)" };
    let st: State = Arc::new(AppState::new(
        db,
        Settings::for_tests(),
        Arc::new(SystemClock),
    ));
    let app = apps::create_app(&st, "bench", None).await.expect("app");
    let owner = common::users(&st, &app.app_id, "owner", 1, |_| false).await[0];
    let caller = Caller {
        app_id: app.app_id.clone(),
        kind: TokenKind::User {
            user_id: owner,
            device_sn: 1,
        },
        as_user: Some(owner),
        as_group: None,
        user: None,
    };
    let crowd = common::users(&st, &app.app_id, "u", USERS, |u| u % 10 == 0).await;
    if pg {
        st.db.execute_unprepared("ANALYZE").await.expect("analyze");
    }
    // one statement log, for the round shown in detail
    let log: Arc<Mutex<Vec<(Duration, String)>>> = Arc::default();
    let mut traced = detail
        .as_ref()
        .map_or_else(|| st.db.clone(), |(d, _)| d.clone());
    let sink = log.clone();
    traced.set_metric_callback(move |info| {
        let sql = info.statement.sql.chars().take(110).collect::<String>();
        let params = info.statement.values.as_ref().map_or(0, |v| v.0.len());
        sink.lock()
            .unwrap()
            .push((info.elapsed, format!("[{params:>4} params] {sql}")));
    });
    let traced_state: State = Arc::new(st.with_db(traced));
    let mut times = Vec::with_capacity(ROUNDS);
    for k in 0..ROUNDS {
        let gid = fresh_group(&st, &caller, k).await;
        let list = &crowd[(k * INVITEES) % USERS..][..INVITEES];
        // the round before the one shown runs on the same connection, to prepare its statements
        let detail = k + 1 == ROUNDS / 2 || k == ROUNDS / 2;
        if k == ROUNDS / 2 {
            log.lock().unwrap().clear();
        }
        let run = if detail { &traced_state } else { &st };
        let t = Instant::now();
        let outcome = group_invites::invite(run, &caller, gid, list, None)
            .await
            .expect("invite");
        let took = t.elapsed();
        assert!(outcome.iter().all(|o| o.success), "an invitee failed");
        times.push(took);
    }
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "invite of {INVITEES} users on {backend} ({ROUNDS} rounds, 10% pending invitations): median {:.1} ms, min {:.1}, max {:.1}",
        ms(&sorted[ROUNDS / 2]),
        ms(&sorted[0]),
        ms(&sorted[ROUNDS - 1])
    );
    println!(
        "statements of round {} ({:.1} ms in all):",
        ROUNDS / 2,
        ms(&times[ROUNDS / 2])
    );
    {
        let log = log.lock().unwrap();
        for (d, s) in log.iter() {
            println!("  {:>8.2} ms  {s}", ms(d));
        }
        println!(
            "  {:>8.2} ms  in {} statements",
            log.iter().map(|(d, _)| ms(d)).sum::<f64>(),
            log.len()
        );
    }
    if let Some((_, schema)) = detail {
        st.db
            .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .expect("drop schema");
    }
}
