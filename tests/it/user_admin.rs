//! App administration: disable, enable, list, delete, avatar and profile batches.
use crate::common;

use common::TestApp;
use imserver::entity::{device, user, user_setting};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

async fn stored(app: &TestApp, id: i64) -> Option<user::Model> {
    user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
}

db_test!(disable_and_enable, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    app.put("/user/disable")
        .token(&ta)
        .json(json!({"list": [b]}))
        .send()
        .await
        .err(10010);
    let r = app
        .put("/user/disable")
        .admin()
        .json(json!({"list": [a, 999999]}))
        .send()
        .await;
    assert!(r.err(10000).contains("999999"));
    assert_eq!(stored(&app, a).await.unwrap().status, 0);
    app.put("/user/disable")
        .admin()
        .json(json!({"list": []}))
        .send()
        .await
        .err(10002);
    app.put("/user/disable")
        .admin()
        .json(json!({"list": [a, b]}))
        .send()
        .await
        .ok();
    assert_eq!(stored(&app, a).await.unwrap().status, 1);
    app.get("/user/profile").token(&ta).send().await.err(10008);
    app.get("/user/profile").token(&tb).send().await.err(10008);
    app.post("/token/user")
        .json(json!({"name": "alice", "password": "secret123"}))
        .send()
        .await
        .err(10010);

    let (_, tc) = app.user("cathy").await;
    app.put("/user/enable")
        .token(&tc)
        .json(json!({"list": [a]}))
        .send()
        .await
        .err(10010);
    app.put("/user/enable")
        .admin()
        .json(json!({"list": [a]}))
        .send()
        .await
        .ok();
    assert_eq!(stored(&app, a).await.unwrap().status, 0);
    assert_eq!(stored(&app, b).await.unwrap().status, 1);
    let t = app.login("alice").await;
    app.get("/user/profile").token(&t).send().await.ok();
    // the old session stays ended
    app.get("/user/profile").token(&ta).send().await.err(10008);
});

db_test!(list_users_pages_by_user_id, |app: TestApp| async move {
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.register(&format!("user_{i}")).await);
    }
    let (_, token) = app.user("zed").await;
    ids.push(ids.last().unwrap() + 1);
    app.get("/user/list").token(&token).send().await.err(10010);
    let r = app.get("/user/list").admin().send().await;
    let all = r.ok().as_array().unwrap().clone();
    assert_eq!(all.len(), 6);
    assert_eq!(r.body["total"], 6);
    assert!(r.body["cursor"].is_null());
    let got: Vec<i64> = all.iter().map(|u| u["user_id"].as_i64().unwrap()).collect();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(got, sorted);
    assert_eq!(all[0]["username"], "user_0");
    assert_eq!(all[0]["status"], 0);
    let r = app
        .get("/user/list")
        .admin()
        .query("page_num", 2)
        .query("page_size", 4)
        .send()
        .await;
    let page: Vec<i64> = r
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_i64().unwrap())
        .collect();
    assert_eq!(page, got[4..].to_vec());
    let r = app
        .get("/user/list")
        .admin()
        .query("page_num", 1)
        .query("page_size", 4)
        .send()
        .await;
    assert_eq!(r.ok().as_array().unwrap().len(), 4);
    assert_eq!(r.body["cursor"], "2");
    assert!(
        app.get("/user/list")
            .admin()
            .query("page_num", 0)
            .send()
            .await
            .err(10002)
            .contains("page_num")
    );
    assert!(
        app.get("/user/list")
            .admin()
            .query("page_size", 1001)
            .send()
            .await
            .err(10002)
            .contains("page_size")
    );
    app.get("/user/list")
        .admin()
        .query("page_size", 1000)
        .send()
        .await
        .ok();
});

