//! Groups (issue 5): create, info, batch, updates, settings, member settings, destroy,
//! transfer, user_joined, public_list.
use crate::common;

use common::{START_MS, TestApp};
use imserver::entity::{group, group_member};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

/// Create a group as `token` with `members`; answers its id.
async fn group_of(app: &TestApp, token: &str, members: &[i64]) -> i64 {
    let r = app
        .post("/group/create")
        .token(token)
        .json(json!({"name": "g", "user_list": members}))
        .send()
        .await;
    r.ok()["group_id"].as_i64().expect("group_id")
}

async fn info(app: &TestApp, token: &str, gid: i64) -> Value {
    app.get("/group/info")
        .token(token)
        .query("group_id", gid)
        .send()
        .await
        .ok()
        .clone()
}

async fn stored_members(app: &TestApp, gid: i64) -> u64 {
    group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(gid))
        .count(&app.state.db)
        .await
        .unwrap()
}

db_test!(
    create_applies_the_defaults_and_joins_the_list,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, _) = app.user("bob").await;
        let r = app
        .post("/group/create")
        .token(&ta)
        .json(json!({"name": "team", "avatar": "http://a/b.png", "description": "d", "user_list": [bob, 999999, bob, alice]}))
        .send()
        .await;
        let d = r.ok().clone();
        assert_eq!(d["owner_id"], alice);
        assert_eq!(d["name"], "team");
        assert_eq!(d["avatar"], "http://a/b.png");
        assert_eq!(d["description"], "d");
        assert!(d["ext"].is_null());
        assert_eq!(
            d["count"], 2,
            "owner and bob; the unknown id is skipped, repeats ignored"
        );
        assert_eq!(d["type"], 0);
        assert_eq!(d["capacity"], 2000);
        assert_eq!(d["member_invite"], true);
        assert_eq!(d["apply_approval"], 1);
        assert_eq!(d["member_modify"], false);
        assert_eq!(d["read_ack"], false);
        assert_eq!(d["history_visible"], false);
        assert_eq!(d["status"], 0);
        assert_eq!(d["ban_expire_time"], 0);
        assert_eq!(d["msg_mute_mode"], 0);
        assert_eq!(d["msg_push_mode"], 0);
        assert_eq!(d["created_at"], START_MS);
        assert_eq!(d["updated_at"], START_MS);
        let gid = d["group_id"].as_i64().unwrap();
        assert_eq!(stored_members(&app, gid).await, 2);
        let g = group::Entity::find_by_id(gid)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(g.count, 2);
        let owner = group_member::Entity::find()
            .filter(group_member::Column::GroupId.eq(gid))
            .filter(group_member::Column::UserId.eq(alice))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((owner.role, owner.join_time), (2, START_MS));

        // a chatroom, with nothing but the type
        let room = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"type": 2}))
            .send()
            .await;
        let room = room.ok();
        assert_eq!(
            (
                room["type"].as_i64(),
                room["capacity"].as_i64(),
                room["count"].as_i64()
            ),
            (Some(2), Some(100000), Some(1))
        );
        assert!(room["name"].is_null());
    }
);

db_test!(
    create_refuses_bad_input_and_ownerless_calls,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        assert!(
            app.post("/group/create")
                .token(&ta)
                .json(json!({"type": 1}))
                .send()
                .await
                .err(10002)
                .contains("type")
        );
        let long = "x".repeat(129);
        assert!(
            app.post("/group/create")
                .token(&ta)
                .json(json!({"name": long}))
                .send()
                .await
                .err(10002)
                .contains("name")
        );
        app.post("/group/create")
            .token(&ta)
            .json(json!({"name": ""}))
            .send()
            .await
            .err(10002);
        let many: Vec<i64> = (1..=501).collect();
        app.post("/group/create")
            .token(&ta)
            .json(json!({"user_list": many}))
            .send()
            .await
            .err(10002);
        app.post("/group/create")
            .token(&ta)
            .json(json!({"user_list": "x"}))
            .send()
            .await
            .err(10002);
        app.post("/group/create")
            .json(json!({}))
            .send()
            .await
            .err(10003);
        // an app admin token must name the owner
        let m = app
            .post("/group/create")
            .admin()
            .json(json!({"name": "a"}))
            .send()
            .await
            .err(10002);
        assert!(m.contains("user_id"), "{m}");
        let m = app
            .post("/group/create")
            .admin()
            .header("group_id", 1)
            .json(json!({}))
            .send()
            .await
            .err(10002);
        assert!(m.contains("user_id"), "{m}");
        assert_eq!(group::Entity::find().count(&app.state.db).await.unwrap(), 0);
        // with user_id it creates for that user
        let r = app
            .post("/group/create")
            .admin()
            .header("user_id", alice)
            .json(json!({"name": "a"}))
            .send()
            .await;
        assert_eq!(r.ok()["owner_id"], alice);
    }
);

