//! Members: member_list (keyset paging), members/display_name, kick, leave.
use crate::common;

use std::collections::HashSet;

use common::TestApp;
use serde_json::{Value, json};

/// Join a user through the shared membership write.
async fn join(app: &TestApp, gid: i64, uid: i64) {
    use imserver::domain::groups::members::add_members;
    use imserver::entity::group;
    use sea_orm::EntityTrait;
    let g = group::Entity::find_by_id(gid)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        add_members(&app.state.db, &g, &[uid, uid], app.state.now_ms())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        add_members(&app.state.db, &g, &[uid], app.state.now_ms())
            .await
            .unwrap(),
        0,
        "nobody joins twice"
    );
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_i64().unwrap())
        .collect()
}

db_test!(member_list_pages_in_join_order, |app: TestApp| async move {
    let (alice, ta) = app.user("alice").await;
    let (_dave, td) = app.user("dave").await;
    let mut others = vec![];
    for i in 0..5 {
        others.push(app.register(&format!("mem{i}")).await);
    }
    let gid = app.new_group(&ta, &others).await;
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let mut call = app
            .get("/group/member_list")
            .token(&ta)
            .query("group_id", gid)
            .query("limit", 2);
        if let Some(c) = &cursor {
            call = call.query("cursor", c);
        }
        let r = call.send().await;
        let data = r.ok().clone();
        assert_eq!(r.body["total"], 6);
        assert!(data.as_array().unwrap().len() <= 2);
        for m in data.as_array().unwrap() {
            assert!(m["join_time"].as_i64().unwrap() > 0);
            assert_eq!(m["expired_time"], 0);
            assert!(m.get("display_name").is_some());
        }
        seen.extend(ids(&data));
        match r.body["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut want = vec![alice];
    want.extend(&others);
    assert_eq!(seen, want, "every member once, in join order");
    // default limit: one page, cursor null
    let r = app
        .get("/group/member_list")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(ids(r.ok()).len(), 6);
    assert!(r.body["cursor"].is_null());
    // bad input
    app.get("/group/member_list")
        .token(&ta)
        .query("group_id", gid)
        .query("cursor", "nope")
        .send()
        .await
        .err(10002);
    app.get("/group/member_list")
        .token(&ta)
        .query("group_id", gid)
        .query("limit", 0)
        .send()
        .await
        .err(10002);
    app.get("/group/member_list")
        .token(&ta)
        .query("group_id", gid)
        .query("limit", 1001)
        .send()
        .await
        .err(10002);
    app.get("/group/member_list")
        .token(&ta)
        .send()
        .await
        .err(10002);
    // outsiders may not list; the app admin token acting as the group may
    app.get("/group/member_list")
        .token(&td)
        .query("group_id", gid)
        .send()
        .await
        .err(20011);
    app.get("/group/member_list")
        .token(&ta)
        .query("group_id", 999_999)
        .send()
        .await
        .err(20001);
    let r = app
        .get("/group/member_list")
        .admin()
        .header("group_id", gid)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(ids(r.ok()).len(), 6);
    // a mute (through the API: member_list pages are cached and evicted by group changes) shows
    // until it ends
    let until = common::START_MS + 60_000;
    app.post("/group/ban")
        .token(&ta)
        .json(json!({"group_id": gid, "user_list": [others[0]], "duration": 1}))
        .send()
        .await
        .ok();
    let r = app
        .get("/group/member_list")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(r.ok()[1]["expired_time"], until);
    app.clock.advance_ms(60_000);
    let r = app
        .get("/group/member_list")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(r.ok()[1]["expired_time"], 0);
});

db_test!(
    paging_while_members_come_and_go_repeats_and_skips_nobody_who_stayed,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let mut others = vec![];
        for i in 0..12 {
            others.push(app.register(&format!("mem{i}")).await);
        }
        let late: Vec<i64> = {
            let mut v = vec![];
            for i in 0..4 {
                v.push(app.register(&format!("late{i}")).await);
            }
            v
        };
        let gid = app.new_group(&ta, &others).await;
        let mut seen = vec![];
        let mut gone = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut round = 0;
        loop {
            let mut call = app
                .get("/group/member_list")
                .token(&ta)
                .query("group_id", gid)
                .query("limit", 3);
            if let Some(c) = &cursor {
                call = call.query("cursor", c);
            }
            let r = call.send().await;
            seen.extend(ids(r.ok()));
            // between pages: one seen member and one not yet seen member leave, one user joins
            if round < 4 {
                let seen_one = *seen.last().unwrap();
                let unseen = others[others.len() - 1 - round];
                let r = app
                    .post("/group/kick")
                    .token(&ta)
                    .json(json!({"group_id": gid, "user_list": [seen_one, unseen]}))
                    .send()
                    .await;
                assert!(
                    r.ok()
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|o| o["result"] == "success"),
                    "{:?}",
                    r.body
                );
                gone.insert(seen_one);
                gone.insert(unseen);
                join(&app, gid, late[round]).await;
            }
            round += 1;
            match r.body["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no member repeated: {seen:?}");
        let now = app.members_of(gid).await;
        let mut stayed: Vec<i64> = vec![alice];
        stayed.extend(others.iter().filter(|u| !gone.contains(u)));
        for u in &stayed {
            assert!(now.contains(u));
            assert!(
                unique.contains(u),
                "member {u} that stayed was skipped: {seen:?}"
            );
        }
    }
);

