//! Friends (roster, chapter 3; issue 16) on SQLite and PostgreSQL: each auth_mode path,
//! accept / decline / expiry, the blacklist both ways, delete on both sides, what a search
//! shows, paging while rows change, concurrent mutual applications, batches, and deleting or
//! disabling a user.
use crate::common;

use common::TestApp;
use imserver::entity::{roster_application, roster_block, roster_item};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;

async fn set_mode(app: &TestApp, token: &str, mode: i32) {
    app.put("/user/authmode")
        .token(token)
        .query("value", mode)
        .send()
        .await
        .ok();
}

async fn apply(app: &TestApp, token: &str, body: Value) -> common::Answer {
    app.post("/roster/apply")
        .token(token)
        .json(body)
        .send()
        .await
}

async fn friends(app: &TestApp, token: &str) -> Vec<i64> {
    let r = app.get("/roster/list").token(token).send().await;
    r.ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

async fn view(app: &TestApp, token: &str, id: i64) -> Value {
    app.get("/roster/id")
        .token(token)
        .query("user_id", id)
        .send()
        .await
        .ok()
        .clone()
}

async fn may(app: &TestApp, token: &str, from: i64, to: i64) -> bool {
    let r = app
        .get("/roster/may_message")
        .token(token)
        .query("user_id", from)
        .query("roster_id", to)
        .send()
        .await;
    r.ok().as_bool().unwrap()
}

/// Rows of roster_items of the pair (both directions).
async fn rows_between(app: &TestApp, a: i64, b: i64) -> u64 {
    let mut n = 0;
    for (x, y) in [(a, b), (b, a)] {
        n += roster_item::Entity::find()
            .filter(roster_item::Column::UserId.eq(x))
            .filter(roster_item::Column::RosterId.eq(y))
            .count(&app.state.db)
            .await
            .unwrap();
    }
    n
}

db_test!(each_auth_mode_path, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    let (c, tc) = app.user("carol").await;
    let (d, td) = app.user("dave").await;
    let (e, te) = app.user("erin").await;
    // 0: friends at once, both ways
    apply(&app, &ta, json!({"user_id": b, "alias": "bobby"}))
        .await
        .ok();
    assert_eq!(friends(&app, &ta).await, vec![b]);
    assert_eq!(friends(&app, &tb).await, vec![a]);
    assert_eq!(view(&app, &ta, b).await["alias"], "bobby");
    assert!(
        apply(&app, &ta, json!({"user_id": b}))
            .await
            .err(10005)
            .contains("already a friend")
    );
    assert!(
        apply(&app, &tb, json!({"user_id": a}))
            .await
            .err(10005)
            .contains("already a friend")
    );
    // 1: a pending application, listed for the target; applying again renews it
    set_mode(&app, &tc, 1).await;
    assert_eq!(
        apply(&app, &ta, json!({"user_id": c, "reason": "hi"}))
            .await
            .ok(),
        &json!(true)
    );
    assert!(friends(&app, &ta).await == vec![b]);
    app.clock.advance_ms(1000);
    apply(&app, &ta, json!({"user_id": c, "reason": "hi again"}))
        .await
        .ok();
    let r = app.get("/roster/apply/list").token(&tc).send().await;
    let list = r.ok().as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["user_id"], a);
    assert_eq!(list[0]["status"], 0);
    assert_eq!(list[0]["reason"], "hi again");
    assert_eq!(list[0]["expired_time"], common::START_MS + 1000 + WEEK_MS);
    assert_eq!(r.body["total"], 1);
    // the admin token acting as carol accepts alice (query user_id = the applicant)
    app.put("/roster/accept")
        .admin()
        .header("user_id", c)
        .query("user_id", a)
        .send()
        .await
        .ok();
    assert_eq!(friends(&app, &tc).await, vec![a]);
    let r = app.get("/roster/apply/list").token(&tc).send().await;
    assert_eq!(r.ok()[0]["status"], 1);
    // 2: the right answer (blanks around it ignored), a wrong or missing one
    app.put("/user/settings")
        .token(&td)
        .json(json!({"user_id": d, "auth_mode": 2, "auth_question": "2+2?", "auth_answer": "four"}))
        .send()
        .await
        .ok();
    assert_eq!(view(&app, &tb, d).await["auth_question"], "2+2?");
    assert!(
        view(&app, &tb, d).await.get("auth_answer").is_none(),
        "never the answer"
    );
    assert!(
        apply(&app, &tb, json!({"user_id": d, "auth_answer": "five"}))
            .await
            .err(10012)
            .contains("wrong answer")
    );
    assert!(
        apply(&app, &tb, json!({"user_id": d}))
            .await
            .err(10012)
            .contains("answer")
    );
    apply(&app, &tb, json!({"user_id": d, "auth_answer": " four "}))
        .await
        .ok();
    assert_eq!(friends(&app, &td).await, vec![b]);
    // 3: refused
    set_mode(&app, &te, 3).await;
    assert!(
        apply(&app, &ta, json!({"user_id": e}))
            .await
            .err(10012)
            .contains("auth_mode 3")
    );
    // but a user of auth_mode 3 that applies itself is taken at once by its own target's apply
    set_mode(&app, &ta, 1).await;
    apply(&app, &te, json!({"user_id": a})).await.ok();
    apply(&app, &ta, json!({"user_id": e})).await.ok();
    assert!(
        friends(&app, &te).await.contains(&a),
        "two users applying to each other become friends"
    );
    // oneself, unknown, another app's user
    apply(&app, &ta, json!({"user_id": a})).await.err(10002);
    apply(&app, &ta, json!({"user_id": 999_999}))
        .await
        .err(10000);
    let other = imserver::domain::identity::apps::create_app(&app.state, "other", None)
        .await
        .unwrap();
    let r = app
        .post("/user/register/v2")
        .header("app_id", &other.app_id)
        .json(json!({"username": "zed", "password": "secret123"}))
        .send()
        .await;
    let zed = r.ok()["user_id"].as_i64().unwrap();
    apply(&app, &ta, json!({"user_id": zed})).await.err(10000);
    app.get("/roster/id")
        .token(&ta)
        .query("user_id", zed)
        .send()
        .await
        .err(10000);
    // an admin token must name the acting user
    app.post("/roster/apply")
        .admin()
        .json(json!({"user_id": b}))
        .send()
        .await
        .err(10002);
    let _ = tc;
});

