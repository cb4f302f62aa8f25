//! The domain events the API's changes record (crate::events): what a subscriber after the
//! commit sees for registration, deletion, sessions and friends, with app, actor and targets;
//! and nothing for a refused change. (The wrapper's own promises, rollback and retries, are
//! unit tests of domain::common::tx; the group events are in group_events.rs.)
use crate::common;
use imserver::events::{Actor, Event, EventKind, SessionEnd};
use serde_json::json;

db_test!(
    registration_records_user_registered,
    |app: common::TestApp| async move {
        let events = app.events();
        let alice = app.register("alice").await;
        assert_eq!(
            events.take(),
            vec![Event {
                app_id: app.app_id.clone(),
                actor: Actor::Anonymous,
                kind: EventKind::UserRegistered { user_id: alice },
            }]
        );
        // a name taken: 10004, and nothing recorded
        let r = app
            .post("/user/register/v2")
            .json(json!({"username": "alice", "password": "secret123"}))
            .send()
            .await;
        r.err(10004);
        assert_eq!(events.take(), vec![]);
        // by the app admin, in a batch: one event per user stored, the admin as actor
        let r = app
        .post("/user/register/batch")
        .admin()
        .json(json!({"list": [{"username": "bob", "password": "secret123"}, {"username": "alice", "password": "secret123"}]}))
        .send()
        .await;
        let bob = r.ok().as_array().unwrap()[0]["user_id"].as_i64().unwrap();
        let admin = Actor::Admin {
            as_user: None,
            on_group: None,
        };
        assert_eq!(
            events
                .take()
                .into_iter()
                .map(|e| (e.actor, e.kind))
                .collect::<Vec<_>>(),
            vec![(admin, EventKind::UserRegistered { user_id: bob })]
        );
    }
);

db_test!(
    deletion_records_the_sessions_ended_and_user_deleted,
    |app: common::TestApp| async move {
        let (alice, token) = app.user("alice").await;
        let events = app.events();
        // a wrong password: 11001, nothing recorded
        app.delete("/user/delete")
            .token(&token)
            .json(json!({"password": "wrong-one"}))
            .send()
            .await
            .err(11001);
        assert_eq!(events.take(), vec![]);
        app.delete("/user/delete")
            .token(&token)
            .json(json!({"password": "secret123"}))
            .send()
            .await
            .ok();
        let actor = Actor::User { user_id: alice };
        assert_eq!(
            events
                .take()
                .into_iter()
                .map(|e| (e.actor, e.kind))
                .collect::<Vec<_>>(),
            vec![
                (
                    actor.clone(),
                    EventKind::SessionEnded {
                        user_id: alice,
                        device_sns: None,
                        reason: SessionEnd::UserDeleted
                    }
                ),
                (actor, EventKind::UserDeleted { user_id: alice }),
            ]
        );
    }
);

db_test!(
    logins_kicks_and_passwords_record_sessions,
    |app: common::TestApp| async move {
        let alice = app.register("alice").await;
        let events = app.events();
        let login = |guid: &'static str| {
            app.post("/token/user")
                .json(json!({"name": "alice", "password": "secret123", "device_guid": guid}))
                .send()
        };
        let token = login("laptop").await.ok()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        login("laptop").await.ok();
        let started = |sn| EventKind::SessionStarted {
            user_id: alice,
            device_sn: sn,
        };
        let replaced = EventKind::SessionEnded {
            user_id: alice,
            device_sns: Some(vec![1]),
            reason: SessionEnd::Replaced,
        };
        assert_eq!(events.kinds(), vec![started(1), replaced, started(1)]);
        let token2 = login("phone").await.ok()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        events.take();
        // the first token ended with its replacement; the phone's session kicks the laptop
        app.post("/user/kick")
            .token(&token)
            .query("device_sn", 1)
            .send()
            .await
            .err(10008);
        app.post("/user/kick")
            .token(&token2)
            .query("device_sn", 1)
            .send()
            .await
            .ok();
        let kicked = EventKind::SessionEnded {
            user_id: alice,
            device_sns: Some(vec![1]),
            reason: SessionEnd::Kicked,
        };
        assert_eq!(events.kinds(), vec![kicked]);
        app.post("/user/change_password")
            .token(&token2)
            .json(json!({"old_password": "secret123", "new_password": "secret456"}))
            .send()
            .await
            .ok();
        let ended = EventKind::SessionEnded {
            user_id: alice,
            device_sns: None,
            reason: SessionEnd::PasswordChanged,
        };
        assert_eq!(
            events.kinds(),
            vec![EventKind::PasswordChanged { user_id: alice }, ended]
        );
    }
);

db_test!(
    profile_and_settings_changes_record_user_updated,
    |app: common::TestApp| async move {
        let (alice, token) = app.user("alice").await;
        let events = app.events();
        app.put("/user/nickname")
            .token(&token)
            .query("nick_name", "Al")
            .send()
            .await
            .ok();
        app.put("/user/sounds")
            .token(&token)
            .query("value", true)
            .send()
            .await
            .ok();
        app.put("/user/disable")
            .admin()
            .json(json!({"list": [alice]}))
            .send()
            .await
            .ok();
        let kinds = events.kinds();
        assert_eq!(
            kinds[..2],
            [
                EventKind::user_updated(alice, "nick_name"),
                EventKind::user_updated(alice, "no_sounds")
            ]
        );
        assert_eq!(
            kinds[2..],
            [
                EventKind::UserDisabled {
                    user_ids: vec![alice]
                },
                EventKind::SessionEnded {
                    user_id: alice,
                    device_sns: None,
                    reason: SessionEnd::UserDisabled
                },
            ]
        );
    }
);

db_test!(
    friend_changes_record_friend_events,
    |app: common::TestApp| async move {
        let (alice, a) = app.user("alice").await;
        let (bob, b) = app.user("bob").await;
        let events = app.events();
        app.put("/user/authmode")
            .token(&b)
            .query("value", 1)
            .send()
            .await
            .ok();
        events.take();
        app.post("/roster/apply")
            .token(&a)
            .json(json!({"user_id": bob}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.kinds(),
            vec![EventKind::FriendRequested {
                user_id: alice,
                target_id: bob
            }]
        );
        app.post("/roster/accept")
            .token(&b)
            .query("user_id", alice)
            .send()
            .await
            .ok();
        assert_eq!(
            events.kinds(),
            vec![
                EventKind::FriendRequestAccepted {
                    user_id: bob,
                    applicant_id: alice
                },
                EventKind::FriendAdded {
                    user_id: alice,
                    friend_id: bob
                },
            ]
        );
        // accepting again: 10007, nothing
        app.post("/roster/accept")
            .token(&b)
            .query("user_id", alice)
            .send()
            .await
            .err(10007);
        app.post("/roster/block")
            .token(&a)
            .query("user_id", bob)
            .send()
            .await
            .ok();
        app.post("/roster/unblock")
            .token(&a)
            .query("user_id", bob)
            .send()
            .await
            .ok();
        app.post("/roster/unblock")
            .token(&a)
            .query("user_id", bob)
            .send()
            .await
            .ok();
        app.post("/roster/delete")
            .token(&a)
            .query("user_id", bob)
            .send()
            .await
            .ok();
        assert_eq!(
            events.kinds(),
            vec![
                EventKind::FriendBlocked {
                    user_id: alice,
                    blocked_id: bob
                },
                EventKind::FriendUnblocked {
                    user_id: alice,
                    blocked_id: bob
                },
                EventKind::FriendRemoved {
                    user_id: alice,
                    friend_id: bob
                },
            ]
        );
    }
);
