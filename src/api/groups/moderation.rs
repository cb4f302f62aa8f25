//! Group moderation: mutes (ban, unban, banned_list), the group-wide mute (ban_all,
//! unban_all) and the blacklist (block, unblock, blocked_list).
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::groups::admins::GroupUsersReq;
use crate::api::groups::info::UserResult;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{P, R};
use crate::api::kit::operations::operations;
use crate::api::kit::paging::{self, Cursor, ModerationLimit};
use crate::domain::groups::lifecycle::UserOutcome;
use crate::domain::groups::{blacklist as group_blacklist, mutes as group_mutes};
use crate::entity::{group_blacklist as blacklist, group_member};
use crate::state::State;

pub struct GroupModerationApi(pub State);

#[derive(Object)]
pub struct BanReq {
    /// Duration of banned in minutes: 1-525600 (one year)
    #[oai(validator(minimum(value = "1"), maximum(value = "525600")))]
    pub duration: i64,
    /// Group id
    pub group_id: i64,
    /// User id list, at most 500
    #[oai(validator(max_items = 500))]
    pub user_list: Vec<i64>,
}

#[derive(Object)]
pub struct BanAllReq {
    /// Duration of banned in minutes: 1-525600 (one year), or -1 until unban_all
    #[oai(validator(minimum(value = "-1"), maximum(value = "525600")))]
    pub duration: i64,
    /// Group id
    pub group_id: i64,
}

#[derive(Object)]
pub struct UnbanAllReq {
    /// Group id
    pub group_id: i64,
}

/// The group-wide mute now in force
#[derive(Object)]
pub struct BanAllResult {
    /// Expiration time (second), during which only Admins are allowed to send messages, 0 or less than the current time means no banning, -1 means banned permanently
    pub ban_expire_time: i64,
}

/// A muted member
#[derive(Object)]
pub struct BannedMember {
    /// User id
    pub user_id: i64,
    /// Group member profile (display name in the group)
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// Member join time(milliseconds)
    pub join_time: i64,
    /// BanExpiration time(milliseconds)
    pub expired_time: i64,
}

impl From<group_member::Model> for BannedMember {
    fn from(m: group_member::Model) -> Self {
        BannedMember {
            user_id: m.user_id,
            display_name: m.display_name,
            join_time: m.join_time,
            expired_time: m.mute_expire_time,
        }
    }
}

/// A blacklist entry
#[derive(Object)]
pub struct BlockedUser {
    /// User ID
    pub user_id: i64,
    /// GroupID
    pub group_id: i64,
    /// Creation time: milliseconds since the epoch, as a decimal string
    pub created_at: String,
}

impl From<blacklist::Model> for BlockedUser {
    fn from(b: blacklist::Model) -> Self {
        BlockedUser {
            user_id: b.user_id,
            group_id: b.group_id,
            created_at: b.created_at.to_string(),
        }
    }
}

fn results(v: Vec<UserOutcome>) -> Vec<UserResult> {
    v.into_iter().map(Into::into).collect()
}