db_test!(accept_decline_and_expiry, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    let (c, tc) = app.user("carol").await;
    set_mode(&app, &tb, 1).await;
    apply(&app, &ta, json!({"user_id": b})).await.ok();
    apply(&app, &tc, json!({"user_id": b})).await.ok();
    // decline with a reason; handled: 10007 for accept and decline
    app.post("/roster/decline")
        .token(&tb)
        .json(json!({"user_id": a, "reason": "no"}))
        .send()
        .await
        .ok();
    assert!(
        app.post("/roster/accept")
            .token(&tb)
            .query("user_id", a)
            .send()
            .await
            .err(10007)
            .contains("application")
    );
    app.put("/roster/decline")
        .token(&tb)
        .json(json!({"user_id": a}))
        .send()
        .await
        .err(10007);
    let r = app.get("/roster/apply/list").token(&tb).send().await;
    let statuses: Vec<(i64, i64)> = r
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["user_id"].as_i64().unwrap(),
                x["status"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, vec![(a, 2), (c, 0)]);
    // applying again after a decline renews it
    apply(&app, &ta, json!({"user_id": b})).await.ok();
    // expiry: past 7 days a pending application can no longer be accepted, and leaves the list
    app.clock.advance_ms(WEEK_MS + 1);
    // (the user tokens expired too: the admin token acts as bob and alice)
    fn as_user(call: common::Call<'_>, id: i64) -> common::Call<'_> {
        call.admin().header("user_id", id)
    }
    let as_b = |call| as_user(call, b);
    as_b(app.put("/roster/accept"))
        .query("user_id", c)
        .send()
        .await
        .err(10007);
    as_b(app.put("/roster/accept"))
        .query("user_id", a)
        .send()
        .await
        .err(10007);
    let r = as_b(app.get("/roster/apply/list")).send().await;
    assert_eq!(
        r.ok().as_array().unwrap().len(),
        0,
        "expired pending ones leave the list"
    );
    assert_eq!(r.body["total"], 0);
    // an application nobody made
    app.put("/roster/accept")
        .admin()
        .header("user_id", a)
        .query("user_id", c)
        .send()
        .await
        .err(10007);
    app.put("/roster/accept")
        .admin()
        .header("user_id", a)
        .send()
        .await
        .err(10002);
    assert!(
        as_b(app.get("/roster/list"))
            .send()
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let _ = (ta, tc);
});

db_test!(the_blacklist_works_both_ways, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    let (c, tc) = app.user("carol").await;
    set_mode(&app, &ta, 1).await;
    apply(&app, &tb, json!({"user_id": a})).await.ok();
    assert!(may(&app, &ta, a, b).await && may(&app, &tb, b, a).await);
    app.put("/roster/block")
        .token(&ta)
        .query("user_id", b)
        .send()
        .await
        .ok();
    app.post("/roster/block")
        .token(&ta)
        .query("user_id", b)
        .send()
        .await
        .err(10006);
    app.post("/roster/block")
        .token(&ta)
        .query("user_id", a)
        .send()
        .await
        .err(10002);
    app.post("/roster/block")
        .token(&ta)
        .query("user_id", 999_999)
        .send()
        .await
        .err(10000);
    assert_eq!(
        app.get("/roster/blocked_list").token(&ta).send().await.ok(),
        &json!([b])
    );
    // the pending application of bob closed; bob cannot apply; neither may message the other
    app.put("/roster/accept")
        .token(&ta)
        .query("user_id", b)
        .send()
        .await
        .err(10007);
    assert!(
        apply(&app, &tb, json!({"user_id": a}))
            .await
            .err(10012)
            .contains("blacklist")
    );
    assert!(!may(&app, &ta, a, b).await);
    assert!(!may(&app, &tb, b, a).await);
    assert!(
        apply(&app, &ta, json!({"user_id": b}))
            .await
            .err(10006)
            .contains("blacklist")
    );
    assert_eq!(view(&app, &ta, b).await["relation"], 3);
    // a friendship survives a block (relation 3 as the blocker sees it)
    apply(&app, &tc, json!({"user_id": b})).await.ok();
    app.put("/roster/block")
        .token(&tb)
        .query("user_id", c)
        .send()
        .await
        .ok();
    assert_eq!(friends(&app, &tb).await, vec![c]);
    assert_eq!(view(&app, &tb, c).await["relation"], 3);
    assert_eq!(view(&app, &tc, b).await["relation"], 0);
    assert!(!may(&app, &tc, c, b).await);
    // unblocking restores them; unblocking again answers true
    app.delete("/roster/unblock")
        .token(&ta)
        .query("user_id", b)
        .send()
        .await
        .ok();
    app.post("/roster/unblock")
        .token(&ta)
        .query("user_id", b)
        .send()
        .await
        .ok();
    assert_eq!(
        app.get("/roster/blocked_list").token(&ta).send().await.ok(),
        &json!([])
    );
    assert!(may(&app, &tb, b, a).await);
    apply(&app, &tb, json!({"user_id": a})).await.ok();
    // asking about others' messages: 10010 for a user; the app admin token asks about anyone
    app.get("/roster/may_message")
        .token(&tc)
        .query("user_id", a)
        .query("roster_id", b)
        .send()
        .await
        .err(10010);
    let r = app
        .get("/roster/may_message")
        .admin()
        .query("user_id", c)
        .query("roster_id", b)
        .send()
        .await;
    assert_eq!(r.ok(), &json!(false));
    app.get("/roster/may_message")
        .admin()
        .query("user_id", c)
        .query("roster_id", 999_999)
        .send()
        .await
        .err(10000);
});

