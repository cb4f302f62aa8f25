//! The newer routes of the original service (issue 14, item 4): the group setting
//! hide_member_info and what it hides, conversation pins, /group/msg/not_disturb, and the
//! /app/qrcode paths of the web SDK.
use crate::common;

use common::groups::{Cast, cast};
use common::{Call, TestApp};
use imserver::domain::groups::qrcode::QR_TTL_MS;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// The rows of member_list answered to `call`, by user id.
async fn member_rows(call: Call<'_>, gid: i64) -> Vec<Value> {
    let r = call.query("group_id", gid).query("limit", 50).send().await;
    r.ok().as_array().unwrap().clone()
}

fn row(rows: &[Value], uid: i64) -> &Value {
    rows.iter()
        .find(|r| r["user_id"] == uid)
        .unwrap_or_else(|| panic!("no row of {uid} in {rows:?}"))
}

fn shown(r: &Value) -> bool {
    !r["display_name"].is_null() && r["join_time"].as_i64().unwrap() > 0
}

fn hidden(r: &Value) -> bool {
    r["display_name"].is_null() && r["join_time"] == 0 && r["expired_time"] == 0
}

/// Everyone of the cast gets a display name; erin is muted.
async fn named_cast(app: &TestApp) -> Cast {
    let c = cast(app).await;
    for (_, token) in [&c.owner, &c.admin, &c.member, &c.extra[0], &c.extra[1]] {
        app.put("/group/display_name")
            .token(token)
            .json(json!({"group_id": c.gid, "value": "nick"}))
            .send()
            .await
            .ok();
    }
    let ban = json!({"group_id": c.gid, "user_list": [c.extra[0].0], "duration": 5});
    app.post("/group/ban")
        .token(&c.owner.1)
        .json(ban)
        .send()
        .await
        .ok();
    c
}

fn hide<'a>(app: &'a TestApp, token: &str, gid: i64, value: bool) -> Call<'a> {
    app.put("/group/settings/hide_member_info")
        .token(token)
        .json(json!({"group_id": gid, "value": value}))
}

db_test!(
    hide_member_info_is_a_setting_of_owner_and_admins,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let r = app
            .post("/group/create")
            .token(&c.owner.1)
            .json(json!({"name": "fresh"}))
            .send()
            .await;
        assert_eq!(r.ok()["hide_member_info"], false);
        // plain members and outsiders lack the admin rank, as on the other settings
        hide(&app, &c.member.1, c.gid, true).send().await.err(20012);
        hide(&app, &c.outsider.1, c.gid, true)
            .send()
            .await
            .err(20012);
        app.put("/group/settings/hide_member_info")
            .admin()
            .json(json!({"group_id": c.gid, "value": true}))
            .send()
            .await
            .err(10002);
        assert_eq!(
            hide(&app, &c.admin.1, c.gid, true).send().await.ok(),
            &json!(true)
        );
        for path in ["/group/info", "/group/settings"] {
            let r = app
                .get(path)
                .token(&c.member.1)
                .query("group_id", c.gid)
                .send()
                .await;
            assert_eq!(r.ok()["hide_member_info"], true, "{path}");
        }
        // POST is the same operation; the owner, and an admin token acting on the group
        let off = json!({"group_id": c.gid, "value": false});
        app.post("/group/settings/hide_member_info")
            .token(&c.owner.1)
            .json(off.clone())
            .send()
            .await
            .ok();
        assert_eq!(
            app.get("/group/info")
                .token(&c.member.1)
                .query("group_id", c.gid)
                .send()
                .await
                .ok()["hide_member_info"],
            false
        );
        let on = json!({"group_id": c.gid, "value": true});
        app.post("/group/settings/hide_member_info")
            .admin()
            .header("group_id", c.gid)
            .json(on)
            .send()
            .await
            .ok();
        assert_eq!(
            app.get("/group/settings")
                .token(&c.owner.1)
                .query("group_id", c.gid)
                .send()
                .await
                .ok()["hide_member_info"],
            true
        );
        // a dissolved group takes no change
        app.delete("/group/destroy")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await
            .ok();
        hide(&app, &c.owner.1, c.gid, false).send().await.err(20001);
    }
);