db_test!(
    info_settings_and_batch_read_any_group_of_the_app,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (_bob, tb) = app.user("bob").await;
        let g1 = group_of(&app, &ta, &[]).await;
        let room = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"type": 2, "name": "room"}))
            .send()
            .await;
        let g2 = room.ok()["group_id"].as_i64().unwrap();
        // a non-member reads too; settings answer the same object
        let i = info(&app, &tb, g1).await;
        assert_eq!(
            (i["group_id"].as_i64(), i["owner_id"].as_i64()),
            (Some(g1), Some(alice))
        );
        let s = app
            .get("/group/settings")
            .token(&tb)
            .query("group_id", g1)
            .send()
            .await;
        assert_eq!(s.ok(), &i);
        app.get("/group/info")
            .admin()
            .query("group_id", g1)
            .send()
            .await
            .ok();
        app.get("/group/info")
            .token(&ta)
            .query("group_id", 424242)
            .send()
            .await
            .err(20001);
        app.get("/group/settings")
            .token(&ta)
            .query("group_id", 424242)
            .send()
            .await
            .err(20001);
        app.get("/group/info").token(&ta).send().await.err(10002);
        app.get("/group/info")
            .token(&ta)
            .query("group_id", "x")
            .send()
            .await
            .err(10002);

        let b = app
            .post("/group/info/batch")
            .token(&tb)
            .json(json!({"group_list": [g2, 424242, g1, g2]}))
            .send()
            .await;
        let items = b.ok().as_array().unwrap().clone();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["group_id"], g2);
        assert_eq!(items[0]["type"], 2);
        assert_eq!(items[0]["owner"], alice);
        assert!(items[0].get("owner_id").is_none());
        assert_eq!(items[1]["group_id"], g1);
        assert_eq!(items[1]["count"], 1);
        let empty = app
            .post("/group/info/batch")
            .token(&tb)
            .json(json!({"group_list": []}))
            .send()
            .await;
        assert_eq!(empty.ok(), &json!([]));
        app.post("/group/info/batch")
            .token(&tb)
            .json(json!({}))
            .send()
            .await
            .err(10002);
    }
);

db_test!(groups_of_another_app_are_20001, |app: TestApp| async move {
    let (_alice, ta) = app.user("alice").await;
    let other = imserver::domain::identity::apps::create_app(&app.state, "other", None)
        .await
        .unwrap();
    let r = app
        .post("/user/register/v2")
        .header("app_id", &other.app_id)
        .json(json!({"username": "olga", "password": "secret123"}))
        .send()
        .await;
    let olga = r.ok()["user_id"].as_i64().unwrap();
    let r = app
        .post("/group/create")
        .header("app_id", &other.app_id)
        .token(&other.admin_token)
        .header("user_id", olga)
        .json(json!({"type": 2}))
        .send()
        .await;
    let foreign = r.ok()["group_id"].as_i64().unwrap();
    app.get("/group/info")
        .token(&ta)
        .query("group_id", foreign)
        .send()
        .await
        .err(20001);
    app.put("/group/info/name")
        .token(&ta)
        .json(json!({"group_id": foreign, "value": "x"}))
        .send()
        .await
        .err(20001);
    app.put("/group/info/name")
        .admin()
        .header("group_id", foreign)
        .json(json!({"group_id": foreign, "value": "x"}))
        .send()
        .await
        .err(20001);
    let b = app
        .post("/group/info/batch")
        .token(&ta)
        .json(json!({"group_list": [foreign]}))
        .send()
        .await;
    assert_eq!(b.ok(), &json!([]));
    let p = app.get("/group/public_list").token(&ta).send().await;
    assert_eq!(p.ok(), &json!([]));
});

