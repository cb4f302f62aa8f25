//! Input found by fuzzing (tests/gate/check_10_schemathesis): U+0000 anywhere, JSON values of the
//! wrong type, absent bodies, unknown routes and methods. Each is answered with the envelope
//! and never reaches the database (PostgreSQL text refuses U+0000 with a 500).
use crate::common;

use common::TestApp;
use serde_json::json;

db_test!(
    u0000_in_a_body_string_is_10002_naming_the_field,
    |app: TestApp| async move {
        let (_, token) = app.user("alice").await;
        let r = app
            .put("/user/profile")
            .token(&token)
            .json(json!({"nick_name": "a\u{0}b"}))
            .send()
            .await;
        assert!(r.err(10002).contains("`nick_name`"), "{:?}", r.body);
        // nested in an array of objects: the path names the item
        let r = app.post("/user/register/batch").admin()
        .json(json!({"list": [{"username": "bob_ok", "password": "secret123"}, {"username": "carl_ok", "password": "sec\u{0}ret123"}]}))
        .send().await;
        assert!(r.err(10002).contains("`list[1].password`"), "{:?}", r.body);
        // a bare JSON string body
        let r = app
            .put("/user/private")
            .token(&token)
            .json(json!("x\u{0}"))
            .send()
            .await;
        assert!(r.err(10002).contains("body"), "{:?}", r.body);
        // group text on both databases
        let r = app
            .post("/group/create")
            .token(&token)
            .json(json!({"name": "g\u{0}"}))
            .send()
            .await;
        assert!(r.err(10002).contains("`name`"), "{:?}", r.body);
        // nothing was stored
        let profile = app.get("/user/profile").token(&token).send().await;
        assert_ne!(profile.ok()["nick_name"], json!("a\u{0}b"));
        let bob = app
            .post("/token/user")
            .json(json!({"name": "bob_ok", "password": "secret123", "device_guid": "d"}))
            .send()
            .await;
        assert_ne!(
            bob.code(),
            200,
            "the batch was refused as a whole: {:?}",
            bob.body
        );
    }
);

db_test!(
    u0000_in_a_query_parameter_is_10002_naming_it,
    |app: TestApp| async move {
        let (_, token) = app.user("alice").await;
        let r = app
            .put("/user/nickname")
            .token(&token)
            .query("nick_name", "a\u{0}b")
            .send()
            .await;
        assert!(r.err(10002).contains("`nick_name`"), "{:?}", r.body);
        let r = app
            .put("/user/username")
            .token(&token)
            .query("username", "\u{0}")
            .send()
            .await;
        assert!(r.err(10002).contains("`username`"), "{:?}", r.body);
        let r = app
            .get("/group/member_list")
            .token(&token)
            .query("group_id", 1)
            .query("cursor", "\u{0}")
            .send()
            .await;
        assert!(r.err(10002).contains("`cursor`"), "{:?}", r.body);
        let profile = app.get("/user/profile").token(&token).send().await;
        assert_eq!(profile.ok()["username"], "alice");
    }
);

db_test!(
    a_json_value_of_the_wrong_type_is_10002_naming_the_field,
    |app: TestApp| async move {
        let (_, token) = app.user("alice").await;
        // poem-openapi's String alone would take numbers and booleans and store them as text
        for wrong in [
            json!(12),
            json!(true),
            json!(1.5),
            json!(["x"]),
            json!({"a": 1}),
        ] {
            let r = app
                .put("/user/profile")
                .token(&token)
                .json(json!({"nick_name": wrong}))
                .send()
                .await;
            let m = r.err(10002);
            assert!(
                m.contains("`nick_name`") && m.contains("string"),
                "{wrong}: {m}"
            );
        }
        let r = app
            .put("/user/private")
            .token(&token)
            .json(json!(12))
            .send()
            .await;
        assert!(r.err(10002).contains("string"), "{:?}", r.body);
        // the field at fault is named even when an earlier field is fine and a later one is absent
        let r = app
            .post("/user/register/v2")
            .json(json!({"username": "bob_ok", "password": 123456}))
            .send()
            .await;
        assert!(r.err(10002).contains("`password`"), "{:?}", r.body);
        let r = app
            .post("/user/register/batch")
            .admin()
            .json(json!({"list": [{"username": "bob_ok", "password": false}]}))
            .send()
            .await;
        assert!(r.err(10002).contains("`list[0].password`"), "{:?}", r.body);
        let r = app
            .post("/user/register/batch")
            .admin()
            .json(json!({"list": "bob"}))
            .send()
            .await;
        assert!(r.err(10002).contains("`list`"), "{:?}", r.body);
        // integers: type and range
        for wrong in [json!("1"), json!(1.5), json!(3_000_000_000_i64)] {
            let r = app
                .post("/user/push/badge")
                .token(&token)
                .json(json!({"badge": wrong}))
                .send()
                .await;
            assert!(r.err(10002).contains("`badge`"), "{wrong}: {:?}", r.body);
        }
        let nick = app.get("/user/profile").token(&token).send().await.ok()["nick_name"].clone();
        assert!(!nick.is_number() && !nick.is_boolean(), "{nick}");
    }
);