db_test!(strangers_and_may_message, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    assert!(may(&app, &ta, a, b).await, "strangers may message");
    set_mode(&app, &tb, 3).await;
    assert!(!may(&app, &ta, a, b).await, "not a receiver of auth_mode 3");
    assert!(may(&app, &tb, b, a).await);
    assert!(may(&app, &ta, a, a).await);
    // a disabled user neither sends nor receives
    app.put("/user/disable")
        .admin()
        .json(json!({"list": [a]}))
        .send()
        .await
        .ok();
    let r = app
        .get("/roster/may_message")
        .admin()
        .query("user_id", b)
        .query("roster_id", a)
        .send()
        .await;
    assert_eq!(r.ok(), &json!(false));
    app.get("/roster/may_message")
        .admin()
        .header("group_id", 1)
        .query("user_id", b)
        .query("roster_id", a)
        .send()
        .await
        .err(10010);
});

db_test!(
    delete_ends_the_friendship_on_both_sides,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        apply(&app, &ta, json!({"user_id": b, "alias": "B"}))
            .await
            .ok();
        app.put("/roster/ext")
            .token(&tb)
            .json(json!({"user_id": a, "alias": "A", "ext": "x", "mute_notification": true}))
            .send()
            .await
            .ok();
        app.put("/roster/ext")
            .token(&tb)
            .json(json!({"user_id": a, "ext": "y"}))
            .send()
            .await
            .ok();
        let seen = view(&app, &tb, a).await;
        assert_eq!(
            (
                &seen["alias"],
                &seen["ext"],
                &seen["mute_notification"],
                &seen["relation"]
            ),
            (&json!("A"), &json!("y"), &json!(true), &json!(0))
        );
        app.delete("/roster/delete")
            .token(&ta)
            .query("user_id", b)
            .send()
            .await
            .ok();
        assert!(friends(&app, &ta).await.is_empty());
        assert!(friends(&app, &tb).await.is_empty());
        // bob keeps alice as a deleted friend, with his notes; alice sees a stranger
        let seen = view(&app, &tb, a).await;
        assert_eq!(
            (&seen["relation"], &seen["alias"]),
            (&json!(1), &json!("A"))
        );
        assert_eq!(view(&app, &ta, b).await["relation"], 2);
        app.post("/roster/delete")
            .token(&ta)
            .query("user_id", b)
            .send()
            .await
            .err(10007);
        app.put("/roster/ext")
            .token(&ta)
            .json(json!({"user_id": b, "alias": "z"}))
            .send()
            .await
            .err(10007);
        app.put("/roster/ext")
            .token(&ta)
            .json(json!({"user_id": b, "alias": "z".repeat(129)}))
            .send()
            .await
            .err(10002);
        // friends again: bob's notes come back
        apply(&app, &tb, json!({"user_id": a})).await.ok();
        assert_eq!(view(&app, &tb, a).await["ext"], "y");
        assert_eq!(rows_between(&app, a, b).await, 2);
        // bob may also drop a deleted friend's entry
        app.post("/roster/delete")
            .token(&ta)
            .query("user_id", b)
            .send()
            .await
            .ok();
        app.delete("/roster/delete")
            .token(&tb)
            .query("user_id", a)
            .send()
            .await
            .ok();
        assert_eq!(rows_between(&app, a, b).await, 0);
    }
);

