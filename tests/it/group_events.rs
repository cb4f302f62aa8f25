//! The domain events of the group writes, as an after-commit subscriber sees them: what
//! happened only (the users really changed), with the app, the actor and the targets; a refused
//! operation records nothing.
use crate::common;

use std::sync::{Arc, Mutex};

use common::TestApp;
use imserver::events::catalogue::JoinedBy;
use imserver::events::{Actor, AfterCommit, Batch, Event, EventKind};
use sea_orm::ConnectionTrait;
use serde_json::json;

/// Collects the events of the committed batches.
#[derive(Default)]
struct Collect(Mutex<Vec<Event>>);

impl AfterCommit for Collect {
    fn after_commit(&self, b: &Batch) {
        self.0.lock().unwrap().extend(b.events.iter().cloned());
    }
}

impl Collect {
    /// A collector subscribed to the app's seam.
    fn on(app: &TestApp) -> Arc<Collect> {
        let collector = Arc::new(Collect::default());
        app.state.seam.subscribe(collector.clone());
        collector
    }

    /// The events committed since the last take.
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn by(app: &TestApp, user_id: i64, kinds: Vec<EventKind>) -> Vec<Event> {
    kinds
        .into_iter()
        .map(|kind| Event {
            app_id: app.app_id.clone(),
            actor: Actor::User { user_id },
            kind,
        })
        .collect()
}

async fn confirm_invitations(app: &TestApp, uid: i64) {
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE user_settings SET group_confirm = TRUE WHERE user_id = {uid}"
        ))
        .await
        .unwrap();
}

db_test!(
    membership_flow_records_what_happened,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, tc) = app.user("carol").await;
        let (dan, _) = app.user("dan").await;
        let (erin, te) = app.user("erin").await;
        let (frank, _) = app.user("frank").await;
        confirm_invitations(&app, dan).await;
        let events = Collect::on(&app);

        // create: the group, and the users of user_list that joined (an unknown id skipped)
        let r = app
            .post("/group/create")
            .token(&ta)
            .json(json!({"name": "g", "user_list": [bob, carol, 987_654]}))
            .send()
            .await;
        let gid = r.ok()["group_id"].as_i64().unwrap();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![
                    EventKind::GroupCreated {
                        group_id: gid,
                        owner_id: alice
                    },
                    EventKind::MembersJoined {
                        group_id: gid,
                        user_ids: vec![bob, carol],
                        by: JoinedBy::Creation
                    },
                ]
            )
        );

        // invite: frank joins at once, dan (group_confirm) gets a pending invitation, carol is
        // already a member
        app.post("/group/invite")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [frank, dan, carol]}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                bob,
                vec![
                    EventKind::MembersJoined {
                        group_id: gid,
                        user_ids: vec![frank],
                        by: JoinedBy::Invitation
                    },
                    EventKind::MembersInvited {
                        group_id: gid,
                        inviter_id: bob,
                        user_ids: vec![dan]
                    },
                ]
            )
        );

        // join by application: applied, then accepted by the owner
        app.post("/group/apply")
            .token(&te)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                erin,
                vec![EventKind::MemberApplied {
                    group_id: gid,
                    user_id: erin
                }]
            )
        );
        app.put("/group/apply/handle")
            .token(&ta)
            .json(json!({"group_id": gid, "user_id": erin, "approval": true}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![
                    EventKind::ApplicationAccepted {
                        group_id: gid,
                        user_id: erin
                    },
                    EventKind::MembersJoined {
                        group_id: gid,
                        user_ids: vec![erin],
                        by: JoinedBy::Application
                    },
                ]
            )
        );

        // kick: a plain member is refused (20012) and records nothing
        app.post("/group/kick")
            .token(&tc)
            .json(json!({"group_id": gid, "user_list": [frank]}))
            .send()
            .await
            .err(20012);
        assert_eq!(events.take(), vec![]);
        // only the users really removed: dan (invited, not a member) and the owner itself fail
        let r = app
            .post("/group/kick")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [frank, dan, alice]}))
            .send()
            .await;
        assert_eq!(r.ok()[0]["result"], "success");
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![EventKind::MembersKicked {
                    group_id: gid,
                    user_ids: vec![frank]
                }]
            )
        );
        // a kick of non-members only changes nothing and records nothing
        let r = app
            .post("/group/kick")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [frank, dan]}))
            .send()
            .await;
        assert_eq!(r.ok()[0]["result"], "fail");
        assert_eq!(events.take(), vec![]);

        // leave
        app.delete("/group/leave")
            .token(&te)
            .query("group_id", gid)
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                erin,
                vec![EventKind::MemberLeft {
                    group_id: gid,
                    user_id: erin
                }]
            )
        );

        // a mute by the app admin token acting on the group
        let until_ms = app.state.now_ms() + 10 * 60_000;
        app.post("/group/ban")
            .admin()
            .header("group_id", gid)
            .json(json!({"group_id": gid, "user_list": [carol, dan], "duration": 10}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            vec![Event {
                app_id: app.app_id.clone(),
                actor: Actor::Admin {
                    as_user: None,
                    on_group: Some(gid)
                },
                kind: EventKind::MembersMuted {
                    group_id: gid,
                    user_ids: vec![carol],
                    until_ms
                },
            }]
        );

        // an admin grant
        app.post("/group/admin/add")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [bob, dan]}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![EventKind::AdminsGranted {
                    group_id: gid,
                    user_ids: vec![bob]
                }]
            )
        );

        // transfer to the muted carol: her mute ends with it
        app.put("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": gid, "new_owner": carol}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![
                    EventKind::OwnerAssigned {
                        group_id: gid,
                        from_id: alice,
                        to_id: carol
                    },
                    EventKind::MembersUnmuted {
                        group_id: gid,
                        user_ids: vec![carol]
                    },
                ]
            )
        );

        // destroy, by the app admin token acting as the new owner
        app.delete("/group/destroy")
            .admin()
            .header("user_id", carol)
            .query("group_id", gid)
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            vec![Event {
                app_id: app.app_id.clone(),
                actor: Actor::Admin {
                    as_user: Some(carol),
                    on_group: None
                },
                kind: EventKind::GroupDestroyed { group_id: gid },
            }]
        );
    }
);

