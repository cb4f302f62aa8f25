//! Settings: GET and PUT/POST /user/settings, and the single-value routes.
use crate::common;

use common::TestApp;
use imserver::entity::user_setting;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

async fn stored(app: &TestApp, user_id: i64) -> user_setting::Model {
    user_setting::Entity::find()
        .filter(user_setting::Column::UserId.eq(user_id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

db_test!(
    get_settings_answers_the_acting_users,
    |app: TestApp| async move {
        let (id, token) = app.user("alice").await;
        let r = app.get("/user/settings").token(&token).send().await;
        let d = r.ok();
        assert_eq!(d["user_id"], id);
        assert_eq!(d["auth_mode"], 0);
        assert_eq!(d["vibratory"], true);
        let r = app
            .get("/user/settings")
            .admin()
            .header("user_id", id)
            .send()
            .await;
        assert_eq!(r.ok()["user_id"], id);
        app.get("/user/settings").send().await.err(10003);
    }
);

db_test!(
    update_settings_changes_only_present_fields,
    |app: TestApp| async move {
        let (id, token) = app.user("bob").await;
        let r = app.put("/user/settings").token(&token)
        .json(json!({"user_id": id, "auth_mode": 2, "auth_question": "q?", "auth_answer": "a", "no_sounds": true}))
        .send().await;
        assert_eq!(r.ok(), &json!(true));
        let s = stored(&app, id).await;
        assert_eq!(
            (
                s.auth_mode,
                s.auth_question.as_deref(),
                s.auth_answer.as_deref(),
                s.no_sounds
            ),
            (2, Some("q?"), Some("a"), true)
        );
        assert!(s.vibratory && s.auto_download);
        // POST twin; null clears a text field, absent leaves it
        app.post("/user/settings").token(&token)
        .json(json!({"user_id": id, "id": s.id, "auth_question": null, "silence_start_time": 22, "silence_end_time": 7}))
        .send().await.ok();
        let s = stored(&app, id).await;
        assert_eq!(
            (s.auth_question, s.auth_answer.as_deref()),
            (None, Some("a"))
        );
        assert_eq!(
            (s.silence_start_time, s.silence_end_time, s.auth_mode),
            (22, 7, 2)
        );
    }
);

db_test!(update_settings_errors, |app: TestApp| async move {
    let (id, token) = app.user("carl").await;
    let (other, _) = app.user("dora").await;
    let before = stored(&app, id).await;
    assert!(
        app.put("/user/settings")
            .token(&token)
            .json(json!({"auth_mode": 1}))
            .send()
            .await
            .err(10002)
            .contains("user_id")
    );
    app.put("/user/settings")
        .token(&token)
        .json(json!({"user_id": other, "auth_mode": 1}))
        .send()
        .await
        .err(10010);
    let r = app
        .put("/user/settings")
        .token(&token)
        .json(json!({"user_id": id, "auth_mode": 4}))
        .send()
        .await;
    assert!(r.err(10002).contains("auth_mode"));
    let r = app
        .put("/user/settings")
        .token(&token)
        .json(json!({"user_id": id, "no_push_end_hour": 24, "no_sounds": true}))
        .send()
        .await;
    assert!(r.err(10002).contains("no_push_end_hour"));
    let r = app
        .put("/user/settings")
        .token(&token)
        .json(json!({"user_id": id, "id": before.id + 1000}))
        .send()
        .await;
    assert!(r.err(10002).contains("id"));
    assert_eq!(stored(&app, id).await, before);
    // an admin acting as the user
    app.put("/user/settings")
        .admin()
        .header("user_id", id)
        .json(json!({"user_id": id, "no_push": true}))
        .send()
        .await
        .ok();
    assert!(stored(&app, id).await.no_push);
});

db_test!(
    single_value_routes_on_both_methods,
    |app: TestApp| async move {
        let (id, token) = app.user("erin").await;
        for method in ["put", "post"] {
            let call = |path: &str| match method {
                "put" => app.put(path).token(&token),
                _ => app.post(path).token(&token),
            };
            let flip = method == "put";
            call("/user/authmode")
                .query("value", if flip { 3 } else { 1 })
                .send()
                .await
                .ok();
            call("/user/download")
                .query("value", !flip)
                .send()
                .await
                .ok();
            call("/user/push").query("value", flip).send().await.ok();
            call("/user/push/detail")
                .query("value", flip)
                .send()
                .await
                .ok();
            call("/user/push/limit")
                .query("no_push_start_hour", 23)
                .query("no_push_end_hour", if flip { 6 } else { 8 })
                .send()
                .await
                .ok();
            call("/user/push/nickname")
                .query("value", method)
                .send()
                .await
                .ok();
            call("/user/sounds").query("value", flip).send().await.ok();
            call("/user/vibratory")
                .query("value", !flip)
                .send()
                .await
                .ok();
            let s = stored(&app, id).await;
            assert_eq!(s.auth_mode, if flip { 3 } else { 1 });
            assert_eq!(s.auto_download, !flip);
            assert_eq!(
                (s.no_push, s.no_push_detail, s.no_sounds, s.vibratory),
                (flip, flip, flip, !flip)
            );
            assert_eq!(
                (s.no_push_start_hour, s.no_push_end_hour),
                (23, if flip { 6 } else { 8 })
            );
            assert_eq!(s.push_nick_name.as_deref(), Some(method));
        }
    }
);

db_test!(
    single_value_routes_refuse_out_of_range,
    |app: TestApp| async move {
        let (id, token) = app.user("fred").await;
        let before = stored(&app, id).await;
        assert!(
            app.put("/user/authmode")
                .token(&token)
                .query("value", 4)
                .send()
                .await
                .err(10002)
                .contains("value")
        );
        assert!(
            app.put("/user/authmode")
                .token(&token)
                .query("value", -1)
                .send()
                .await
                .err(10002)
                .contains("value")
        );
        assert!(
            app.put("/user/authmode")
                .token(&token)
                .send()
                .await
                .err(10002)
                .contains("value")
        );
        let r = app
            .put("/user/push/limit")
            .token(&token)
            .query("no_push_start_hour", 24)
            .query("no_push_end_hour", 1)
            .send()
            .await;
        assert!(r.err(10002).contains("no_push_start_hour"));
        let r = app
            .post("/user/push/limit")
            .token(&token)
            .query("no_push_start_hour", 1)
            .send()
            .await;
        assert!(r.err(10002).contains("no_push_end_hour"));
        assert!(
            app.put("/user/sounds")
                .token(&token)
                .query("value", "maybe")
                .send()
                .await
                .err(10002)
                .contains("value")
        );
        let long = "n".repeat(65);
        app.put("/user/push/nickname")
            .token(&token)
            .query("value", long)
            .send()
            .await
            .err(10002);
        assert_eq!(stored(&app, id).await, before);
        app.put("/user/vibratory")
            .query("value", true)
            .send()
            .await
            .err(10003);
    }
);
