//! The group permission matrix: owner > admin > member > non-member, and the app admin token
//! with the group_id header (owner rights on that group only) or the user_id header.
use crate::common;

use common::TestApp;
use common::groups::{EVERYONE, as_who, cast, expected};
use serde_json::json;

db_test!(
    info_updates_need_an_admin_unless_member_modify,
    |app: TestApp| async move {
        let c = cast(&app).await;
        for who in EVERYONE {
            for field in ["name", "avatar", "description", "ext"] {
                let call = as_who(app.put(&format!("/group/info/{field}")), &c, who);
                let r = call
                    .json(json!({"group_id": c.gid, "value": "v"}))
                    .send()
                    .await;
                assert_eq!(r.code(), expected(who, 1), "{who:?} {field}: {:?}", r.body);
            }
        }
        app.put("/group/settings/allow_member_modify")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "value": true}))
            .send()
            .await
            .ok();
        for who in EVERYONE {
            let r = as_who(app.post("/group/info/name"), &c, who)
                .json(json!({"group_id": c.gid, "value": "m"}))
                .send()
                .await;
            assert_eq!(
                r.code(),
                expected(who, 0),
                "{who:?} with member_modify: {:?}",
                r.body
            );
        }
    }
);

db_test!(settings_updates_need_an_admin, |app: TestApp| async move {
    let c = cast(&app).await;
    for who in EVERYONE {
        for route in [
            "allow_member_invitation",
            "allow_member_modify",
            "enable_read_ack",
            "history_visible",
        ] {
            let r = as_who(app.put(&format!("/group/settings/{route}")), &c, who)
                .json(json!({"group_id": c.gid, "value": false}))
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 1), "{who:?} {route}: {:?}", r.body);
        }
        let r = as_who(app.post("/group/settings/require_admin_approval"), &c, who)
            .json(json!({"group_id": c.gid, "apply_approval": 0}))
            .send()
            .await;
        assert_eq!(
            r.code(),
            expected(who, 1),
            "{who:?} require_admin_approval: {:?}",
            r.body
        );
    }
});

db_test!(
    admin_management_needs_the_owner,
    |app: TestApp| async move {
        let c = cast(&app).await;
        for who in EVERYONE {
            // promote the member, then demote it again: only the owner's rights may
            let r = as_who(app.post("/group/admin/add"), &c, who)
                .json(json!({"group_id": c.gid, "user_list": [c.member.0]}))
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 2), "{who:?} add: {:?}", r.body);
            if r.code() == 200 {
                assert_eq!(r.ok()[0]["result"], "success");
            }
            let r = app
                .delete("/group/admin/remove")
                .token(&c.owner.1)
                .json(json!({"group_id": c.gid, "user_list": [c.member.0]}))
                .send()
                .await;
            r.ok();
            let r = as_who(app.post("/group/admin/remove"), &c, who)
                .json(json!({"group_id": c.gid, "user_list": [c.admin.0]}))
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 2), "{who:?} remove: {:?}", r.body);
            if r.code() == 200 {
                assert_eq!(r.ok()[0]["result"], "success");
                app.post("/group/admin/add")
                    .token(&c.owner.1)
                    .json(json!({"group_id": c.gid, "user_list": [c.admin.0]}))
                    .send()
                    .await
                    .ok();
            }
        }
    }
);

db_test!(
    destroy_and_transfer_need_the_owner,
    |app: TestApp| async move {
        let c = cast(&app).await;
        for who in EVERYONE {
            let want = expected(who, 2);
            if want == 200 {
                continue; // checked below, on fresh groups
            }
            let r = as_who(app.delete("/group/destroy"), &c, who)
                .query("group_id", c.gid)
                .send()
                .await;
            assert_eq!(r.code(), want, "{who:?} destroy: {:?}", r.body);
            let r = as_who(app.put("/group/transfer"), &c, who)
                .json(json!({"group_id": c.gid, "new_owner": c.member.0}))
                .send()
                .await;
            assert_eq!(r.code(), want, "{who:?} transfer: {:?}", r.body);
        }
        let r = app
            .delete("/group/destroy")
            .admin()
            .header("group_id", c.gid)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        let r = app
            .post("/group/create")
            .token(&c.owner.1)
            .json(json!({}))
            .send()
            .await;
        let g2 = r.ok()["group_id"].as_i64().unwrap();
        app.post("/group/destroy")
            .admin()
            .header("user_id", c.owner.0)
            .query("group_id", g2)
            .send()
            .await
            .ok();
    }
);

