//! info/batch, admin_list and user_joined run a constant number of queries, whatever the
//! number of ids, groups or admins.
use crate::common;

use common::TestApp;
use imserver::domain::groups::{admins as group_admins, lifecycle as groups};
use imserver::domain::identity::auth::{Caller, TokenKind};
use serde_json::json;

fn as_user(app: &TestApp, uid: i64) -> Caller {
    Caller {
        app_id: app.app_id.clone(),
        kind: TokenKind::User {
            user_id: uid,
            device_sn: 1,
        },
        as_user: Some(uid),
        as_group: None,
        user: None,
    }
}

db_test!(
    reads_of_many_run_as_many_queries_as_reads_of_one,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let (bob, _tb) = app.user("bob").await;
        let mut members = vec![bob];
        for i in 0..12 {
            members.push(app.register(&format!("user{i}")).await);
        }
        let mut gids = vec![];
        for _ in 0..12 {
            let r = app
                .post("/group/create")
                .token(&ta)
                .json(json!({"user_list": [bob]}))
                .send()
                .await;
            gids.push(r.ok()["group_id"].as_i64().unwrap());
        }
        let (state, n) = app.counting_state();
        let bob_caller = as_user(&app, bob);

        let (one, q1) = n
            .count(groups::info_batch(&state, &bob_caller, &gids[..1]))
            .await;
        let (all, q12) = n
            .count(groups::info_batch(&state, &bob_caller, &gids))
            .await;
        assert_eq!((one.unwrap().len(), all.unwrap().len()), (1, 12));
        assert_eq!(q1, q12, "info/batch");
        assert!(q12 <= 2, "info/batch ran {q12} queries");

        let (joined, q) = n.count(groups::user_joined(&state, &bob_caller)).await;
        assert_eq!(joined.unwrap().len(), 12);
        assert_eq!(q, 1, "user_joined");

        // a group with one admin, another with twelve
        let small = gids[0];
        let r = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"user_list": members}))
            .send()
            .await;
        let big = r.ok()["group_id"].as_i64().unwrap();
        app.post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": small, "user_list": [bob]}))
            .send()
            .await
            .ok();
        let r = app
            .post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": big, "user_list": members}))
            .send()
            .await;
        assert!(
            r.ok()
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["result"] == "success")
        );
        let (a1, q1) = n
            .count(group_admins::list(&state, &bob_caller, small))
            .await;
        let (a13, q13) = n.count(group_admins::list(&state, &bob_caller, big)).await;
        assert_eq!((a1.unwrap().len(), a13.unwrap().len()), (1, 13));
        assert_eq!(q1, q13, "admin_list");
        assert!(q13 <= 3, "admin_list ran {q13} queries");
    }
);