db_test!(what_a_search_shows, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    app.put("/user/profile")
        .token(&tb)
        .json(json!({"nick_name": "Bob", "description": "friends only", "private_info": "secret", "public_info": "hello"}))
        .send()
        .await
        .ok();
    app.put("/user/mobile")
        .token(&tb)
        .query("mobile", "+123456")
        .send()
        .await
        .ok();
    let stranger = view(&app, &ta, b).await;
    assert_eq!(stranger["relation"], 2);
    assert_eq!(
        (
            &stranger["nick_name"],
            &stranger["public_info"],
            &stranger["username"]
        ),
        (&json!("Bob"), &json!("hello"), &json!("bob"))
    );
    assert!(
        stranger["description"].is_null(),
        "strangers see public fields only: {stranger}"
    );
    assert!(
        stranger["alias"].is_null()
            && stranger["ext"].is_null()
            && stranger["mute_notification"] == false
    );
    for private in ["private_info", "mobile", "email", "auth_answer", "password"] {
        assert!(stranger.get(private).is_none(), "{private} is never shown");
    }
    let by_name = app
        .get("/roster/name")
        .token(&ta)
        .query("username", "bob")
        .send()
        .await
        .ok()
        .clone();
    assert_eq!(by_name, stranger);
    let by_mobile = app
        .get("/roster/mobile")
        .token(&ta)
        .query("mobile", "+123456")
        .send()
        .await
        .ok()
        .clone();
    assert_eq!(by_mobile, stranger);
    app.get("/roster/name")
        .token(&ta)
        .query("username", "nobody")
        .send()
        .await
        .err(10000);
    app.get("/roster/mobile")
        .token(&ta)
        .query("mobile", "+999")
        .send()
        .await
        .err(10000);
    apply(&app, &ta, json!({"user_id": b})).await.ok();
    let friend = view(&app, &ta, b).await;
    assert_eq!(
        (&friend["relation"], &friend["description"]),
        (&json!(0), &json!("friends only"))
    );
    // POST /roster/list: in the order asked, repeats and unknown ids left out
    let r = app
        .post("/roster/list")
        .token(&ta)
        .json(json!({"list": [b, 999_999, a, b]}))
        .send()
        .await;
    let ids: Vec<i64> = r
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["user_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![b, a]);
    app.post("/roster/list")
        .token(&ta)
        .json(json!({"list": vec![b; 501]}))
        .send()
        .await
        .err(10002);
    let _ = tb;
});

