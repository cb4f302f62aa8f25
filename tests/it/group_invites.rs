//! Invitations and applications: invite, invite/handle, invitation_list, apply,
//! apply/handle, application_list; expiry, capacity, concurrency and statement counts.
use crate::common;

use std::collections::HashSet;

use common::TestApp;
use imserver::domain::groups::invites::{self as group_invites, PENDING_TTL_MS};
use imserver::domain::identity::auth::{Caller, TokenKind};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn sql(app: &TestApp, stmt: &str) {
    app.state.db.execute_unprepared(stmt).await.expect(stmt);
}

async fn confirm_invitations(app: &TestApp, uid: i64) {
    sql(
        app,
        &format!("UPDATE user_settings SET group_confirm = TRUE WHERE user_id = {uid}"),
    )
    .await;
}

fn results(v: &Value) -> Vec<(i64, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["user_id"].as_i64().unwrap(),
                o["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn reason(v: &Value, i: usize) -> String {
    v[i]["reason"].as_str().unwrap_or_default().to_owned()
}

db_test!(
    invite_joins_at_once_or_leaves_a_pending_invitation,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, tc) = app.user("carol").await;
        let (dan, _) = app.user("dan").await;
        let (erin, te) = app.user("erin").await;
        let gid = app.new_group(&ta, &[bob]).await;
        confirm_invitations(&app, carol).await;
        // a member invites (member_invite is on by default); each invitee on its own
        let r = app.post("/group/invite").token(&tb).json(json!({"group_id": gid, "user_list": [dan, carol, alice, 987_654, dan], "reason": "come"})).send().await;
        let data = r.ok().clone();
        assert_eq!(
            results(&data),
            vec![
                (dan, "success".into()),
                (carol, "success".into()),
                (alice, "fail".into()),
                (987_654, "fail".into())
            ]
        );
        assert!(reason(&data, 2).contains("already a member"), "{data:?}");
        assert!(reason(&data, 3).contains("does not exist"), "{data:?}");
        assert!(data[0]["reason"].is_null());
        assert_eq!(
            data[1]["reason"],
            imserver::domain::groups::invites::PENDING_NOTE
        );
        // dan joined; carol has an invitation
        assert_eq!(app.members_of(gid).await, HashSet::from([alice, bob, dan]));
        let r = app.get("/group/invitation_list").token(&tc).send().await;
        let list = r.ok().clone();
        assert_eq!(r.body["total"], 1);
        assert!(r.body["cursor"].is_null());
        assert_eq!(list[0]["group_id"], gid);
        assert_eq!(list[0]["inviter_id"], bob);
        assert_eq!(list[0]["invitee_id"], carol);
        assert_eq!(list[0]["status"], 0);
        assert_eq!(list[0]["reason"], "come");
        assert_eq!(list[0]["expired_time"], common::START_MS + PENDING_TTL_MS);
        assert!(list[0]["updated_at"].as_str().unwrap().ends_with('Z'));
        // nobody else sees it
        let r = app.get("/group/invitation_list").token(&te).send().await;
        assert_eq!(r.ok().as_array().unwrap().len(), 0);
        assert_eq!(r.body["total"], 0);
        // the invitation is carol's to answer, from the inviter named
        app.put("/group/invite/handle")
            .token(&te)
            .json(json!({"group_id": gid, "user_id": bob, "approval": true}))
            .send()
            .await
            .err(20015);
        app.put("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": gid, "user_id": alice, "approval": true}))
            .send()
            .await
            .err(20015);
        let r = app
            .put("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": gid, "user_id": bob, "approval": true}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        assert!(app.members_of(gid).await.contains(&carol));
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": gid, "user_id": bob, "approval": true}))
            .send()
            .await
            .err(20015);
        let r = app.get("/group/invitation_list").token(&tc).send().await;
        assert_eq!(
            r.ok()[0]["status"],
            1,
            "a handled invitation stays listed with its status"
        );
        // member_invite off: members may no longer invite, admins may
        app.put("/group/settings/allow_member_invitation")
            .token(&ta)
            .json(json!({"group_id": gid, "value": false}))
            .send()
            .await
            .ok();
        app.post("/group/invite")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [erin]}))
            .send()
            .await
            .err(20012);
        app.post("/group/invite")
            .token(&te)
            .json(json!({"group_id": gid, "user_list": [erin]}))
            .send()
            .await
            .err(20012);
        app.post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [bob]}))
            .send()
            .await
            .ok();
        let r = app
            .post("/group/invite")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [erin]}))
            .send()
            .await;
        assert_eq!(r.ok()[0]["result"], "success");
        // bad input
        let many: Vec<i64> = (1..=501).collect();
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": many}))
            .send()
            .await
            .err(10002);
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [dan], "reason": "x".repeat(513)}))
            .send()
            .await
            .err(10002);
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(10002);
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": 999_999, "user_list": [dan]}))
            .send()
            .await
            .err(20001);
    }
);

