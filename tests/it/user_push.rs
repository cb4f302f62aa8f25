//! Push: alias, badge and tags.
use crate::common;

use common::TestApp;
use imserver::entity::{user, user_push_tag, user_setting};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

async fn settings(app: &TestApp, user_id: i64) -> user_setting::Model {
    user_setting::Entity::find()
        .filter(user_setting::Column::UserId.eq(user_id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

db_test!(alias_and_push_token, |app: TestApp| async move {
    let (id, token) = app.user("alice").await;
    app.post("/user/push/alias")
        .token(&token)
        .json(json!({"alias": "al"}))
        .send()
        .await
        .ok();
    let u = user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.alias.as_deref(), Some("al"));
    assert_eq!(settings(&app, id).await.push_token, None);
    app.post("/user/push/alias")
        .token(&token)
        .json(json!({"alias": "al2", "push_token": "pt-1"}))
        .send()
        .await
        .ok();
    assert_eq!(settings(&app, id).await.push_token.as_deref(), Some("pt-1"));
    // a new login answers the push token
    let r = app
        .post("/token/user")
        .json(json!({"name": "alice", "password": "secret123"}))
        .send()
        .await;
    assert_eq!(r.ok()["push_token"], "pt-1");
    assert!(
        app.post("/user/push/alias")
            .token(&token)
            .json(json!({"push_token": "x"}))
            .send()
            .await
            .err(10002)
            .contains("alias")
    );
    app.post("/user/push/alias")
        .json(json!({"alias": "x"}))
        .send()
        .await
        .err(10003);
});

db_test!(badge_is_zero_or_more, |app: TestApp| async move {
    let (id, token) = app.user("bob").await;
    assert_eq!(settings(&app, id).await.badge, 0);
    app.post("/user/push/badge")
        .token(&token)
        .json(json!({"badge": 7}))
        .send()
        .await
        .ok();
    assert_eq!(settings(&app, id).await.badge, 7);
    assert!(
        app.post("/user/push/badge")
            .token(&token)
            .json(json!({"badge": -1}))
            .send()
            .await
            .err(10002)
            .contains("badge")
    );
    assert_eq!(settings(&app, id).await.badge, 7);
    app.post("/user/push/badge")
        .admin()
        .header("user_id", id)
        .json(json!({"badge": 0}))
        .send()
        .await
        .ok();
    assert_eq!(settings(&app, id).await.badge, 0);
});

db_test!(tags_bind_get_unbind, |app: TestApp| async move {
    let (id, token) = app.user("carl").await;
    let (_, other) = app.user("dora").await;
    assert_eq!(
        app.get("/user/push/tag").token(&token).send().await.ok(),
        &json!([])
    );
    app.post("/user/push/tag")
        .token(&token)
        .json(json!({"tags": ["vip", "beta", "vip"]}))
        .send()
        .await
        .ok();
    app.post("/user/push/tag")
        .token(&token)
        .json(json!({"tags": ["beta", "zh"]}))
        .send()
        .await
        .ok();
    app.post("/user/push/tag")
        .token(&other)
        .json(json!({"tags": ["vip"]}))
        .send()
        .await
        .ok();
    assert_eq!(
        app.get("/user/push/tag").token(&token).send().await.ok(),
        &json!(["beta", "vip", "zh"])
    );
    app.delete("/user/push/tag")
        .token(&token)
        .json(json!({"tags": ["vip", "nope"]}))
        .send()
        .await
        .ok();
    assert_eq!(
        app.get("/user/push/tag").token(&token).send().await.ok(),
        &json!(["beta", "zh"])
    );
    app.delete("/user/push/tag/all")
        .token(&token)
        .send()
        .await
        .ok();
    assert_eq!(
        app.get("/user/push/tag").token(&token).send().await.ok(),
        &json!([])
    );
    // the other user's tags are untouched
    assert_eq!(
        app.get("/user/push/tag").token(&other).send().await.ok(),
        &json!(["vip"])
    );
    let n = user_push_tag::Entity::find()
        .filter(user_push_tag::Column::UserId.eq(id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
});

db_test!(tag_limits, |app: TestApp| async move {
    let (id, token) = app.user("erin").await;
    assert!(
        app.post("/user/push/tag")
            .token(&token)
            .json(json!({"tags": [""]}))
            .send()
            .await
            .err(10002)
            .contains("tags")
    );
    let long = "t".repeat(65);
    assert!(
        app.post("/user/push/tag")
            .token(&token)
            .json(json!({"tags": [long]}))
            .send()
            .await
            .err(10002)
            .contains("tags")
    );
    app.post("/user/push/tag")
        .token(&token)
        .json(json!({"tags": []}))
        .send()
        .await
        .err(10002);
    let ninety: Vec<String> = (0..90).map(|i| format!("t{i:03}")).collect();
    app.post("/user/push/tag")
        .token(&token)
        .json(json!({"tags": ninety}))
        .send()
        .await
        .ok();
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i:03}")).collect();
    assert!(
        app.post("/user/push/tag")
            .token(&token)
            .json(json!({"tags": eleven}))
            .send()
            .await
            .err(10002)
            .contains("100")
    );
    let n = user_push_tag::Entity::find()
        .filter(user_push_tag::Column::UserId.eq(id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 90);
    let ten: Vec<String> = (0..10).map(|i| format!("u{i:03}")).collect();
    app.post("/user/push/tag")
        .token(&token)
        .json(json!({"tags": ten}))
        .send()
        .await
        .ok();
    assert_eq!(
        app.get("/user/push/tag")
            .token(&token)
            .send()
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        100
    );
    // deleting the user deletes its tags
    app.post("/user/delete")
        .admin()
        .header("user_id", id)
        .json(json!({}))
        .send()
        .await
        .ok();
    let n = user_push_tag::Entity::find()
        .filter(user_push_tag::Column::UserId.eq(id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
});
