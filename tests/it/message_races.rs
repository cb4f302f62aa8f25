//! Races of the message store (issue 22, item 7), on two instances of the server over one
//! database (each its own state and caches, as two processes): many senders into one group
//! keep its sequence gap-free with no msg_id twice and the unread counts exact; a send racing
//! a kick, a block, a disable or the group's destruction is stored before it or refused after
//! it, never stored for a non-member. On PostgreSQL the requests really overlap (its pool);
//! SQLite runs them one at a time, where the same checks hold trivially.
use crate::common;

use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

async fn column(app: &TestApp, sql: &str) -> Vec<i64> {
    let backend = app.state.db.get_database_backend();
    app.state
        .db
        .query_all_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0).unwrap())
        .collect()
}

/// `col` of the messages of group `gid`'s conversation, in sequence order.
async fn of_group(app: &TestApp, col: &str, gid: i64) -> Vec<i64> {
    column(
        app,
        &format!(
            "SELECT {col} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.kind = 2 AND c.low_id = {gid} ORDER BY m.seq"
        ),
    )
    .await
}

fn send<'a>(app: &'a TestApp, token: &'a str, kind: i32, target: i64) -> common::Call<'a> {
    app.post("/message/send")
        .token(token)
        .json(json!({"type": kind, "targets": [target], "content_type": 0, "content": "race"}))
}

db_test!(
    many_senders_into_one_group_from_two_instances,
    |app: TestApp| async move {
        let other = app.second_instance();
        let pg = app.state.db.get_database_backend() == DbBackend::Postgres;
        let (senders, each) = if pg { (8, 12) } else { (3, 4) };
        let (_, to) = app.user("owner").await;
        let mut members = vec![];
        for i in 0..senders {
            members.push(app.user(&format!("sender{i}")).await);
        }
        let ids: Vec<i64> = members.iter().map(|(id, _)| *id).collect();
        let gid = app.new_group(&to, &ids).await;
        let calls = members.iter().enumerate().flat_map(|(i, (_, token))| {
            let instance = if i % 2 == 0 { &app } else { &other };
            (0..each).map(move |_| send(instance, token, 2, gid).send())
        });
        let answers = futures::future::join_all(calls).await;
        let mut msg_ids: Vec<i64> = answers
            .iter()
            .map(|r| {
                assert_eq!(r.ok(), &json!(true));
                r.body["msg_ids"][0].as_i64().unwrap()
            })
            .collect();
        let total = (senders * each) as i64;
        msg_ids.sort_unstable();
        msg_ids.dedup();
        assert_eq!(msg_ids.len() as i64, total, "a msg_id handed out twice");
        let seqs = of_group(&app, "m.seq", gid).await;
        assert_eq!(
            seqs,
            (1..=total).collect::<Vec<_>>(),
            "the sequence has a gap or a repeat"
        );
        // within the conversation, ids rise with the sequence (ids are drawn under its lock)
        let by_seq = of_group(&app, "m.id", gid).await;
        assert!(by_seq.windows(2).all(|w| w[0] < w[1]));
        // unread, exact: the owner read nothing, each sender up to its own last message
        let unread_of = |token: String, instance: &'static str| {
            let app = if instance == "a" { &app } else { &other };
            async move {
                let r = app.get("/message/unread").token(&token).send().await;
                r.ok()
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|u| u["conversation_id"]["uid"] == gid)
                    .map_or(0, |u| u["num"].as_i64().unwrap())
            }
        };
        assert_eq!(unread_of(to.clone(), "b").await, total);
        for (id, token) in &members {
            let last = column(&app, &format!(
            "SELECT MAX(m.seq) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.kind = 2 AND c.low_id = {gid} AND m.from_id = {id}"
        ))
        .await[0];
            assert_eq!(unread_of(token.clone(), "a").await, total - last);
        }
    }
);

/// `race` concurrently with sends of `sender`: every send is answered success (and stored) or
/// `code` (and not stored), and once `race` answered, the sender's sends are refused.
async fn send_against(
    app: &TestApp,
    other: &TestApp,
    sender: &str,
    kind: i32,
    target: i64,
    code: i64,
    race: common::Call<'_>,
) {
    let before = column(app, "SELECT COUNT(*) FROM messages").await[0];
    let sends = futures::future::join_all((0..10).map(|i| {
        let instance = if i % 2 == 0 { app } else { other };
        send(instance, sender, kind, target).send()
    }));
    let (answers, raced) = futures::join!(sends, race.send());
    raced.ok();
    let mut stored = 0;
    for r in &answers {
        match r.code() {
            200 => stored += 1,
            c => assert_eq!(c, code, "{:?}", r.body),
        }
    }
    let after = column(app, "SELECT COUNT(*) FROM messages").await[0];
    assert_eq!(
        after - before,
        stored,
        "a refused send stored something, or a stored one was lost"
    );
    assert_eq!(send(other, sender, kind, target).send().await.code(), code);
}