db_test!(
    admin_add_and_remove_answer_per_user,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let (alice, bob, carol, dave) = (c.owner.0, c.admin.0, c.member.0, c.outsider.0);
        app.put("/group/display_name")
            .token(&c.member.1)
            .json(json!({"group_id": c.gid, "value": "Carol"}))
            .send()
            .await
            .ok();
        let r = app
            .post("/group/admin/add")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [carol, dave, alice, bob, 999999, carol]}))
            .send()
            .await;
        let items = r.ok().as_array().unwrap().clone();
        let results: Vec<(i64, &str)> = items
            .iter()
            .map(|i| {
                (
                    i["user_id"].as_i64().unwrap(),
                    i["result"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            results,
            vec![
                (carol, "success"),
                (dave, "fail"),
                (alice, "fail"),
                (bob, "fail"),
                (999999, "fail")
            ]
        );
        assert!(items[0]["reason"].is_null());
        assert!(
            items[1]["reason"]
                .as_str()
                .unwrap()
                .contains("not a member")
        );
        // the list: admins only, not the owner
        let l = app
            .get("/group/admin_list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        let list = l.ok().as_array().unwrap().clone();
        let ids: Vec<i64> = list
            .iter()
            .map(|a| a["user_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![bob, carol]);
        assert_eq!(list[1]["display_name"], "Carol");
        assert_eq!(list[1]["expired_time"], 0);
        assert_eq!(list[1]["join_time"], common::START_MS);
        // the new admin changes settings now
        app.put("/group/settings/enable_read_ack")
            .token(&c.member.1)
            .json(json!({"group_id": c.gid, "value": true}))
            .send()
            .await
            .ok();

        let r = app
            .delete("/group/admin/remove")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [carol, dave, alice]}))
            .send()
            .await;
        let results: Vec<&str> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["result"].as_str().unwrap())
            .collect::<Vec<_>>()
            .into_iter()
            .map(|s| if s == "success" { "success" } else { "fail" })
            .collect();
        assert_eq!(results, vec!["success", "fail", "fail"]);
        let l = app
            .get("/group/admin_list")
            .admin()
            .header("group_id", c.gid)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(l.ok().as_array().unwrap().len(), 1);
        app.put("/group/settings/enable_read_ack")
            .token(&c.member.1)
            .json(json!({"group_id": c.gid, "value": false}))
            .send()
            .await
            .err(20012);

        // who may read the list
        app.get("/group/admin_list")
            .token(&c.outsider.1)
            .query("group_id", c.gid)
            .send()
            .await
            .err(20011);
        app.get("/group/admin_list")
            .admin()
            .query("group_id", c.gid)
            .send()
            .await
            .err(10002);
        app.get("/group/admin_list")
            .token(&c.owner.1)
            .query("group_id", 424242)
            .send()
            .await
            .err(20001);
        app.get("/group/admin_list")
            .token(&c.owner.1)
            .send()
            .await
            .err(10002);
        // limits and body errors
        let many: Vec<i64> = (1..=501).collect();
        app.post("/group/admin/add")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": many}))
            .send()
            .await
            .err(10002);
        assert!(
            app.post("/group/admin/add")
                .token(&c.owner.1)
                .json(json!({"group_id": c.gid}))
                .send()
                .await
                .err(10002)
                .contains("user_list")
        );
        let empty = app
            .post("/group/admin/add")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": []}))
            .send()
            .await;
        assert_eq!(empty.ok(), &json!([]));
    }
);
