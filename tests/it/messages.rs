//! Messages (chapter 5; issue 22) on SQLite and PostgreSQL: sending 1:1 and to groups with
//! every rule of the roster and the groups, history pages, unread counts, read receipts,
//! recalls, deleting a conversation, notifications and broadcasts, transaction_id, the limits
//! of a message, and the events of each.
use crate::common;

use common::TestApp;
use imserver::events::EventKind;
use serde_json::{Value, json};

/// Send `content` from the token's user to users (type 1) or groups (type 2).
async fn send(
    app: &TestApp,
    token: &str,
    kind: i32,
    targets: &[i64],
    content: &str,
) -> common::Answer {
    app.post("/message/send")
        .token(token)
        .json(json!({"type": kind, "targets": targets, "content_type": 0, "content": content}))
        .send()
        .await
}

/// The msg_ids of a successful send.
fn ids(r: &common::Answer) -> Vec<i64> {
    assert_eq!(r.ok(), &json!(true));
    r.body["msg_ids"]
        .as_array()
        .expect("msg_ids")
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

async fn history(app: &TestApp, token: &str, peer: i64, start: i64, limit: i32) -> Value {
    app.get("/message/conversation")
        .token(token)
        .query("opposite_id", peer)
        .query("msg_id_start", start)
        .query("limit", limit)
        .send()
        .await
        .ok()
        .clone()
}

/// (msg_id, content, status) of a history page, newest first.
fn items(page: &Value) -> Vec<(i64, String, String)> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["msg_id"].as_i64().unwrap(),
                m["content"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn contents(page: &Value) -> Vec<String> {
    items(page).into_iter().map(|(_, c, _)| c).collect()
}

/// (conversation id, num) of the token's unread list.
async fn unread(app: &TestApp, token: &str) -> Vec<(i64, i64)> {
    let r = app.get("/message/unread").token(token).send().await;
    r.ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["conversation_id"]["uid"].as_i64().unwrap(),
                u["num"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn ack(app: &TestApp, token: &str, peer: i64, msg_id: Option<i64>) -> common::Answer {
    let mut call = app
        .get("/message/ack")
        .token(token)
        .query("conversation_id", peer);
    if let Some(m) = msg_id {
        call = call.query("msg_id", m);
    }
    call.send().await
}

db_test!(
    one_to_one_send_history_unread_and_ack,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        let first = ids(&send(&app, &ta, 1, &[b], "hi bob").await)[0];
        app.clock.advance_ms(10);
        let second = ids(&send(&app, &ta, 1, &[b], "are you there").await)[0];
        assert!(second > first);
        // the receiver has two unread, the sender none (its own messages are read)
        assert_eq!(unread(&app, &tb).await, vec![(a, 2)]);
        assert_eq!(unread(&app, &ta).await, vec![]);
        // history, newest first, from both sides
        let page = history(&app, &tb, a, 0, 10).await;
        assert_eq!(contents(&page), ["are you there", "hi bob"]);
        assert_eq!(page["is_last"], true);
        assert_eq!(page["next_msg_id"], 0);
        let m = &page["messages"][0];
        assert_eq!(m["from_xid"]["uid"], a);
        assert_eq!(m["to_xid"]["uid"], b);
        assert_eq!(m["ctype"], "TEXT");
        assert_eq!(m["attachment"], "");
        assert_eq!(m["status"], "UNREAD");
        assert_eq!(m["timestamp"], common::START_MS + 10);
        assert_eq!(
            contents(&history(&app, &ta, b, 0, 10).await),
            ["are you there", "hi bob"]
        );
        // pages: limit 1, next_msg_id continues
        let p1 = history(&app, &tb, a, 0, 1).await;
        assert_eq!(contents(&p1), ["are you there"]);
        assert_eq!(p1["is_last"], false);
        assert_eq!(p1["next_msg_id"], first);
        let p2 = history(&app, &tb, a, first, 1).await;
        assert_eq!(contents(&p2), ["hi bob"]);
        assert_eq!(p2["is_last"], true);
        // reading writes nothing: still unread
        assert_eq!(unread(&app, &tb).await, vec![(a, 2)]);
        // bob acks the first: one unread left; alice sees READ then UNREAD
        assert_eq!(ack(&app, &tb, a, Some(first)).await.ok(), &json!(true));
        assert_eq!(unread(&app, &tb).await, vec![(a, 1)]);
        let statuses: Vec<String> = items(&history(&app, &ta, b, 0, 10).await)
            .into_iter()
            .map(|(_, _, s)| s)
            .collect();
        assert_eq!(statuses, ["UNREAD", "READ"]);
        // an ack never moves back; acking everything empties the list
        ack(&app, &tb, a, None).await.ok();
        ack(&app, &tb, a, Some(first)).await.ok();
        assert_eq!(unread(&app, &tb).await, vec![]);
        // replying: bob's reply is unread for alice only
        send(&app, &tb, 1, &[a], "yes").await.ok();
        assert_eq!(unread(&app, &ta).await, vec![(b, 1)]);
        assert_eq!(unread(&app, &tb).await, vec![]);
        // the original's own tool: the admin token with from_user_id, no attachment; a read ack
        // through send with content_type 9 and related_mid
        let r = app
            .post("/message/send")
            .admin()
            .json(
                json!({"type": 1, "from_user_id": b, "targets": [a], "content_type": 0,
                     "content": "from the tool", "config": "{\"k\":1}"}),
            )
            .send()
            .await;
        let tool = ids(&r)[0];
        assert_eq!(unread(&app, &ta).await, vec![(b, 2)]);
        let r = app
            .post("/message/send")
            .admin()
            .json(
                json!({"type": 1, "from_user_id": a, "targets": [b], "content_type": 9,
                     "content": "", "related_mid": tool}),
            )
            .send()
            .await;
        assert_eq!(ids(&r), Vec::<i64>::new());
        assert_eq!(unread(&app, &ta).await, vec![]);
        let page = history(&app, &ta, b, 0, 1).await;
        assert_eq!(page["messages"][0]["config"], "{\"k\":1}");
        assert_eq!(page["messages"][0]["status"], "READ");
    }
);

db_test!(
    a_message_is_checked_field_by_field,
    |app: TestApp| async move {
        let (_, ta) = app.user("alice").await;
        let (b, _) = app.user("bob").await;
        let body = |extra: Value| {
            let mut v = json!({"type": 1, "targets": [b], "content_type": 0, "content": "x"});
            for (k, val) in extra.as_object().unwrap() {
                v[k] = val.clone();
            }
            v
        };
        let refused = |extra: Value| {
            let body = body(extra);
            let app = &app;
            let ta = ta.clone();
            async move {
                app.post("/message/send")
                    .token(&ta)
                    .json(body)
                    .send()
                    .await
                    .err(10002)
            }
        };
        let many: Vec<i64> = (1..=501).collect();
        // (the change, a word the message says)
        let cases = [
            (json!({"content": "x".repeat(16_385)}), "content"),
            (json!({"ext": "x".repeat(4_097)}), "ext"),
            (json!({"attachment": "x".repeat(4_097)}), "attachment"),
            (json!({"config": "x".repeat(4_097)}), "config"),
            (json!({"type": 3}), "type"),
            (json!({"targets": []}), "targets"),
            (json!({"targets": many}), "targets"),
            (json!({"content_type": 8}), "content_type"),
            (json!({"content_type": 11}), "not supported"),
            (json!({"content_type": 12}), "not supported"),
            (json!({"content_type": 10}), "related_mid"),
            (json!({"online_only": true}), "online_only"),
            (json!({"content": 5}), "content"),
        ];
        for (change, word) in cases {
            let message = refused(change.clone()).await;
            assert!(message.contains(word), "{change}: {message}");
        }
        // at the limits it is stored; nothing of the refusals was
        send(&app, &ta, 1, &[b], &"é".repeat(16_384)).await.ok();
        let n = history(&app, &ta, b, 0, 100).await["messages"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(n, 1);
        // the admin token must say whom it sends as; a user token sends as itself
        app.post("/message/send")
            .admin()
            .json(body(json!({})))
            .send()
            .await
            .err(10002);
        let (c, _) = app.user("carol").await;
        app.post("/message/send")
            .token(&ta)
            .json(body(json!({"from_user_id": c})))
            .send()
            .await
            .err(10010);
        // history limit
        app.get("/message/conversation")
            .token(&ta)
            .query("opposite_id", b)
            .query("msg_id_start", 0)
            .query("limit", 1001)
            .send()
            .await
            .err(10002);
    }
);

db_test!(
    a_transaction_id_stores_a_repeat_once,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        let (c, _) = app.user("carol").await;
        let body = json!({"type": 1, "targets": [b, c], "content_type": 0, "content": "once",
                      "transaction_id": 77});
        let first = ids(&app
            .post("/message/send")
            .token(&ta)
            .json(body.clone())
            .send()
            .await);
        assert_eq!(first.len(), 2);
        app.clock.advance_ms(60_000);
        let again = ids(&app
            .post("/message/send")
            .token(&ta)
            .json(body.clone())
            .send()
            .await);
        assert_eq!(again, first);
        assert_eq!(unread(&app, &tb).await, vec![(a, 1)]);
        // another sender's 77 is its own; after ten minutes the same one stores again
        app.post("/message/send")
            .token(&tb)
            .json(
                json!({"type": 1, "targets": [a], "content_type": 0, "content": "mine",
                     "transaction_id": 77}),
            )
            .send()
            .await
            .ok();
        app.clock.advance_ms(10 * 60_000);
        let later = ids(&app.post("/message/send").token(&ta).json(body).send().await);
        assert_ne!(later, first);
        // bob's reply read what came before it: the repeat after ten minutes is its one unread
        assert_eq!(unread(&app, &tb).await, vec![(a, 1)]);
        assert_eq!(
            contents(&history(&app, &tb, a, 0, 10).await),
            ["once", "mine", "once"]
        );
    }
);

/// PUT /roster/block or DELETE /roster/unblock (`path`) of `who` by the token's user.
async fn roster(app: &TestApp, path: &str, token: &str, who: i64) {
    let call = if path.ends_with("unblock") {
        app.delete(path)
    } else {
        app.put(path)
    };
    call.token(token).query("user_id", who).send().await.ok();
}

/// The message of the 60003 refusal of a 1:1 send.
async fn refusal(app: &TestApp, token: &str, to: i64) -> String {
    send(app, token, 1, &[to], "refused?").await.err(60003)
}

db_test!(one_to_one_follows_may_message, |app: TestApp| async move {
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    let (c, tc) = app.user("carol").await;
    let may = |from: i64, to: i64, token: String| {
        let app = &app;
        async move {
            app.get("/roster/may_message")
                .token(&token)
                .query("user_id", from)
                .query("roster_id", to)
                .send()
                .await
                .ok()
                .as_bool()
                .unwrap()
        }
    };
    // strangers may, until the receiver refuses strangers (auth_mode 3)
    send(&app, &ta, 1, &[c], "hello").await.ok();
    app.put("/user/authmode")
        .token(&tc)
        .query("value", 3)
        .send()
        .await
        .ok();
    assert!(refusal(&app, &ta, c).await.contains("auth_mode 3"));
    assert!(!may(a, c, ta.clone()).await);
    // a friend may (carol befriends alice: auth_mode 3 refuses applications, so alice lets carol)
    app.post("/roster/apply")
        .token(&tc)
        .json(json!({"user_id": a}))
        .send()
        .await
        .ok();
    send(&app, &ta, 1, &[c], "friends now").await.ok();
    assert!(may(a, c, ta.clone()).await);
    // a block either way refuses both directions
    roster(&app, "/roster/block", &tb, a).await;
    assert!(refusal(&app, &ta, b).await.contains("blocked"));
    assert!(refusal(&app, &tb, a).await.contains("blocked"));
    assert!(!may(a, b, ta.clone()).await && !may(b, a, tb.clone()).await);
    roster(&app, "/roster/unblock", &tb, a).await;
    send(&app, &ta, 1, &[b], "x").await.ok();
    // all targets or none: one refused target stores nothing for the others
    roster(&app, "/roster/block", &tb, a).await;
    send(&app, &ta, 1, &[c, b], "both?").await.err(60003);
    assert_eq!(
        contents(&history(&app, &tc, a, 0, 1).await),
        ["friends now"]
    );
    roster(&app, "/roster/unblock", &tb, a).await;
    // a disabled receiver or sender (through the admin token): refused at once
    app.put("/user/disable")
        .admin()
        .json(json!({"list": [b]}))
        .send()
        .await
        .ok();
    assert!(refusal(&app, &ta, b).await.contains("disabled"));
    let r = app
        .post("/message/send")
        .admin()
        .json(json!({"type": 1, "from_user_id": b, "targets": [a], "content_type": 0, "content": "x"}))
        .send()
        .await;
    assert!(r.err(60003).contains("sender is disabled"));
    // an unknown receiver: 10000
    send(&app, &ta, 1, &[a + b + c + 1000], "x")
        .await
        .err(10000);
    // a deleted user's messages stay in its peers' history; it can no longer be messaged
    let (d, td) = app.user("dave").await;
    send(&app, &td, 1, &[a], "bye").await.ok();
    app.delete("/user/delete")
        .token(&td)
        .json(json!({"password": "secret123"}))
        .send()
        .await
        .ok();
    let page = history(&app, &ta, d, 0, 10).await;
    assert_eq!(contents(&page), ["bye"]);
    assert_eq!(page["messages"][0]["from_xid"]["uid"], d);
    send(&app, &ta, 1, &[d], "x").await.err(10000);
});

db_test!(
    group_sends_keep_every_group_rule,
    |app: TestApp| async move {
        let (owner, to) = app.user("owner").await;
        let (adm, tadm) = app.user("admin").await;
        let (m, tm) = app.user("member").await;
        let (x, tx) = app.user("outsider").await;
        let gid = app.new_group(&to, &[adm, m]).await;
        app.post("/group/admin/add")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [adm]}))
            .send()
            .await
            .ok();
        // members send; an outsider is not a member (20011); an unknown group is 20001
        let first = ids(&send(&app, &tm, 2, &[gid], "hello group").await)[0];
        send(&app, &tx, 2, &[gid], "let me in").await.err(20011);
        send(&app, &tm, 2, &[gid + 1000], "x").await.err(20001);
        assert_eq!(unread(&app, &to).await, vec![(gid, 1)]);
        assert_eq!(unread(&app, &tm).await, vec![]);
        let page = history(&app, &to, gid, 0, 10).await;
        assert_eq!(page["messages"][0]["msg_id"], first);
        assert_eq!(page["messages"][0]["to_xid"]["uid"], gid);
        app.get("/message/conversation")
            .token(&tx)
            .query("opposite_id", gid)
            .query("msg_id_start", 0)
            .query("limit", 5)
            .send()
            .await
            .err(20011);
        // a muted member: 60001, until the mute ends
        app.post("/group/ban")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [m], "duration": 5}))
            .send()
            .await
            .ok();
        send(&app, &tm, 2, &[gid], "x").await.err(60001);
        app.clock.advance_ms(5 * 60_000 + 1);
        send(&app, &tm, 2, &[gid], "free again").await.ok();
        // ban_all silences members, not the owner or admins
        app.post("/group/settings/ban_all")
            .token(&to)
            .json(json!({"group_id": gid, "duration": 5}))
            .send()
            .await
            .ok();
        send(&app, &tm, 2, &[gid], "x").await.err(60002);
        send(&app, &tadm, 2, &[gid], "admin speaks").await.ok();
        send(&app, &to, 2, &[gid], "owner speaks").await.ok();
        app.post("/group/settings/unban_all")
            .token(&to)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        send(&app, &tm, 2, &[gid], "member speaks").await.ok();
        // a blacklisted user: 20018; a kicked one: 20011
        app.post("/group/block")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [m]}))
            .send()
            .await
            .ok();
        send(&app, &tm, 2, &[gid], "x").await.err(20018);
        app.post("/group/kick")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [adm]}))
            .send()
            .await
            .ok();
        send(&app, &tadm, 2, &[gid], "x").await.err(20011);
        // a dissolved group: 20001; its unread count goes
        app.delete("/group/destroy")
            .token(&to)
            .query("group_id", gid)
            .send()
            .await
            .ok();
        send(&app, &to, 2, &[gid], "x").await.err(20001);
        assert_eq!(unread(&app, &to).await, vec![]);
        // a chatroom keeps the same rules
        let r = app
            .post("/group/create")
            .token(&to)
            .json(json!({"type": 2, "name": "room", "user_list": [m]}))
            .send()
            .await;
        let room = r.ok()["group_id"].as_i64().unwrap();
        send(&app, &tm, 2, &[room], "in the room").await.ok();
        send(&app, &tx, 2, &[room], "x").await.err(20011);
        app.post("/group/ban")
            .token(&to)
            .json(json!({"group_id": room, "user_list": [m], "duration": 5}))
            .send()
            .await
            .ok();
        send(&app, &tm, 2, &[room], "x").await.err(60001);
        let _ = (owner, x);
    }
);