db_test!(
    an_absent_body_whose_fields_are_all_optional_reads_as_empty,
    |app: TestApp| async move {
        let (alice, token) = app.user("alice").await;
        let (bob, _) = app.user("bob").await;
        // an app admin deletes a user without any body (DELETE and POST)
        app.delete("/user/delete")
            .admin()
            .header("user_id", alice)
            .send()
            .await
            .ok();
        app.post("/user/delete")
            .admin()
            .header("user_id", bob)
            .send()
            .await
            .ok();
        let r = app.get("/user/profile").token(&token).send().await;
        assert_eq!(r.code(), 10008, "{:?}", r.body);
        // a user token still has to give its password
        let (_, carol) = app.user("carol").await;
        let r = app.delete("/user/delete").token(&carol).send().await;
        assert!(r.err(10002).contains("password"), "{:?}", r.body);
        // a body with a required field is still required
        let r = app.post("/user/register/v2").send().await;
        assert!(r.err(10002).contains("body"), "{:?}", r.body);
    }
);

db_test!(
    unknown_routes_and_methods_answer_the_envelope,
    |app: TestApp| async move {
        let r = app.get("/no/such/route").send().await;
        assert_eq!((r.status, r.code()), (404, 404), "{:?}", r.body);
        assert!(r.message().contains("/no/such/route"));
        let r = app.delete("/user/register/v2").send().await;
        assert_eq!((r.status, r.code()), (405, 405), "{:?}", r.body);
        assert_eq!(r.headers.get("allow").unwrap(), "POST");
        let r = app
            .call(poem::http::Method::TRACE, "/user/profile")
            .send()
            .await;
        assert_eq!((r.status, r.code()), (405, 405), "{:?}", r.body);
        assert_eq!(r.headers.get("allow").unwrap(), "GET, HEAD, POST, PUT");
    }
);

db_test!(
    a_description_as_long_as_the_api_accepts_is_stored,
    |app: TestApp| async move {
        // users.description was varchar(1024) under a 4096-character limit: a 500 on PostgreSQL
        let (_, token) = app.user("alice").await;
        let long = "é".repeat(4096);
        app.put("/user/profile")
            .token(&token)
            .json(json!({"description": long}))
            .send()
            .await
            .ok();
        let profile = app.get("/user/profile").token(&token).send().await;
        assert_eq!(profile.ok()["description"], json!(long));
        let r = app
            .put("/user/profile")
            .token(&token)
            .json(json!({"description": "é".repeat(4097)}))
            .send()
            .await;
        assert!(r.err(10002).contains("description"), "{:?}", r.body);
    }
);

db_test!(
    bounds_and_missing_parameters_are_said_in_words,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let r = app
            .post("/user/register/v2")
            .json(json!({"username": "ab", "password": "secret12"}))
            .send()
            .await;
        assert_eq!(r.err(10002), "field `username` must be 3 to 64 characters");
        let r = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"name": "x".repeat(129)}))
            .send()
            .await;
        assert_eq!(r.err(10002), "field `name` must be 1 to 128 characters");
        let r = app
            .post("/group/ban")
            .token(&ta)
            .json(json!({"group_id": 1, "user_list": [1], "duration": -5}))
            .send()
            .await;
        assert_eq!(
            r.err(10002),
            "field `duration` must be between 1 and 525600"
        );
        let r = app.get("/group/info").token(&ta).send().await;
        assert_eq!(r.err(10002), "parameter `group_id` is required");
        let r = app
            .get("/group/info")
            .token(&ta)
            .query("group_id", "abc")
            .send()
            .await;
        assert_eq!(
            r.err(10002),
            "parameter `group_id` must be an integer (int64)"
        );
        let r = app.put("/user/nickname").token(&ta).send().await;
        assert_eq!(r.err(10002), "parameter `nick_name` is required");
    }
);