db_test!(
    display_name_answers_the_members_asked_for,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (dave, td) = app.user("dave").await;
        let gid = app.new_group(&ta, &[bob]).await;
        app.put("/group/member/display_name")
            .token(&tb)
            .json(json!({"group_id": gid, "value": "Bobby"}))
            .send()
            .await;
        let r = app
            .post("/group/members/display_name")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [bob, dave, 123456, alice, bob]}))
            .send()
            .await;
        let data = r.ok().clone();
        assert_eq!(ids(&data), vec![bob, alice]);
        assert_eq!(data[0]["expired_time"], 0);
        assert!(data[0]["join_time"].as_i64().unwrap() > 0);
        app.post("/group/members/display_name")
            .token(&td)
            .json(json!({"group_id": gid, "user_list": [bob]}))
            .send()
            .await
            .err(20011);
        let many: Vec<i64> = (1..=501).collect();
        app.post("/group/members/display_name")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": many}))
            .send()
            .await
            .err(10002);
        app.post("/group/members/display_name")
            .token(&ta)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .err(10002);
    }
);

db_test!(kick_follows_rank, |app: TestApp| async move {
    let (alice, ta) = app.user("alice").await;
    let (bob, tb) = app.user("bob").await;
    let (carol, tc) = app.user("carol").await;
    let (dan, _) = app.user("dan").await;
    let (erin, _) = app.user("erin").await;
    let (fred, _) = app.user("fred").await;
    let (outsider, _) = app.user("olga").await;
    let gid = app.new_group(&ta, &[bob, carol, dan, erin, fred]).await;
    app.post("/group/admin/add")
        .token(&ta)
        .json(json!({"group_id": gid, "user_list": [bob, carol]}))
        .send()
        .await
        .ok();
    // a plain member may not kick
    let (_g, tf) = (0, app.login("fred").await);
    app.post("/group/kick")
        .token(&tf)
        .json(json!({"group_id": gid, "user_list": [erin]}))
        .send()
        .await
        .err(20012);
    // an admin kicks plain members only, never itself
    let r = app
        .delete("/group/kick")
        .token(&tb)
        .json(json!({"group_id": gid, "user_list": [dan, carol, alice, bob, outsider]}))
        .send()
        .await;
    let data = r.ok().clone();
    let res: Vec<(i64, String)> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["user_id"].as_i64().unwrap(),
                o["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        res,
        vec![
            (dan, "success".into()),
            (carol, "fail".into()),
            (alice, "fail".into()),
            (bob, "fail".into()),
            (outsider, "fail".into())
        ]
    );
    assert!(data[0]["reason"].is_null());
    assert!(data[1]["reason"].as_str().unwrap().contains("owner"));
    assert!(data[4]["reason"].as_str().unwrap().contains("not a member"));
    // the owner kicks admins and members, not itself
    let r = app
        .post("/group/kick")
        .token(&ta)
        .json(json!({"group_id": gid, "user_list": [carol, alice]}))
        .send()
        .await;
    assert_eq!(r.ok()[0]["result"], "success");
    assert_eq!(r.ok()[1]["result"], "fail");
    // the app admin token with the group_id header acts as the owner
    let r = app
        .post("/group/kick")
        .admin()
        .header("group_id", gid)
        .json(json!({"group_id": gid, "user_list": [erin]}))
        .send()
        .await;
    assert_eq!(r.ok()[0]["result"], "success");
    assert_eq!(app.members_of(gid).await, HashSet::from([alice, bob, fred]));
    // kicked members lose member rights
    app.get("/group/member_list")
        .token(&tc)
        .query("group_id", gid)
        .send()
        .await
        .err(20011);
    let many: Vec<i64> = (1..=501).collect();
    app.post("/group/kick")
        .token(&ta)
        .json(json!({"group_id": gid, "user_list": many}))
        .send()
        .await
        .err(10002);
    app.post("/group/kick")
        .token(&ta)
        .json(json!({"group_id": 999_999, "user_list": [bob]}))
        .send()
        .await
        .err(20001);
});

db_test!(leave_for_all_but_the_owner, |app: TestApp| async move {
    let (alice, ta) = app.user("alice").await;
    let (bob, tb) = app.user("bob").await;
    let (carol, tc) = app.user("carol").await;
    let (_dave, td) = app.user("dave").await;
    let gid = app.new_group(&ta, &[bob, carol]).await;
    app.post("/group/admin/add")
        .token(&ta)
        .json(json!({"group_id": gid, "user_list": [bob]}))
        .send()
        .await
        .ok();
    app.delete("/group/leave")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await
        .err(20004);
    app.post("/group/leave")
        .token(&td)
        .query("group_id", gid)
        .send()
        .await
        .err(20002);
    assert_eq!(
        app.delete("/group/leave")
            .token(&tb)
            .query("group_id", gid)
            .send()
            .await
            .ok(),
        &json!(true)
    );
    assert_eq!(
        app.post("/group/leave")
            .token(&tc)
            .query("group_id", gid)
            .send()
            .await
            .ok(),
        &json!(true)
    );
    app.post("/group/leave")
        .token(&tc)
        .query("group_id", gid)
        .send()
        .await
        .err(20002);
    assert_eq!(app.members_of(gid).await, HashSet::from([alice]));
    app.post("/group/leave")
        .admin()
        .header("group_id", gid)
        .query("group_id", gid)
        .send()
        .await
        .err(10002);
    app.post("/group/leave").token(&tc).send().await.err(10002);
    // a dissolved group takes no change
    let gid2 = app.new_group(&ta, &[bob]).await;
    app.delete("/group/destroy")
        .token(&ta)
        .query("group_id", gid2)
        .send()
        .await
        .ok();
    app.post("/group/leave")
        .token(&tb)
        .query("group_id", gid2)
        .send()
        .await
        .err(20001);
});
