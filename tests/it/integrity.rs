//! Integrity under races and deletions (issue 11): user deletion as one serialised lifecycle,
//! applications and invitations of users that are gone, invitations whose inviter lost the
//! right to invite, admin tokens narrowed by group_id, and the invariants of every group
//! (count = member rows >= 0, one live owner) after concurrent requests.
use crate::common;

use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

async fn sql(app: &TestApp, stmt: &str) {
    app.state.db.execute_unprepared(stmt).await.expect(stmt);
}

async fn delete_user(app: &TestApp, uid: i64) -> common::Answer {
    app.delete("/user/delete")
        .admin()
        .header("user_id", uid)
        .send()
        .await
}

/// The member ids of a group, ascending (straight from the table).
async fn member_rows(app: &TestApp, gid: i64) -> Vec<i64> {
    let rows = app
        .state
        .db
        .query_all_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            format!("SELECT user_id FROM group_members WHERE group_id = {gid} ORDER BY user_id"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<i64>(0).unwrap())
        .collect()
}

/// Rows that break an invariant of the groups, in words (empty when all hold): count equals the
/// member rows and is not negative; a live group has exactly one owner row, its owner_id, and
/// that user exists; no membership of a user that does not exist.
async fn violations(app: &TestApp) -> Vec<String> {
    let checks = [
        (
            "count differs from the member rows",
            "SELECT g.id, g.count FROM groups g WHERE g.count <> (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)",
        ),
        (
            "negative count",
            "SELECT id, count FROM groups WHERE count < 0",
        ),
        (
            "live group without exactly one owner row, or not its owner_id",
            "SELECT g.id, g.owner_id FROM groups g WHERE g.status = 0 AND (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.role = 2 AND m.user_id = g.owner_id) <> 1 OR g.status = 0 AND (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.role = 2) <> 1",
        ),
        (
            "live group owned by a user that does not exist",
            "SELECT g.id, g.owner_id FROM groups g WHERE g.status = 0 AND g.owner_id NOT IN (SELECT id FROM users)",
        ),
        (
            "membership of a user that does not exist",
            "SELECT m.group_id, m.user_id FROM group_members m WHERE m.user_id NOT IN (SELECT id FROM users)",
        ),
    ];
    let mut found = vec![];
    for (what, query) in checks {
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                query,
            ))
            .await
            .unwrap();
        for r in rows {
            let a: i64 = r.try_get_by_index(0).unwrap();
            let b: i64 = r.try_get_by_index(1).unwrap();
            found.push(format!("{what}: ({a}, {b})"));
        }
    }
    found
}

db_test!(
    deleting_a_user_takes_it_out_of_every_group_and_closes_its_pending_requests,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, _) = app.user("carol").await;
        let g1 = app.new_group(&ta, &[bob, carol]).await;
        let g2 = app.new_group(&ta, &[carol]).await;
        let g3 = app.new_group(&tb, &[]).await; // bob owns g3, then dissolves it
        app.delete("/group/destroy")
            .token(&tb)
            .query("group_id", g3)
            .send()
            .await
            .ok();
        // carol: a pending application to bob's... to a fresh group, and a pending invitation
        let g4 = app.new_group(&tb, &[]).await;
        let (_, tc) = (carol, app.login("carol").await);
        app.post("/group/apply")
            .token(&tc)
            .json(json!({"group_id": g4}))
            .send()
            .await
            .ok();
        sql(
            &app,
            &format!("UPDATE user_settings SET group_confirm = TRUE WHERE user_id = {carol}"),
        )
        .await;
        let g5 = app.new_group(&ta, &[]).await;
        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": g5, "user_list": [carol]}))
            .send()
            .await
            .ok();

        delete_user(&app, carol).await.ok();
        assert_eq!(member_rows(&app, g1).await, vec![alice, bob]);
        assert_eq!(member_rows(&app, g2).await, vec![alice]);
        let r = app
            .post("/group/application_list")
            .token(&tb)
            .json(json!({"group_list": [g4]}))
            .send()
            .await;
        assert_eq!(
            r.ok()[0]["status"],
            2,
            "the deleted user's application is closed (rejected)"
        );
        // an owner of a live group cannot be deleted; of a dissolved one it can, once g4 is gone
        delete_user(&app, bob).await.err(20004);
        app.delete("/group/destroy")
            .token(&tb)
            .query("group_id", g4)
            .send()
            .await
            .ok();
        delete_user(&app, bob).await.ok();
        assert_eq!(member_rows(&app, g1).await, vec![alice]);
        // a second deletion of the same user: 10000
        delete_user(&app, bob).await.err(10000);
        assert_eq!(violations(&app).await, Vec::<String>::new());
    }
);