db_test!(
    paging_parameters_are_checked_alike_on_every_list,
    |app: TestApp| async move {
        let (_, token) = app.user("alice").await;
        let gid = app.new_group(&token, &[]).await;
        let list = |path: &str| {
            let call = app.get(path).token(&token);
            if path == "/group/invitation_list" {
                call
            } else {
                call.query("group_id", gid)
            }
        };
        for path in [
            "/group/member_list",
            "/group/banned_list",
            "/group/blocked_list",
            "/group/invitation_list",
        ] {
            for limit in ["0", "1001", "x", "-1"] {
                let r = list(path).query("limit", limit).send().await;
                assert_eq!(
                    r.err(10002),
                    "parameter `limit` must be an integer from 1 to 1000",
                    "{path} {:?}",
                    r.body
                );
            }
            let r = list(path).query("cursor", "garbage").send().await;
            assert_eq!(
                r.err(10002),
                "parameter `cursor` is not a cursor this server answered",
                "{path}"
            );
            let first = list(path)
                .query("cursor", "")
                .query("limit", 1000)
                .send()
                .await;
            assert_eq!(first.code(), 200, "{path} {:?}", first.body);
            // the last page's cursor is null; a client sending it back gets the first page
            let again = list(path).query("cursor", "null").send().await;
            assert_eq!(again.code(), 200, "{path} {:?}", again.body);
        }
        let r = app
            .post("/group/application_list")
            .token(&token)
            .query("limit", 1001)
            .json(json!({"group_list": [gid]}))
            .send()
            .await;
        assert_eq!(
            r.err(10002),
            "parameter `limit` must be an integer from 1 to 1000"
        );
        let r = app
            .get("/user/list")
            .admin()
            .query("page_size", 1001)
            .send()
            .await;
        assert_eq!(
            r.err(10002),
            "parameter `page_size` must be an integer from 1 to 1000"
        );
        let r = app
            .get("/user/list")
            .admin()
            .query("page_num", 0)
            .send()
            .await;
        assert_eq!(
            r.err(10002),
            "parameter `page_num` must be an integer from 1"
        );
        let r = app
            .get("/user/list")
            .admin()
            .query("page_num", 2)
            .query("page_size", 1)
            .send()
            .await;
        assert_eq!(
            r.ok().as_array().map(Vec::len),
            Some(0),
            "alice alone: page 2 of size 1 is empty"
        );
        assert_eq!(r.body["total"], 1);
    }
);

/// A value that satisfies `schema` (`$ref`s resolved against the spec): the dummy of every
/// required field or parameter while another one is being broken.
fn fitting(spec: &serde_json::Value, schema: &serde_json::Value) -> serde_json::Value {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    if let Some(inner) = schema["allOf"].as_array().and_then(|a| a.first()) {
        return fitting(spec, inner);
    }
    match schema["type"].as_str() {
        Some("integer") | Some("number") => {
            json!(schema["minimum"].as_f64().map_or(1, |m| m.max(1.0) as i64))
        }
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        Some("string") => {
            json!("x".repeat(schema["minLength"].as_u64().unwrap_or(1).max(1) as usize))
        }
        _ => {
            let mut o = serde_json::Map::new();
            for field in schema["required"].as_array().into_iter().flatten() {
                let f = field.as_str().unwrap();
                o.insert(f.to_owned(), fitting(spec, &schema["properties"][f]));
            }
            serde_json::Value::Object(o)
        }
    }
}

/// A value that breaks one declared bound of `schema`, if it declares one.
fn breaking(schema: &serde_json::Value) -> Option<serde_json::Value> {
    if let Some(max) = schema["maximum"].as_i64() {
        return Some(json!(max + 1));
    }
    if let Some(max) = schema["maximum"].as_f64() {
        return Some(json!(max as i64 + 1));
    }
    if let Some(min) = schema["minimum"].as_f64() {
        return Some(json!(min as i64 - 1));
    }
    if let Some(max) = schema["maxLength"].as_u64() {
        return Some(json!("x".repeat(max as usize + 1)));
    }
    if let Some(min) = schema["minLength"].as_u64().filter(|m| *m > 1) {
        return Some(json!("x".repeat(min as usize - 1)));
    }
    schema["pattern"]
        .as_str()
        .map(|_| json!("\u{1F600} not matching"))
}

