//! Group moderation (issue 7): mutes (ban, unban, banned_list), the group-wide mute (ban_all,
//! unban_all) and the blacklist (block, unblock, blocked_list), with their permission matrix.
use crate::common;

use common::groups::{Cast, EVERYONE, as_who, cast, expected};
use common::{START_MS, TestApp};
use serde_json::{Value, json};

fn results(v: &Value) -> Vec<(i64, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["user_id"].as_i64().unwrap(),
                i["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ok_all(ids: &[i64]) -> Vec<(i64, String)> {
    ids.iter().map(|&i| (i, "success".to_owned())).collect()
}

fn user_ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["user_id"].as_i64().unwrap())
        .collect()
}

async fn ban_expire_time(app: &TestApp, c: &Cast) -> i64 {
    app.get("/group/info")
        .token(&c.member.1)
        .query("group_id", c.gid)
        .send()
        .await
        .ok()["ban_expire_time"]
        .as_i64()
        .unwrap()
}

async fn count(app: &TestApp, c: &Cast) -> i64 {
    app.get("/group/info")
        .token(&c.owner.1)
        .query("group_id", c.gid)
        .send()
        .await
        .ok()["count"]
        .as_i64()
        .unwrap()
}

db_test!(mutes_need_an_admin, |app: TestApp| async move {
    let c = cast(&app).await;
    let carol = c.member.0;
    for who in EVERYONE {
        let r = as_who(app.post("/group/ban"), &c, who)
            .json(json!({"group_id": c.gid, "user_list": [carol], "duration": 5}))
            .send()
            .await;
        assert_eq!(r.code(), expected(who, 1), "{who:?} ban: {:?}", r.body);
        if r.code() == 200 {
            assert_eq!(results(r.ok()), ok_all(&[carol]));
        } else {
            r.err(expected(who, 1));
        }
        let r = as_who(app.post("/group/unban"), &c, who)
            .json(json!({"group_id": c.gid, "user_list": [carol]}))
            .send()
            .await;
        assert_eq!(r.code(), expected(who, 1), "{who:?} unban: {:?}", r.body);
        if r.code() == 200 {
            assert_eq!(results(r.ok()), ok_all(&[carol]));
        }
        let r = as_who(app.post("/group/settings/ban_all"), &c, who)
            .json(json!({"group_id": c.gid, "duration": 5}))
            .send()
            .await;
        assert_eq!(r.code(), expected(who, 1), "{who:?} ban_all: {:?}", r.body);
        let r = as_who(app.post("/group/settings/unban_all"), &c, who)
            .json(json!({"group_id": c.gid}))
            .send()
            .await;
        assert_eq!(
            r.code(),
            expected(who, 1),
            "{who:?} unban_all: {:?}",
            r.body
        );
        for list in ["/group/banned_list", "/group/blocked_list"] {
            let r = as_who(app.get(list), &c, who)
                .query("group_id", c.gid)
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 0), "{who:?} {list}: {:?}", r.body);
        }
    }
});

db_test!(blacklist_needs_an_admin, |app: TestApp| async move {
    let c = cast(&app).await;
    let dave = c.outsider.0;
    for who in EVERYONE {
        let r = as_who(app.post("/group/block"), &c, who)
            .json(json!({"group_id": c.gid, "user_list": [dave]}))
            .send()
            .await;
        assert_eq!(r.code(), expected(who, 1), "{who:?} block: {:?}", r.body);
        if r.code() == 200 {
            assert_eq!(results(r.ok()), ok_all(&[dave]));
        }
        let r = as_who(app.delete("/group/unblock"), &c, who)
            .json(json!({"group_id": c.gid, "user_list": [dave]}))
            .send()
            .await;
        assert_eq!(r.code(), expected(who, 1), "{who:?} unblock: {:?}", r.body);
        if r.code() == 200 {
            assert_eq!(results(r.ok()), ok_all(&[dave]));
        }
    }
    // the POST twin of unblock
    app.post("/group/block")
        .token(&c.owner.1)
        .json(json!({"group_id": c.gid, "user_list": [dave]}))
        .send()
        .await
        .ok();
    let r = app
        .post("/group/unblock")
        .token(&c.admin.1)
        .json(json!({"group_id": c.gid, "user_list": [dave]}))
        .send()
        .await;
    assert_eq!(results(r.ok()), ok_all(&[dave]));
});