operations! {
    #[OpenApi(tag = "Tag::GroupModeration")]
    impl GroupModerationApi {
        /// Ban a user
        ///
        /// Section 4.12 of the group document. Owner and admins mute members for `duration`
        /// minutes (1-525600); admins mute plain members only. Each user succeeds or fails on its
        /// own (non-members, the owner, admins when the caller is an admin); a new mute replaces a
        /// running one. The mute ends by itself at expired_time, or with /group/unban.
        #[oai(path = "/group/ban", method = "post")]
        async fn ban(&self, caller: Caller, body: JsonBody<BanReq>) -> R<Vec<UserResult>> {
            let b = body.0;
            group_mutes::ban(&self.0, &caller, b.group_id, &b.user_list, b.duration)
                .await
                .map(results)
                .into()
        }

        /// Ban all members, only Admins can send messages
        ///
        /// Section 4.45 of the group document. Owner and admins. `duration` in minutes (1-525600),
        /// or -1: until /group/settings/unban_all. Answers the stored ban_expire_time (also shown
        /// by /group/info): now + duration in seconds, or -1.
        #[oai(path = "/group/settings/ban_all", method = "post")]
        async fn ban_all(&self, caller: Caller, body: JsonBody<BanAllReq>) -> R<BanAllResult> {
            let b = body.0;
            group_mutes::ban_all(&self.0, &caller, b.group_id, b.duration)
                .await
                .map(|ban_expire_time| BanAllResult { ban_expire_time })
                .into()
        }

        /// Unban all members
        ///
        /// Section 4.49 of the group document. Owner and admins. ban_expire_time becomes 0.
        #[oai(path = "/group/settings/unban_all", method = "post")]
        async fn unban_all(&self, caller: Caller, body: JsonBody<UnbanAllReq>) -> R<bool> {
            group_mutes::unban_all(&self.0, &caller, body.0.group_id)
                .await
                .into()
        }
    }

    // Each user of the list, on its own.
    shared |change| (&self, caller: Caller, body: JsonBody<GroupUsersReq>) {
        let b = body.0;
        change(&self.0, &caller, b.group_id, &b.user_list)
            .await
            .map(results)
            .into()
    } for {
        /// Remove user from ban list
        ///
        /// Section 4.51 of the group document. Owner and admins (admins on plain members only).
        /// Each user succeeds or fails on its own; a member not muted fails.
        #[oai(path = "/group/unban", method = "post")]
        fn unban() -> R<Vec<UserResult>> = group_mutes::unban;

        /// Blacklist a user
        ///
        /// Section 4.14 of the group document. Owner and admins blacklist users of the app,
        /// members or not; admins cannot blacklist admins or the owner. A blacklisted member
        /// leaves the group; a blacklisted user cannot apply, be invited or join by QR code
        /// (20018). Each user succeeds or fails on its own (unknown users, users already
        /// blacklisted, members the caller may not act on).
        #[oai(path = "/group/block", method = "post")]
        fn block() -> R<Vec<UserResult>> = group_blacklist::block;

        /// Remove user from blacklist
        ///
        /// Section 4.52 of the group document. Owner and admins. Removes the blacklist entry only
        /// (the user does not rejoin); users not blacklisted fail.
        #[oai(path = "/group/unblock", method = "delete", method = "post")]
        fn unblock() -> R<Vec<UserResult>> = group_blacklist::unblock;
    }

    // A page of a group's list.
    shared |list| (
        &self,
        caller: Caller,
        /// Cursor:where to start fetching
        #[oai(name = "cursor")]
        cursor: Query<Option<Cursor>>,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
        /// How many to fetch
        #[oai(name = "limit")]
        limit: Query<Option<ModerationLimit>>,
        /// Version
        #[oai(name = "version")]
        _version: Query<Option<i64>>,
    ) {
        let page = paging::keyset(cursor.0, limit.0);
        list(&self.0, &caller, group_id.0, page)
            .await
            .map(|p| p.map(Into::into))
            .into()
    } for {
        /// Get a list of banned members
        ///
        /// Section 4.13 of the group document. Members of the group (20011 otherwise). The members
        /// muted now (an expired mute is not listed), in the order they joined; `limit` as its
        /// parameter declares; `version` is accepted and ignored. With hide_member_info on, a plain
        /// member sees other plain members' user_id and mute end only (display_name null,
        /// join_time 0).
        #[oai(path = "/group/banned_list", method = "get")]
        fn banned_list() -> P<BannedMember> = group_mutes::banned_list;

        /// Get backlist
        ///
        /// Section 4.15 of the group document. Members of the group (20011 otherwise). Oldest
        /// entry first; `limit` as its parameter declares; `version` is accepted and ignored.
        /// created_at is the time of blacklisting in milliseconds, as a decimal string.
        #[oai(path = "/group/blocked_list", method = "get")]
        fn blocked_list() -> P<BlockedUser> = group_blacklist::blocked_list;
    }
}