db_test!(
    invitations_can_be_rejected_and_expire,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (carol, tc) = app.user("carol").await;
        confirm_invitations(&app, carol).await;
        let g1 = app.new_group(&ta, &[]).await;
        let g2 = app.new_group(&ta, &[]).await;
        let g3 = app.new_group(&ta, &[]).await;
        for g in [g1, g2, g3] {
            let r = app
                .post("/group/invite")
                .admin()
                .header("group_id", g)
                .json(json!({"group_id": g, "user_list": [carol]}))
                .send()
                .await;
            assert_eq!(r.ok()[0]["result"], "success");
        }
        // rejecting
        let r = app
            .post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": g1, "user_id": alice, "approval": false}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        assert!(!app.members_of(g1).await.contains(&carol));
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": g1, "user_id": alice, "approval": true}))
            .send()
            .await
            .err(20015);
        // paging over three invitations
        let r = app
            .get("/group/invitation_list")
            .token(&tc)
            .query("limit", 2)
            .send()
            .await;
        assert_eq!(r.ok().as_array().unwrap().len(), 2);
        assert_eq!(r.body["total"], 3);
        let cursor = r.body["cursor"].as_str().unwrap().to_owned();
        let r = app
            .get("/group/invitation_list")
            .token(&tc)
            .query("limit", 2)
            .query("cursor", &cursor)
            .send()
            .await;
        assert_eq!(r.ok()[0]["group_id"], g3);
        assert!(r.body["cursor"].is_null());
        // expiry: a pending invitation ends after 7 days
        app.clock.advance_ms(PENDING_TTL_MS - 1);
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": g2, "user_id": alice, "approval": true}))
            .send()
            .await
            .ok();
        app.clock.advance_ms(1);
        let (ta, tc) = (app.login("alice").await, app.login("carol").await);
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": g3, "user_id": alice, "approval": true}))
            .send()
            .await
            .err(20015);
        assert!(!app.members_of(g3).await.contains(&carol));
        let r = app.get("/group/invitation_list").token(&tc).send().await;
        let groups: Vec<i64> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["group_id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            groups,
            vec![g1, g2],
            "expired pending invitations leave the list"
        );
        // inviting again renews it
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": g3, "user_list": [carol]}))
            .send()
            .await
            .ok();
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": g3, "user_id": alice, "approval": true}))
            .send()
            .await
            .ok();
        assert!(app.members_of(g3).await.contains(&carol));
        // an app admin token without user_id has no invitations
        app.get("/group/invitation_list")
            .admin()
            .send()
            .await
            .err(10002);
        app.get("/group/invitation_list")
            .token(&tc)
            .query("cursor", "bad")
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    invite_and_accept_respect_capacity,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, _) = app.user("bob").await;
        let (carol, tc) = app.user("carol").await;
        let (dan, _) = app.user("dan").await;
        let gid = app.new_group(&ta, &[]).await;
        confirm_invitations(&app, carol).await;
        sql(
            &app,
            &format!("UPDATE groups SET capacity = 2 WHERE id = {gid}"),
        )
        .await;
        let r = app
            .post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [carol, bob, dan]}))
            .send()
            .await;
        let data = r.ok().clone();
        assert_eq!(
            results(&data),
            vec![
                (carol, "success".into()),
                (bob, "success".into()),
                (dan, "fail".into())
            ]
        );
        assert!(reason(&data, 2).contains("limit"), "{data:?}");
        assert_eq!(app.members_of(gid).await, HashSet::from([alice, bob]));
        // the group is full when carol accepts
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": gid, "user_id": alice, "approval": true}))
            .send()
            .await
            .err(20010);
        assert_eq!(app.members_of(gid).await.len(), 2);
        sql(
            &app,
            &format!("UPDATE groups SET capacity = 3 WHERE id = {gid}"),
        )
        .await;
        app.post("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": gid, "user_id": alice, "approval": true}))
            .send()
            .await
            .ok();
        assert_eq!(app.members_of(gid).await.len(), 3);
    }
);