db_test!(info_updates_on_put_and_post, |app: TestApp| async move {
    let (_alice, ta) = app.user("alice").await;
    let gid = group_of(&app, &ta, &[]).await;
    for (i, method) in ["put", "post"].into_iter().enumerate() {
        app.clock.advance_ms(1000);
        for (field, value) in [
            ("name", format!("n{i}")),
            ("avatar", format!("a{i}")),
            ("description", format!("d{i}")),
            ("ext", format!("e{i}")),
        ] {
            let call = if method == "put" {
                app.put(&format!("/group/info/{field}"))
            } else {
                app.post(&format!("/group/info/{field}"))
            };
            let r = call
                .token(&ta)
                .json(json!({"group_id": gid, "value": value}))
                .send()
                .await;
            assert_eq!(r.ok(), &json!(true), "{method} {field}");
            let d = info(&app, &ta, gid).await;
            assert_eq!(d[field], value.as_str(), "{method} {field}");
            assert_eq!(d["updated_at"], START_MS + 1000 * (i as i64 + 1));
        }
    }
    // limits name the field
    assert!(
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"group_id": gid, "value": ""}))
            .send()
            .await
            .err(10002)
            .contains("value")
    );
    app.put("/group/info/name")
        .token(&ta)
        .json(json!({"group_id": gid, "value": "x".repeat(129)}))
        .send()
        .await
        .err(10002);
    app.put("/group/info/avatar")
        .token(&ta)
        .json(json!({"group_id": gid, "value": "x".repeat(1025)}))
        .send()
        .await
        .err(10002);
    app.put("/group/info/description")
        .token(&ta)
        .json(json!({"group_id": gid, "value": "x".repeat(2049)}))
        .send()
        .await
        .err(10002);
    app.put("/group/info/ext")
        .token(&ta)
        .json(json!({"group_id": gid, "value": "x".repeat(2049)}))
        .send()
        .await
        .err(10002);
    app.put("/group/info/ext")
        .token(&ta)
        .json(json!({"group_id": gid, "value": "x".repeat(2048)}))
        .send()
        .await
        .ok();
    assert!(
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"value": "x"}))
            .send()
            .await
            .err(10002)
            .contains("group_id")
    );
    app.put("/group/info/name")
        .token(&ta)
        .json(json!({"group_id": 424242, "value": "x"}))
        .send()
        .await
        .err(20001);
});

