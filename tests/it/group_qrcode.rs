//! QR codes: qrcode/sign and qrcode/invite.
use crate::common;

use std::collections::HashSet;

use common::TestApp;
use imserver::domain::groups::qrcode::QR_TTL_MS;
use sea_orm::ConnectionTrait;
use serde_json::json;

async fn sign(app: &TestApp, token: &str, gid: i64) -> String {
    let r = app
        .get("/group/qrcode/sign")
        .token(token)
        .query("group_id", gid)
        .send()
        .await;
    let d = r.ok();
    assert_eq!(d["create_at"], app.state.now_ms());
    assert_eq!(d["expire_at"], app.state.now_ms() + QR_TTL_MS);
    d["qr_info"].as_str().unwrap().to_owned()
}

db_test!(a_signed_code_lets_a_user_join, |app: TestApp| async move {
    let (alice, ta) = app.user("alice").await;
    let (bob, tb) = app.user("bob").await;
    let (carol, tc) = app.user("carol").await;
    let (dan, td) = app.user("dan").await;
    let gid = app.new_group(&ta, &[bob]).await;
    // members sign (member_invite is on); outsiders may not
    let qr = sign(&app, &tb, gid).await;
    app.get("/group/qrcode/sign")
        .token(&tc)
        .query("group_id", gid)
        .send()
        .await
        .err(20011);
    app.get("/group/qrcode/sign")
        .token(&tc)
        .query("group_id", 999_999)
        .send()
        .await
        .err(20001);
    let r = app
        .post("/group/qrcode/invite")
        .token(&tc)
        .json(json!({"qr_info": qr}))
        .send()
        .await;
    assert_eq!(r.ok()["group_id"], gid);
    assert_eq!(
        app.members_of(gid).await,
        HashSet::from([alice, bob, carol])
    );
    app.post("/group/qrcode/invite")
        .token(&tc)
        .json(json!({"qr_info": qr}))
        .send()
        .await
        .err(20017);
    // member_invite off: only the owner and admins sign, and a plain member's codes stop working
    app.put("/group/settings/allow_member_invitation")
        .token(&ta)
        .json(json!({"group_id": gid, "value": false}))
        .send()
        .await
        .ok();
    app.post("/group/qrcode/invite")
        .token(&td)
        .json(json!({"qr_info": qr}))
        .send()
        .await
        .err(20024);
    app.get("/group/qrcode/sign")
        .token(&tb)
        .query("group_id", gid)
        .send()
        .await
        .err(20012);
    let by_owner = sign(&app, &ta, gid).await;
    let r = app
        .get("/group/qrcode/sign")
        .admin()
        .header("group_id", gid)
        .query("group_id", gid)
        .send()
        .await;
    assert!(
        r.ok()["qr_info"]
            .as_str()
            .unwrap()
            .contains(&alice.to_string())
    );
    app.post("/group/qrcode/invite")
        .token(&td)
        .json(json!({"qr_info": by_owner}))
        .send()
        .await
        .ok();
    assert!(app.members_of(gid).await.contains(&dan));
    // a code whose inviter has left the group stops working
    app.put("/group/settings/allow_member_invitation")
        .token(&ta)
        .json(json!({"group_id": gid, "value": true}))
        .send()
        .await
        .ok();
    let by_dan = sign(&app, &td, gid).await;
    app.delete("/group/leave")
        .token(&td)
        .query("group_id", gid)
        .send()
        .await
        .ok();
    let (_fay, tf) = app.user("fay").await;
    app.post("/group/qrcode/invite")
        .token(&tf)
        .json(json!({"qr_info": by_dan}))
        .send()
        .await
        .err(20024);
    assert!(!app.members_of(gid).await.contains(&dan));
    // the secret is made once and kept
    let n: i64 = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM server_meta WHERE key = 'qr_secret'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    assert_eq!(n, 1);
    // the group is full
    let (erin, te) = app.user("erin").await;
    app.state
        .db
        .execute_unprepared(&format!("UPDATE groups SET capacity = 3 WHERE id = {gid}"))
        .await
        .unwrap();
    app.post("/group/qrcode/invite")
        .token(&te)
        .json(json!({"qr_info": by_owner}))
        .send()
        .await
        .err(20010);
    assert!(!app.members_of(gid).await.contains(&erin));
    app.post("/group/qrcode/invite")
        .admin()
        .json(json!({"qr_info": by_owner}))
        .send()
        .await
        .err(10002);
    app.post("/group/qrcode/invite")
        .token(&te)
        .json(json!({}))
        .send()
        .await
        .err(10002);
    // a dissolved group takes nobody and signs nothing
    app.delete("/group/destroy")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await
        .ok();
    app.post("/group/qrcode/invite")
        .token(&te)
        .json(json!({"qr_info": by_owner}))
        .send()
        .await
        .err(20001);
    app.get("/group/qrcode/sign")
        .token(&ta)
        .query("group_id", gid)
        .send()
        .await
        .err(20001);
});