db_test!(
    apply_follows_the_approval_setting,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, tc) = app.user("carol").await;
        let (dan, td) = app.user("dan").await;
        let gid = app.new_group(&ta, &[bob]).await; // apply_approval 1 by default
        // a member gets 20017
        app.post("/group/apply")
            .token(&tb)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(20017);
        // approval 1: a pending application
        let r = app
            .post("/group/apply")
            .token(&tc)
            .json(json!({"group_id": gid, "reason": "let me in"}))
            .send()
            .await;
        assert_eq!(r.ok()["user_id"], carol);
        assert_eq!(r.ok()["result"], "success");
        assert_eq!(r.ok()["reason"], "pending approval");
        assert!(!app.members_of(gid).await.contains(&carol));
        app.post("/group/apply")
            .token(&td)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        // the owner sees them; a member's group contributes nothing
        let r = app
            .post("/group/application_list")
            .token(&ta)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        let list = r.ok().clone();
        assert_eq!(r.body["total"], 2);
        assert_eq!(list[0]["applicant_id"], carol);
        assert_eq!(list[0]["group_id"], gid);
        assert_eq!(list[0]["reason"], "let me in");
        assert_eq!(list[0]["status"], 0);
        assert_eq!(list[0]["expired_time"], common::START_MS + PENDING_TTL_MS);
        let r = app
            .post("/group/application_list")
            .token(&tb)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        assert_eq!(r.ok().as_array().unwrap().len(), 0);
        assert_eq!(r.body["total"], 0);
        // a member may not handle; the owner approves carol, rejects dan
        app.put("/group/apply/handle")
            .token(&tb)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await
            .err(20012);
        let r = app
            .put("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await;
        assert_eq!(r.ok()["user_id"], carol);
        assert_eq!(r.ok()["result"], "success");
        app.post("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await
            .err(20014);
        // an admin rejects
        app.post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [bob]}))
            .send()
            .await
            .ok();
        app.post("/group/apply/handle")
            .token(&tb)
            .json(json!({"group_id": gid, "user_id": dan, "approval": false}))
            .send()
            .await
            .ok();
        app.post("/group/apply/handle")
            .token(&tb)
            .json(json!({"group_id": gid, "user_id": dan, "approval": true}))
            .send()
            .await
            .err(20014);
        assert_eq!(
            app.members_of(gid).await,
            HashSet::from([alice, bob, carol])
        );
        let r = app
            .post("/group/application_list")
            .token(&tb)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        let statuses: Vec<i64> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status"].as_i64().unwrap())
            .collect();
        assert_eq!(statuses, vec![1, 2]);
        // approval 2 refuses, approval 0 joins at once
        app.post("/group/settings/require_admin_approval")
            .token(&ta)
            .json(json!({"group_id": gid, "apply_approval": 2}))
            .send()
            .await
            .ok();
        app.post("/group/apply")
            .token(&td)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(10010);
        app.post("/group/settings/require_admin_approval")
            .token(&ta)
            .json(json!({"group_id": gid, "apply_approval": 0}))
            .send()
            .await
            .ok();
        let r = app
            .post("/group/apply")
            .token(&td)
            .json(json!({"group_id": gid}))
            .send()
            .await;
        assert!(r.ok()["reason"].is_null());
        assert!(app.members_of(gid).await.contains(&dan));
        // bad input
        app.post("/group/apply")
            .token(&td)
            .json(json!({"group_id": 999_999}))
            .send()
            .await
            .err(20001);
        app.post("/group/apply")
            .token(&td)
            .json(json!({"group_id": gid, "reason": "x".repeat(513)}))
            .send()
            .await
            .err(10002);
        app.post("/group/apply")
            .admin()
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(10002);
        app.post("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": dan}))
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    applications_expire_and_chatrooms_take_applicants_at_once,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (carol, tc) = app.user("carol").await;
        let (dan, _td) = app.user("dan").await;
        let gid = app.new_group(&ta, &[]).await;
        app.post("/group/apply")
            .token(&tc)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        app.clock.advance_ms(PENDING_TTL_MS);
        let (ta, tc, td) = (
            app.login("alice").await,
            app.login("carol").await,
            app.login("dan").await,
        );
        app.post("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await
            .err(20014);
        let r = app
            .post("/group/application_list")
            .token(&ta)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        assert_eq!(
            r.ok().as_array().unwrap().len(),
            0,
            "expired applications leave the list"
        );
        // applying again renews it
        app.post("/group/apply")
            .token(&tc)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        app.post("/group/apply/handle")
            .admin()
            .header("group_id", gid)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await
            .ok();
        assert_eq!(app.members_of(gid).await, HashSet::from([alice, carol]));
        // a chatroom with apply_approval 1 takes the applicant at once
        let r = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"name": "room", "type": 2}))
            .send()
            .await;
        let room = r.ok()["group_id"].as_i64().unwrap();
        assert_eq!(r.ok()["apply_approval"], 1);
        let r = app
            .post("/group/apply")
            .token(&td)
            .json(json!({"group_id": room}))
            .send()
            .await;
        assert!(r.ok()["reason"].is_null());
        assert!(app.members_of(room).await.contains(&dan));
        // full
        sql(
            &app,
            &format!("UPDATE groups SET capacity = 2 WHERE id = {room}"),
        )
        .await;
        app.post("/group/apply")
            .token(&tc)
            .json(json!({"group_id": room}))
            .send()
            .await
            .err(20010);
    }
);