db_test!(
    new_members_see_history_only_when_visible,
    |app: TestApp| async move {
        let (_, to) = app.user("owner").await;
        let (a, ta) = app.user("early").await;
        let (b, tb) = app.user("late").await;
        let (c, tc) = app.user("later").await;
        let gid = app.new_group(&to, &[a]).await;
        send(&app, &ta, 2, &[gid], "before").await.ok();
        // history_visible off (the default): a new member sees from its join, nothing unread before
        app.post("/group/invite")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [b]}))
            .send()
            .await
            .ok();
        assert!(app.members_of(gid).await.contains(&b));
        assert_eq!(
            contents(&history(&app, &tb, gid, 0, 10).await),
            Vec::<String>::new()
        );
        assert_eq!(unread(&app, &tb).await, vec![]);
        send(&app, &ta, 2, &[gid], "after").await.ok();
        assert_eq!(contents(&history(&app, &tb, gid, 0, 10).await), ["after"]);
        assert_eq!(unread(&app, &tb).await, vec![(gid, 1)]);
        // on: the whole history
        app.put("/group/settings/history_visible")
            .token(&to)
            .json(json!({"group_id": gid, "value": true}))
            .send()
            .await
            .ok();
        app.post("/group/invite")
            .token(&to)
            .json(json!({"group_id": gid, "user_list": [c]}))
            .send()
            .await
            .ok();
        assert_eq!(
            contents(&history(&app, &tc, gid, 0, 10).await),
            ["after", "before"]
        );
        assert_eq!(
            contents(&history(&app, &ta, gid, 0, 10).await),
            ["after", "before"]
        );
    }
);