db_test!(
    ban_mutes_members_until_expiry_or_unban,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let (alice, bob, carol, dave) = (c.owner.0, c.admin.0, c.member.0, c.outsider.0);
        let (erin, frank) = (c.extra[0].0, c.extra[1].0);
        app.put("/group/display_name")
            .token(&c.member.1)
            .json(json!({"group_id": c.gid, "value": "Carol"}))
            .send()
            .await
            .ok();

        // the owner mutes members and admins, not itself nor outsiders
        let r = app
        .post("/group/ban")
        .token(&c.owner.1)
        .json(json!({"group_id": c.gid, "user_list": [carol, bob, alice, dave, carol], "duration": 10}))
        .send()
        .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![
                (carol, "success".into()),
                (bob, "success".into()),
                (alice, "fail".into()),
                (dave, "fail".into())
            ]
        );
        assert!(items[0]["reason"].is_null());
        assert_eq!(items[2]["reason"], "you cannot mute yourself");
        assert!(
            items[3]["reason"]
                .as_str()
                .unwrap()
                .contains("not a member")
        );
        // an admin mutes plain members only
        let r = app
            .post("/group/ban")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "user_list": [erin, bob, alice], "duration": 1}))
            .send()
            .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![
                (erin, "success".into()),
                (bob, "fail".into()),
                (alice, "fail".into())
            ]
        );
        assert_eq!(items[1]["reason"], "you cannot mute yourself");
        assert!(items[2]["reason"].as_str().unwrap().contains("owner"));

        let r = app
            .get("/group/banned_list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        let list = r.ok().clone();
        assert_eq!(user_ids(&list), vec![bob, carol, erin]);
        assert_eq!(r.body["total"], 3);
        assert!(r.body["cursor"].is_null());
        assert_eq!(list[1]["display_name"], "Carol");
        assert_eq!(list[1]["join_time"], START_MS);
        assert_eq!(list[1]["expired_time"], START_MS + 10 * 60_000);
        assert_eq!(list[2]["expired_time"], START_MS + 60_000);
        // admin_list shows the mute of an admin too
        let r = app
            .get("/group/admin_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok()[0]["expired_time"], START_MS + 10 * 60_000);

        // erin's mute expires by itself: no job, the clock decides
        app.clock.advance_ms(60_000);
        let r = app
            .get("/group/banned_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(user_ids(r.ok()), vec![bob, carol]);
        assert_eq!(r.body["total"], 2);
        // a new mute replaces the running one
        let r = app
            .post("/group/ban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [carol], "duration": 1}))
            .send()
            .await;
        assert_eq!(results(r.ok()), ok_all(&[carol]));
        let r = app
            .get("/group/banned_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok()[1]["expired_time"], START_MS + 2 * 60_000);

        // unban: muted members succeed, others fail; an admin may not unban an admin
        let r = app
            .post("/group/unban")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "user_list": [carol, bob, erin, frank, dave]}))
            .send()
            .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![
                (carol, "success".into()),
                (bob, "fail".into()),
                (erin, "fail".into()),
                (frank, "fail".into()),
                (dave, "fail".into())
            ]
        );
        assert!(items[2]["reason"].as_str().unwrap().contains("not muted"));
        let r = app
            .get("/group/banned_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(user_ids(r.ok()), vec![bob]);
        let r = app
            .post("/group/unban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [bob]}))
            .send()
            .await;
        assert_eq!(results(r.ok()), ok_all(&[bob]));
        let r = app
            .get("/group/banned_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));
        assert_eq!(r.body["total"], 0);

        // duration 1..=525600 (one year of minutes), user_list at most 500
        for bad in [json!(0), json!(-1), json!(525_601), json!("5"), Value::Null] {
            let r = app
                .post("/group/ban")
                .token(&c.owner.1)
                .json(json!({"group_id": c.gid, "user_list": [carol], "duration": bad}))
                .send()
                .await;
            assert!(r.err(10002).contains("duration"), "{bad}: {:?}", r.body);
        }
        let r = app
            .post("/group/ban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [carol], "duration": 525_600}))
            .send()
            .await;
        assert_eq!(results(r.ok()), ok_all(&[carol]));
        let many: Vec<i64> = (1..=501).collect();
        let r = app
            .post("/group/ban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": many, "duration": 1}))
            .send()
            .await;
        assert!(r.err(10002).contains("user_list"));
        app.post("/group/unban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid}))
            .send()
            .await
            .err(10002);
        let r = app
            .post("/group/ban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [], "duration": 1}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));
        app.post("/group/ban")
            .token(&c.owner.1)
            .json(json!({"group_id": 424242, "user_list": [carol], "duration": 1}))
            .send()
            .await
            .err(20001);
        app.get("/group/banned_list")
            .token(&c.owner.1)
            .send()
            .await
            .err(10002);
        // a dissolved group takes no mutes, its list stays readable
        app.delete("/group/destroy")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await
            .ok();
        app.post("/group/ban")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [erin], "duration": 1}))
            .send()
            .await
            .err(20001);
        let r = app
            .get("/group/banned_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(user_ids(r.ok()), vec![carol]);
    }
);

db_test!(banned_and_blocked_lists_page, |app: TestApp| async move {
    let c = cast(&app).await;
    let members = [c.admin.0, c.member.0, c.extra[0].0, c.extra[1].0];
    let r = app
        .post("/group/ban")
        .token(&c.owner.1)
        .json(json!({"group_id": c.gid, "user_list": members, "duration": 5}))
        .send()
        .await;
    assert_eq!(results(r.ok()), ok_all(&members));
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..3 {
        let mut call = app
            .get("/group/banned_list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("limit", 3)
            .query("version", 1);
        if let Some(cur) = &cursor {
            call = call.query("cursor", cur);
        }
        let r = call.send().await;
        seen.extend(user_ids(r.ok()));
        assert_eq!(r.body["total"], 4);
        cursor = r.body["cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, members.to_vec());
    app.get("/group/banned_list")
        .token(&c.owner.1)
        .query("group_id", c.gid)
        .query("limit", 0)
        .send()
        .await
        .err(10002);
    app.get("/group/banned_list")
        .token(&c.owner.1)
        .query("group_id", c.gid)
        .query("limit", 1001)
        .send()
        .await
        .err(10002);
    app.get("/group/banned_list")
        .token(&c.owner.1)
        .query("group_id", c.gid)
        .query("cursor", "garbage")
        .send()
        .await
        .err(10002);

    // the blacklist pages the same way
    let users = [
        app.user("user1").await.0,
        app.user("user2").await.0,
        app.user("user3").await.0,
    ];
    let r = app
        .post("/group/block")
        .token(&c.owner.1)
        .json(json!({"group_id": c.gid, "user_list": users}))
        .send()
        .await;
    assert_eq!(results(r.ok()), ok_all(&users));
    let r = app
        .get("/group/blocked_list")
        .token(&c.member.1)
        .query("group_id", c.gid)
        .query("limit", 2)
        .send()
        .await;
    assert_eq!(user_ids(r.ok()), users[..2].to_vec());
    assert_eq!(r.body["total"], 3);
    let cur = r.body["cursor"].as_str().unwrap().to_owned();
    let r = app
        .get("/group/blocked_list")
        .token(&c.member.1)
        .query("group_id", c.gid)
        .query("limit", 2)
        .query("cursor", &cur)
        .send()
        .await;
    assert_eq!(user_ids(r.ok()), users[2..].to_vec());
    assert!(r.body["cursor"].is_null());
    app.get("/group/blocked_list")
        .token(&c.owner.1)
        .query("group_id", c.gid)
        .query("cursor", "k1.")
        .send()
        .await
        .err(10002);
});

db_test!(
    ban_all_mutes_the_group_until_expiry_or_unban_all,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let r = app
            .post("/group/settings/ban_all")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "duration": 10}))
            .send()
            .await;
        let until = START_MS / 1000 + 600;
        assert_eq!(r.ok(), &json!({"ban_expire_time": until}));
        assert_eq!(ban_expire_time(&app, &c).await, until);
        assert!(imserver::domain::groups::mutes::group_banned(
            until,
            app.state.now_ms()
        ));
        app.clock.advance_ms(600_000);
        assert!(!imserver::domain::groups::mutes::group_banned(
            until,
            app.state.now_ms()
        ));
        // -1: until unban_all
        let r = app
            .post("/group/settings/ban_all")
            .admin()
            .header("group_id", c.gid)
            .json(json!({"group_id": c.gid, "duration": -1}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!({"ban_expire_time": -1}));
        assert_eq!(ban_expire_time(&app, &c).await, -1);
        assert!(imserver::domain::groups::mutes::group_banned(
            -1,
            app.state.now_ms() + 10 * 365 * 24 * 3_600_000
        ));
        let r = app
            .post("/group/settings/unban_all")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        assert_eq!(ban_expire_time(&app, &c).await, 0);
        for bad in [json!(0), json!(-2), json!(525_601), Value::Null] {
            let r = app
                .post("/group/settings/ban_all")
                .token(&c.owner.1)
                .json(json!({"group_id": c.gid, "duration": bad}))
                .send()
                .await;
            assert!(r.err(10002).contains("duration"), "{bad}: {:?}", r.body);
        }
        app.post("/group/settings/unban_all")
            .token(&c.owner.1)
            .json(json!({}))
            .send()
            .await
            .err(10002);
        app.post("/group/settings/ban_all")
            .token(&c.owner.1)
            .json(json!({"group_id": 424242, "duration": 1}))
            .send()
            .await
            .err(20001);
    }
);

db_test!(
    block_removes_members_and_bars_them,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let (alice, bob, carol, dave) = (c.owner.0, c.admin.0, c.member.0, c.outsider.0);
        let (erin, frank) = (c.extra[0].0, c.extra[1].0);
        assert_eq!(count(&app, &c).await, 5);
        // an admin blocks plain members and outsiders, not admins nor the owner, nor unknown users
        let r = app
            .post("/group/block")
            .token(&c.admin.1)
            .json(
                json!({"group_id": c.gid, "user_list": [carol, dave, bob, alice, 999_999, carol]}),
            )
            .send()
            .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![
                (carol, "success".into()),
                (dave, "success".into()),
                (bob, "fail".into()),
                (alice, "fail".into()),
                (999_999, "fail".into())
            ]
        );
        assert_eq!(items[2]["reason"], "you cannot blacklist yourself");
        assert!(items[3]["reason"].as_str().unwrap().contains("owner"));
        assert!(
            items[4]["reason"]
                .as_str()
                .unwrap()
                .contains("does not exist")
        );
        // carol left the group; dave was never in it
        assert_eq!(count(&app, &c).await, 4);
        app.get("/group/banned_list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await
            .err(20011);
        let r = app
            .get("/group/user_joined")
            .token(&c.member.1)
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));
        // already blacklisted
        let r = app
            .post("/group/block")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [carol, bob]}))
            .send()
            .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![(carol, "fail".into()), (bob, "success".into())]
        );
        assert!(items[0]["reason"].as_str().unwrap().contains("already"));
        assert_eq!(count(&app, &c).await, 3);
        // the app admin acting by group_id may block anyone but the owner
        let r = app
            .post("/group/block")
            .admin()
            .header("group_id", c.gid)
            .json(json!({"group_id": c.gid, "user_list": [erin, alice]}))
            .send()
            .await;
        assert_eq!(
            results(r.ok()),
            vec![(erin, "success".into()), (alice, "fail".into())]
        );
        assert_eq!(count(&app, &c).await, 2);

        let r = app
            .get("/group/blocked_list")
            .token(&c.extra[1].1)
            .query("group_id", c.gid)
            .send()
            .await;
        let list = r.ok().clone();
        assert_eq!(user_ids(&list), vec![carol, dave, bob, erin]);
        assert_eq!(r.body["total"], 4);
        assert_eq!(
            list[0],
            json!({"user_id": carol, "group_id": c.gid, "created_at": START_MS.to_string()})
        );

        // what the membership flows call
        let db = &app.state.db;
        let got = imserver::domain::groups::blacklist::blocked_among(
            db,
            c.gid,
            &[carol, frank, dave, 999_999],
        )
        .await
        .unwrap();
        assert_eq!(got, [carol, dave].into_iter().collect());
        assert!(
            imserver::domain::groups::blacklist::blocked_among(db, c.other_gid, &[carol])
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            imserver::domain::groups::blacklist::blocked_among(db, c.gid, &[])
                .await
                .unwrap()
                .is_empty()
        );

        // unblock removes the entry only
        let r = app
            .post("/group/unblock")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": [carol, frank]}))
            .send()
            .await;
        let items = r.ok().clone();
        assert_eq!(
            results(&items),
            vec![(carol, "success".into()), (frank, "fail".into())]
        );
        assert!(
            items[1]["reason"]
                .as_str()
                .unwrap()
                .contains("not blacklisted")
        );
        assert_eq!(count(&app, &c).await, 2);
        let r = app
            .get("/group/blocked_list")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(user_ids(r.ok()), vec![dave, bob, erin]);
        assert!(
            imserver::domain::groups::blacklist::blocked_among(db, c.gid, &[carol])
                .await
                .unwrap()
                .is_empty()
        );

        // limits and errors
        let many: Vec<i64> = (1..=501).collect();
        let r = app
            .post("/group/block")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": many}))
            .send()
            .await;
        assert!(r.err(10002).contains("user_list"));
        app.delete("/group/unblock")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid}))
            .send()
            .await
            .err(10002);
        app.post("/group/block")
            .token(&c.owner.1)
            .json(json!({"group_id": 424242, "user_list": [dave]}))
            .send()
            .await
            .err(20001);
        let r = app
            .post("/group/unblock")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "user_list": []}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));
    }
);

