//! Input found by fuzzing (tests/gate/check_10_schemathesis): U+0000 anywhere, JSON values of the
//! wrong type, absent bodies, unknown routes and methods. Each is answered with the envelope
//! and never reaches the database (PostgreSQL text refuses U+0000 with a 500).
mod common;

use common::TestApp;
use serde_json::json;

db_test!(u0000_in_a_body_string_is_10002_naming_the_field, |app: TestApp| async move {
    let (_, token) = app.user("alice").await;
    let r = app.put("/user/profile").token(&token).json(json!({"nick_name": "a\u{0}b"})).send().await;
    assert!(r.err(10002).contains("`nick_name`"), "{:?}", r.body);
    // nested in an array of objects: the path names the item
    let r = app.post("/user/register/batch").admin()
        .json(json!({"list": [{"username": "bob_ok", "password": "secret123"}, {"username": "carl_ok", "password": "sec\u{0}ret123"}]}))
        .send().await;
    assert!(r.err(10002).contains("`list[1].password`"), "{:?}", r.body);
    // a bare JSON string body
    let r = app.put("/user/private").token(&token).json(json!("x\u{0}")).send().await;
    assert!(r.err(10002).contains("body"), "{:?}", r.body);
    // group text on both databases
    let r = app.post("/group/create").token(&token).json(json!({"name": "g\u{0}"})).send().await;
    assert!(r.err(10002).contains("`name`"), "{:?}", r.body);
    // nothing was stored
    let profile = app.get("/user/profile").token(&token).send().await;
    assert_ne!(profile.ok()["nick_name"], json!("a\u{0}b"));
    let bob = app.post("/token/user").json(json!({"name": "bob_ok", "password": "secret123", "device_guid": "d"})).send().await;
    assert_ne!(bob.code(), 200, "the batch was refused as a whole: {:?}", bob.body);
});

db_test!(u0000_in_a_query_parameter_is_10002_naming_it, |app: TestApp| async move {
    let (_, token) = app.user("alice").await;
    let r = app.put("/user/nickname").token(&token).query("nick_name", "a\u{0}b").send().await;
    assert!(r.err(10002).contains("`nick_name`"), "{:?}", r.body);
    let r = app.put("/user/username").token(&token).query("username", "\u{0}").send().await;
    assert!(r.err(10002).contains("`username`"), "{:?}", r.body);
    let r = app.get("/group/member_list").token(&token).query("group_id", 1).query("cursor", "\u{0}").send().await;
    assert!(r.err(10002).contains("`cursor`"), "{:?}", r.body);
    let profile = app.get("/user/profile").token(&token).send().await;
    assert_eq!(profile.ok()["username"], "alice");
});

db_test!(a_json_value_of_the_wrong_type_is_10002_naming_the_field, |app: TestApp| async move {
    let (_, token) = app.user("alice").await;
    // poem-openapi's String alone would take numbers and booleans and store them as text
    for wrong in [json!(12), json!(true), json!(1.5), json!(["x"]), json!({"a": 1})] {
        let r = app.put("/user/profile").token(&token).json(json!({"nick_name": wrong})).send().await;
        let m = r.err(10002);
        assert!(m.contains("`nick_name`") && m.contains("string"), "{wrong}: {m}");
    }
    let r = app.put("/user/private").token(&token).json(json!(12)).send().await;
    assert!(r.err(10002).contains("string"), "{:?}", r.body);
    // the field at fault is named even when an earlier field is fine and a later one is absent
    let r = app.post("/user/register/v2").json(json!({"username": "bob_ok", "password": 123456})).send().await;
    assert!(r.err(10002).contains("`password`"), "{:?}", r.body);
    let r = app.post("/user/register/batch").admin().json(json!({"list": [{"username": "bob_ok", "password": false}]})).send().await;
    assert!(r.err(10002).contains("`list[0].password`"), "{:?}", r.body);
    let r = app.post("/user/register/batch").admin().json(json!({"list": "bob"})).send().await;
    assert!(r.err(10002).contains("`list`"), "{:?}", r.body);
    // integers: type and range
    for wrong in [json!("1"), json!(1.5), json!(3_000_000_000_i64)] {
        let r = app.post("/user/push/badge").token(&token).json(json!({"badge": wrong})).send().await;
        assert!(r.err(10002).contains("`badge`"), "{wrong}: {:?}", r.body);
    }
    let nick = app.get("/user/profile").token(&token).send().await.ok()["nick_name"].clone();
    assert!(!nick.is_number() && !nick.is_boolean(), "{nick}");
});

