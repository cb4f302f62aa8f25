//! What the original service's own clients send and expect beyond the documents
//! (../shared/reference/original-client-extras.md): each form accepted, none silently turned
//! into something else. On SQLite and, with TEST_DATABASE_URL, PostgreSQL.
use crate::common;

use common::TestApp;
use serde_json::json;

db_test!(
    lists_answer_the_whole_list_without_limit_as_the_original_does,
    |app: TestApp| async move {
        let (_, owner) = app.user("owner").await;
        let mut crowd = Vec::new();
        for i in 0..60 {
            crowd.push(app.register(&format!("member{i}")).await);
        }
        let gid = app.new_group(&owner, &crowd).await;
        let r = app
            .get("/group/member_list")
            .token(&owner)
            .query("group_id", gid)
            .send()
            .await;
        assert_eq!(
            r.ok().as_array().unwrap().len(),
            61,
            "61 members in one answer (default limit 1000)"
        );
        assert!(r.body["cursor"].is_null());
        assert_eq!(r.body["total"], 61);
        // an explicit limit still pages
        let r = app
            .get("/group/member_list")
            .token(&owner)
            .query("group_id", gid)
            .query("limit", 50)
            .send()
            .await;
        assert_eq!(r.ok().as_array().unwrap().len(), 50);
        assert!(r.body["cursor"].is_string());
    }
);

db_test!(
    single_values_come_from_the_query_or_a_json_body,
    |app: TestApp| async move {
        let (_, token) = app.user("alice").await;
        let settings = || async {
            app.get("/user/settings")
                .token(&token)
                .send()
                .await
                .ok()
                .clone()
        };
        // the SDK's form
        app.put("/user/push")
            .token(&token)
            .json(json!({"value": true}))
            .send()
            .await
            .ok();
        app.post("/user/sounds")
            .token(&token)
            .json(json!({"value": true}))
            .send()
            .await
            .ok();
        app.put("/user/push/nickname")
            .token(&token)
            .json(json!({"value": "Ann"}))
            .send()
            .await
            .ok();
        app.put("/user/push/limit")
            .token(&token)
            .json(json!({"no_push_start_hour": 22, "no_push_end_hour": 7}))
            .send()
            .await
            .ok();
        let s = settings().await;
        assert_eq!(
            (&s["no_push"], &s["no_sounds"], &s["push_nick_name"]),
            (&json!(true), &json!(true), &json!("Ann"))
        );
        assert_eq!(
            (&s["no_push_start_hour"], &s["no_push_end_hour"]),
            (&json!(22), &json!(7))
        );
        // the documented form
        app.put("/user/push")
            .token(&token)
            .query("value", false)
            .send()
            .await
            .ok();
        assert_eq!(settings().await["no_push"], json!(false));
        // both, agreeing: fine; disagreeing or neither: 10002, nothing changed
        app.put("/user/vibratory")
            .token(&token)
            .query("value", true)
            .json(json!({"value": true}))
            .send()
            .await
            .ok();
        let r = app
            .put("/user/vibratory")
            .token(&token)
            .query("value", false)
            .json(json!({"value": true}))
            .send()
            .await;
        assert!(r.err(10002).contains("`value`"), "{:?}", r.body);
        let r = app.put("/user/push/detail").token(&token).send().await;
        assert_eq!(
            r.err(10002),
            "parameter `value` is required (in the query, or as a field of a JSON body)"
        );
        let r = app
            .put("/user/push/limit")
            .token(&token)
            .json(json!({"no_push_start_hour": 24, "no_push_end_hour": 7}))
            .send()
            .await;
        assert!(
            r.err(10002).contains("`no_push_start_hour`"),
            "{:?}",
            r.body
        );
        assert_eq!(settings().await["vibratory"], json!(true));
    }
);

