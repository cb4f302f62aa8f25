//! One id space for users and groups (issue 22, item 1): the allocator shared by users and
//! groups, the migration that renumbers the groups of an earlier database (every reference
//! follows), and the old ids that the group routes and QR codes still resolve for 30 days.
use std::collections::{BTreeMap, HashSet};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;

use crate::common::{self, TestApp};

/// The migrations before the id-space one (migration/src/lib.rs).
const BEFORE_ID_SPACE: u32 = 9;
const DAY_MS: i64 = 24 * 3600 * 1000;

async fn ids(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .into_iter()
        .map(|r| r.try_get_by_index::<i64>(0).expect("i64"))
        .collect()
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.expect(sql);
}

/// Rows per group of each table naming groups: table -> (group id -> rows).
async fn references(db: &DatabaseConnection) -> BTreeMap<&'static str, BTreeMap<i64, i64>> {
    let mut out = BTreeMap::new();
    for table in [
        "group_members",
        "group_invitations",
        "group_applications",
        "group_blacklist",
        "group_announcements",
        "group_files",
    ] {
        let sql = format!("SELECT group_id, COUNT(*) FROM {table} GROUP BY group_id");
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect(table);
        let counts = rows
            .into_iter()
            .map(|r| {
                (
                    r.try_get_by_index::<i64>(0).unwrap(),
                    r.try_get_by_index::<i64>(1).unwrap(),
                )
            })
            .collect();
        out.insert(table, counts);
    }
    out
}