db_test!(
    delete_user_with_password_or_admin,
    |app: TestApp| async move {
        let (a, ta) = app.user("carl").await;
        let second = app.login("carl").await;
        app.delete("/user/delete")
            .token(&ta)
            .json(json!({}))
            .send()
            .await
            .err(10002);
        app.delete("/user/delete")
            .token(&ta)
            .json(json!({"password": "wrongpass"}))
            .send()
            .await
            .err(11001);
        assert!(stored(&app, a).await.is_some());
        app.delete("/user/delete")
            .token(&ta)
            .json(json!({"password": "secret123"}))
            .send()
            .await
            .ok();
        assert!(stored(&app, a).await.is_none());
        assert_eq!(
            device::Entity::find()
                .filter(device::Column::UserId.eq(a))
                .count(&app.state.db)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            user_setting::Entity::find()
                .filter(user_setting::Column::UserId.eq(a))
                .count(&app.state.db)
                .await
                .unwrap(),
            0
        );
        app.get("/user/profile")
            .token(&second)
            .send()
            .await
            .err(10008);
        // the name is free again
        app.register("carl").await;

        let (b, tb) = app.user("dora").await;
        app.post("/user/delete")
            .admin()
            .header("user_id", b)
            .json(json!({}))
            .send()
            .await
            .ok();
        assert!(stored(&app, b).await.is_none());
        app.get("/user/profile").token(&tb).send().await.err(10008);
        app.post("/user/delete")
            .admin()
            .header("user_id", b)
            .json(json!({}))
            .send()
            .await
            .err(10000);
    }
);

db_test!(avatar_batch_per_item, |app: TestApp| async move {
    let (a, ta) = app.user("erin").await;
    let b = app.register("fred").await;
    let body = json!({"list": [
        {"user_id": a, "avatar": "http://x/a.png"},
        {"user_id": 424242, "avatar": "http://x/z.png"},
        {"user_id": b, "avatar": "http://x/b.png"},
        {"user_id": a, "avatar": "http://x/a2.png"},
        {"user_id": b, "avatar": ""},
    ]});
    app.put("/user/avatar/batch")
        .token(&ta)
        .json(body.clone())
        .send()
        .await
        .err(10010);
    let r = app
        .put("/user/avatar/batch")
        .admin()
        .json(body)
        .send()
        .await;
    let res = r.ok().as_array().unwrap().clone();
    let ok: Vec<bool> = res
        .iter()
        .map(|x| x["success"].as_bool().unwrap())
        .collect();
    assert_eq!(ok, vec![true, false, true, false, false]);
    assert_eq!(res[1]["user_id"], 424242);
    assert!(res[1]["reason"].as_str().unwrap().contains("424242"));
    assert!(res[0]["reason"].is_null());
    assert_eq!(
        stored(&app, a).await.unwrap().avatar.as_deref(),
        Some("http://x/a.png")
    );
    assert_eq!(
        stored(&app, b).await.unwrap().avatar.as_deref(),
        Some("http://x/b.png")
    );
    app.post("/user/avatar/batch")
        .admin()
        .json(json!({"list": [{"user_id": b, "avatar": "http://x/b3.png"}]}))
        .send()
        .await
        .ok();
    assert_eq!(
        stored(&app, b).await.unwrap().avatar.as_deref(),
        Some("http://x/b3.png")
    );
    let many: Vec<_> = (0..501)
        .map(|i| json!({"user_id": i, "avatar": "a"}))
        .collect();
    app.post("/user/avatar/batch")
        .admin()
        .json(json!({"list": many}))
        .send()
        .await
        .err(10002);
});

db_test!(
    profile_batch_changes_given_fields,
    |app: TestApp| async move {
        let (a, ta) = app.user("gina").await;
        let b = app.register("hank").await;
        app.put("/user/profile")
            .token(&ta)
            .json(json!({"description": "keep", "nick_name": "old"}))
            .send()
            .await
            .ok();
        let body = json!({"list": [
            {"user_id": a, "nick_name": "G"},
            {"user_id": b, "description": "d", "private_info": "p", "public_info": "q"},
            {"nick_name": "nobody"},
            {"user_id": b, "nick_name": "x".repeat(65)},
        ]});
        app.post("/user/profile/batch")
            .token(&ta)
            .json(body.clone())
            .send()
            .await
            .err(10010);
        let r = app
            .post("/user/profile/batch")
            .admin()
            .json(body)
            .send()
            .await;
        let ok: Vec<bool> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["success"].as_bool().unwrap())
            .collect();
        assert_eq!(ok, vec![true, true, false, false]);
        let ua = stored(&app, a).await.unwrap();
        assert_eq!(
            (ua.nick_name.as_deref(), ua.description.as_deref()),
            (Some("G"), Some("keep"))
        );
        let ub = stored(&app, b).await.unwrap();
        assert_eq!(
            (
                ub.nick_name,
                ub.description.as_deref(),
                ub.private_info.as_deref(),
                ub.public_info.as_deref()
            ),
            (None, Some("d"), Some("p"), Some("q"))
        );
        app.put("/user/profile/batch")
            .admin()
            .json(json!({"list": [{"user_id": b, "nick_name": "H"}]}))
            .send()
            .await
            .ok();
        assert_eq!(
            stored(&app, b).await.unwrap().nick_name.as_deref(),
            Some("H")
        );
    }
);