db_test!(
    paging_while_rows_change_never_repeats_or_skips,
    |app: TestApp| async move {
        let (_, ta) = app.user("alice").await;
        let mut ids = vec![];
        for i in 0..25 {
            ids.push(app.register(&format!("friend_{i}")).await);
        }
        let items: Vec<Value> = ids.iter().map(|id| json!({"user_id": id})).collect();
        let r = app
            .post("/roster/apply/batch")
            .token(&ta)
            .json(json!(items))
            .send()
            .await;
        assert_eq!(r.ok()["success"].as_array().unwrap().len(), 25);
        let mut seen: Vec<i64> = vec![];
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut call = app.get("/roster/list").token(&ta).query("limit", 10);
            if let Some(c) = &cursor {
                call = call.query("cursor", c);
            }
            let r = call.send().await;
            seen.extend(
                r.ok()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap()),
            );
            pages += 1;
            if pages == 1 {
                // between pages: one friend already seen and one not yet seen go, a new one comes
                for gone in [ids[2], ids[20]] {
                    app.delete("/roster/delete")
                        .token(&ta)
                        .query("user_id", gone)
                        .send()
                        .await
                        .ok();
                }
                let newcomer = app.register("newcomer").await;
                apply(&app, &ta, json!({"user_id": newcomer})).await.ok();
                ids.push(newcomer);
            }
            cursor = r.body["cursor"].as_str().map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no repeats: {seen:?}");
        for (i, id) in ids.iter().enumerate() {
            if i != 20 {
                assert!(seen.contains(id), "friend {id} that stayed was skipped");
            }
        }
        assert!(!seen.contains(&ids[20]));
        let r = app
            .get("/roster/list")
            .token(&ta)
            .query("limit", 1)
            .send()
            .await;
        assert_eq!(r.body["total"], 24);
        app.get("/roster/list")
            .token(&ta)
            .query("limit", 1001)
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    concurrent_mutual_applications_end_in_one_friendship,
    |app: TestApp| async move {
        for round in 0..6 {
            let (a, ta) = app.user(&format!("left_{round}")).await;
            let (b, tb) = app.user(&format!("right_{round}")).await;
            set_mode(&app, &ta, 1).await;
            set_mode(&app, &tb, 1).await;
            let (x, y) = tokio::join!(
                apply(&app, &ta, json!({"user_id": b})),
                apply(&app, &tb, json!({"user_id": a}))
            );
            x.ok();
            y.ok();
            assert_eq!(rows_between(&app, a, b).await, 2, "one row per side");
            assert_eq!(friends(&app, &ta).await, vec![b]);
            assert_eq!(friends(&app, &tb).await, vec![a]);
            let pending = roster_application::Entity::find()
                .filter(roster_application::Column::Status.eq(0))
                .filter(roster_application::Column::ApplicantId.is_in([a, b]))
                .count(&app.state.db)
                .await
                .unwrap();
            assert_eq!(pending, 0, "no application left pending");
        }
    }
);