fn pins_of(app: &TestApp, token: &str) -> impl std::future::Future<Output = Vec<i64>> {
    let call = app.get("/user/conversation/pin_list").token(token);
    async move {
        call.send().await.ok()["conversation_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_renumbers_every_group_and_its_references() {
    for backend in common::backends() {
        renumbering(TestApp::before_migrations(&backend, BEFORE_ID_SPACE).await).await;
    }
}

async fn renumbering(app: TestApp) {
    // an ordinary database of the earlier version: users 1..5, groups 1..3
    let (alice, ta) = app.user("alice").await;
    let (bob, tb) = app.user("bob").await;
    let (carol, tc) = app.user("carol").await;
    let (dave, td) = app.user("dave").await;
    let (erin, te) = app.user("erin").await;
    assert_eq!([alice, bob, carol, dave, erin], [1, 2, 3, 4, 5]);
    let g1 = app.new_group(&ta, &[bob, carol]).await;
    let g2 = app.new_group(&tb, &[carol]).await;
    let g3 = app.new_group(&tc, &[]).await;
    assert_eq!(
        [g1, g2, g3],
        [1, 2, 3],
        "users and groups were numbered apart"
    );
    let db = app.state.db.clone();
    // members, a mute, a block, an announcement, a file, an application, an invitation
    app.post("/group/ban")
        .token(&ta)
        .json(json!({"group_id": g1, "user_list": [carol], "duration": 60}))
        .send()
        .await
        .ok();
    app.post("/group/block")
        .token(&ta)
        .json(json!({"group_id": g1, "user_list": [dave]}))
        .send()
        .await
        .ok();
    app.post("/group/announcement/edit")
        .token(&ta)
        .json(json!({"group_id": g1, "title": "t", "content": "c"}))
        .send()
        .await
        .ok();
    app.post("/group/file/upload")
        .token(&tb)
        .json(
            json!({"group_id": g2, "name": "a.pdf", "size": 1, "url": "https://cdn.example.com/a"}),
        )
        .send()
        .await
        .ok();
    app.post("/group/apply")
        .token(&te)
        .json(json!({"group_id": g1, "reason": "hi"}))
        .send()
        .await
        .ok();
    exec(
        &db,
        &format!("UPDATE user_settings SET group_confirm = TRUE WHERE user_id = {erin}"),
    )
    .await;
    app.post("/group/invite")
        .token(&tb)
        .json(json!({"group_id": g2, "user_list": [erin]}))
        .send()
        .await
        .ok();
    // pins: alice (a member of g1) pins 1 meaning the group; dave (no member) pins 1 = alice
    for (token, id) in [(&ta, g1), (&td, alice), (&tc, g3)] {
        app.post("/user/conversation/pin")
            .token(token)
            .json(json!({"conversation_id": id}))
            .send()
            .await
            .ok();
    }
    // a QR code signed before the renumbering names the old id
    let qr = app.qr_code(&tb, g2).await;
    let before = references(&db).await;

    let app = app.migrate_rest().await;
    let db = app.state.db.clone();
    let map: BTreeMap<i64, i64> = ids(&db, "SELECT old_id FROM group_renumberings ORDER BY old_id")
        .await
        .into_iter()
        .zip(ids(&db, "SELECT new_id FROM group_renumberings ORDER BY old_id").await)
        .collect();
    assert_eq!(map.keys().copied().collect::<Vec<_>>(), vec![g1, g2, g3]);
    let users: HashSet<i64> = ids(&db, "SELECT id FROM users").await.into_iter().collect();
    let groups: HashSet<i64> = ids(&db, "SELECT id FROM groups")
        .await
        .into_iter()
        .collect();
    assert!(users.is_disjoint(&groups), "{users:?} {groups:?}");
    assert_eq!(groups, map.values().copied().collect());
    assert!(groups.iter().all(|g| users.iter().all(|u| g > u)));
    let mut news: Vec<i64> = map.values().copied().collect();
    news.sort();
    assert_eq!(
        news,
        map.values().copied().collect::<Vec<_>>(),
        "old order kept"
    );
    let apps: Vec<i64> = ids(
        &db,
        &format!(
            "SELECT COUNT(*) FROM group_renumberings WHERE app_id = '{}' AND renumbered_at > 0",
            app.app_id
        ),
    )
    .await;
    assert_eq!(apps, vec![3]);
    // every reference followed its group
    let after = references(&db).await;
    for (table, counts) in &before {
        let moved: BTreeMap<i64, i64> = counts.iter().map(|(g, n)| (map[g], *n)).collect();
        assert_eq!(after[table], moved, "{table}");
        assert!(!moved.is_empty(), "{table} had rows");
    }
    let (n1, n2, n3) = (map[&g1], map[&g2], map[&g3]);
    // the member's pin of the group followed it; the pin of the user stayed
    assert_eq!(pins_of(&app, &ta).await, vec![n1]);
    assert_eq!(pins_of(&app, &td).await, vec![alice]);
    assert_eq!(pins_of(&app, &tc).await, vec![n3]);

    // as if the migration ran at the test clock's time
    exec(
        &db,
        &format!(
            "UPDATE group_renumberings SET renumbered_at = {}",
            common::START_MS
        ),
    )
    .await;
    // the old ids still reach their groups, answered under their new ids
    let info = app
        .get("/group/info")
        .token(&tb)
        .query("group_id", g1)
        .send()
        .await;
    assert_eq!(info.ok()["group_id"], json!(n1));
    // another app's caller does not reach it by the old id (nor by the new one)
    let other = imserver::domain::identity::apps::create_app(&app.state, "other", None)
        .await
        .unwrap();
    for id in [g1, n1] {
        app.get("/group/info")
            .header("app_id", &other.app_id)
            .token(&other.admin_token)
            .query("group_id", id)
            .send()
            .await
            .err(20001);
    }
    let list = app
        .get("/group/member_list")
        .token(&ta)
        .query("group_id", g1)
        .send()
        .await;
    let members: HashSet<i64> = list
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_i64().unwrap())
        .collect();
    assert_eq!(members, HashSet::from([alice, bob, carol]));
    let batch = app
        .post("/group/info/batch")
        .token(&ta)
        .json(json!({"group_list": [g2, n1, 999_999]}))
        .send()
        .await;
    let got: Vec<i64> = batch
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group_id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![n2, n1]);
    let r = app
        .post("/group/application_list")
        .token(&ta)
        .json(json!({"group_list": [g1]}))
        .send()
        .await;
    let list = r.ok().clone();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["group_id"], json!(n1));
    assert_eq!(list[0]["applicant_id"], json!(erin));
    // an app admin token acting on the group by its old id
    let r = app
        .post("/group/application_list")
        .admin()
        .header("group_id", g1)
        .json(json!({"group_list": [g1]}))
        .send()
        .await;
    assert_eq!(r.ok().as_array().unwrap().len(), 1);
    let info = app
        .get("/group/info")
        .admin()
        .header("group_id", g1)
        .query("group_id", g1)
        .send()
        .await;
    assert_eq!(info.ok()["group_id"], json!(n1));
    // a change by the old id changes the group
    app.post("/group/info/name")
        .token(&ta)
        .json(json!({"group_id": g1, "value": "renamed"}))
        .send()
        .await
        .ok();
    let info = app
        .get("/group/info")
        .token(&ta)
        .query("group_id", n1)
        .send()
        .await;
    assert_eq!(info.ok()["name"], json!("renamed"));
    // the QR code of the old id joins the group
    let joined = app
        .post("/group/qrcode/invite")
        .token(&ta)
        .json(json!({"qr_info": qr}))
        .send()
        .await;
    joined.ok();
    assert!(app.members_of(n2).await.contains(&alice));
    // new users and groups draw from the one allocator, above every id
    let (frank, tf) = app.user("frank").await;
    assert!(frank > n3, "{frank} after {n3}");
    let g4 = app.new_group(&tf, &[]).await;
    assert!(g4 > frank);
    let grace = app.register("grace").await;
    assert!(grace > g4);

    // 30 days on, an old id names nothing
    app.clock.advance_ms(30 * DAY_MS);
    let (ta, tb) = (app.login("alice").await, app.login("bob").await);
    let gone = app
        .get("/group/info")
        .token(&tb)
        .query("group_id", g1)
        .send()
        .await;
    gone.err(20001);
    let gone = app
        .get("/group/member_list")
        .token(&ta)
        .query("group_id", g1)
        .send()
        .await;
    gone.err(20001);
    let info = app
        .get("/group/info")
        .token(&tb)
        .query("group_id", n1)
        .send()
        .await;
    info.ok();
}

