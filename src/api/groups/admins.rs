//! Group admins: add, remove, list.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::groups::info::UserResult;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::groups::admins as group_admins;
use crate::entity::group_member;
use crate::state::State;

pub struct GroupAdminsApi(pub State);

#[derive(Object)]
pub struct GroupUsersReq {
    /// Group id
    pub group_id: i64,
    /// User id list, at most 500
    #[oai(validator(max_items = 500))]
    pub user_list: Vec<i64>,
}

/// A group admin
#[derive(Object)]
pub struct GroupAdmin {
    /// User id
    pub user_id: i64,
    /// Group member profile (display name in the group)
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// BanExpiration time(milliseconds), 0 when not banned
    pub expired_time: i64,
    /// Member join time(milliseconds)
    pub join_time: i64,
}

impl From<group_member::Model> for GroupAdmin {
    fn from(m: group_member::Model) -> Self {
        GroupAdmin {
            user_id: m.user_id,
            display_name: m.display_name,
            expired_time: m.mute_expire_time,
            join_time: m.join_time,
        }
    }
}

fn results(v: Vec<crate::domain::groups::lifecycle::UserOutcome>) -> Vec<UserResult> {
    v.into_iter().map(Into::into).collect()
}

#[OpenApi(tag = "Tag::GroupMembers")]
impl GroupAdminsApi {
    /// Add group Admin
    ///
    /// Section 4.1 of the group document. The owner only. Each user succeeds or fails on its
    /// own: only members become admins (the owner and admins fail).
    #[oai(path = "/group/admin/add", method = "post")]
    async fn add(&self, caller: Caller, body: JsonBody<GroupUsersReq>) -> R<Vec<UserResult>> {
        group_admins::add(&self.0, &caller, body.0.group_id, &body.0.user_list)
            .await
            .map(results)
            .into()
    }

    /// Remove group Admin
    ///
    /// Section 4.2 of the group document. The owner only. Each user succeeds or fails on its
    /// own: only admins are demoted, to plain members.
    #[oai(path = "/group/admin/remove", method = "delete", method = "post")]
    async fn remove(&self, caller: Caller, body: JsonBody<GroupUsersReq>) -> R<Vec<UserResult>> {
        group_admins::remove(&self.0, &caller, body.0.group_id, &body.0.user_list)
            .await
            .map(results)
            .into()
    }

    /// Get the list of group Admins
    ///
    /// Section 4.3 of the group document. Members of the group (20011 otherwise); the owner is
    /// not listed.
    #[oai(path = "/group/admin_list", method = "get")]
    async fn admin_list(
        &self,
        caller: Caller,
        #[oai(name = "group_id")] group_id: Query<i64>,
    ) -> R<Vec<GroupAdmin>> {
        group_admins::list(&self.0, &caller, group_id.0)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }
}
