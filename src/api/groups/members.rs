//! Group members: the member list, member profiles, kick and leave.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::groups::admins::GroupUsersReq;
use crate::api::groups::info::UserResult;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{P, R};
use crate::api::kit::paging::{self, Cursor, MemberLimit};
use crate::domain::groups::members::{self as group_members, MemberItem};
use crate::state::State;

pub struct GroupMembersApi(pub State);

/// A group member
#[derive(Object)]
pub struct GroupMember {
    /// User id
    pub user_id: i64,
    /// Group member profile (display name in the group)
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// Member join time(milliseconds)
    pub join_time: i64,
    /// BanExpiration time(milliseconds): 0 when not banned or the ban has passed, -1 banned permanently
    pub expired_time: i64,
}

impl From<MemberItem> for GroupMember {
    fn from(m: MemberItem) -> Self {
        GroupMember {
            user_id: m.user_id,
            display_name: m.display_name,
            join_time: m.join_time,
            expired_time: m.expired_time,
        }
    }
}

#[OpenApi(tag = "Tag::GroupMembers")]
impl GroupMembersApi {
    /// Get group member list by group id
    ///
    /// Section 4.35 of the group document. Members of the group (20011 otherwise) and the
    /// group_id header of an app admin token; a dissolved group too. Members in join order,
    /// keyset paged: pass the answered cursor to get the next page (null on the last page);
    /// paging while members join and leave never repeats or skips a member that stayed.
    /// `limit` as its parameter declares; total counts all members. When the group's
    /// hide_member_info is true, a plain member gets only the user_id of the other plain
    /// members (display_name null, join_time and expired_time 0); its own row and those of the
    /// owner and admins stay in full, and the owner, admins and an app admin token acting on the
    /// group see everything.
    #[oai(path = "/group/member_list", method = "get")]
    async fn member_list(
        &self,
        caller: Caller,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
        /// Cursor:where to start fetching
        #[oai(name = "cursor")]
        cursor: Query<Option<Cursor>>,
        /// How many to fetch
        #[oai(name = "limit")]
        limit: Query<Option<MemberLimit>>,
        /// Version (reserved, ignored)
        #[oai(name = "version")]
        _version: Query<Option<i64>>,
    ) -> P<GroupMember> {
        let page = paging::keyset(cursor.0, limit.0);
        group_members::list(&self.0, &caller, group_id.0, page)
            .await
            .map(|p| p.map(Into::into))
            .into()
    }

    /// Batch retrieval of group member profiles
    ///
    /// Section 4.36 of the group document. Members of the group (20011 otherwise) and the
    /// group_id header of an app admin token. The members among user_list (at most 500), in
    /// its order; ids that are not members are left out. hide_member_info hides the same
    /// details from a plain member as in /group/member_list.
    #[oai(path = "/group/members/display_name", method = "post")]
    async fn display_names(
        &self,
        caller: Caller,
        body: JsonBody<GroupUsersReq>,
    ) -> R<Vec<GroupMember>> {
        group_members::profiles(&self.0, &caller, body.0.group_id, &body.0.user_list)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }

    /// Kick member out of group
    ///
    /// Section 4.33 of the group document. The owner kicks anyone but itself; admins kick
    /// plain members only (members get 20012). Each user of user_list (at most 500) succeeds
    /// or fails on its own (not a member 20002, rank 20013, oneself).
    #[oai(path = "/group/kick", method = "delete", method = "post")]
    async fn kick(&self, caller: Caller, body: JsonBody<GroupUsersReq>) -> R<Vec<UserResult>> {
        group_members::kick(&self.0, &caller, body.0.group_id, &body.0.user_list)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }

    /// Member quit group
    ///
    /// Section 4.34 of the group document. Members and admins leave; the owner gets 20004
    /// (transfer the group first). A non-member gets 20002.
    #[oai(path = "/group/leave", method = "delete", method = "post")]
    async fn leave(
        &self,
        caller: Caller,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
    ) -> R<bool> {
        group_members::leave(&self.0, &caller, group_id.0)
            .await
            .into()
    }
}