db_test!(
    settings_updates_on_put_and_post,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let gid = group_of(&app, &ta, &[]).await;
        let flags = [
            ("allow_member_invitation", "member_invite"),
            ("allow_member_modify", "member_modify"),
            ("enable_read_ack", "read_ack"),
            ("history_visible", "history_visible"),
        ];
        for method in ["put", "post"] {
            for (route, field) in flags {
                let before = info(&app, &ta, gid).await[field].as_bool().unwrap();
                let path = format!("/group/settings/{route}");
                let call = if method == "put" {
                    app.put(&path)
                } else {
                    app.post(&path)
                };
                let r = call
                    .token(&ta)
                    .json(json!({"group_id": gid, "value": !before}))
                    .send()
                    .await;
                assert_eq!(r.ok(), &json!(true));
                let s = app
                    .get("/group/settings")
                    .token(&ta)
                    .query("group_id", gid)
                    .send()
                    .await;
                assert_eq!(s.ok()[field], !before, "{method} {route}");
            }
            for v in [0, 2] {
                let call = if method == "put" {
                    app.put("/group/settings/require_admin_approval")
                } else {
                    app.post("/group/settings/require_admin_approval")
                };
                call.token(&ta)
                    .json(json!({"group_id": gid, "apply_approval": v}))
                    .send()
                    .await
                    .ok();
                assert_eq!(info(&app, &ta, gid).await["apply_approval"], v);
            }
        }
        app.put("/group/settings/require_admin_approval")
            .token(&ta)
            .json(json!({"group_id": gid, "apply_approval": 3}))
            .send()
            .await
            .err(10002);
        app.put("/group/settings/require_admin_approval")
            .token(&ta)
            .json(json!({"group_id": gid, "apply_approval": -1}))
            .send()
            .await
            .err(10002);
        app.put("/group/settings/enable_read_ack")
            .token(&ta)
            .json(json!({"group_id": gid, "value": "yes"}))
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    member_settings_are_the_callers_own,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (_carol, tc) = app.user("carol").await;
        let gid = group_of(&app, &ta, &[bob]).await;
        for (i, method) in ["put", "post"].into_iter().enumerate() {
            let call = |p: &str| {
                if method == "put" {
                    app.put(p)
                } else {
                    app.post(p)
                }
            };
            let r = call("/group/display_name")
                .token(&tb)
                .json(json!({"group_id": gid, "value": format!("bobby{i}")}))
                .send()
                .await;
            assert_eq!(r.ok(), &json!(true));
            let m = call("/group/msg/mute_mode")
                .token(&tb)
                .json(json!({"group_id": gid, "msg_mute_mode": 2 - i}))
                .send()
                .await;
            assert_eq!(m.ok()["msg_mute_mode"], 2 - i as i64);
            let p = call("/group/msg/push_mode")
                .token(&tb)
                .json(json!({"group_id": gid, "msg_push_mode": 4 - i}))
                .send()
                .await;
            assert_eq!(p.ok()["msg_push_mode"], 4 - i as i64);
            assert_eq!(p.ok()["msg_mute_mode"], 2 - i as i64);
            let row = group_member::Entity::find()
                .filter(group_member::Column::GroupId.eq(gid))
                .filter(group_member::Column::UserId.eq(bob))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                row.display_name.as_deref(),
                Some(format!("bobby{i}").as_str())
            );
        }
        // bob sees his modes; alice still sees hers
        let b = info(&app, &tb, gid).await;
        assert_eq!(
            (b["msg_mute_mode"].as_i64(), b["msg_push_mode"].as_i64()),
            (Some(1), Some(3))
        );
        let a = info(&app, &ta, gid).await;
        assert_eq!(
            (a["msg_mute_mode"].as_i64(), a["msg_push_mode"].as_i64()),
            (Some(0), Some(0))
        );
        let batch = app
            .post("/group/info/batch")
            .token(&tb)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        assert_eq!(batch.ok()[0]["msg_push_mode"], 3);
        // an app admin acting as bob sees bob's
        let s = app
            .get("/group/settings")
            .admin()
            .header("user_id", bob)
            .query("group_id", gid)
            .send()
            .await;
        assert_eq!(s.ok()["msg_push_mode"], 3);
        // ranges
        app.put("/group/msg/mute_mode")
            .token(&tb)
            .json(json!({"group_id": gid, "msg_mute_mode": 3}))
            .send()
            .await
            .err(10002);
        app.put("/group/msg/push_mode")
            .token(&tb)
            .json(json!({"group_id": gid, "msg_push_mode": 5}))
            .send()
            .await
            .err(20003);
        app.put("/group/msg/push_mode")
            .token(&tb)
            .json(json!({"group_id": gid, "msg_push_mode": -1}))
            .send()
            .await
            .err(20003);
        app.put("/group/display_name")
            .token(&tb)
            .json(json!({"group_id": gid, "value": "x".repeat(129)}))
            .send()
            .await
            .err(10002);
        // a non-member has no member settings
        app.put("/group/display_name")
            .token(&tc)
            .json(json!({"group_id": gid, "value": "c"}))
            .send()
            .await
            .err(20002);
        app.put("/group/msg/mute_mode")
            .token(&tc)
            .json(json!({"group_id": gid, "msg_mute_mode": 1}))
            .send()
            .await
            .err(20002);
        app.put("/group/msg/push_mode")
            .token(&tc)
            .json(json!({"group_id": gid, "msg_push_mode": 1}))
            .send()
            .await
            .err(20002);
        // the group_id header is no user
        app.put("/group/display_name")
            .admin()
            .header("group_id", gid)
            .json(json!({"group_id": gid, "value": "c"}))
            .send()
            .await
            .err(10002);
        // an admin acting as bob changes bob's
        app.put("/group/display_name")
            .admin()
            .header("user_id", bob)
            .json(json!({"group_id": gid, "value": "B"}))
            .send()
            .await
            .ok();
    }
);

