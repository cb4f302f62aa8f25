//! The cast of the group permission matrices: an owner, an admin, members, an outsider, and
//! the app admin token with each identity header.
#![allow(dead_code)]

use serde_json::json;

use super::{Call, TestApp};

/// Who calls.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    Owner,
    Admin,
    Member,
    Outsider,
    /// App admin token with the group_id header of the group.
    AppAsGroup,
    /// App admin token with the group_id header of another group.
    AppAsOtherGroup,
    /// App admin token with the user_id header of the member.
    AppAsMember,
    /// App admin token with the user_id header of the owner.
    AppAsOwner,
    /// App admin token without identity headers.
    App,
}

pub const EVERYONE: [Who; 9] = [
    Who::Owner,
    Who::Admin,
    Who::Member,
    Who::Outsider,
    Who::AppAsGroup,
    Who::AppAsOtherGroup,
    Who::AppAsMember,
    Who::AppAsOwner,
    Who::App,
];

pub struct Cast {
    pub gid: i64,
    pub other_gid: i64,
    pub owner: (i64, String),
    pub admin: (i64, String),
    pub member: (i64, String),
    pub outsider: (i64, String),
    /// Members without a role in the matrix, for the rules tests.
    pub extra: Vec<(i64, String)>,
}

/// alice owns the group, bob is its admin, carol, erin and frank members, dave an outsider.
pub async fn cast(app: &TestApp) -> Cast {
    let owner = app.user("alice").await;
    let admin = app.user("bob").await;
    let member = app.user("carol").await;
    let outsider = app.user("dave").await;
    let extra = vec![app.user("erin").await, app.user("frank").await];
    let r = app
        .post("/group/create")
        .token(&owner.1)
        .json(json!({"name": "g", "user_list": [admin.0, member.0, extra[0].0, extra[1].0]}))
        .send()
        .await;
    let gid = r.ok()["group_id"].as_i64().unwrap();
    let r = app
        .post("/group/create")
        .token(&outsider.1)
        .json(json!({"name": "other"}))
        .send()
        .await;
    let other_gid = r.ok()["group_id"].as_i64().unwrap();
    let r = app
        .post("/group/admin/add")
        .token(&owner.1)
        .json(json!({"group_id": gid, "user_list": [admin.0]}))
        .send()
        .await;
    assert_eq!(r.ok()[0]["result"], "success");
    Cast {
        gid,
        other_gid,
        owner,
        admin,
        member,
        outsider,
        extra,
    }
}

pub fn as_who<'a>(call: Call<'a>, c: &Cast, who: Who) -> Call<'a> {
    match who {
        Who::Owner => call.token(&c.owner.1),
        Who::Admin => call.token(&c.admin.1),
        Who::Member => call.token(&c.member.1),
        Who::Outsider => call.token(&c.outsider.1),
        Who::AppAsGroup => call.admin().header("group_id", c.gid),
        Who::AppAsOtherGroup => call.admin().header("group_id", c.other_gid),
        Who::AppAsMember => call.admin().header("user_id", c.member.0),
        Who::AppAsOwner => call.admin().header("user_id", c.owner.0),
        Who::App => call.admin(),
    }
}

/// The code each caller gets from an operation needing `rank` (0 member, 1 admin, 2 owner).
pub fn expected(who: Who, rank: u8) -> i64 {
    let denied = [20011, 20012, 20013][rank as usize];
    match who {
        Who::Owner | Who::AppAsGroup | Who::AppAsOwner => 200,
        Who::Admin if rank <= 1 => 200,
        Who::Member | Who::AppAsMember if rank == 0 => 200,
        Who::Admin | Who::Member | Who::Outsider | Who::AppAsMember => denied,
        Who::AppAsOtherGroup => 10010,
        Who::App => 10002,
    }
}
