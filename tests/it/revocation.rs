//! Revocation against the identity cache (issue 12): a token used warm — its session and user
//! cached — just before a logout-like event is refused (10008) at once by the same instance,
//! and the tokens the event spares keep working.
use crate::common;

use common::TestApp;
use serde_json::json;

/// Use `token` (with a `user_id` header: an admin token acting as that user) until it is served
/// from memory: the second call runs no statement.
async fn warm_as(app: &TestApp, token: &str, user_id: Option<i64>) {
    let counted = app.counting();
    let call = || {
        let c = counted.get("/user/profile").token(token);
        if let Some(id) = user_id {
            c.header("user_id", id)
        } else {
            c
        }
    };
    call().send().await.ok();
    let (r, statements) = call().measured().await;
    r.ok();
    assert!(
        statements.is_empty(),
        "{:?}: a warm token is read from the database: {statements:?}",
        app.backend
    );
}

async fn warm(app: &TestApp, token: &str) {
    warm_as(app, token, None).await;
}

async fn refused(app: &TestApp, token: &str, after: &str) {
    let r = app.get("/user/profile").token(token).send().await;
    assert_eq!(
        r.code(),
        10008,
        "{:?}: after {after} a warm token still works: {:?}",
        app.backend,
        r.body
    );
}

async fn accepted(app: &TestApp, token: &str, after: &str) {
    let r = app.get("/user/profile").token(token).send().await;
    assert_eq!(
        r.code(),
        200,
        "{:?}: after {after} a token it spares is refused: {:?}",
        app.backend,
        r.body
    );
}

/// A user with three sessions, all warm: (user_id, [token of device 1, 2, 3]).
async fn three_sessions(app: &TestApp, name: &str) -> (i64, [String; 3]) {
    let (id, first) = app.user(name).await;
    let tokens = [first, app.login(name).await, app.login(name).await];
    for t in &tokens {
        warm(app, t).await;
    }
    (id, tokens)
}

db_test!(kick_of_one_device_and_of_all, |app: TestApp| async move {
    let (id, [t1, t2, t3]) = three_sessions(&app, "kim").await;
    app.put("/user/kick")
        .token(&t1)
        .query("device_sn", 2)
        .send()
        .await
        .ok();
    refused(&app, &t2, "a kick of device 2").await;
    accepted(&app, &t1, "a kick of device 2").await;
    accepted(&app, &t3, "a kick of device 2").await;
    app.post("/user/kick").token(&t1).send().await.ok();
    refused(&app, &t1, "a kick of every device").await;
    refused(&app, &t3, "a kick of every device").await;
    // an admin kicks for the user
    let t4 = app.login("kim").await;
    warm(&app, &t4).await;
    app.put("/user/kick")
        .admin()
        .header("user_id", id)
        .send()
        .await
        .ok();
    refused(&app, &t4, "an admin kick").await;
});

db_test!(device_remove, |app: TestApp| async move {
    let (_, [t1, t2, t3]) = three_sessions(&app, "dev").await;
    app.delete("/user/device/remove")
        .token(&t1)
        .query("device_sn", 3)
        .send()
        .await
        .ok();
    refused(&app, &t3, "device/remove").await;
    accepted(&app, &t2, "device/remove of another device").await;
    app.post("/user/device/remove")
        .token(&t2)
        .query("device_sn", 2)
        .send()
        .await
        .ok();
    refused(&app, &t2, "device/remove of the caller's device").await;
    accepted(&app, &t1, "device/remove of another device").await;
});

db_test!(
    change_password_ends_the_other_sessions,
    |app: TestApp| async move {
        let (_, [t1, t2, t3]) = three_sessions(&app, "pat").await;
        let body = json!({"old_password": "secret123", "new_password": "newpass123"});
        app.post("/user/change_password")
            .token(&t2)
            .json(body)
            .send()
            .await
            .ok();
        refused(&app, &t1, "change_password").await;
        refused(&app, &t3, "change_password").await;
        accepted(&app, &t2, "change_password (the caller's session)").await;
    }
);

db_test!(
    change_password_admin_ends_every_session,
    |app: TestApp| async move {
        let (id, [t1, t2, t3]) = three_sessions(&app, "ada").await;
        let (_, other) = app.user("bystander").await;
        warm(&app, &other).await;
        app.post("/user/change_password_admin")
            .admin()
            .header("user_id", id)
            .json(json!({"password": "byadmin123"}))
            .send()
            .await
            .ok();
        for t in [&t1, &t2, &t3] {
            refused(&app, t, "change_password_admin").await;
        }
        accepted(&app, &other, "change_password_admin of another user").await;
    }
);