db_test!(
    a_send_races_a_kick_a_block_a_disable_and_a_destruction,
    |app: TestApp| async move {
        let other = app.second_instance();
        let (owner_id, to) = app.user("owner").await;
        let (k, tk) = app.user("kicked").await;
        let (b, tb) = app.user("blocked").await;
        let (d, td) = app.user("disabled").await;
        let (m, tm) = app.user("member").await;
        let gid = app.new_group(&to, &[k, m]).await;
        let kick = app
            .post("/group/kick")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [k]}));
        send_against(&app, &other, &tk, 2, gid, 20011, kick).await;
        // b messages the owner while the owner blocks b
        let block = other.put("/roster/block").token(&to).query("user_id", b);
        send_against(&app, &other, &tb, 1, owner_id, 60003, block).await;
        let disable = app.put("/user/disable").admin().json(json!({"list": [d]}));
        // a disabled user's token is no longer valid: 10008 for the sends that come after
        let before = column(&app, "SELECT COUNT(*) FROM messages").await[0];
        let sends = futures::future::join_all((0..10).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            send(instance, &td, 1, owner_id).send()
        }));
        let (answers, raced) = futures::join!(sends, disable.send());
        raced.ok();
        let stored = answers.iter().filter(|r| r.code() == 200).count() as i64;
        assert!(
            answers
                .iter()
                .all(|r| [200, 60003, 10008].contains(&r.code()))
        );
        assert_eq!(
            column(&app, "SELECT COUNT(*) FROM messages").await[0] - before,
            stored
        );
        assert_ne!(send(&other, &td, 1, owner_id).send().await.code(), 200);
        let destroy = other
            .delete("/group/destroy")
            .token(&to)
            .query("group_id", gid);
        send_against(&app, &other, &tm, 2, gid, 20001, destroy).await;
    }
);

/// On PostgreSQL, a send that waits for the locks of a kick or a block sees them once they
/// committed: the change is made by hand in a transaction of its own that holds the rows as the
/// server's kick and block do, the send starts and waits, then the change commits: the send is
/// refused (a statement that waited for a lock would read the other tables as they were when it
/// began, so the facts are read after the lock, in statements of their own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_waiting_for_a_kick_or_a_block_sees_it() {
    use sea_orm::TransactionTrait;
    for backend in common::backends() {
        if !matches!(backend, common::Backend::Postgres(_)) {
            continue;
        }
        let app = TestApp::new(&backend).await;
        let (owner, to) = app.user("owner").await;
        let (k, tk) = app.user("kicked").await;
        let gid = app.new_group(&to, &[k]).await;
        let backend_of = app.state.db.get_database_backend();
        // until the send waits for a lock (a condition, not a pause)
        let waiting = || async {
            loop {
                let n = column(
                    &app,
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                     AND datname = current_database()",
                )
                .await[0];
                if n > 0 {
                    break;
                }
                tokio::task::yield_now().await;
            }
        };
        for (kind, target, sender, code, change) in [
            (
                2,
                gid,
                tk.clone(),
                20011,
                vec![
                    format!("SELECT id FROM groups WHERE id = {gid} FOR UPDATE"),
                    format!("DELETE FROM group_members WHERE group_id = {gid} AND user_id = {k}"),
                    format!("UPDATE groups SET count = count - 1 WHERE id = {gid}"),
                ],
            ),
            (
                1,
                owner,
                tk.clone(),
                60003,
                vec![
                    format!(
                        "SELECT id FROM users WHERE id IN ({owner}, {k}) ORDER BY id FOR UPDATE"
                    ),
                    format!(
                        "INSERT INTO roster_blacklist (user_id, blocked_id, created_at) \
                         VALUES ({owner}, {k}, 0)"
                    ),
                ],
            ),
        ] {
            let txn = app.state.db.begin().await.unwrap();
            for sql in change {
                txn.execute_raw(Statement::from_string(backend_of, sql))
                    .await
                    .unwrap();
            }
            let (answer, ()) = futures::join!(send(&app, &sender, kind, target).send(), async {
                waiting().await;
                txn.commit().await.unwrap();
            });
            assert_eq!(answer.code(), code, "{:?}", answer.body);
        }
        let stored = column(
            &app,
            &format!("SELECT COUNT(*) FROM messages WHERE from_id = {k}"),
        )
        .await;
        assert_eq!(stored, [0]);
    }
}