db_test!(
    kick_with_a_json_body_ends_that_one_device_only,
    |app: TestApp| async move {
        app.register("bob").await;
        let login = |guid: &'static str| {
            let app = &app;
            async move {
                let r = app
                    .post("/token/user")
                    .json(json!({"name": "bob", "password": "secret123", "device_guid": guid}))
                    .send()
                    .await;
                r.ok()["token"].as_str().unwrap().to_owned()
            }
        };
        let (phone, laptop) = (login("phone").await, login("laptop").await);
        let devices = app.get("/user/device/list").token(&phone).send().await;
        let laptop_sn = devices
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["device_sn"].as_i64().unwrap())
            .max()
            .unwrap();
        // a device_sn the user does not have: an error, never "all devices"
        let r = app
            .post("/user/kick")
            .token(&phone)
            .json(json!({"device_sn": 99}))
            .send()
            .await;
        r.err(10002);
        app.get("/user/profile").token(&laptop).send().await.ok();
        // query and body disagreeing: refused
        let r = app
            .post("/user/kick")
            .token(&phone)
            .query("device_sn", 99)
            .json(json!({"device_sn": laptop_sn}))
            .send()
            .await;
        r.err(10002);
        app.post("/user/kick")
            .token(&phone)
            .json(json!({"device_sn": laptop_sn}))
            .send()
            .await
            .ok();
        app.get("/user/profile")
            .token(&laptop)
            .send()
            .await
            .err(10008);
        app.get("/user/profile").token(&phone).send().await.ok();
    }
);

db_test!(group_switches_take_0_and_1, |app: TestApp| async move {
    let (_, owner) = app.user("owner").await;
    let gid = app.new_group(&owner, &[]).await;
    let path = "/group/settings/allow_member_invitation";
    app.put(path)
        .token(&owner)
        .json(json!({"group_id": gid, "value": 0}))
        .send()
        .await
        .ok();
    let info = app
        .get("/group/settings")
        .token(&owner)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(info.ok()["member_invite"], json!(false));
    app.post(path)
        .token(&owner)
        .json(json!({"group_id": gid, "value": 1}))
        .send()
        .await
        .ok();
    let info = app
        .get("/group/settings")
        .token(&owner)
        .query("group_id", gid)
        .send()
        .await;
    assert_eq!(info.ok()["member_invite"], json!(true));
    let r = app
        .put(path)
        .token(&owner)
        .json(json!({"group_id": gid, "value": 2}))
        .send()
        .await;
    assert!(r.err(10002).contains("`value`"), "{:?}", r.body);
});

db_test!(
    invite_handle_with_the_callers_own_id,
    |app: TestApp| async move {
        let (alice, owner) = app.user("alice").await;
        let (bob, bob_token) = app.user("bob").await;
        let (carol, carol_token) = app.user("carol").await;
        let dan = app.register("dan").await;
        let gid = app.new_group(&owner, &[bob]).await;
        app.put("/user/settings")
            .token(&carol_token)
            .json(json!({"user_id": carol, "group_confirm": true}))
            .send()
            .await
            .ok();
        // two pending invitations of carol, by alice then bob
        app.post("/group/invite")
            .token(&owner)
            .json(json!({"group_id": gid, "user_list": [carol]}))
            .send()
            .await
            .ok();
        app.post("/group/invite")
            .token(&bob_token)
            .json(json!({"group_id": gid, "user_list": [carol]}))
            .send()
            .await
            .ok();
        // accepting with her own id joins
        app.post("/group/invite/handle")
            .token(&carol_token)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await
            .ok();
        assert!(app.members_of(gid).await.contains(&carol));
        // nothing pending any more: 20015
        let r = app
            .post("/group/invite/handle")
            .token(&carol_token)
            .json(json!({"group_id": gid, "user_id": carol, "approval": true}))
            .send()
            .await;
        r.err(20015);
        // rejecting with one's own id closes every pending invitation of the group
        let dan_token = app.login("dan").await;
        app.put("/user/settings")
            .token(&dan_token)
            .json(json!({"user_id": dan, "group_confirm": true}))
            .send()
            .await
            .ok();
        app.post("/group/invite")
            .token(&owner)
            .json(json!({"group_id": gid, "user_list": [dan]}))
            .send()
            .await
            .ok();
        app.post("/group/invite")
            .token(&bob_token)
            .json(json!({"group_id": gid, "user_list": [dan]}))
            .send()
            .await
            .ok();
        app.post("/group/invite/handle")
            .token(&dan_token)
            .json(json!({"group_id": gid, "user_id": dan, "approval": false}))
            .send()
            .await
            .ok();
        for inviter in [alice, bob] {
            let r = app
                .post("/group/invite/handle")
                .token(&dan_token)
                .json(json!({"group_id": gid, "user_id": inviter, "approval": true}))
                .send()
                .await;
            r.err(20015);
        }
        assert!(!app.members_of(gid).await.contains(&dan));
    }
);

