//! Devices and sessions: list, remove, kick, token bind/unbind, online status.
use crate::common;

use common::TestApp;
use imserver::entity::device;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

async fn devices(app: &TestApp, user_id: i64) -> Vec<device::Model> {
    device::Entity::find()
        .filter(device::Column::UserId.eq(user_id))
        .order_by_asc(device::Column::DeviceSn)
        .all(&app.state.db)
        .await
        .unwrap()
}

db_test!(
    device_list_shows_the_users_devices,
    |app: TestApp| async move {
        let (id, token) = app.user("alice").await;
        app.login("alice").await;
        let (_, other) = app.user("bob").await;
        let r = app.get("/user/device/list").token(&token).send().await;
        let list = r.ok().as_array().unwrap().clone();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0]["device_sn"].as_i64(), list[1]["device_sn"].as_i64()),
            (Some(1), Some(2))
        );
        assert!(list.iter().all(|d| d["user_id"] == id));
        assert!(r.body["cursor"].is_null());
        assert_eq!(r.body["total"], 2);
        let r = app
            .get("/user/device/list")
            .admin()
            .header("user_id", id)
            .send()
            .await;
        assert_eq!(r.ok().as_array().unwrap().len(), 2);
        assert_eq!(
            app.get("/user/device/list")
                .token(&other)
                .send()
                .await
                .ok()
                .as_array()
                .unwrap()
                .len(),
            1
        );
        app.get("/user/device/list").send().await.err(10003);
    }
);

db_test!(device_remove_ends_the_session, |app: TestApp| async move {
    let (id, token) = app.user("carl").await;
    let second = app.login("carl").await;
    let third = app.login("carl").await;
    app.call(poem::http::Method::DELETE, "/user/device/remove")
        .token(&token)
        .query("device_sn", 2)
        .send()
        .await
        .ok();
    app.get("/user/profile")
        .token(&second)
        .send()
        .await
        .err(10008);
    app.post("/user/device/remove")
        .token(&token)
        .query("device_sn", 3)
        .send()
        .await
        .ok();
    app.get("/user/profile")
        .token(&third)
        .send()
        .await
        .err(10008);
    let sns: Vec<i32> = devices(&app, id)
        .await
        .into_iter()
        .map(|d| d.device_sn)
        .collect();
    assert_eq!(sns, vec![1]);
    assert!(
        app.post("/user/device/remove")
            .token(&token)
            .query("device_sn", 9)
            .send()
            .await
            .err(10002)
            .contains("device_sn")
    );
    app.post("/user/device/remove")
        .token(&token)
        .send()
        .await
        .err(10002);
    app.get("/user/profile").token(&token).send().await.ok();
});

db_test!(kick_one_or_all, |app: TestApp| async move {
    let (id, first) = app.user("dora").await;
    let second = app.login("dora").await;
    let third = app.login("dora").await;
    app.put("/user/kick")
        .token(&first)
        .query("device_sn", 2)
        .send()
        .await
        .ok();
    app.get("/user/profile")
        .token(&second)
        .send()
        .await
        .err(10008);
    app.get("/user/profile").token(&third).send().await.ok();
    app.post("/user/kick")
        .token(&first)
        .query("device_sn", 99)
        .send()
        .await
        .err(10002);
    // no device_sn: every session, the caller's included; the devices stay
    app.post("/user/kick").token(&first).send().await.ok();
    app.get("/user/profile")
        .token(&first)
        .send()
        .await
        .err(10008);
    app.get("/user/profile")
        .token(&third)
        .send()
        .await
        .err(10008);
    let ds = devices(&app, id).await;
    assert_eq!(ds.len(), 3);
    assert!(ds.iter().all(|d| d.token_hash.is_none()));
    // an admin kicks for the user
    let fourth = app.login("dora").await;
    app.put("/user/kick")
        .admin()
        .header("user_id", id)
        .send()
        .await
        .ok();
    app.get("/user/profile")
        .token(&fourth)
        .send()
        .await
        .err(10008);
});

db_test!(token_bind_and_unbind, |app: TestApp| async move {
    let (id, token) = app.user("erin").await;
    let body = json!({"device_sn": 1, "device_token": "tok-1", "notifier_name": "apns-prod"});
    app.put("/user/token/bind")
        .token(&token)
        .json(body)
        .send()
        .await
        .ok();
    let d = &devices(&app, id).await[0];
    assert_eq!(
        (d.device_token.as_deref(), d.notifier_name.as_deref()),
        (Some("tok-1"), Some("apns-prod"))
    );
    app.post("/user/token/bind")
        .token(&token)
        .json(json!({"device_sn": 1, "device_token": "tok-2", "notifier_name": "fcm"}))
        .send()
        .await
        .ok();
    assert_eq!(
        devices(&app, id).await[0].device_token.as_deref(),
        Some("tok-2")
    );
    let r = app
        .post("/user/token/bind")
        .token(&token)
        .json(json!({"device_sn": 7, "device_token": "t", "notifier_name": "n"}))
        .send()
        .await;
    assert!(r.err(10002).contains("device_sn"));
    let r = app
        .post("/user/token/bind")
        .token(&token)
        .json(json!({"device_sn": 1, "device_token": "t"}))
        .send()
        .await;
    assert!(r.err(10002).contains("notifier_name"));

    let r = app
        .delete("/user/token/unbind")
        .token(&token)
        .query("deviceSn", 1)
        .send()
        .await;
    assert_eq!(r.ok()["device_sn"], 1);
    let d = &devices(&app, id).await[0];
    assert_eq!(
        (d.device_token.as_deref(), d.notifier_name.as_deref()),
        (None, None)
    );
    app.post("/user/token/bind")
        .token(&token)
        .json(json!({"device_sn": 1, "device_token": "tok-3", "notifier_name": "fcm"}))
        .send()
        .await
        .ok();
    app.post("/user/token/unbind")
        .token(&token)
        .query("deviceSn", 1)
        .send()
        .await
        .ok();
    assert_eq!(devices(&app, id).await[0].device_token, None);
    app.post("/user/token/unbind")
        .token(&token)
        .query("deviceSn", 5)
        .send()
        .await
        .err(10002);
    assert!(
        app.post("/user/token/unbind")
            .token(&token)
            .query("device_sn", 1)
            .send()
            .await
            .err(10002)
            .contains("deviceSn")
    );
});

db_test!(
    online_status_follows_recent_sessions,
    |app: TestApp| async move {
        let id = app.register("fred").await;
        let status = || {
            app.get("/user/online_status")
                .admin()
                .header("user_id", id)
                .send()
        };
        assert_eq!(status().await.ok()["online"], false);
        let token = app.login("fred").await;
        assert_eq!(status().await.ok()["online"], true);
        app.clock.advance_ms(5 * 60 * 1000 + 1);
        assert_eq!(status().await.ok()["online"], false);
        // a request of the session makes the user online again
        app.get("/user/profile").token(&token).send().await.ok();
        assert_eq!(status().await.ok()["online"], true);
        // an ended session does not count
        app.post("/user/kick").token(&token).send().await.ok();
        assert_eq!(status().await.ok()["online"], false);
        let (_, own) = app.user("gina").await;
        assert_eq!(
            app.get("/user/online_status").token(&own).send().await.ok()["online"],
            true
        );
    }
);