db_test!(batches_of_500_in_one_go, |app: TestApp| async move {
    use sea_orm::Set;
    let rows = (0..500).map(|i| user::ActiveModel {
        app_id: Set(app.app_id.clone()),
        username: Set(format!("bulk_{i}")),
        password_hash: Set("x".into()),
        status: Set(0),
        created_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    });
    user::Entity::insert_many(rows)
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    let ids: Vec<i64> = user::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids.len(), 500);
    let list: Vec<_> = ids
        .iter()
        .map(|id| json!({"user_id": id, "avatar": format!("http://x/{id}.png")}))
        .collect();
    let r = app
        .put("/user/avatar/batch")
        .admin()
        .json(json!({"list": list}))
        .send()
        .await;
    assert!(
        r.ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["success"] == true)
    );
    let list: Vec<_> = ids
        .iter()
        .map(|id| json!({"user_id": id, "nick_name": format!("n{id}"), "description": "d", "private_info": "p", "public_info": "q"}))
        .collect();
    let r = app
        .post("/user/profile/batch")
        .admin()
        .json(json!({"list": list}))
        .send()
        .await;
    assert!(
        r.ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["success"] == true)
    );
    for u in user::Entity::find().all(&app.state.db).await.unwrap() {
        assert_eq!(u.avatar, Some(format!("http://x/{}.png", u.id)));
        assert_eq!(u.nick_name, Some(format!("n{}", u.id)));
        assert_eq!(u.public_info.as_deref(), Some("q"));
    }
    app.put("/user/disable")
        .admin()
        .json(json!({"list": ids}))
        .send()
        .await
        .ok();
    let r = app
        .get("/user/list")
        .admin()
        .query("page_size", 500)
        .send()
        .await;
    assert!(r.ok().as_array().unwrap().iter().all(|u| u["status"] == 1));
});

db_test!(
    deleting_a_user_leaves_its_groups_and_refuses_owners,
    |app: TestApp| async move {
        let (owner, owner_token) = app.user("gowner").await;
        let (member, member_token) = app.user("gmember").await;
        let created = app
            .post("/group/create")
            .token(&owner_token)
            .json(serde_json::json!({"name": "g", "user_list": [member]}))
            .send()
            .await;
        let gid = created.ok()["group_id"].as_i64().unwrap();
        assert_eq!(created.data()["count"], 2);
        // the owner of a live group cannot be deleted
        let m = app
            .delete("/user/delete")
            .admin()
            .header("user_id", owner)
            .send()
            .await
            .err(20004);
        assert!(m.contains(&format!("owns live groups {gid}")), "{m}");
        // a member can: it leaves the group and the count follows
        app.delete("/user/delete")
            .token(&member_token)
            .json(serde_json::json!({"password": "secret123"}))
            .send()
            .await
            .ok();
        let info = app
            .get("/group/info")
            .token(&owner_token)
            .query("group_id", gid)
            .send()
            .await;
        assert_eq!(info.ok()["count"], 1);
        // once the group is destroyed, the owner can go too
        app.delete("/group/destroy")
            .token(&owner_token)
            .query("group_id", gid)
            .send()
            .await
            .ok();
        app.delete("/user/delete")
            .admin()
            .header("user_id", owner)
            .json(serde_json::json!({}))
            .send()
            .await
            .ok();
    }
);