db_test!(
    application_list_pages_over_the_groups_the_caller_manages,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let g1 = app.new_group(&ta, &[]).await;
        let g2 = app.new_group(&tb, &[]).await; // bob's
        let g3 = app.new_group(&ta, &[bob]).await;
        app.post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": g3, "user_list": [bob]}))
            .send()
            .await
            .ok();
        let mut applicants = vec![];
        for i in 0..5 {
            let name = format!("applicant{i}");
            let (uid, t) = app.user(&name).await;
            applicants.push(uid);
            for g in [g1, g2, g3] {
                app.post("/group/apply")
                    .token(&t)
                    .json(json!({"group_id": g}))
                    .send()
                    .await
                    .ok();
            }
        }
        // bob owns g2 and is admin of g3; g1 contributes nothing
        let mut seen = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let mut call = app
                .post("/group/application_list")
                .token(&tb)
                .query("limit", 4);
            if let Some(c) = &cursor {
                call = call.query("cursor", c);
            }
            let r = call
                .json(json!({"group_list": [g1, g2, g3, 999_999]}))
                .send()
                .await;
            assert_eq!(r.body["total"], 10);
            for a in r.ok().as_array().unwrap() {
                seen.push((
                    a["group_id"].as_i64().unwrap(),
                    a["applicant_id"].as_i64().unwrap(),
                ));
            }
            match r.body["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut want = vec![];
        for u in &applicants {
            want.push((g2, *u));
            want.push((g3, *u));
        }
        assert_eq!(seen, want);
        let r = app
            .post("/group/application_list")
            .admin()
            .header("group_id", g1)
            .json(json!({"group_list": [g1, g2]}))
            .send()
            .await;
        assert_eq!(r.body["total"], 5);
        app.post("/group/application_list")
            .token(&tb)
            .json(json!({}))
            .send()
            .await
            .err(10002);
        let many: Vec<i64> = (1..=501).collect();
        app.post("/group/application_list")
            .token(&tb)
            .json(json!({"group_list": many}))
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    concurrent_joins_never_exceed_capacity,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let mut tokens = vec![];
        for i in 0..20 {
            tokens.push(app.user(&format!("joiner{i}")).await.1);
        }
        // a chatroom and an open private group, each with room for 5 more
        let r = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"name": "room", "type": 2}))
            .send()
            .await;
        let room = r.ok()["group_id"].as_i64().unwrap();
        let open = app.new_group(&ta, &[]).await;
        app.post("/group/settings/require_admin_approval")
            .token(&ta)
            .json(json!({"group_id": open, "apply_approval": 0}))
            .send()
            .await
            .ok();
        for gid in [room, open] {
            sql(
                &app,
                &format!("UPDATE groups SET capacity = 6 WHERE id = {gid}"),
            )
            .await;
            let calls = tokens.iter().map(|t| {
                app.post("/group/apply")
                    .token(t)
                    .json(json!({"group_id": gid}))
                    .send()
            });
            let answers = futures::future::join_all(calls).await;
            let joined = answers.iter().filter(|a| a.code() == 200).count();
            assert!(
                answers.iter().all(|a| a.code() == 200 || a.code() == 20010),
                "{answers:?}"
            );
            assert_eq!(joined, 5);
            let members = app.members_of(gid).await;
            assert_eq!(members.len(), 6);
            assert!(members.contains(&alice));
        }
        // twenty concurrent QR-less invites of the same users into one group: nobody twice
        let g = app.new_group(&ta, &[]).await;
        let users: Vec<i64> = {
            let r = app
                .get("/group/member_list")
                .token(&ta)
                .query("group_id", room)
                .send()
                .await;
            r.ok()
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["user_id"].as_i64().unwrap())
                .filter(|u| *u != alice)
                .collect()
        };
        let calls = (0..10).map(|_| {
            app.post("/group/invite")
                .token(&ta)
                .json(json!({"group_id": g, "user_list": users}))
                .send()
        });
        let answers = futures::future::join_all(calls).await;
        assert!(answers.iter().all(|a| a.code() == 200), "{answers:?}");
        assert_eq!(app.members_of(g).await.len(), 1 + users.len());
    }
);