db_test!(
    tampered_foreign_and_expired_codes_are_refused,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let (_carol, tc) = app.user("carol").await;
        let gid = app.new_group(&ta, &[]).await;
        let other = app.new_group(&ta, &[]).await;
        let qr = sign(&app, &ta, gid).await;
        // tampered: another group, another expiry, another signature, garbage
        let parts: Vec<&str> = qr.split('.').collect();
        assert_eq!(parts.len(), 5);
        let forged_group = format!(
            "{}.{}.{}.{}.{}",
            parts[0], other, parts[2], parts[3], parts[4]
        );
        let forged_expiry = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            parts[3].parse::<i64>().unwrap() + QR_TTL_MS,
            parts[4]
        );
        let forged_sig = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            "0".repeat(64)
        );
        for bad in [
            forged_group.as_str(),
            forged_expiry.as_str(),
            forged_sig.as_str(),
            "garbage",
            "",
            "qr1.1.2.3",
            "qr1.x.y.z.w",
        ] {
            app.post("/group/qrcode/invite")
                .token(&tc)
                .json(json!({"qr_info": bad}))
                .send()
                .await
                .err(20024);
        }
        // a code of another app (same server) is foreign there
        let other_app = imserver::domain::identity::apps::create_app(&app.state, "other", None)
            .await
            .unwrap();
        let oid = other_app.app_id.clone();
        app.post("/user/register/v2")
            .header("app_id", &oid)
            .json(json!({"username": "zed", "password": "secret123"}))
            .send()
            .await
            .ok();
        let r = app
            .post("/token/user")
            .header("app_id", &oid)
            .json(json!({"name": "zed", "password": "secret123"}))
            .send()
            .await;
        let tz = r.ok()["token"].as_str().unwrap().to_owned();
        app.post("/group/qrcode/invite")
            .header("app_id", &oid)
            .token(&tz)
            .json(json!({"qr_info": qr}))
            .send()
            .await
            .err(20024);
        // expired
        app.clock.advance_ms(QR_TTL_MS);
        let tc = app.login("carol").await;
        app.post("/group/qrcode/invite")
            .token(&tc)
            .json(json!({"qr_info": qr}))
            .send()
            .await
            .err(20025);
        assert_eq!(app.members_of(gid).await.len(), 1);
    }
);

db_test!(
    concurrent_first_signatures_share_one_secret,
    |app: TestApp| async move {
        let (_alice, ta) = app.user("alice").await;
        let gid = app.new_group(&ta, &[]).await;
        let calls = (0..6).map(|_| {
            app.get("/group/qrcode/sign")
                .token(&ta)
                .query("group_id", gid)
                .send()
        });
        let answers = futures::future::join_all(calls).await;
        for (i, a) in answers.iter().enumerate() {
            let qr = a.ok()["qr_info"].as_str().unwrap().to_owned();
            let (_u, t) = app.user(&format!("joiner{i}")).await;
            app.post("/group/qrcode/invite")
                .token(&t)
                .json(json!({"qr_info": qr}))
                .send()
                .await
                .ok();
        }
        assert_eq!(app.members_of(gid).await.len(), 7);
    }
);