db_test!(
    destroy_dissolves_and_freezes_the_group,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let g1 = group_of(&app, &ta, &[bob]).await;
        let g2 = group_of(&app, &ta, &[bob]).await;
        let joined = app.get("/group/user_joined").token(&tb).send().await;
        assert_eq!(joined.ok(), &json!([g1, g2]));
        app.clock.advance_ms(5);
        let r = app
            .delete("/group/destroy")
            .token(&ta)
            .query("group_id", g1)
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        let r = app
            .post("/group/destroy")
            .token(&ta)
            .query("group_id", g2)
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        // still readable by id
        let d = info(&app, &tb, g1).await;
        assert_eq!(
            (
                d["status"].as_i64(),
                d["updated_at"].as_i64(),
                d["count"].as_i64()
            ),
            (Some(1), Some(START_MS + 5), Some(2))
        );
        let b = app
            .post("/group/info/batch")
            .token(&tb)
            .json(json!({"group_list": [g1]}))
            .send()
            .await;
        assert_eq!(b.ok()[0]["status"], 1);
        // gone from the lists
        assert_eq!(
            app.get("/group/user_joined").token(&tb).send().await.ok(),
            &json!([])
        );
        assert_eq!(
            app.get("/group/user_joined").token(&ta).send().await.ok(),
            &json!([])
        );
        // no further change
        app.delete("/group/destroy")
            .token(&ta)
            .query("group_id", g1)
            .send()
            .await
            .err(20001);
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"group_id": g1, "value": "x"}))
            .send()
            .await
            .err(20001);
        app.put("/group/settings/enable_read_ack")
            .token(&ta)
            .json(json!({"group_id": g1, "value": true}))
            .send()
            .await
            .err(20001);
        app.put("/group/display_name")
            .token(&tb)
            .json(json!({"group_id": g1, "value": "x"}))
            .send()
            .await
            .err(20001);
        app.put("/group/msg/push_mode")
            .token(&tb)
            .json(json!({"group_id": g1, "msg_push_mode": 1}))
            .send()
            .await
            .err(20001);
        app.put("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": g1, "new_owner": bob}))
            .send()
            .await
            .err(20001);
        app.post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": g1, "user_list": [bob]}))
            .send()
            .await
            .err(20001);
        let g = group::Entity::find_by_id(g1)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (g.status, g.owner_id, g.name.as_deref()),
            (1, alice, Some("g"))
        );
        // destroy needs the query parameter
        app.delete("/group/destroy")
            .token(&ta)
            .send()
            .await
            .err(10002);
        app.delete("/group/destroy")
            .token(&ta)
            .query("group_id", 424242)
            .send()
            .await
            .err(20001);
    }
);

db_test!(
    transfer_hands_over_and_keeps_the_old_owner_as_member,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, _tc) = app.user("carol").await;
        let gid = group_of(&app, &ta, &[bob]).await;
        let r = app
            .put("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": gid, "new_owner": carol}))
            .send()
            .await;
        r.err(20005);
        app.put("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": gid, "new_owner": alice}))
            .send()
            .await
            .err(10002);
        // bob is muted; as the owner nobody could unmute him, so the transfer ends his mute
        app.post("/group/ban")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [bob], "duration": 10}))
            .send()
            .await
            .ok();
        let r = app
            .put("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": gid, "new_owner": bob}))
            .send()
            .await;
        let d = r.ok();
        assert_eq!(
            (d["user_id"].as_i64(), d["result"].as_str()),
            (Some(bob), Some("success"))
        );
        let muted = app
            .get("/group/banned_list")
            .token(&tb)
            .query("group_id", gid)
            .send()
            .await;
        assert_eq!(muted.ok(), &json!([]));
        let i = info(&app, &ta, gid).await;
        assert_eq!(
            (i["owner_id"].as_i64(), i["count"].as_i64()),
            (Some(bob), Some(2))
        );
        // the old owner is a plain member now
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"group_id": gid, "value": "x"}))
            .send()
            .await
            .err(20012);
        app.delete("/group/destroy")
            .token(&ta)
            .query("group_id", gid)
            .send()
            .await
            .err(20013);
        app.post("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": gid, "new_owner": alice}))
            .send()
            .await
            .err(20013);
        assert_eq!(
            app.get("/group/user_joined").token(&ta).send().await.ok(),
            &json!([gid])
        );
        // the new owner has every right, and hands it back with POST
        app.put("/group/info/name")
            .token(&tb)
            .json(json!({"group_id": gid, "value": "bob's"}))
            .send()
            .await
            .ok();
        let r = app
            .post("/group/transfer")
            .token(&tb)
            .json(json!({"group_id": gid, "new_owner": alice}))
            .send()
            .await;
        assert_eq!(r.ok()["user_id"], alice);
        let roles: Vec<(i64, i32)> = group_member::Entity::find()
            .filter(group_member::Column::GroupId.eq(gid))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.role))
            .collect();
        assert!(
            roles.contains(&(alice, 2)) && roles.contains(&(bob, 0)),
            "{roles:?}"
        );
        // an app admin with group_id transfers with owner rights
        let r = app
            .put("/group/transfer")
            .admin()
            .header("group_id", gid)
            .json(json!({"group_id": gid, "new_owner": bob}))
            .send()
            .await;
        assert_eq!(r.ok()["user_id"], bob);
        assert_eq!(info(&app, &ta, gid).await["owner_id"], bob);
    }
);