db_test!(
    invite_and_kick_of_500_run_as_many_statements_as_of_one,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let list: Vec<Value> = (0..501)
            .map(|i| json!({"username": format!("bulk{i}"), "password": "secret123"}))
            .collect();
        let r = app
            .post("/user/register/batch")
            .admin()
            .json(json!({"list": list}))
            .send()
            .await;
        let ids: Vec<i64> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["user_id"].as_i64().unwrap())
            .collect();
        // half of them confirm invitations: both kinds of writes happen
        for chunk in ids.chunks(2) {
            confirm_invitations(&app, chunk[0]).await;
        }
        let g1 = app.new_group(&ta, &[]).await;
        let g2 = app.new_group(&ta, &[]).await;
        let (state, n) = app.counting_state();
        let caller = Caller {
            app_id: app.app_id.clone(),
            kind: TokenKind::User {
                user_id: alice,
                device_sn: 1,
            },
            as_user: Some(alice),
            as_group: None,
            user: None,
        };
        n.take();
        let one = group_invites::invite(&state, &caller, g1, &ids[..2], None)
            .await
            .unwrap();
        let q1 = n.take().len();
        let many = group_invites::invite(&state, &caller, g2, &ids[1..], None)
            .await
            .unwrap();
        let q500 = n.take().len();
        assert_eq!((one.len(), many.len()), (2, 500));
        assert!(many.iter().all(|o| o.success));
        assert_eq!(q1, q500, "invite of 2 ran {q1} statements, of 500 {q500}");
        assert_eq!(app.members_of(g2).await.len(), 1 + 250);
        let joined: Vec<i64> = app
            .members_of(g2)
            .await
            .into_iter()
            .filter(|u| *u != alice)
            .collect();
        let k1 = imserver::domain::groups::members::kick(&state, &caller, g1, &ids[..2])
            .await
            .unwrap();
        let q1 = n.take().len();
        assert_eq!(joined.len(), 250);
        let k500 = imserver::domain::groups::members::kick(&state, &caller, g2, &ids[1..])
            .await
            .unwrap();
        let q500 = n.take().len();
        assert_eq!((k1.len(), k500.len()), (2, 500));
        assert_eq!(k500.iter().filter(|o| o.success).count(), 250);
        assert_eq!(q1, q500, "kick of 2 ran {q1} statements, of 500 {q500}");
        assert_eq!(app.members_of(g2).await, HashSet::from([alice]));
    }
);

