//! Each user's notice log (issue 22, item 2): the events that concern a user are written to its
//! log inside the changing transaction, numbered 1, 2, 3, ... per user; nothing of a change that
//! failed.
use crate::common;

use common::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// (seq, event type) of a user's log, in order.
async fn log_of(app: &TestApp, user: i64) -> Vec<(i64, String)> {
    let backend = app.state.db.get_database_backend();
    app.state
        .db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT seq, event FROM notices WHERE user_id = {user} ORDER BY seq"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let event: String = r.try_get("", "event").unwrap();
            let event: Value = serde_json::from_str(&event).unwrap();
            (
                r.try_get::<i64>("", "seq").unwrap(),
                event["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn types(log: &[(i64, String)]) -> Vec<&str> {
    log.iter().map(|(_, t)| t.as_str()).collect()
}

db_test!(
    notices_reach_the_users_they_concern,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        let (c, _) = app.user("carol").await;
        app.put("/user/authmode")
            .token(&tb)
            .query("value", 1)
            .send()
            .await
            .ok();
        // a friend request reaches its target; the answer reaches the applicant
        app.post("/roster/apply")
            .token(&ta)
            .json(json!({"user_id": b}))
            .send()
            .await
            .ok();
        assert_eq!(types(&log_of(&app, b).await), ["friend_requested"]);
        app.put("/roster/accept")
            .token(&tb)
            .query("user_id", a)
            .send()
            .await
            .ok();
        assert!(types(&log_of(&app, a).await).contains(&"friend_request_accepted"));
        // a group: members joining reach them and the owner; a change of the group every member
        let gid = app.new_group(&ta, &[b]).await;
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [c]}))
            .send()
            .await
            .ok();
        assert_eq!(types(&log_of(&app, c).await), ["members_joined"]);
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"group_id": gid, "value": "renamed"}))
            .send()
            .await
            .ok();
        let carol = log_of(&app, c).await;
        assert_eq!(types(&carol), ["members_joined", "group_info_updated"]);
        // numbered 1, 2, ... per user, without gaps
        let seqs: Vec<i64> = carol.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (1..=carol.len() as i64).collect::<Vec<_>>());
        let bob = log_of(&app, b).await;
        let seqs: Vec<i64> = bob.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (1..=bob.len() as i64).collect::<Vec<_>>());
        // a refused change writes nothing
        let before = log_of(&app, c).await.len();
        app.post("/group/kick")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [c]}))
            .send()
            .await
            .err(20012);
        assert_eq!(log_of(&app, c).await.len(), before);
        // a kick reaches the kicked user
        app.post("/group/kick")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [c]}))
            .send()
            .await
            .ok();
        assert_eq!(log_of(&app, c).await.last().unwrap().1, "members_kicked");
    }
);