db_test!(user_joined_and_public_list, |app: TestApp| async move {
    let (alice, ta) = app.user("alice").await;
    let (bob, tb) = app.user("bob").await;
    let g1 = group_of(&app, &ta, &[]).await;
    let room = app
        .post("/group/create")
        .token(&tb)
        .json(json!({"type": 2, "user_list": [alice]}))
        .send()
        .await;
    let r1 = room.ok()["group_id"].as_i64().unwrap();
    let room = app
        .post("/group/create")
        .token(&tb)
        .json(json!({"type": 2}))
        .send()
        .await;
    let r2 = room.ok()["group_id"].as_i64().unwrap();
    assert_eq!(
        app.get("/group/user_joined").token(&ta).send().await.ok(),
        &json!([g1, r1])
    );
    assert_eq!(
        app.get("/group/user_joined")
            .admin()
            .header("user_id", bob)
            .send()
            .await
            .ok(),
        &json!([r1, r2])
    );
    assert!(
        app.get("/group/user_joined")
            .admin()
            .send()
            .await
            .err(10002)
            .contains("user_id")
    );
    assert_eq!(
        app.get("/group/public_list").token(&ta).send().await.ok(),
        &json!([r1, r2])
    );
    assert_eq!(
        app.get("/group/public_list").admin().send().await.ok(),
        &json!([r1, r2])
    );
    app.delete("/group/destroy")
        .token(&tb)
        .query("group_id", r2)
        .send()
        .await
        .ok();
    assert_eq!(
        app.get("/group/public_list").token(&ta).send().await.ok(),
        &json!([r1])
    );
    app.get("/group/public_list").send().await.err(10003);
});

db_test!(
    concurrent_transfers_leave_one_owner,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, _) = app.user("bob").await;
        let (carol, _) = app.user("carol").await;
        let gid = group_of(&app, &ta, &[bob, carol]).await;
        let calls = [bob, carol, bob, carol].map(|to| {
            app.put("/group/transfer")
                .token(&ta)
                .json(json!({"group_id": gid, "new_owner": to}))
                .send()
        });
        let answers = futures::future::join_all(calls).await;
        let ok = answers.iter().filter(|a| a.code() == 200).count();
        let denied = answers.iter().filter(|a| a.code() == 20013).count();
        assert_eq!((ok, denied), (1, 3), "{answers:?}");
        let rows = group_member::Entity::find()
            .filter(group_member::Column::GroupId.eq(gid))
            .all(&app.state.db)
            .await
            .unwrap();
        let owners: Vec<i64> = rows
            .iter()
            .filter(|m| m.role == 2)
            .map(|m| m.user_id)
            .collect();
        let g = group::Entity::find_by_id(gid)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(owners, vec![g.owner_id]);
        assert_ne!(g.owner_id, alice);
        assert_eq!(g.count, 3);
    }
);