db_test!(
    handling_the_application_of_a_deleted_or_disabled_user_is_10000_and_closes_it,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (peter, tp) = app.user("peter").await;
        let (dora, td) = app.user("dora").await;
        let gid = app.new_group(&ta, &[]).await; // apply_approval 1: applications wait
        app.post("/group/apply")
            .token(&tp)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        app.post("/group/apply")
            .token(&td)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        // peter deletes itself, dora is disabled
        app.delete("/user/delete")
            .token(&tp)
            .json(json!({"password": "secret123"}))
            .send()
            .await
            .ok();
        app.put("/user/disable")
            .admin()
            .json(json!({"list": [dora]}))
            .send()
            .await
            .ok();

        let m = app
            .post("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": peter, "approval": true}))
            .send()
            .await
            .err(10000);
        assert!(m.contains(&peter.to_string()), "{m}");
        app.post("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": dora, "approval": true}))
            .send()
            .await
            .err(10000);
        assert_eq!(member_rows(&app, gid).await, vec![alice]);
        // both applications are closed: once dora is enabled again, hers is handled already
        app.put("/user/enable")
            .admin()
            .json(json!({"list": [dora]}))
            .send()
            .await
            .ok();
        app.post("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": dora, "approval": true}))
            .send()
            .await
            .err(20014);
        let r = app
            .post("/group/application_list")
            .token(&ta)
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
        assert_eq!(statuses, vec![2, 2]);
        // an application of a disabled user is refused at the door
        app.put("/user/disable")
            .admin()
            .json(json!({"list": [dora]}))
            .send()
            .await
            .ok();
        app.post("/group/apply")
            .admin()
            .header("user_id", dora)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(10000);
        assert_eq!(violations(&app).await, Vec::<String>::new());
    }
);

db_test!(
    an_invitation_is_void_once_its_inviter_may_no_longer_invite,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (mia, tm) = app.user("mia").await;
        let (ivan, ti) = app.user("ivan").await;
        let (jo, tj) = app.user("joe").await;
        for u in [ivan, jo] {
            sql(
                &app,
                &format!("UPDATE user_settings SET group_confirm = TRUE WHERE user_id = {u}"),
            )
            .await;
        }
        let gid = app.new_group(&ta, &[mia]).await; // member_invite is on: mia may invite
        for u in [ivan, jo] {
            let r = app
                .post("/group/invite")
                .token(&tm)
                .json(json!({"group_id": gid, "user_list": [u]}))
                .send()
                .await;
            assert_eq!(r.ok()[0]["result"], "success");
        }
        // member_invite turned off: mia, a plain member, may no longer invite
        app.post("/group/settings/allow_member_invitation")
            .token(&ta)
            .json(json!({"group_id": gid, "value": false}))
            .send()
            .await
            .ok();
        let m = app
            .post("/group/invite/handle")
            .token(&ti)
            .json(json!({"group_id": gid, "user_id": mia, "approval": true}))
            .send()
            .await
            .err(20015);
        assert!(m.contains("may no longer invite"), "{m}");
        // turned on again, but mia is blacklisted (and so out of the group)
        app.post("/group/settings/allow_member_invitation")
            .token(&ta)
            .json(json!({"group_id": gid, "value": true}))
            .send()
            .await
            .ok();
        app.post("/group/block")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [mia]}))
            .send()
            .await
            .ok();
        app.post("/group/invite/handle")
            .token(&tj)
            .json(json!({"group_id": gid, "user_id": mia, "approval": true}))
            .send()
            .await
            .err(20015);
        assert_eq!(member_rows(&app, gid).await, vec![alice]);
        // both invitations are closed
        for t in [&ti, &tj] {
            let r = app.get("/group/invitation_list").token(t).send().await;
            assert_eq!(r.ok()[0]["status"], 2, "{:?}", r.body);
        }
        assert_eq!(violations(&app).await, Vec::<String>::new());
    }
);