db_test!(
    refused_and_unchanging_writes_record_nothing,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, _) = app.user("carol").await;
        let (dan, _) = app.user("dan").await;
        let gid = app.new_group(&ta, &[bob, carol]).await;
        let events = Collect::on(&app);

        // refused: no rank (20012, 20013), a full rollback after a check in the body
        app.post("/group/kick")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [carol]}))
            .send()
            .await
            .err(20012);
        app.post("/group/admin/add")
            .token(&tb)
            .json(json!({"group_id": gid, "user_list": [carol]}))
            .send()
            .await
            .err(20013);
        app.put("/group/transfer")
            .token(&ta)
            .json(json!({"group_id": gid, "new_owner": dan}))
            .send()
            .await
            .err(20005);
        assert_eq!(events.take(), vec![]);

        // a value set again changes nothing; a new one is recorded
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"group_id": gid, "value": "g"}))
            .send()
            .await
            .ok();
        assert_eq!(events.take(), vec![]);
        app.put("/group/info/name")
            .token(&ta)
            .json(json!({"group_id": gid, "value": "h"}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![EventKind::GroupInfoUpdated {
                    group_id: gid,
                    what: "name".into()
                }]
            )
        );

        // a blocked member leaves: MembersBlocked only; dan, no member, is blocked too
        app.post("/group/block")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [carol, dan]}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![EventKind::MembersBlocked {
                    group_id: gid,
                    user_ids: vec![carol, dan]
                }]
            )
        );
        assert!(!app.members_of(gid).await.contains(&carol));
    }
);

db_test!(
    invitations_qr_codes_and_group_ban,
    |app: TestApp| async move {
        let (alice, ta) = app.user("alice").await;
        let (bob, tb) = app.user("bob").await;
        let (carol, tc) = app.user("carol").await;
        let (dan, td) = app.user("dan").await;
        let (erin, te) = app.user("erin").await;
        confirm_invitations(&app, carol).await;
        confirm_invitations(&app, dan).await;
        let gid = app.new_group(&ta, &[bob]).await;
        let events = Collect::on(&app);

        app.post("/group/invite")
            .token(&ta)
            .json(json!({"group_id": gid, "user_list": [carol, dan]}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![EventKind::MembersInvited {
                    group_id: gid,
                    inviter_id: alice,
                    user_ids: vec![carol, dan]
                }]
            )
        );
        // accepted: the invitee joins by invitation
        app.put("/group/invite/handle")
            .token(&tc)
            .json(json!({"group_id": gid, "user_id": alice, "approval": true}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                carol,
                vec![
                    EventKind::InvitationAccepted {
                        group_id: gid,
                        user_id: carol,
                        inviter_id: alice
                    },
                    EventKind::MembersJoined {
                        group_id: gid,
                        user_ids: vec![carol],
                        by: JoinedBy::Invitation
                    },
                ]
            )
        );
        // declined, naming the invitee itself: every invitation of the group
        app.put("/group/invite/handle")
            .token(&td)
            .json(json!({"group_id": gid, "user_id": dan, "approval": false}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                dan,
                vec![EventKind::InvitationDeclined {
                    group_id: gid,
                    user_id: dan,
                    inviter_id: None
                }]
            )
        );

        // a QR code of a member: signing is a read, joining records the join
        let qr = app.qr_code(&tb, gid).await;
        assert_eq!(events.take(), vec![]);
        app.post("/group/qrcode/invite")
            .token(&te)
            .json(json!({"qr_info": qr}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                erin,
                vec![EventKind::MembersJoined {
                    group_id: gid,
                    user_ids: vec![erin],
                    by: JoinedBy::QrCode
                }]
            )
        );

        // the group ban: lifting none records nothing; set, then lifted
        app.post("/group/settings/unban_all")
            .token(&ta)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        assert_eq!(events.take(), vec![]);
        let until_s = app.state.now_ms() / 1000 + 5 * 60;
        app.post("/group/settings/ban_all")
            .token(&tb)
            .json(json!({"group_id": gid, "duration": 5}))
            .send()
            .await
            .err(20012);
        app.post("/group/settings/ban_all")
            .token(&ta)
            .json(json!({"group_id": gid, "duration": 5}))
            .send()
            .await
            .ok();
        app.post("/group/settings/unban_all")
            .token(&ta)
            .json(json!({"group_id": gid}))
            .send()
            .await
            .ok();
        assert_eq!(
            events.take(),
            by(
                &app,
                alice,
                vec![
                    EventKind::GroupBanSet {
                        group_id: gid,
                        until_s
                    },
                    EventKind::GroupBanLifted { group_id: gid },
                ]
            )
        );
    }
);
