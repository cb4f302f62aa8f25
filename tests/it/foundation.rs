//! The foundation: envelope, error mapping, authentication rules, tokens and registration.
use crate::common;

use common::TestApp;
use futures::future::join_all;
use imserver::entity::{device, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

db_test!(
    register_answers_settings_in_the_envelope,
    |app: TestApp| async move {
        let r = app
            .post("/user/register/v2")
            .json(json!({"username": "alice", "password": "secret123"}))
            .send()
            .await;
        let data = r.ok();
        assert!(data["user_id"].as_i64().unwrap() > 0);
        // the seed system's defaults
        assert_eq!(data["auth_mode"], 0);
        assert_eq!(data["group_confirm"], false);
        assert_eq!(data["no_push"], false);
        assert_eq!(data["auto_download"], true);
        assert_eq!(data["vibratory"], true);
        assert!(data.get("password").is_none());
    }
);

db_test!(
    open_registration_ignores_a_stale_token,
    |app: TestApp| async move {
        // a client that still holds a revoked or foreign token registers all the same
        let (uid, token) = app.user("stale").await;
        app.put("/user/disable")
            .admin()
            .json(json!({"list": [uid]}))
            .send()
            .await
            .ok();
        app.get("/user/profile")
            .token(&token)
            .send()
            .await
            .err(10008);
        let r = app
            .post("/user/register/v2")
            .token(&token)
            .json(json!({"username": "fresh", "password": "secret123"}))
            .send()
            .await;
        r.ok();
        let r = app
            .post("/user/register/push")
            .token("usr_nonsense")
            .json(json!({"username": "pushy", "password": "secret123"}))
            .send()
            .await;
        r.ok();
    }
);

db_test!(duplicate_username_is_10004, |app: TestApp| async move {
    app.register("bob").await;
    let r = app
        .post("/user/register/v2")
        .json(json!({"username": "bob", "password": "other1234"}))
        .send()
        .await;
    assert!(r.err(10004).contains("bob"));
});

db_test!(
    concurrent_registration_of_one_name_admits_one,
    |app: TestApp| async move {
        let calls = (0..8).map(|_| {
            app.post("/user/register/v2")
                .json(json!({"username": "carol", "password": "secret123"}))
                .send()
        });
        let answers = join_all(calls).await;
        let ok = answers.iter().filter(|a| a.code() == 200).count();
        let dup = answers.iter().filter(|a| a.code() == 10004).count();
        assert_eq!((ok, dup), (1, 7), "{answers:?}");
        let stored = user::Entity::find()
            .filter(user::Column::Username.eq("carol"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(stored, 1);
    }
);

db_test!(
    bad_input_is_10002_naming_the_field,
    |app: TestApp| async move {
        let missing = app
            .post("/user/register/v2")
            .json(json!({"username": "dave"}))
            .send()
            .await;
        assert!(
            missing.err(10002).contains("password"),
            "{:?}",
            missing.body
        );
        let wrong_type = app
            .post("/user/register/v2")
            .json(json!({"username": 5, "password": "secret123"}))
            .send()
            .await;
        assert!(
            wrong_type.err(10002).contains("username"),
            "{:?}",
            wrong_type.body
        );
        let digits = app
            .post("/user/register/v2")
            .json(json!({"username": "12345", "password": "secret123"}))
            .send()
            .await;
        assert!(digits.err(10002).contains("username"), "{:?}", digits.body);
        let short = app
            .post("/user/register/v2")
            .json(json!({"username": "dave", "password": "1"}))
            .send()
            .await;
        assert!(short.err(10002).contains("password"), "{:?}", short.body);
        let malformed = app
            .post("/user/register/v2")
            .raw("{\"username\": ", "application/json")
            .send()
            .await;
        malformed.err(10002);
        let not_json = app
            .post("/user/register/v2")
            .raw("username=dave", "text/plain")
            .send()
            .await;
        not_json.err(10002);
        // nothing was written by any of them
        assert_eq!(user::Entity::find().count(&app.state.db).await.unwrap(), 0);
    }
);

db_test!(
    app_id_header_is_required_and_checked,
    |app: TestApp| async move {
        let body = json!({"username": "erin", "password": "secret123"});
        let missing = app
            .post("/user/register/v2")
            .without("app_id")
            .json(body.clone())
            .send()
            .await;
        assert!(missing.err(10002).contains("app_id"));
        let unknown = app
            .post("/user/register/v2")
            .header("app_id", "nosuchapp")
            .json(body)
            .send()
            .await;
        let m = unknown.err(40000);
        assert!(m.contains("app_id") && !m.contains("nosuchapp"), "{m}");
    }
);

db_test!(
    tokens_by_name_id_and_login_name,
    |app: TestApp| async move {
        let id = app.register("frank").await;
        let by_name = app
            .post("/token/user")
            .json(json!({"name": "frank", "password": "secret123"}))
            .send()
            .await;
        let d = by_name.ok().clone();
        assert_eq!(d["user_id"], id);
        assert!(d["token"].as_str().unwrap().len() >= 64);
        assert_eq!(
            d["expire"].as_i64().unwrap(),
            common::START_MS + 7 * 24 * 3600 * 1000
        );
        assert!(d["push_token"].is_null());

        let by_id = app
            .post("/token/id")
            .json(json!({"user_id": id, "password": "secret123"}))
            .send()
            .await;
        assert_eq!(by_id.ok()["user_id"], id);

        // login_name matches the username or the mobile number
        let by_login = app
            .post("/token/login")
            .json(json!({"login_name": "frank", "password": "secret123"}))
            .send()
            .await;
        assert_eq!(by_login.ok()["user_id"], id);
        let mut u: user::ActiveModel = user::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        u.mobile = Set(Some("13800000000".into()));
        u.update(&app.state.db).await.unwrap();
        let by_mobile = app
            .post("/token/login")
            .json(json!({"login_name": "13800000000", "password": "secret123"}))
            .send()
            .await;
        assert_eq!(by_mobile.ok()["user_id"], id);

        // every token works on its own
        for t in [
            &d["token"],
            &by_id.data()["token"],
            &by_login.data()["token"],
        ] {
            app.get("/user/profile")
                .token(t.as_str().unwrap())
                .send()
                .await
                .ok();
        }
        // four logins without device_guid = four device sessions, numbered 1..4
        let mut sns: Vec<i32> = device::Entity::find()
            .filter(device::Column::UserId.eq(id))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.device_sn)
            .collect();
        sns.sort();
        assert_eq!(sns, vec![1, 2, 3, 4]);
    }
);

db_test!(token_errors, |app: TestApp| async move {
    app.register("gina").await;
    let wrong = app
        .post("/token/user")
        .json(json!({"name": "gina", "password": "nopenope"}))
        .send()
        .await;
    wrong.err(11001);
    let unknown = app
        .post("/token/user")
        .json(json!({"name": "nobody", "password": "secret123"}))
        .send()
        .await;
    unknown.err(10000);
    let unknown_id = app
        .post("/token/id")
        .json(json!({"user_id": 999999, "password": "secret123"}))
        .send()
        .await;
    unknown_id.err(10000);
    let no_app = app
        .post("/token/user")
        .without("app_id")
        .json(json!({"name": "gina", "password": "secret123"}))
        .send()
        .await;
    no_app.err(10002);
});

db_test!(
    device_guid_reuses_the_device_and_ends_its_old_token,
    |app: TestApp| async move {
        let id = app.register("hank").await;
        let login = || {
            app.post("/token/user")
                .json(json!({"name": "hank", "password": "secret123", "device_guid": "phone-1"}))
                .send()
        };
        let first = login().await.ok()["token"].as_str().unwrap().to_owned();
        let second = login().await.ok()["token"].as_str().unwrap().to_owned();
        assert_ne!(first, second);
        let devices = device::Entity::find()
            .filter(device::Column::UserId.eq(id))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].device_sn, 1);
        app.get("/user/profile")
            .token(&first)
            .send()
            .await
            .err(10008);
        app.get("/user/profile").token(&second).send().await.ok();
    }
);