db_test!(
    token_by_mobile_and_the_eight_fields,
    |app: TestApp| async move {
        let (_, token) = app.user("erin").await;
        app.put("/user/mobile")
            .token(&token)
            .query("mobile", "+15550001")
            .send()
            .await
            .ok();
        let r = app
            .post("/token/user")
            .json(json!({"mobile": "+15550001", "password": "secret123"}))
            .send()
            .await;
        let data = r.ok();
        let mut keys: Vec<&str> = data
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "access_key_secret",
                "encrypt_type",
                "expire",
                "public_key",
                "push_token",
                "store_token",
                "token",
                "user_id"
            ]
        );
        assert_eq!(
            (
                &data["encrypt_type"],
                &data["public_key"],
                &data["store_token"]
            ),
            (&json!(0), &json!(null), &json!(null))
        );
        let r = app
            .post("/token/user")
            .json(json!({"password": "secret123"}))
            .send()
            .await;
        assert!(r.err(10002).contains("`name`"), "{:?}", r.body);
        let r = app
            .post("/token/user")
            .json(json!({"name": "erin", "mobile": "+15550001", "password": "secret123"}))
            .send()
            .await;
        r.err(10002);
        let r = app
            .post("/token/user")
            .json(json!({"mobile": "+15559999", "password": "secret123"}))
            .send()
            .await;
        r.err(10000);
    }
);

db_test!(
    the_platform_is_guessed_from_whole_words_of_the_user_agent,
    |app: TestApp| async move {
        app.register("fay").await;
        let r = app
            .post("/token/user")
            .header("user-agent", "axios/0.26.1")
            .json(json!({"name": "fay", "password": "secret123"}))
            .send()
            .await;
        let token = r.ok()["token"].as_str().unwrap().to_owned();
        let devices = app.get("/user/device/list").token(&token).send().await;
        assert_eq!(devices.ok()[0]["platform"], json!(0), "axios is no iOS");
    }
);

db_test!(usernames_of_any_script_in_nfc, |app: TestApp| async move {
    let r = app
        .post("/user/register/v2")
        .json(json!({"username": "张三丰", "password": "secret123"}))
        .send()
        .await;
    r.ok();
    app.post("/token/user")
        .json(json!({"name": "张三丰", "password": "secret123"}))
        .send()
        .await
        .ok();
    // "é" composed and decomposed is one name
    app.post("/user/register/v2")
        .json(json!({"username": "jos\u{e9}", "password": "secret123"}))
        .send()
        .await
        .ok();
    let r = app
        .post("/user/register/v2")
        .json(json!({"username": "jose\u{301}", "password": "secret123"}))
        .send()
        .await;
    r.err(10004);
    app.post("/token/user")
        .json(json!({"name": "jose\u{301}", "password": "secret123"}))
        .send()
        .await
        .ok();
    for bad in ["١٢٣٤", "a b c", "x-y-z"] {
        let r = app
            .post("/user/register/v2")
            .json(json!({"username": bad, "password": "secret123"}))
            .send()
            .await;
        assert!(r.err(10002).contains("username"), "{bad}: {:?}", r.body);
    }
});

db_test!(
    lengths_count_characters_not_bytes,
    |app: TestApp| async move {
        let alias = "é".repeat(100);
        let r = app
        .post("/user/register/push")
        .json(json!({"username": "gus", "password": "secret123", "alias": alias, "push_token": "ü".repeat(300)}))
        .send()
        .await;
        r.ok();
    }
);
