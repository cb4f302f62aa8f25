//! Profile updates: /user/profile, avatar, nickname, mobile, username, private, public.
use crate::common;

use common::TestApp;
use imserver::entity::user;
use sea_orm::EntityTrait;
use serde_json::json;

async fn stored(app: &TestApp, id: i64) -> user::Model {
    user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

db_test!(
    update_profile_changes_only_given_fields,
    |app: TestApp| async move {
        let (id, token) = app.user("alice").await;
        let r = app
            .put("/user/profile")
            .token(&token)
            .json(json!({"nick_name": "Al", "description": "hi"}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!(true));
        let r = app
            .post("/user/profile")
            .token(&token)
            .json(json!({"private_info": "p", "public_info": "q"}))
            .send()
            .await;
        r.ok();
        let u = stored(&app, id).await;
        assert_eq!(
            (
                u.nick_name.as_deref(),
                u.description.as_deref(),
                u.private_info.as_deref(),
                u.public_info.as_deref()
            ),
            (Some("Al"), Some("hi"), Some("p"), Some("q"))
        );
        let long = "x".repeat(65);
        let r = app
            .put("/user/profile")
            .token(&token)
            .json(json!({"nick_name": long}))
            .send()
            .await;
        assert!(r.err(10002).contains("nick_name"));
        assert_eq!(stored(&app, id).await.nick_name.as_deref(), Some("Al"));
        // the profile shows the change
        let p = app.get("/user/profile").token(&token).send().await;
        assert_eq!(p.ok()["nick_name"], "Al");
        // an admin acts with the user_id header; without it, 10002
        app.put("/user/profile")
            .admin()
            .header("user_id", id)
            .json(json!({"nick_name": "Adm"}))
            .send()
            .await
            .ok();
        assert_eq!(stored(&app, id).await.nick_name.as_deref(), Some("Adm"));
        assert!(
            app.put("/user/profile")
                .admin()
                .json(json!({"nick_name": "x"}))
                .send()
                .await
                .err(10002)
                .contains("user_id")
        );
        app.put("/user/profile")
            .json(json!({"nick_name": "x"}))
            .send()
            .await
            .err(10003);
    }
);

db_test!(
    avatar_and_nickname_on_both_methods,
    |app: TestApp| async move {
        let (id, token) = app.user("bob").await;
        app.put("/user/avatar")
            .token(&token)
            .json(json!({"avatar": "http://a/1.png"}))
            .send()
            .await
            .ok();
        assert_eq!(
            stored(&app, id).await.avatar.as_deref(),
            Some("http://a/1.png")
        );
        app.post("/user/avatar")
            .token(&token)
            .json(json!({"avatar": "http://a/2.png"}))
            .send()
            .await
            .ok();
        assert_eq!(
            stored(&app, id).await.avatar.as_deref(),
            Some("http://a/2.png")
        );
        assert!(
            app.post("/user/avatar")
                .token(&token)
                .json(json!({}))
                .send()
                .await
                .err(10002)
                .contains("avatar")
        );

        app.put("/user/nickname")
            .token(&token)
            .query("nick_name", "Bobby")
            .send()
            .await
            .ok();
        assert_eq!(stored(&app, id).await.nick_name.as_deref(), Some("Bobby"));
        app.post("/user/nickname")
            .token(&token)
            .query("nick_name", "Rob")
            .send()
            .await
            .ok();
        assert_eq!(stored(&app, id).await.nick_name.as_deref(), Some("Rob"));
        assert!(
            app.post("/user/nickname")
                .token(&token)
                .send()
                .await
                .err(10002)
                .contains("nick_name")
        );
    }
);

db_test!(mobile_is_unique_per_app, |app: TestApp| async move {
    let (id, token) = app.user("carl").await;
    let (_, other) = app.user("dora").await;
    app.put("/user/mobile")
        .token(&token)
        .query("mobile", "+8613800000000")
        .send()
        .await
        .ok();
    assert_eq!(
        stored(&app, id).await.mobile.as_deref(),
        Some("+8613800000000")
    );
    app.post("/user/mobile")
        .token(&token)
        .query("mobile", "13800000001")
        .send()
        .await
        .ok();
    app.put("/user/mobile")
        .token(&other)
        .query("mobile", "13800000001")
        .send()
        .await
        .err(10004);
    assert!(
        app.put("/user/mobile")
            .token(&other)
            .query("mobile", "abc")
            .send()
            .await
            .err(10002)
            .contains("mobile")
    );
    // setting one's own number again is fine
    app.put("/user/mobile")
        .token(&token)
        .query("mobile", "13800000001")
        .send()
        .await
        .ok();
    // and the number logs in
    let r = app
        .post("/token/login")
        .json(json!({"login_name": "13800000001", "password": "secret123"}))
        .send()
        .await;
    assert_eq!(r.ok()["user_id"], id);
});

db_test!(
    username_follows_registration_rules,
    |app: TestApp| async move {
        let (id, token) = app.user("erin").await;
        app.user("fred").await;
        app.put("/user/username")
            .token(&token)
            .query("username", "erin2")
            .send()
            .await
            .ok();
        assert_eq!(stored(&app, id).await.username, "erin2");
        app.post("/user/username")
            .token(&token)
            .query("username", "erin3")
            .send()
            .await
            .ok();
        assert_eq!(stored(&app, id).await.username, "erin3");
        app.put("/user/username")
            .token(&token)
            .query("username", "fred")
            .send()
            .await
            .err(10004);
        assert!(
            app.put("/user/username")
                .token(&token)
                .query("username", "12345")
                .send()
                .await
                .err(10002)
                .contains("username")
        );
        assert!(
            app.put("/user/username")
                .token(&token)
                .query("username", "ab")
                .send()
                .await
                .err(10002)
                .contains("username")
        );
        assert_eq!(stored(&app, id).await.username, "erin3");
        // the token still works and the new name logs in
        app.get("/user/profile").token(&token).send().await.ok();
        app.login("erin3").await;
    }
);

db_test!(
    private_and_public_take_a_bare_string,
    |app: TestApp| async move {
        let (id, token) = app.user("gina").await;
        app.put("/user/private")
            .token(&token)
            .json(json!("secret note"))
            .send()
            .await
            .ok();
        app.post("/user/public")
            .token(&token)
            .json(json!("hello all"))
            .send()
            .await
            .ok();
        let u = stored(&app, id).await;
        assert_eq!(
            (u.private_info.as_deref(), u.public_info.as_deref()),
            (Some("secret note"), Some("hello all"))
        );
        app.post("/user/private")
            .token(&token)
            .json(json!("p2"))
            .send()
            .await
            .ok();
        app.put("/user/public")
            .token(&token)
            .json(json!("q2"))
            .send()
            .await
            .ok();
        let u = stored(&app, id).await;
        assert_eq!(
            (u.private_info.as_deref(), u.public_info.as_deref()),
            (Some("p2"), Some("q2"))
        );
        app.put("/user/private")
            .token(&token)
            .json(json!(5))
            .send()
            .await
            .err(10002);
        let big = "x".repeat(4097);
        assert!(
            app.put("/user/public")
                .token(&token)
                .json(json!(big))
                .send()
                .await
                .err(10002)
                .contains("public_info")
        );
    }
);

db_test!(
    change_password_keeps_only_the_calling_session,
    |app: TestApp| async move {
        let (_, token) = app.user("hank").await;
        let other = app.login("hank").await;
        let wrong = app
            .post("/user/change_password")
            .token(&token)
            .json(json!({"old_password": "nopenope", "new_password": "newpass123"}))
            .send()
            .await;
        wrong.err(11001);
        app.get("/user/profile").token(&other).send().await.ok();
        let short = app
            .post("/user/change_password")
            .token(&token)
            .json(json!({"old_password": "secret123", "new_password": "x"}))
            .send()
            .await;
        assert!(short.err(10002).contains("new_password"));
        app.post("/user/change_password")
            .token(&token)
            .json(json!({"old_password": "secret123", "new_password": "newpass123"}))
            .send()
            .await
            .ok();
        app.get("/user/profile").token(&token).send().await.ok();
        app.get("/user/profile")
            .token(&other)
            .send()
            .await
            .err(10008);
        app.post("/token/user")
            .json(json!({"name": "hank", "password": "secret123"}))
            .send()
            .await
            .err(11001);
        app.post("/token/user")
            .json(json!({"name": "hank", "password": "newpass123"}))
            .send()
            .await
            .ok();
    }
);

db_test!(
    change_password_admin_ends_every_session,
    |app: TestApp| async move {
        let (id, token) = app.user("ivy").await;
        app.post("/user/change_password_admin")
            .token(&token)
            .json(json!({"password": "byuser123"}))
            .send()
            .await
            .err(10010);
        assert!(
            app.post("/user/change_password_admin")
                .admin()
                .json(json!({"password": "byadmin123"}))
                .send()
                .await
                .err(10002)
                .contains("user_id")
        );
        app.post("/user/change_password_admin")
            .admin()
            .header("user_id", id)
            .json(json!({"password": "byadmin123"}))
            .send()
            .await
            .ok();
        app.get("/user/profile")
            .token(&token)
            .send()
            .await
            .err(10008);
        app.post("/token/user")
            .json(json!({"name": "ivy", "password": "byadmin123"}))
            .send()
            .await
            .ok();
    }
);