db_test!(
    missing_invalid_and_expired_tokens,
    |app: TestApp| async move {
        let (_, token) = app.user("ivan").await;
        app.get("/user/profile").send().await.err(10003);
        app.get("/user/profile")
            .token("usr_0000")
            .send()
            .await
            .err(10008);
        app.get("/user/profile")
            .token("garbage")
            .send()
            .await
            .err(10008);
        app.get("/user/profile").token(&token).send().await.ok();
        app.clock.advance_ms(7 * 24 * 3600 * 1000);
        // an expired user token is 402, on which the original clients log in again
        let expired = app.get("/user/profile").token(&token).send().await;
        assert_eq!(expired.err(402), "access-token has expired");
    }
);

db_test!(
    a_token_of_another_app_is_refused,
    |app: TestApp| async move {
        let (_, token) = app.user("judy").await;
        let other = imserver::domain::identity::apps::create_app(&app.state, "other", None)
            .await
            .unwrap();
        app.get("/user/profile")
            .header("app_id", &other.app_id)
            .token(&token)
            .send()
            .await
            .err(10008);
        app.get("/user/profile")
            .header("app_id", &other.app_id)
            .admin()
            .send()
            .await
            .err(10008);
        // the other app's admin token does not reach this app either
        app.get("/user/profile")
            .token(&other.admin_token)
            .send()
            .await
            .err(10008);
    }
);