db_test!(an_absent_body_whose_fields_are_all_optional_reads_as_empty, |app: TestApp| async move {
    let (alice, token) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    // an app admin deletes a user without any body (DELETE and POST)
    app.delete("/user/delete").admin().header("user_id", alice).send().await.ok();
    app.post("/user/delete").admin().header("user_id", bob).send().await.ok();
    let r = app.get("/user/profile").token(&token).send().await;
    assert_eq!(r.code(), 10008, "{:?}", r.body);
    // a user token still has to give its password
    let (_, carol) = app.user("carol").await;
    let r = app.delete("/user/delete").token(&carol).send().await;
    assert!(r.err(10002).contains("password"), "{:?}", r.body);
    // a body with a required field is still required
    let r = app.post("/user/register/v2").send().await;
    assert!(r.err(10002).contains("body"), "{:?}", r.body);
});

db_test!(unknown_routes_and_methods_answer_the_envelope, |app: TestApp| async move {
    let r = app.get("/no/such/route").send().await;
    assert_eq!((r.status, r.code()), (404, 404), "{:?}", r.body);
    assert!(r.message().contains("/no/such/route"));
    let r = app.delete("/user/register/v2").send().await;
    assert_eq!((r.status, r.code()), (405, 405), "{:?}", r.body);
    assert_eq!(r.headers.get("allow").unwrap(), "POST");
    let r = app.call(poem::http::Method::TRACE, "/user/profile").send().await;
    assert_eq!((r.status, r.code()), (405, 405), "{:?}", r.body);
    assert_eq!(r.headers.get("allow").unwrap(), "GET, HEAD, POST, PUT");
});

db_test!(a_description_as_long_as_the_api_accepts_is_stored, |app: TestApp| async move {
    // users.description was varchar(1024) under a 4096-character limit: a 500 on PostgreSQL
    let (_, token) = app.user("alice").await;
    let long = "é".repeat(4096);
    app.put("/user/profile").token(&token).json(json!({"description": long})).send().await.ok();
    let profile = app.get("/user/profile").token(&token).send().await;
    assert_eq!(profile.ok()["description"], json!(long));
    let r = app.put("/user/profile").token(&token).json(json!({"description": "é".repeat(4097)})).send().await;
    assert!(r.err(10002).contains("description"), "{:?}", r.body);
});

db_test!(bounds_and_missing_parameters_are_said_in_words, |app: TestApp| async move {
    let (_alice, ta) = app.user("alice").await;
    let r = app.post("/user/register/v2").json(json!({"username": "ab", "password": "secret12"})).send().await;
    assert_eq!(r.err(10002), "field `username` must be 3 to 64 characters");
    let r = app.post("/group/create").token(&ta).json(json!({"name": "x".repeat(129)})).send().await;
    assert_eq!(r.err(10002), "field `name` must be 1 to 128 characters");
    let r = app.post("/group/ban").token(&ta).json(json!({"group_id": 1, "user_list": [1], "duration": -5})).send().await;
    assert_eq!(r.err(10002), "field `duration` must be between 1 and 525600");
    let r = app.get("/group/info").token(&ta).send().await;
    assert_eq!(r.err(10002), "parameter `group_id` is required");
    let r = app.get("/group/info").token(&ta).query("group_id", "abc").send().await;
    assert_eq!(r.err(10002), "parameter `group_id` must be an integer (int64)");
    let r = app.put("/user/nickname").token(&ta).send().await;
    assert_eq!(r.err(10002), "parameter `nick_name` is required");
});

db_test!(paging_parameters_are_checked_alike_on_every_list, |app: TestApp| async move {
    let (_, token) = app.user("alice").await;
    let gid = app.new_group(&token, &[]).await;
    let list = |path: &str| {
        let call = app.get(path).token(&token);
        if path == "/group/invitation_list" { call } else { call.query("group_id", gid) }
    };
    for path in ["/group/member_list", "/group/banned_list", "/group/blocked_list", "/group/invitation_list"] {
        for limit in ["0", "501", "x", "-1"] {
            let r = list(path).query("limit", limit).send().await;
            assert_eq!(r.err(10002), "parameter `limit` must be an integer from 1 to 500", "{path} {:?}", r.body);
        }
        let r = list(path).query("cursor", "garbage").send().await;
        assert_eq!(r.err(10002), "parameter `cursor` is not a cursor this server answered", "{path}");
        let first = list(path).query("cursor", "").query("limit", 500).send().await;
        assert_eq!(first.code(), 200, "{path} {:?}", first.body);
    }
    let r = app.post("/group/application_list").token(&token).query("limit", 501).json(json!({"group_list": [gid]})).send().await;
    assert_eq!(r.err(10002), "parameter `limit` must be an integer from 1 to 500");
    let r = app.get("/user/list").admin().query("page_size", 501).send().await;
    assert_eq!(r.err(10002), "parameter `page_size` must be an integer from 1 to 500");
    let r = app.get("/user/list").admin().query("page_num", 0).send().await;
    assert_eq!(r.err(10002), "parameter `page_num` must be an integer from 1");
    let r = app.get("/user/list").admin().query("page_num", 2).query("page_size", 1).send().await;
    assert_eq!(r.ok().as_array().map(Vec::len), Some(0), "alice alone: page 2 of size 1 is empty");
    assert_eq!(r.body["total"], 1);
});