db_test!(
    every_declared_bound_is_answered_in_words,
    |app: TestApp| async move {
        let uid = app.register("alice").await;
        let spec: serde_json::Value =
            serde_json::from_str(&imserver::api::spec_json(&app.state)).unwrap();
        let leaks = [
            "failed to parse",
            "verification failed",
            "exclusive",
            "occurred while",
            "is not valid:",
        ];
        let mut broken = 0;
        for (path, ops) in spec["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let method: poem::http::Method = method.to_uppercase().parse().unwrap();
                let params: Vec<&serde_json::Value> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .collect();
                let body_schema =
                    op["requestBody"]["content"]["application/json"]["schema"].clone();
                let body = fitting(&spec, &body_schema);
                // each bounded query parameter broken in turn, the others fitting
                let mut cases: Vec<Case> = Vec::new();
                for p in &params {
                    let Some(bad) = breaking(&p["schema"]) else {
                        continue;
                    };
                    let query = params
                        .iter()
                        .filter(|q| q["name"] == p["name"] || q["required"] == true)
                        .map(|q| {
                            let v = if q["name"] == p["name"] {
                                bad.clone()
                            } else {
                                fitting(&spec, &q["schema"])
                            };
                            (
                                q["name"].as_str().unwrap().to_owned(),
                                v.as_str().map_or(v.to_string(), str::to_owned),
                            )
                        })
                        .collect();
                    cases.push((p["name"].as_str().unwrap().to_owned(), query, body.clone()));
                }
                // each bounded body field broken in turn
                let resolved = match body_schema["$ref"].as_str() {
                    Some(r) => spec["components"]["schemas"]
                        [r.trim_start_matches("#/components/schemas/")]
                    .clone(),
                    None => body_schema.clone(),
                };
                for (field, prop) in resolved["properties"].as_object().into_iter().flatten() {
                    let Some(bad) = breaking(prop) else { continue };
                    let mut b = body.clone();
                    b[field] = bad;
                    let query = params.iter().filter(|q| q["required"] == true).map(|q| {
                        let v = fitting(&spec, &q["schema"]);
                        (
                            q["name"].as_str().unwrap().to_owned(),
                            v.as_str().map_or(v.to_string(), str::to_owned),
                        )
                    });
                    cases.push((field.clone(), query.collect(), b));
                }
                for (name, query, body) in cases {
                    let mut call = app
                        .call(method.clone(), path)
                        .admin()
                        .header("user_id", uid);
                    for (k, v) in query {
                        call = call.query(&k, v);
                    }
                    if !body.is_null() {
                        call = call.json(body);
                    }
                    let r = call.send().await;
                    let message = r.message();
                    assert_eq!(
                        r.code(),
                        10002,
                        "{method} {path} with `{name}` out of bounds: {:?}",
                        r.body
                    );
                    assert!(
                        message.contains(&format!("`{name}`")),
                        "{method} {path}: the message names `{name}`: {message}"
                    );
                    assert!(
                        !leaks.iter().any(|l| message.contains(l)),
                        "{method} {path}: framework wording: {message}"
                    );
                    broken += 1;
                }
            }
        }
        assert!(broken >= 20, "only {broken} bounds were tried");
    }
);

// Ids stay below 2^53 (JavaScript numbers hold them exactly): a request naming a larger one is
// refused before the domain, so no answer echoes it.
db_test!(
    ids_beyond_2_pow_53_are_refused_everywhere,
    |app: TestApp| async move {
        let (_, token) = app.user("alice").await;
        let big = 9_007_199_254_740_992_i64;
        let r = app
            .post("/roster/apply/batch")
            .token(&token)
            .json(json!([{"user_id": big}]))
            .send()
            .await;
        assert!(
            r.err(10002)
                .contains("`body[0].user_id` must be at most 9007199254740991"),
            "{:?}",
            r.body
        );
        let r = app
            .post("/group/kick")
            .token(&token)
            .json(json!({"group_id": 1, "user_list": [1, big]}))
            .send()
            .await;
        assert!(r.err(10002).contains("`user_list[1]`"), "{:?}", r.body);
        let r = app
            .get("/group/info")
            .token(&token)
            .query("group_id", big)
            .send()
            .await;
        assert!(r.err(10002).contains("`group_id`"), "{:?}", r.body);
        let r = app
            .get("/user/profile")
            .admin()
            .header("user_id", -big)
            .send()
            .await;
        assert!(
            r.err(10002).contains("header user_id must be at most"),
            "{:?}",
            r.body
        );
    }
);

db_test!(
    an_unknown_method_with_a_huge_id_is_still_405,
    |app: TestApp| async move {
        let r = app
            .call(poem::http::Method::PATCH, "/group/admin_list")
            .query("group_id", i64::MIN)
            .send()
            .await;
        assert_eq!(r.status, 405, "{:?}", r.body);
        assert_eq!(r.code(), 405);
    }
);

db_test!(
    no_error_message_echoes_a_header_value,
    |app: TestApp| async move {
        // a user token pasted into an identity header: the answer names the header, never the
        // value (it may be a secret)
        let (_, token) = app.user("alice").await;
        for name in ["user_id", "group_id"] {
            let r = app
                .get("/user/profile")
                .admin()
                .header(name, &token)
                .send()
                .await;
            let m = r.err(10002);
            assert!(m.contains(&format!("header {name}")), "{name}: {m}");
            assert!(!m.contains(&token), "{name} echoed: {m}");
            assert!(!m.contains("usr_"), "{name} echoed: {m}");
        }
        let r = app
            .get("/user/profile")
            .token(&token)
            .header("app_id", &token)
            .send()
            .await;
        let m = r.err(40000);
        assert!(m.contains("app_id"), "{m}");
        assert!(!m.contains(&token), "app_id echoed: {m}");
    }
);

/// A broken request of the walk over the spec: what is broken, its query, its body.
type Case = (String, Vec<(String, String)>, serde_json::Value);