db_test!(
    hidden_member_details_per_caller,
    |app: TestApp| async move {
        let c = named_cast(&app).await;
        let (erin, frank) = (c.extra[0].0, c.extra[1].0);
        // off: a plain member sees every detail (erin's mute too)
        let rows = member_rows(app.get("/group/member_list").token(&c.member.1), c.gid).await;
        assert!(rows.iter().all(shown), "{rows:?}");
        assert!(row(&rows, erin)["expired_time"].as_i64().unwrap() > 0);
        hide(&app, &c.owner.1, c.gid, true).send().await.ok();
        // the owner's page first: it fills the shared page cache, the hiding comes after it, per caller
        for call in [
            app.get("/group/member_list").token(&c.owner.1),
            app.get("/group/member_list").token(&c.admin.1),
            app.get("/group/member_list")
                .admin()
                .header("group_id", c.gid),
        ] {
            let rows = member_rows(call, c.gid).await;
            assert_eq!(rows.len(), 5);
            assert!(rows.iter().all(shown), "{rows:?}");
            assert!(row(&rows, erin)["expired_time"].as_i64().unwrap() > 0);
        }
        for call in [
            app.get("/group/member_list").token(&c.member.1),
            app.get("/group/member_list")
                .admin()
                .header("user_id", c.member.0),
        ] {
            let rows = member_rows(call, c.gid).await;
            assert_eq!(rows.len(), 5, "every member is still listed");
            assert!(
                hidden(row(&rows, erin)) && hidden(row(&rows, frank)),
                "{rows:?}"
            );
            for uid in [c.member.0, c.owner.0, c.admin.0] {
                assert!(
                    shown(row(&rows, uid)),
                    "own, owner and admin rows stay: {rows:?}"
                );
            }
        }
        // the member profile batch hides the same
        let ids = json!({"group_id": c.gid, "user_list": [erin, c.member.0, c.admin.0]});
        let r = app
            .post("/group/members/display_name")
            .token(&c.member.1)
            .json(ids.clone())
            .send()
            .await;
        let rows = r.ok().as_array().unwrap().clone();
        assert!(
            hidden(row(&rows, erin))
                && shown(row(&rows, c.member.0))
                && shown(row(&rows, c.admin.0)),
            "{rows:?}"
        );
        let r = app
            .post("/group/members/display_name")
            .token(&c.admin.1)
            .json(ids)
            .send()
            .await;
        assert!(r.ok().as_array().unwrap().iter().all(shown));
        // off again: the member sees everything at once (the group's cache was evicted)
        hide(&app, &c.admin.1, c.gid, false).send().await.ok();
        let rows = member_rows(app.get("/group/member_list").token(&c.member.1), c.gid).await;
        assert!(rows.iter().all(shown), "{rows:?}");
    }
);

db_test!(
    not_disturb_is_the_callers_own_and_read_back,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let settings = |token: &str| {
            app.get("/group/settings")
                .token(token)
                .query("group_id", c.gid)
        };
        assert_eq!(
            settings(&c.member.1).send().await.ok()["not_disturb"],
            false
        );
        let on = json!({"group_id": c.gid, "value": true});
        assert_eq!(
            app.post("/group/msg/not_disturb")
                .token(&c.member.1)
                .json(on.clone())
                .send()
                .await
                .ok(),
            &json!(true)
        );
        assert_eq!(settings(&c.member.1).send().await.ok()["not_disturb"], true);
        let info = app
            .get("/group/info")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(info.ok()["not_disturb"], true);
        // another member's, and an outsider's view: their own (false)
        assert_eq!(settings(&c.admin.1).send().await.ok()["not_disturb"], false);
        assert_eq!(
            settings(&c.outsider.1).send().await.ok()["not_disturb"],
            false
        );
        // the admin token acting as the member sees and changes the member's
        let as_member = app
            .get("/group/settings")
            .admin()
            .header("user_id", c.member.0)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(as_member.ok()["not_disturb"], true);
        let off = json!({"group_id": c.gid, "value": false});
        app.put("/group/msg/not_disturb")
            .admin()
            .header("user_id", c.member.0)
            .json(off.clone())
            .send()
            .await
            .ok();
        assert_eq!(
            settings(&c.member.1).send().await.ok()["not_disturb"],
            false
        );
        // refusals as the other per-member settings: non-member 20002, no acting user 10002
        app.put("/group/msg/not_disturb")
            .token(&c.outsider.1)
            .json(on.clone())
            .send()
            .await
            .err(20002);
        app.put("/group/msg/not_disturb")
            .admin()
            .header("group_id", c.gid)
            .json(on.clone())
            .send()
            .await
            .err(10002);
        app.put("/group/msg/not_disturb")
            .token(&c.member.1)
            .json(json!({"group_id": 999_999, "value": true}))
            .send()
            .await
            .err(20001);
    }
);