db_test!(
    blacklisted_users_cannot_be_invited_apply_or_join_by_qr_code,
    |app: TestApp| async move {
        let (_, owner) = app.user("bl_owner").await;
        let (bad, bad_token) = app.user("bl_bad").await;
        let (good, _) = app.user("bl_good").await;
        let gid = app.new_group(&owner, &[]).await;
        let blocked = app
            .post("/group/block")
            .token(&owner)
            .json(json!({"group_id": gid, "user_list": [bad]}))
            .send()
            .await;
        assert_eq!(results(blocked.ok()), vec![(bad, "success".to_owned())]);
        // invite: the blacklisted invitee fails alone (20018 in its reason), the other joins
        let r = app
            .post("/group/invite")
            .token(&owner)
            .json(json!({"group_id": gid, "user_list": [bad, good]}))
            .send()
            .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![(bad, "fail".to_owned()), (good, "success".to_owned())]
        );
        assert!(reason(&items, 0).contains("blacklisted"), "{items}");
        // apply: refused with 20018 (open group too)
        app.put("/group/settings/require_admin_approval")
            .token(&owner)
            .json(json!({"group_id": gid, "apply_approval": 0}))
            .send()
            .await
            .ok();
        app.post("/group/apply")
            .token(&bad_token)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(20018);
        // QR code: refused with 20018
        let qr_info = app.qr_code(&owner, gid).await;
        app.post("/group/qrcode/invite")
            .token(&bad_token)
            .json(json!({"qr_info": qr_info}))
            .send()
            .await
            .err(20018);
        let members = app.members_of(gid).await;
        assert!(
            members.contains(&good) && !members.contains(&bad),
            "{members:?}"
        );
        // once unblocked, the QR code works
        app.post("/group/unblock")
            .token(&owner)
            .json(json!({"group_id": gid, "user_list": [bad]}))
            .send()
            .await
            .ok();
        app.post("/group/qrcode/invite")
            .token(&bad_token)
            .json(json!({"qr_info": qr_info}))
            .send()
            .await
            .ok();
        assert!(app.members_of(gid).await.contains(&bad));
    }
);

db_test!(
    joining_or_being_blacklisted_closes_pending_invitations_and_applications,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (gina, tg) = app.user("gina").await;
        let (dave, tdv) = app.user("dave").await;
        let gid = app.new_group(&ta, &[]).await; // apply_approval 1 by default
        // gina's application is pending; then the group opens and she joins by applying again
        assert_eq!(
            app.post("/group/apply")
                .token(&tg)
                .json(json!({"group_id": gid}))
                .send()
                .await
                .ok()["reason"],
            "pending approval"
        );
        app.post("/group/settings/require_admin_approval")
            .token(&ta)
            .json(json!({"group_id": gid, "apply_approval": 0}))
            .send()
            .await
            .ok();
        assert!(
            app.post("/group/apply")
                .token(&tg)
                .json(json!({"group_id": gid}))
                .send()
                .await
                .ok()["reason"]
                .is_null()
        );
        assert!(app.members_of(gid).await.contains(&gina));
        // her first application is closed as agreed, and cannot be approved again
        let r = app
            .post("/group/application_list")
            .token(&ta)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        assert_eq!(r.ok()[0]["applicant_id"], gina);
        assert_eq!(r.ok()[0]["status"], 1);
        app.put("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": gina, "approval": true}))
            .send()
            .await
            .err(20014);
        // dave confirms invitations: invited, pending; blacklisted, his invitation is rejected
        confirm_invitations(&app, dave).await;
        let r = app
            .post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [dave]}))
            .send()
            .await;
        assert_eq!(r.ok()[0]["reason"], group_invites::PENDING_NOTE);
        app.post("/group/block")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [dave]}))
            .send()
            .await
            .ok();
        let r = app.get("/group/invitation_list").token(&tdv).send().await;
        assert_eq!(r.ok()[0]["status"], 2);
        let r = app
            .put("/group/invite/handle")
            .token(&tdv)
            .json(json!({"group_id": gid, "user_id": alice, "approval": true}))
            .send()
            .await;
        r.err(20015);
    }
);