db_test!(receipts_recalls_and_deletions, |app: TestApp| async move {
    let (owner, to) = app.user("owner").await;
    let (a, ta) = app.user("alice").await;
    let (b, tb) = app.user("bob").await;
    let events = app.events();
    let dm = ids(&send(&app, &ta, 1, &[b], "oops").await)[0];
    let kinds = events.kinds();
    assert!(
        matches!(kinds.last(), Some(EventKind::MessageSent { msg_id, from_id, to_type: 1, to_id, seq: 1, system: false })
        if *msg_id == dm && *from_id == a && *to_id == b)
    );
    // a read receipt is an event in 1:1
    ack(&app, &tb, a, Some(dm)).await.ok();
    assert!(
        matches!(events.kinds().last(), Some(EventKind::MessagesRead { user_id, peer_id, .. }) if *user_id == b && *peer_id == a)
    );
    // another user may not recall it; its sender may within the window
    let recall = |token: String, peer: i64, msg: i64| {
        let app = &app;
        async move {
            app.put("/message/recall")
                .token(&token)
                .json(json!({"conversation_id": peer, "msg_id": msg}))
                .send()
                .await
        }
    };
    recall(tb.clone(), a, dm).await.err(10010);
    recall(ta.clone(), b, dm).await.ok();
    assert!(
        matches!(events.kinds().last(), Some(EventKind::MessageRecalled { msg_id, by, .. }) if *msg_id == dm && *by == a)
    );
    let page = history(&app, &tb, a, 0, 10).await;
    assert_eq!(page["messages"][0]["msg_id"], dm);
    assert_eq!(page["messages"][0]["recalled"], true);
    assert_eq!(page["messages"][0]["content"], "");
    recall(ta.clone(), b, dm).await.ok();
    // after the window: 60004; a message of another conversation: 60005
    let late = ids(&send(&app, &ta, 1, &[b], "late").await)[0];
    app.clock.advance_ms(120_001);
    recall(ta.clone(), b, late).await.err(60004);
    recall(ta.clone(), owner, late).await.err(60005);
    // an admin token acting on a group recalls nothing outside it
    let (_, to2) = app.user("owner2").await;
    let other_group = app.new_group(&to2, &[]).await;
    app.put("/message/recall")
        .admin()
        .header("group_id", other_group)
        .json(json!({"conversation_id": b, "msg_id": late}))
        .send()
        .await
        .err(10010);
    // the app admin names the conversation too (by either side): another is 60005
    app.put("/message/recall")
        .admin()
        .json(json!({"conversation_id": owner, "msg_id": late}))
        .send()
        .await
        .err(60005);
    // the app admin recalls any message at any time
    app.put("/message/recall")
        .admin()
        .json(json!({"conversation_id": b, "msg_id": late}))
        .send()
        .await
        .ok();
    // recall through send (content_type 10)
    let third = ids(&send(&app, &ta, 1, &[b], "third").await)[0];
    let r = app.post("/message/send").token(&ta)
        .json(json!({"type": 1, "targets": [b], "content_type": 10, "content": "", "related_mid": third}))
        .send().await;
    assert_eq!(ids(&r), Vec::<i64>::new());
    assert_eq!(
        history(&app, &tb, a, 0, 1).await["messages"][0]["recalled"],
        true
    );
    // groups: owner and admins recall anyone's message at any time; receipts only with read_ack
    let gid = app.new_group(&to, &[a, b]).await;
    let gm = ids(&send(&app, &ta, 2, &[gid], "group oops").await)[0];
    events.take();
    ack(&app, &tb, gid, Some(gm)).await.ok();
    assert!(
        !events
            .kinds()
            .iter()
            .any(|k| matches!(k, EventKind::MessagesRead { .. }))
    );
    app.put("/group/settings/enable_read_ack")
        .token(&to)
        .json(json!({"group_id": gid, "value": true}))
        .send()
        .await
        .ok();
    let gm2 = ids(&send(&app, &ta, 2, &[gid], "receipts on").await)[0];
    ack(&app, &tb, gid, Some(gm2)).await.ok();
    assert!(
        events
            .kinds()
            .iter()
            .any(|k| matches!(k, EventKind::MessagesRead { peer_id, .. } if *peer_id == gid))
    );
    app.clock.advance_ms(3_600_000);
    recall(tb.clone(), gid, gm).await.err(10010);
    recall(to.clone(), gid, gm).await.ok();
    // deleting a conversation hides it for the caller only, and nothing stays unread
    send(&app, &ta, 1, &[b], "after all that").await.ok();
    // late, third (recalled tombstones keep their place) and this one
    assert_eq!(unread(&app, &tb).await, vec![(a, 3)]);
    app.delete("/message/conversation")
        .token(&tb)
        .query("conversation_id", a)
        .send()
        .await
        .ok();
    assert_eq!(unread(&app, &tb).await, vec![]);
    assert_eq!(
        contents(&history(&app, &tb, a, 0, 10).await),
        Vec::<String>::new()
    );
    assert_eq!(
        history(&app, &ta, b, 0, 10).await["messages"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    send(&app, &ta, 1, &[b], "new").await.ok();
    assert_eq!(contents(&history(&app, &tb, a, 0, 10).await), ["new"]);
    assert!(
        matches!(events.kinds().iter().find(|k| matches!(k, EventKind::ConversationCleared { .. })),
        Some(EventKind::ConversationCleared { user_id, peer_id, .. }) if *user_id == b && *peer_id == a)
    );
});

db_test!(
    notifications_and_broadcasts_reach_the_system_conversation,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        // a user token sends no system notification
        app.post("/message/notify")
            .token(&ta)
            .json(json!({"type": 1, "targets": [b], "content_type": 0, "content": "x"}))
            .send()
            .await
            .err(10010);
        let r = app
            .post("/message/notify")
            .admin()
            .json(
                json!({"type": 1, "targets": [a, b], "content_type": 0, "content": "maintenance"}),
            )
            .send()
            .await;
        assert_eq!(ids(&r).len(), 2);
        assert_eq!(unread(&app, &ta).await, vec![(0, 1)]);
        let r = app
            .post("/message/broadcast")
            .admin()
            .json(json!({"type": 1, "content_type": 0, "content": "welcome all"}))
            .send()
            .await;
        assert_eq!(r.ok()["send_num"], 2);
        assert_eq!(r.ok()["success"], true);
        assert_eq!(unread(&app, &ta).await, vec![(0, 2)]);
        let page = history(&app, &ta, 0, 0, 10).await;
        assert_eq!(contents(&page), ["welcome all", "maintenance"]);
        assert_eq!(page["messages"][0]["from_xid"]["uid"], 0);
        assert_eq!(page["messages"][0]["system"], true);
        // read: both parts
        ack(&app, &ta, 0, None).await.ok();
        assert_eq!(unread(&app, &ta).await, vec![]);
        assert_eq!(unread(&app, &tb).await, vec![(0, 2)]);
        // a user registered after the broadcast does not see it
        let (_, tc) = app.user("carol").await;
        assert_eq!(unread(&app, &tc).await, vec![]);
        assert_eq!(
            contents(&history(&app, &tc, 0, 0, 10).await),
            Vec::<String>::new()
        );
        // broadcasts: the admin token only, type 1, content_type 0-6
        for (token, body, code) in [
            (
                ta.as_str(),
                json!({"type": 1, "content_type": 0, "content": "x"}),
                10010,
            ),
            (
                app.admin_token.as_str(),
                json!({"type": 2, "content_type": 0, "content": "x"}),
                10002,
            ),
            (
                app.admin_token.as_str(),
                json!({"type": 1, "content_type": 7, "content": "x"}),
                10002,
            ),
        ] {
            app.post("/message/broadcast")
                .token(token)
                .json(body)
                .send()
                .await
                .err(code);
        }
    }
);

// The statements of one warm send, authentication included (BEGIN and COMMIT are not
// counted, nor COMMIT's xid question): a 1:1 send within four (the conversation's sequence,
// both users held with their statuses, the message inserted where the roster's rule holds, both
// positions), a group send within six (the group held, the group and the sender's membership,
// the sequence, the sender held, the message, its position).
db_test!(
    a_warm_send_keeps_its_statement_budget,
    |app: TestApp| async move {
        let (_, ta) = app.user("alice").await;
        let (b, _) = app.user("bob").await;
        let gid = app.new_group(&ta, &[b]).await;
        let counted = app.counting();
        for (kind, target, budget) in [(1, b, 4), (2, gid, 6)] {
            let body =
                json!({"type": kind, "targets": [target], "content_type": 0, "content": "warm"});
            // the first send creates the conversation (and seats a group's members)
            counted
                .post("/message/send")
                .token(&ta)
                .json(body.clone())
                .send()
                .await
                .ok();
            let (r, statements) = counted
                .post("/message/send")
                .token(&ta)
                .json(body)
                .measured()
                .await;
            r.ok();
            // COMMIT's own question on PostgreSQL (which transaction to ask about after a lost
            // connection: crate::db) belongs to COMMIT
            let statements: Vec<String> = statements
                .into_iter()
                .filter(|q| !q.contains("txid_current_if_assigned"))
                .collect();
            // no NOTIFY inside a message's transaction (it serialises commits on PostgreSQL)
            assert!(
                !statements
                    .iter()
                    .any(|q| q.to_lowercase().contains("notify")),
                "{statements:?}"
            );
            assert!(
                statements.len() <= budget,
                "a warm send of type {kind} ran {} statements (budget {budget}):\n{}",
                statements.len(),
                statements.join("\n")
            );
        }
    }
);

// The per-user hide of one message (the delete operation of the original's clients, which
// reach it through their real-time protocol; here through the domain): gone from the hider's
// history only.
db_test!(
    a_user_hides_a_message_from_its_own_history,
    |app: TestApp| async move {
        use imserver::domain::identity::auth::{Claims, authenticate};
        use imserver::domain::messages::receipts;
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        let (c, _) = app.user("carol").await;
        let secret = ids(&send(&app, &ta, 1, &[b], "secret").await)[0];
        send(&app, &ta, 1, &[b], "keep").await.ok();
        let other = ids(&send(&app, &ta, 1, &[c], "for carol").await)[0];
        let claims = Claims {
            app_id: Some(app.app_id.clone()),
            ..Claims::default()
        };
        let bob = authenticate(&app.state, &tb, claims).await.unwrap();
        assert!(receipts::hide(&app.state, &bob, a, secret).await.unwrap());
        assert!(receipts::hide(&app.state, &bob, a, secret).await.unwrap());
        assert_eq!(contents(&history(&app, &tb, a, 0, 10).await), ["keep"]);
        assert_eq!(
            contents(&history(&app, &ta, b, 0, 10).await),
            ["keep", "secret"]
        );
        let refused = receipts::hide(&app.state, &bob, a, other)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), 60005);
        // an unknown sender named by the admin token: 10000
        let r = app
            .post("/message/send")
            .admin()
            .json(
                json!({"type": 1, "from_user_id": a + b + c + 1000, "targets": [a],
                     "content_type": 0, "content": "x"}),
            )
            .send()
            .await;
        r.err(10000);
    }
);

// A read ack or recall through send acts on every target or none: a target whose conversation
// does not hold related_mid refuses the whole request.
db_test!(
    acks_and_recalls_through_send_are_all_or_none,
    |app: TestApp| async move {
        let (a, ta) = app.user("alice").await;
        let (b, tb) = app.user("bob").await;
        let (c, _) = app.user("carol").await;
        let m = ids(&send(&app, &ta, 1, &[b], "to bob").await)[0];
        // bob reads [alice, carol], alice recalls in [bob, carol]: the second target of each fails
        for (content_type, token, targets) in [(9, &tb, [a, c]), (10, &ta, [b, c])] {
            app.post("/message/send")
                .token(token)
                .json(
                    json!({"type": 1, "targets": targets, "content_type": content_type,
                             "content": "", "related_mid": m}),
                )
                .send()
                .await
                .err(60005);
        }
        // neither the read nor the recall of the first target happened
        assert_eq!(unread(&app, &tb).await, vec![(a, 1)]);
        assert_eq!(
            history(&app, &tb, a, 0, 1).await["messages"][0]["recalled"],
            false
        );
    }
);