db_test!(
    users_and_groups_share_one_id_space,
    |app: TestApp| async move {
        let (_, t) = app.user("alice").await;
        let mut users = HashSet::new();
        let mut groups = HashSet::new();
        for i in 0..4 {
            users.insert(app.register(&format!("user{i}")).await);
            groups.insert(app.new_group(&t, &[]).await);
        }
        let r = app
            .post("/user/register/batch")
            .admin()
            .json(json!({"list": [
                {"username": "batch_one", "password": "secret123"},
                {"username": "batch_two", "password": "secret123"}
            ]}))
            .send()
            .await;
        for row in r.ok().as_array().unwrap() {
            assert_eq!(row["success"], true, "{row}");
            users.insert(row["user_id"].as_i64().unwrap());
        }
        groups.insert(app.new_group(&t, &[]).await);
        let all: HashSet<i64> = ids(&app.state.db, "SELECT id FROM users")
            .await
            .into_iter()
            .collect();
        // alice, the four and the batch of two
        assert_eq!(all.len(), 7, "{all:?}");
        assert!(all.is_superset(&users) && users.len() == 6, "{users:?}");
        assert!(all.is_disjoint(&groups), "{all:?} {groups:?}");
        // nothing was renumbered in a database born with the allocator
        assert!(
            ids(&app.state.db, "SELECT old_id FROM group_renumberings")
                .await
                .is_empty()
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_id_space_migration_goes_down_and_up_again() {
    use migration::MigratorTrait;
    for backend in common::backends() {
        let app = TestApp::before_migrations(&backend, BEFORE_ID_SPACE).await;
        let (_, t) = app.user("alice").await;
        app.new_group(&t, &[]).await;
        // this migration alone (the app's state keeps no message store, whose migration
        // follows), then back
        let db = app.state.db.clone();
        migration::Migrator::up(&db, Some(1)).await.expect("up");
        migration::Migrator::down(&db, Some(1)).await.expect("down");
        // each table counts on its own again, after every id issued: the next user and the next
        // group take the same id (with the allocator still there, the group would take the next)
        let u = app.register("bob").await;
        let g = app.new_group(&t, &[]).await;
        assert_eq!(u, g);
        let highest = ids(
            &db,
            "SELECT MAX(id) FROM groups WHERE id < (SELECT MAX(id) FROM groups)",
        )
        .await;
        assert!(u > highest[0] && g > highest[0], "{u} {g} {highest:?}");
        migration::Migrator::up(&db, None).await.expect("up again");
        let users: HashSet<i64> = ids(&db, "SELECT id FROM users").await.into_iter().collect();
        let groups: HashSet<i64> = ids(&db, "SELECT id FROM groups")
            .await
            .into_iter()
            .collect();
        assert!(users.is_disjoint(&groups), "{users:?} {groups:?}");
        let carol = app.register("carol").await;
        assert!(groups.iter().all(|g| *g < carol));
    }
}