async fn pins(app: &TestApp, token: &str) -> Vec<i64> {
    let r = app
        .get("/user/conversation/pin_list")
        .token(token)
        .send()
        .await;
    r.ok()["conversation_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

fn pin<'a>(app: &'a TestApp, path: &str, token: &str, id: i64) -> Call<'a> {
    app.post(path)
        .token(token)
        .json(json!({"conversation_id": id}))
}

db_test!(pin_unpin_pin_list, |app: TestApp| async move {
    let (alice, ta) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    // users and groups share one id space: the group's id names no user
    let gid = app.new_group(&ta, &[bob]).await;
    assert!(![alice, bob].contains(&gid));
    assert!(pins(&app, &ta).await.is_empty());
    assert_eq!(
        pin(&app, "/user/conversation/pin", &ta, gid)
            .send()
            .await
            .ok(),
        &json!(true)
    );
    app.put("/user/conversation/pin")
        .token(&ta)
        .json(json!({"conversation_id": bob}))
        .send()
        .await
        .ok();
    pin(&app, "/user/conversation/pin", &ta, alice)
        .send()
        .await
        .ok(); // the caller's own chat
    // pinning again is idempotent and keeps the place; oldest first
    pin(&app, "/user/conversation/pin", &ta, gid)
        .send()
        .await
        .ok();
    assert_eq!(pins(&app, &ta).await, vec![gid, bob, alice]);
    // unknown ids are 10002, nothing added
    let m = pin(&app, "/user/conversation/pin", &ta, 999_999)
        .send()
        .await
        .err(10002);
    assert!(m.contains("conversation_id"), "{m}");
    app.post("/user/conversation/pin")
        .token(&ta)
        .json(json!({}))
        .send()
        .await
        .err(10002);
    // unpin (POST and PUT); unpinning what is not pinned answers true too
    assert_eq!(
        pin(&app, "/user/conversation/unpin", &ta, bob)
            .send()
            .await
            .ok(),
        &json!(true)
    );
    app.put("/user/conversation/unpin")
        .token(&ta)
        .json(json!({"conversation_id": bob}))
        .send()
        .await
        .ok();
    pin(&app, "/user/conversation/unpin", &ta, 999_999)
        .send()
        .await
        .ok();
    assert_eq!(pins(&app, &ta).await, vec![gid, alice]);
    // pins are per user; the admin token acts as the user named by user_id, and needs one
    let (_, tb) = app.user("bob2").await;
    assert!(pins(&app, &tb).await.is_empty());
    let r = app
        .get("/user/conversation/pin_list")
        .admin()
        .header("user_id", alice)
        .send()
        .await;
    assert_eq!(r.ok()["conversation_ids"], json!([gid, alice]));
    app.post("/user/conversation/pin")
        .admin()
        .header("user_id", alice)
        .json(json!({"conversation_id": bob}))
        .send()
        .await
        .ok();
    assert_eq!(pins(&app, &ta).await, vec![gid, alice, bob]);
    app.get("/user/conversation/pin_list")
        .admin()
        .send()
        .await
        .err(10002);
    app.post("/user/conversation/pin")
        .admin()
        .json(json!({"conversation_id": bob}))
        .send()
        .await
        .err(10002);
    // a dissolved group stays pinnable (its conversation has a history)
    app.delete("/group/destroy")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await
        .ok();
    pin(&app, "/user/conversation/pin", &tb, gid)
        .send()
        .await
        .ok();
});

db_test!(
    pins_are_capped_and_go_with_their_user,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        // 99 pins written directly (the cap counts rows, whatever they name), then the 100th through the API
        let values: Vec<String> = (0..99)
            .map(|i| format!("({alice}, {}, 0)", 1_000_000 + i))
            .collect();
        let sql = format!(
            "INSERT INTO conversation_pins (user_id, conversation_id, created_at) VALUES {}",
            values.join(", ")
        );
        app.state.db.execute_unprepared(&sql).await.unwrap();
        pin(&app, "/user/conversation/pin", &ta, bob)
            .send()
            .await
            .ok();
        assert_eq!(pins(&app, &ta).await.len(), 100);
        let (carol, _) = app.user("carol").await;
        let m = pin(&app, "/user/conversation/pin", &ta, carol)
            .send()
            .await
            .err(10002);
        assert!(m.contains("100"), "{m}");
        // at the cap, pinning a pinned conversation is still true
        pin(&app, "/user/conversation/pin", &ta, bob)
            .send()
            .await
            .ok();
        pin(&app, "/user/conversation/unpin", &ta, 1_000_000)
            .send()
            .await
            .ok();
        pin(&app, "/user/conversation/pin", &ta, carol)
            .send()
            .await
            .ok();
        // deleting a user deletes its pins
        pin(&app, "/user/conversation/pin", &tb, alice)
            .send()
            .await
            .ok();
        app.post("/user/delete")
            .admin()
            .header("user_id", alice)
            .send()
            .await
            .ok();
        let n = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM conversation_pins WHERE user_id = {alice}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(
            pins(&app, &tb).await,
            vec![alice],
            "other users' pins stay until unpinned"
        );
    }
);