db_test!(
    batched_writes_run_a_constant_number_of_queries,
    |app: TestApp| async move {
        use imserver::domain::groups::{
            blacklist as group_blacklist, files as group_files, mutes as group_mutes,
        };
        use imserver::domain::identity::auth::{Caller, TokenKind};
        let c = cast(&app).await;
        let mut users = vec![];
        for i in 0..12 {
            users.push(app.register(&format!("user{i}")).await);
        }
        let r = app
            .post("/group/create")
            .token(&c.owner.1)
            .json(json!({"user_list": users}))
            .send()
            .await;
        let big = r.ok()["group_id"].as_i64().unwrap();
        let small = c.gid;
        let (state, n) = app.counting_state();
        let owner = Caller {
            app_id: app.app_id.clone(),
            kind: TokenKind::User {
                user_id: c.owner.0,
                device_sn: 1,
            },
            as_user: Some(c.owner.0),
            as_group: None,
            user: None,
        };

        let (one, q1) = n
            .count(group_mutes::ban(&state, &owner, small, &[c.member.0], 5))
            .await;
        let (all, q12) = n
            .count(group_mutes::ban(&state, &owner, big, &users, 5))
            .await;
        assert!(
            one.unwrap()
                .iter()
                .chain(all.unwrap().iter())
                .all(|o| o.success)
        );
        assert_eq!(q1, q12, "ban");
        let (_, q1) = n
            .count(group_mutes::unban(&state, &owner, small, &[c.member.0]))
            .await;
        let (_, q12) = n
            .count(group_mutes::unban(&state, &owner, big, &users))
            .await;
        assert_eq!(q1, q12, "unban");

        let (one, q1) = n
            .count(group_blacklist::block(&state, &owner, small, &[c.member.0]))
            .await;
        let (all, q12) = n
            .count(group_blacklist::block(&state, &owner, big, &users))
            .await;
        assert!(
            one.unwrap()
                .iter()
                .chain(all.unwrap().iter())
                .all(|o| o.success)
        );
        assert_eq!(q1, q12, "block");
        let (_, q1) = n
            .count(group_blacklist::unblock(
                &state,
                &owner,
                small,
                &[c.member.0],
            ))
            .await;
        let (_, q12) = n
            .count(group_blacklist::unblock(&state, &owner, big, &users))
            .await;
        assert_eq!(q1, q12, "unblock");

        let mut files = vec![];
        for i in 0..12 {
            let r = app.post("/group/file/upload").token(&c.owner.1).json(json!({"group_id": big, "name": format!("f{i}"), "size": 1, "url": "https://e.com/f"})).send().await;
            files.push(r.ok()["file_id"].as_i64().unwrap());
        }
        let (_, q1) = n
            .count(group_files::delete(&state, &owner, big, &files[..1]))
            .await;
        let (all, q11) = n
            .count(group_files::delete(&state, &owner, big, &files[1..]))
            .await;
        assert!(all.unwrap().iter().all(|o| o.success));
        assert_eq!(q1, q11, "file/delete");
    }
);