// Accept and decline of one pending application at the same moment: exactly one wins, and the
// database agrees with it (friends exactly when the application shows accepted). On PostgreSQL
// the two really overlap; decline starts 0-4 ms after accept (its statements run in that window).
db_test!(
    accept_and_decline_at_once_exactly_one_wins,
    |app: TestApp| async move {
        let pairs = match app.backend {
            common::Backend::Postgres(_) => 200,
            common::Backend::Sqlite => 10,
        };
        let b = app.register("target").await;
        fn as_user(call: common::Call<'_>, id: i64) -> common::Call<'_> {
            call.admin().header("user_id", id)
        }
        as_user(app.put("/user/authmode"), b)
            .query("value", 1)
            .send()
            .await
            .ok();
        for i in 0..pairs {
            let a = app.register(&format!("applicant_{i}")).await;
            as_user(app.post("/roster/apply"), a)
                .json(json!({"user_id": b}))
                .send()
                .await
                .ok();
            let accept = as_user(app.post("/roster/accept"), b)
                .query("user_id", a)
                .send();
            let delay = std::time::Duration::from_micros(100 * (i % 41));
            let decline = async {
                // a busy wait on the test's task: tokio's timer has a 1 ms grain
                let start = std::time::Instant::now();
                while start.elapsed() < delay {
                    tokio::task::yield_now().await;
                }
                as_user(app.post("/roster/decline"), b)
                    .json(json!({"user_id": a}))
                    .send()
                    .await
            };
            let (accepted, declined) = tokio::join!(accept, decline);
            let codes = (accepted.code(), declined.code());
            assert!(
                codes == (200, 10007) || codes == (10007, 200),
                "pair {i} on {:?}: exactly one wins, got {codes:?}",
                app.backend
            );
            let status = roster_application::Entity::find()
                .filter(roster_application::Column::ApplicantId.eq(a))
                .filter(roster_application::Column::TargetId.eq(b))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap()
                .status;
            let rows = rows_between(&app, a, b).await;
            if codes.0 == 200 {
                assert_eq!((status, rows), (1, 2), "pair {i}: accepted, friends");
            } else {
                assert_eq!((status, rows), (2, 0), "pair {i}: declined, no friends");
            }
        }
    }
);

db_test!(apply_batch_answers_per_item, |app: TestApp| async move {
    let (a, _) = app.user("alice").await;
    let (b, _) = app.user("bob").await;
    let (c, tc) = app.user("carol").await;
    let (d, td) = app.user("dave").await;
    set_mode(&app, &tc, 1).await;
    set_mode(&app, &td, 2).await;
    let items = json!([
        {"user_id": b, "alias": "B"},
        {"user_id": c, "reason": "hello"},
        {"user_id": d},
        {"user_id": 999_999},
        {"user_id": b},
        {"user_id": a},
        {"user_id": c, "alias": "x".repeat(129)}
    ]);
    let r = app
        .post("/roster/apply/batch")
        .admin()
        .header("user_id", a)
        .json(items)
        .send()
        .await;
    let data = r.ok();
    assert_eq!(data["success"], json!([b, c]));
    let fails: Vec<i64> = data["fails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["user_id"].as_i64().unwrap())
        .collect();
    assert_eq!(fails, vec![d, 999_999, b, a, c]);
    assert!(
        data["fails"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("answer")
    );
    assert_eq!(friends(&app, &tc).await, Vec::<i64>::new());
    let too_many: Vec<Value> = (0..501).map(|i| json!({"user_id": i})).collect();
    app.post("/roster/apply/batch")
        .admin()
        .header("user_id", a)
        .json(json!(too_many))
        .send()
        .await
        .err(10002);
    app.post("/roster/apply/batch")
        .admin()
        .json(json!([{"user_id": b}]))
        .send()
        .await
        .err(10002);
});

db_test!(
    deleting_a_user_removes_its_roster_and_disabling_keeps_it,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        let (c, tc) = app.user("carol").await;
        apply(&app, &ta, json!({"user_id": b})).await.ok();
        apply(&app, &tc, json!({"user_id": b})).await.ok();
        set_mode(&app, &ta, 1).await;
        apply(&app, &tc, json!({"user_id": a})).await.ok();
        app.put("/roster/block")
            .token(&tc)
            .query("user_id", a)
            .send()
            .await
            .ok();
        app.put("/roster/block")
            .token(&ta)
            .query("user_id", c)
            .send()
            .await;
        // a disabled friend is still listed
        app.put("/user/disable")
            .admin()
            .json(json!({"list": [c]}))
            .send()
            .await
            .ok();
        assert_eq!(friends(&app, &tb).await, vec![a, c]);
        app.put("/user/enable")
            .admin()
            .json(json!({"list": [c]}))
            .send()
            .await
            .ok();
        // deleting alice removes her rows and the others' rows for her, her applications and blocks
        app.delete("/user/delete")
            .admin()
            .header("user_id", a)
            .send()
            .await
            .ok();
        assert_eq!(friends(&app, &tb).await, vec![c]);
        let db = &app.state.db;
        let either = |x: roster_item::Column, y: roster_item::Column| {
            Condition::any().add(x.eq(a)).add(y.eq(a))
        };
        let items = roster_item::Entity::find()
            .filter(either(
                roster_item::Column::UserId,
                roster_item::Column::RosterId,
            ))
            .count(db)
            .await
            .unwrap();
        let on_apps = Condition::any()
            .add(roster_application::Column::ApplicantId.eq(a))
            .add(roster_application::Column::TargetId.eq(a));
        let apps = roster_application::Entity::find()
            .filter(on_apps)
            .count(db)
            .await
            .unwrap();
        let on_blocks = Condition::any()
            .add(roster_block::Column::UserId.eq(a))
            .add(roster_block::Column::BlockedId.eq(a));
        let blocks = roster_block::Entity::find()
            .filter(on_blocks)
            .count(db)
            .await
            .unwrap();
        assert_eq!((items, apps, blocks), (0, 0, 0));
        assert_eq!(
            app.get("/roster/blocked_list")
                .admin()
                .header("user_id", c)
                .send()
                .await
                .ok(),
            &json!([])
        );
        app.get("/roster/id")
            .token(&tb)
            .query("user_id", a)
            .send()
            .await
            .err(10000);
        let _ = (b, tc);
    }
);