db_test!(
    an_admin_token_narrowed_by_group_id_cannot_run_app_wide_operations,
    |app: TestApp| async move {
        let (_, ta) = app.user("alice").await;
        let (bob, _) = app.user("bob").await;
        let gid = app.new_group(&ta, &[]).await;
        fn narrowed(c: common::Call<'_>, gid: i64) -> common::Call<'_> {
            c.admin().header("group_id", gid)
        }
        narrowed(app.get("/user/list"), gid).send().await.err(10010);
        narrowed(app.put("/user/disable"), gid)
            .json(json!({"list": [bob]}))
            .send()
            .await
            .err(10010);
        narrowed(app.post("/user/register/batch"), gid)
            .json(json!({"list": [{"username": "zed", "password": "secret123"}]}))
            .send()
            .await
            .err(10010);
        narrowed(app.put("/user/profile/batch"), gid)
            .json(json!({"list": [{"user_id": bob, "nick_name": "b"}]}))
            .send()
            .await
            .err(10010);
        // on its own group it still acts as the owner
        narrowed(app.post("/group/info/name"), gid)
            .json(json!({"group_id": gid, "value": "renamed"}))
            .send()
            .await
            .ok();
        // and without the header the same token is app-wide
        app.get("/user/list").admin().send().await.ok();
    }
);

db_test!(
    the_database_refuses_a_negative_member_count,
    |app: TestApp| async move {
        let (_, ta) = app.user("alice").await;
        let gid = app.new_group(&ta, &[]).await;
        let refused = app
            .state
            .db
            .execute_unprepared(&format!("UPDATE groups SET count = -1 WHERE id = {gid}"))
            .await;
        assert!(refused.is_err(), "count -1 must be refused");
        let r = app
            .get("/group/info")
            .token(&ta)
            .query("group_id", gid)
            .send()
            .await;
        assert_eq!(r.ok()["count"], 1);
    }
);

// A PostgreSQL pool lets these requests really overlap (SQLite runs them one at a time, and
// the same rules hold there trivially).
db_test!(
    concurrent_deletions_leaves_transfers_and_joins_keep_every_invariant,
    |app: TestApp| async move {
        let rounds = if app.state.db.get_database_backend() == DbBackend::Postgres {
            12
        } else {
            3
        };
        let (owner, to) = app.user("owner").await;
        for round in 0..rounds {
            // t: the transfer target, being deleted; m1..m4 leave while being deleted; j joins by
            // QR code while being deleted; p applied and is approved while being deleted
            let mut ids = vec![];
            let mut tokens = vec![];
            for name in ["t", "m1", "m2", "m3", "m4", "j", "p"] {
                let (id, tok) = app.user(&format!("{name}_{round}")).await;
                ids.push(id);
                tokens.push(tok);
            }
            let gid = app.new_group(&to, &ids[..5]).await;
            app.post("/group/apply")
                .token(&tokens[6])
                .json(json!({"group_id": gid}))
                .send()
                .await
                .ok();
            let qr = app.qr_code(&to, gid).await;
            let t = ids[0];
            let transfer = app
                .post("/group/transfer")
                .token(&to)
                .json(json!({"group_id": gid, "new_owner": t}))
                .send();
            let leaves = futures::future::join_all((1..5).map(|i| {
                app.post("/group/leave")
                    .token(&tokens[i])
                    .query("group_id", gid)
                    .send()
            }));
            let join = app
                .post("/group/qrcode/invite")
                .token(&tokens[5])
                .json(json!({"qr_info": qr}))
                .send();
            let approve = app
                .post("/group/apply/handle")
                .token(&to)
                .json(json!({"group_id": gid, "user_id": ids[6], "approval": true}))
                .send();
            let deletions = futures::future::join_all(ids.iter().map(|&u| delete_user(&app, u)));
            let (transfer, leaves, join, approve, deletions) =
                tokio::join!(transfer, leaves, join, approve, deletions);
            let mut all = vec![transfer, join, approve];
            all.extend(leaves);
            all.extend(deletions);
            for a in &all {
                assert_eq!(a.status, 200, "no 5xx under races: {a:?}");
                assert!(
                    [
                        200, 10000, 10008, 20002, 20004, 20005, 20012, 20013, 20014, 20024
                    ]
                    .contains(&a.code()),
                    "{a:?}"
                );
            }
            assert_eq!(
                violations(&app).await,
                Vec::<String>::new(),
                "round {round}"
            );
            // whoever owns the group now exists and is its owner row
            let r = app
                .get("/group/info")
                .token(&to)
                .query("group_id", gid)
                .send()
                .await;
            let now_owner = r.ok()["owner_id"].as_i64().unwrap();
            assert!(now_owner == owner || now_owner == t);
        }
        // one user's concurrent logins without device_guid: each its own device_sn
        let (uid, _) = app.user("many").await;
        let logins = futures::future::join_all((0..12).map(|_| {
            app.post("/token/id")
                .json(json!({"user_id": uid, "password": "secret123"}))
                .send()
        }))
        .await;
        assert!(logins.iter().all(|a| a.code() == 200), "{logins:?}");
        let tok = logins[0].data()["token"].as_str().unwrap().to_owned();
        let r = app.get("/user/device/list").token(&tok).send().await;
        let mut sns: Vec<i64> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["device_sn"].as_i64().unwrap())
            .collect();
        sns.sort_unstable();
        assert_eq!(
            sns,
            (1..=13).collect::<Vec<i64>>(),
            "the first login and twelve more"
        );
    }
);