db_test!(disable_ends_every_session, |app: TestApp| async move {
    let (id, [t1, t2, _]) = three_sessions(&app, "dis").await;
    // the user row is cached for the admin token too
    app.get("/user/profile")
        .admin()
        .header("user_id", id)
        .send()
        .await
        .ok();
    app.put("/user/disable")
        .admin()
        .json(json!({"list": [id]}))
        .send()
        .await
        .ok();
    refused(&app, &t1, "disable").await;
    refused(&app, &t2, "disable").await;
});

db_test!(
    delete_by_the_user_and_by_an_admin,
    |app: TestApp| async move {
        let (_, [t1, t2, _]) = three_sessions(&app, "del").await;
        app.delete("/user/delete")
            .token(&t1)
            .json(json!({"password": "secret123"}))
            .send()
            .await
            .ok();
        refused(&app, &t1, "a delete by the user").await;
        refused(&app, &t2, "a delete by the user").await;
        let (id, [u1, _, _]) = three_sessions(&app, "gone").await;
        warm_as(&app, &app.admin_token, Some(id)).await;
        app.post("/user/delete")
            .admin()
            .header("user_id", id)
            .json(json!({}))
            .send()
            .await
            .ok();
        refused(&app, &u1, "a delete by an admin").await;
        let r = app
            .get("/user/profile")
            .admin()
            .header("user_id", id)
            .send()
            .await;
        assert_ne!(
            r.code(),
            200,
            "{:?}: a deleted user is still served to the admin token: {:?}",
            app.backend,
            r.body
        );
    }
);

db_test!(
    a_login_with_the_same_device_guid_replaces_its_token,
    |app: TestApp| async move {
        app.register("guid").await;
        let login = || {
            app.post("/token/user")
                .json(json!({"name": "guid", "password": "secret123", "device_guid": "phone-1"}))
                .send()
        };
        let old = login().await.ok()["token"].as_str().unwrap().to_owned();
        warm(&app, &old).await;
        let new = login().await.ok()["token"].as_str().unwrap().to_owned();
        refused(&app, &old, "a new login on the same device").await;
        accepted(&app, &new, "a new login on the same device").await;
    }
);

db_test!(
    a_revoked_admin_token_is_refused_at_once,
    |app: TestApp| async move {
        let id = app.register("tina").await;
        let second = imserver::domain::identity::apps::issue_admin_token(&app.state, &app.app_id)
            .await
            .unwrap();
        warm_as(&app, &second, Some(id)).await;
        app.get("/user/list").token(&second).send().await.ok();
        assert!(
            imserver::domain::identity::apps::revoke_admin_token(&app.state, &second)
                .await
                .unwrap()
        );
        for path in ["/user/profile", "/user/list"] {
            let r = app
                .get(path)
                .token(&second)
                .header("user_id", id)
                .send()
                .await;
            assert_eq!(
                r.code(),
                10008,
                "{:?}: a revoked admin token still works on {path}: {:?}",
                app.backend,
                r.body
            );
        }
        app.get("/user/profile")
            .admin()
            .header("user_id", id)
            .send()
            .await
            .ok();
    }
);

// The group cache (issue 12, item 3) holds the caller's membership: a kicked member, whose
// member_list was authorised from memory, is refused at once (/group/info is open to any user).
db_test!(
    a_kicked_member_no_longer_reads_the_group,
    |app: TestApp| async move {
        let c = common::groups::cast(&app).await;
        let counted = app.counting();
        let members = || {
            counted
                .get("/group/member_list")
                .token(&c.member.1)
                .query("group_id", c.gid)
        };
        members().send().await.ok();
        let (r, statements) = members().measured().await;
        r.ok();
        assert!(
            statements.is_empty(),
            "{:?}: a warm member_list reads from memory: {statements:?}",
            app.backend
        );
        app.post("/group/kick")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [c.member.0]}))
            .send()
            .await
            .ok();
        members().send().await.err(20011);
        app.get("/group/member_list")
            .token(&c.admin.1)
            .query("group_id", c.gid)
            .send()
            .await
            .ok();
    }
);