db_test!(
    admin_token_acts_as_the_user_named_by_user_id,
    |app: TestApp| async move {
        let id = app.register("kate").await;
        let r = app
            .get("/user/profile")
            .admin()
            .header("user_id", id)
            .send()
            .await;
        assert_eq!(r.ok()["username"], "kate");
        // without a user to act as, a user operation is a bad request naming the header
        assert!(
            app.get("/user/profile")
                .admin()
                .send()
                .await
                .err(10002)
                .contains("user_id")
        );
        app.get("/user/profile")
            .admin()
            .header("user_id", 987654)
            .send()
            .await
            .err(10000);
        app.get("/user/profile")
            .admin()
            .header("user_id", "abc")
            .send()
            .await
            .err(10002);
        // group_id makes the admin act on a group, not as a user
        app.get("/user/profile")
            .admin()
            .header("group_id", 1)
            .send()
            .await
            .err(10002);
        app.get("/user/profile")
            .admin()
            .header("group_id", 1)
            .header("user_id", id)
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    user_token_cannot_act_as_someone_else,
    |app: TestApp| async move {
        let (me, token) = app.user("leo").await;
        let other = app.register("mia").await;
        let own = app
            .get("/user/profile")
            .token(&token)
            .header("user_id", me)
            .send()
            .await;
        assert_eq!(own.ok()["user_id"], me);
        app.get("/user/profile")
            .token(&token)
            .header("user_id", other)
            .send()
            .await
            .err(10010);
        app.get("/user/profile")
            .token(&token)
            .header("group_id", 1)
            .send()
            .await
            .err(10010);
    }
);

db_test!(
    disabled_user_loses_access_at_once,
    |app: TestApp| async move {
        let (id, token) = app.user("nina").await;
        let mut u: user::ActiveModel = user::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        u.status = Set(1);
        u.update(&app.state.db).await.unwrap();
        app.get("/user/profile")
            .token(&token)
            .send()
            .await
            .err(10008);
        app.post("/token/user")
            .json(json!({"name": "nina", "password": "secret123"}))
            .send()
            .await
            .err(10010);
    }
);

db_test!(
    register_batch_is_admin_only_and_per_item,
    |app: TestApp| async move {
        let (_, token) = app.user("oscar").await;
        let list = json!({"list": [
            {"username": "pp1", "password": "secret123"},
            {"username": "oscar", "password": "secret123"},
            {"username": "pp2", "password": "x"},
            {"username": "pp3", "password": "secret123"},
            {"username": "pp3", "password": "secret123"},
            {"username": "999", "password": "secret123"}
        ]});
        app.post("/user/register/batch")
            .token(&token)
            .json(list.clone())
            .send()
            .await
            .err(10010);
        let r = app
            .post("/user/register/batch")
            .admin()
            .json(list)
            .send()
            .await;
        let items = r.ok().as_array().unwrap().clone();
        let ok: Vec<bool> = items
            .iter()
            .map(|i| i["success"].as_bool().unwrap())
            .collect();
        assert_eq!(
            ok,
            vec![true, false, false, true, false, false],
            "{items:?}"
        );
        assert!(items[0]["reason"].is_null() && items[0]["user_id"].as_i64().unwrap() > 0);
        assert!(
            items[1]["reason"]
                .as_str()
                .unwrap()
                .contains("already exists")
        );
        assert!(items[2]["reason"].as_str().unwrap().contains("password"));
        assert!(items[4]["reason"].as_str().unwrap().contains("twice"));
        assert!(items[5]["reason"].as_str().unwrap().contains("digits"));
        assert!(items[3]["user_id"].as_i64().unwrap() > 0);
        // the good items can log in
        app.login("pp3").await;
        let too_many: Vec<_> = (0..1001)
            .map(|i| json!({"username": format!("u{i}x"), "password": "secret123"}))
            .collect();
        app.post("/user/register/batch")
            .admin()
            .json(json!({"list": too_many}))
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    register_push_checks_sign_when_the_app_has_a_secret,
    |app: TestApp| async move {
        let secured = imserver::domain::identity::apps::create_app(
            &app.state,
            "signed",
            Some("s3cret".into()),
        )
        .await
        .unwrap();
        let body = |sign: &str| json!({"username": "quinn", "password": "secret123", "sign": sign, "push_token": "pt-1", "device_guid": "g1", "alias": "q"});
        app.post("/user/register/push")
            .header("app_id", &secured.app_id)
            .json(body("00"))
            .send()
            .await
            .err(10010);
        let good = imserver::crypto::hmac_sha256_hex(b"s3cret", b"quinn");
        let r = app
            .post("/user/register/push")
            .header("app_id", &secured.app_id)
            .json(body(&good))
            .send()
            .await;
        assert_eq!(r.ok()["push_token"], "pt-1");
        // without a secret, sign is ignored; a later login with the device_guid reuses the device
        let r = app
            .post("/user/register/push")
            .json(body("whatever"))
            .send()
            .await;
        let uid = r.ok()["user_id"].as_i64().unwrap();
        let t = app
            .post("/token/user")
            .json(json!({"name": "quinn", "password": "secret123", "device_guid": "g1"}))
            .send()
            .await;
        assert_eq!(t.ok()["push_token"], "pt-1");
        assert_eq!(
            device::Entity::find()
                .filter(device::Column::UserId.eq(uid))
                .count(&app.state.db)
                .await
                .unwrap(),
            1
        );
    }
);

db_test!(
    passwords_are_never_returned_or_stored_in_clear,
    |app: TestApp| async move {
        let id = app.register("rosa").await;
        let token = app.login("rosa").await;
        let answers = vec![
            app.get("/user/profile").token(&token).send().await,
            app.post("/token/user")
                .json(json!({"name": "rosa", "password": "secret123"}))
                .send()
                .await,
            app.post("/user/register/batch")
                .admin()
                .json(json!({"list": [{"username": "sam", "password": "secret123"}]}))
                .send()
                .await,
        ];
        for a in answers {
            let text = a.body.to_string();
            assert!(
                !text.contains("secret123")
                    && !text.contains("password")
                    && !text.contains("argon2"),
                "{text}"
            );
        }
        let stored = user::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.password_hash.starts_with("$argon2id$"));
        // tokens are stored as digests only
        let d = device::Entity::find()
            .filter(device::Column::UserId.eq(id))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(d.token_hash.as_deref(), Some(token.as_str()));
        assert_eq!(d.token_hash.unwrap(), imserver::crypto::sha256_hex(&token));
    }
);

db_test!(
    probes_spec_and_swagger_are_served,
    |app: TestApp| async move {
        let h = app.get("/health").without("app_id").send().await;
        assert_eq!(h.ok()["status"], "up");
        let r = app.get("/ready").without("app_id").send().await;
        assert_eq!(r.ok()["status"], "ready");
        let spec = app.get("/openapi.json").send().await;
        assert_eq!(spec.status, 200);
        assert!(spec.body["paths"]["/user/profile"]["get"].is_object());
        let yaml = app.get("/openapi.yaml").send().await;
        assert!(yaml.body.as_str().unwrap().contains("openapi:"));
        let ui = app.get("/swagger/").send().await;
        assert_eq!(ui.status, 200);
        assert!(ui.body.as_str().unwrap().contains("swagger"));
        let root = app.get("/").send().await;
        assert_eq!(root.status, 303);
    }
);

db_test!(
    unknown_routes_and_methods_do_not_500,
    |app: TestApp| async move {
        let r = app.get("/no/such/route").send().await;
        assert_eq!(r.status, 404);
        let r = app.delete("/user/register/v2").send().await;
        assert_eq!(r.status, 405);
        let huge = format!(
            "{{\"username\": \"{}\", \"password\": \"secret123\"}}",
            "a".repeat(5 * 1024 * 1024)
        );
        let r = app
            .post("/user/register/v2")
            .raw(&huge, "application/json")
            .send()
            .await;
        assert!(r.err(10002).contains("exceeds"));
    }
);

/// Two instances starting together on one empty PostgreSQL database: both migrate (one after the
/// other, under the advisory lock) and both come up. Several rounds, as the race is a matter of timing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_connects_on_one_postgres_schema_both_migrate() {
    use sea_orm::ConnectionTrait;
    let Some(url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return;
    };
    let admin = sea_orm::Database::connect(url.as_str())
        .await
        .expect("postgres");
    // imtest_<run>_<random>, as tests/common names its schemas (cargo_tests.sh drops its run's);
    // this test also drops its own, and fails when one remains
    let run = std::env::var("IMTEST_RUN").unwrap_or_else(|_| "adhoc".into());
    let mut made = Vec::new();
    for _ in 0..3 {
        let schema = format!("imtest_{run}_{}", imserver::crypto::new_id(12));
        made.push(schema.clone());
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        let (a, b) = tokio::join!(
            imserver::boot::connect(&url, 2, Some(&schema)),
            imserver::boot::connect(&url, 2, Some(&schema))
        );
        let (a, b) = (
            a.expect("first instance migrates"),
            b.expect("second instance migrates"),
        );
        let pending = |db: sea_orm::DatabaseConnection| async move {
            use migration::MigratorTrait;
            migration::Migrator::get_pending_migrations(&db)
                .await
                .expect("status")
                .len()
        };
        assert_eq!(pending(a).await, 0);
        assert_eq!(pending(b).await, 0);
    }
    for schema in &made {
        admin
            .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .expect("drop schema");
    }
    let left = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT nspname FROM pg_namespace WHERE nspname IN ('{}')",
                made.join("', '")
            ),
        ))
        .await
        .expect("schemas");
    assert!(left.is_empty(), "schemas left behind: {left:?}");
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_one_app_with_a_working_admin_token() {
    for backend in common::backends() {
        let (state, _) = common::empty_state(&backend).await;
        let (a, b) = tokio::join!(
            imserver::domain::identity::apps::bootstrap(&state),
            imserver::domain::identity::apps::bootstrap(&state)
        );
        let created: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(created.len(), 1, "exactly one start creates the app");
        assert!(
            imserver::domain::identity::apps::bootstrap(&state)
                .await
                .unwrap()
                .is_none()
        );
        let new = &created[0];
        assert!(new.admin_token.starts_with("adm_"));
        let apps = imserver::entity::app::Entity::find()
            .all(&state.db)
            .await
            .unwrap();
        assert_eq!(apps.len(), 1);
        // the printed token is an admin token of that app
        let caller = imserver::domain::identity::auth::authenticate(
            &state,
            &new.admin_token,
            imserver::domain::identity::auth::Claims {
                app_id: Some(new.app_id.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(caller.is_admin());
    }
}

db_test!(
    revoked_admin_token_stops_working,
    |app: TestApp| async move {
        let id = app.register("tina").await;
        let second = imserver::domain::identity::apps::issue_admin_token(&app.state, &app.app_id)
            .await
            .unwrap();
        app.get("/user/profile")
            .token(&second)
            .header("user_id", id)
            .send()
            .await
            .ok();
        assert!(
            imserver::domain::identity::apps::revoke_admin_token(&app.state, &second)
                .await
                .unwrap()
        );
        app.get("/user/profile")
            .token(&second)
            .header("user_id", id)
            .send()
            .await
            .err(10008);
        // the first admin token is untouched
        app.get("/user/profile")
            .admin()
            .header("user_id", id)
            .send()
            .await
            .ok();
    }
);

db_test!(
    every_answer_carries_a_request_id,
    |app: TestApp| async move {
        let resp = app
            .client
            .get("/health")
            .header("x-request-id", "abc123")
            .send()
            .await;
        resp.assert_header("x-request-id", "abc123");
        let resp = app.client.get("/health").send().await;
        resp.assert_header_exist("x-request-id");
    }
);

db_test!(
    an_app_needs_a_name_and_a_non_empty_secret,
    |app: TestApp| async move {
        use imserver::domain::identity::apps::create_app;
        for (name, secret) in [("", None), ("   ", None), ("ok", Some(String::new()))] {
            let e = create_app(&app.state, name, secret)
                .await
                .err()
                .expect("refused");
            assert_eq!(e.code(), 10002, "{name:?}");
        }
        assert!(create_app(&app.state, &"n".repeat(128), None).await.is_ok());
    }
);

// Generated clients send an unset optional security scheme as an empty header: it counts as
// absent.
db_test!(
    empty_identity_headers_count_as_absent,
    |app: TestApp| async move {
        let (_, token) = app.user("ella").await;
        let r = app
            .get("/user/profile")
            .token(&token)
            .header("user_id", "")
            .header("group_id", "")
            .send()
            .await;
        assert_eq!(r.ok()["username"], "ella");
        app.get("/user/list")
            .admin()
            .header("user_id", " ")
            .header("group_id", "")
            .send()
            .await
            .ok();
        let r = app
            .get("/user/profile")
            .token(&token)
            .header("app_id", "")
            .send()
            .await;
        assert_eq!(r.err(10002), "header app_id is required");
    }
);