db_test!(app_qrcode_paths_sign_and_join, |app: TestApp| async move {
    let (_alice, ta) = app.user("alice").await;
    let (bob, tb) = app.user("bob").await;
    let (carol, tc) = app.user("carol").await;
    let (dan, td) = app.user("dan").await;
    let gid = app.new_group(&ta, &[bob]).await;
    let now = app.state.now_ms();
    let r = app
        .get("/app/qrcode/group_sign")
        .token(&tb)
        .query("group_id", gid)
        .send()
        .await;
    let d = r.ok().clone();
    assert_eq!(
        (d["create_at"].as_i64(), d["expire_at"].as_i64()),
        (Some(now), Some(now + QR_TTL_MS))
    );
    assert_eq!(
        d["expired"], d["expire_at"],
        "expired is expire_at, in epoch ms"
    );
    let qr = d["qr_info"].as_str().unwrap().to_owned();
    // the group path answers expired too
    let r = app
        .get("/group/qrcode/sign")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(r.ok()["expired"], r.ok()["expire_at"]);
    // the same rights as /group/qrcode/sign
    app.get("/app/qrcode/group_sign")
        .token(&tc)
        .query("group_id", gid)
        .send()
        .await
        .err(20011);
    app.get("/app/qrcode/group_sign")
        .token(&tc)
        .query("group_id", 999_999)
        .send()
        .await
        .err(20001);
    // joining through the GET
    let r = app
        .get("/app/qrcode/group_invite")
        .token(&tc)
        .query("qr_info", &qr)
        .send()
        .await;
    assert_eq!(r.ok()["group_id"], gid);
    assert!(app.members_of(gid).await.contains(&carol));
    app.get("/app/qrcode/group_invite")
        .token(&tc)
        .query("qr_info", &qr)
        .send()
        .await
        .err(20017);
    app.get("/app/qrcode/group_invite")
        .token(&td)
        .query("qr_info", format!("{qr}0"))
        .send()
        .await
        .err(20024);
    app.get("/app/qrcode/group_invite")
        .token(&td)
        .send()
        .await
        .err(10002);
    // a code of either path works on the other
    app.post("/group/qrcode/invite")
        .token(&td)
        .json(json!({"qr_info": qr}))
        .send()
        .await
        .ok();
    assert!(app.members_of(gid).await.contains(&dan));
    app.register("erin").await;
    app.clock.advance_ms(QR_TTL_MS);
    let te = app.login("erin").await;
    app.get("/app/qrcode/group_invite")
        .token(&te)
        .query("qr_info", &qr)
        .send()
        .await
        .err(20025);
});

db_test!(
    banned_list_hides_details_from_plain_members_too,
    |app: TestApp| async move {
        let (_, owner) = app.user("owner").await;
        let (bob, bob_token) = app.user("bob").await;
        let carol = app.register("carol").await;
        let gid = app.new_group(&owner, &[bob, carol]).await;
        app.put("/group/settings/hide_member_info")
            .token(&owner)
            .json(json!({"group_id": gid, "value": true}))
            .send()
            .await
            .ok();
        app.post("/group/ban")
            .token(&owner)
            .json(json!({"group_id": gid, "user_list": [carol], "duration": 10}))
            .send()
            .await
            .ok();
        let seen = app
            .get("/group/banned_list")
            .token(&bob_token)
            .query("group_id", gid)
            .send()
            .await;
        let row = &seen.ok()[0];
        assert_eq!(
            (row["user_id"].as_i64(), row["join_time"].as_i64()),
            (Some(carol), Some(0))
        );
        assert!(
            row["expired_time"].as_i64().unwrap() > 0,
            "the mute end stays: it is what the list is for"
        );
        let by_owner = app
            .get("/group/banned_list")
            .token(&owner)
            .query("group_id", gid)
            .send()
            .await;
        assert!(by_owner.ok()[0]["join_time"].as_i64().unwrap() > 0);
    }
);
