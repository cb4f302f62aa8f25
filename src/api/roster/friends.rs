//! Friends (roster, chapter 3): apply, apply/batch, accept, decline, apply/list, delete, ext,
//! list (GET ids, POST details), id, mobile, name, block, unblock, blocked_list, may_message.
//!
//! Six operations take a query parameter `user_id` (the target, or in may_message the sender)
//! beside the identity header of the same name: the Rust arguments are named for what they
//! are, the header says who acts, the query whom it acts on.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{P, R};
use crate::api::kit::paging::{self, Cursor, RequestLimit, RosterLimit};
use crate::domain::roster::apply::{self as roster_apply, Application, ApplyItem};
use crate::domain::roster::blacklist as roster_blacklist;
use crate::domain::roster::items::{self as roster, ExtChange, Lookup, RosterEntry};
use crate::state::State;

pub struct RosterApi(pub State);

#[derive(Object)]
pub struct RosterApplyReq {
    /// Name in comment: the caller's alias for the user, at most 128 characters
    #[oai(validator(max_length = 128))]
    pub alias: Option<String>,
    /// Answer of question (the user's auth_mode 2)
    pub auth_answer: Option<String>,
    /// Request description, at most 512 characters
    #[oai(validator(max_length = 512))]
    pub reason: Option<String>,
    /// Invitee ID
    pub user_id: i64,
}

/// One application of /roster/apply/batch
#[derive(Object)]
pub struct RosterApplication {
    /// Name in comment: the caller's alias for the user, at most 128 characters
    pub alias: Option<String>,
    /// Request description, at most 512 characters
    pub reason: Option<String>,
    /// Invitee ID
    pub user_id: i64,
}

impl From<RosterApplyReq> for ApplyItem {
    fn from(b: RosterApplyReq) -> Self {
        ApplyItem {
            user_id: b.user_id,
            alias: b.alias,
            reason: b.reason,
            auth_answer: b.auth_answer,
        }
    }
}

impl From<RosterApplication> for ApplyItem {
    fn from(i: RosterApplication) -> Self {
        ApplyItem {
            user_id: i.user_id,
            alias: i.alias,
            reason: i.reason,
            auth_answer: None,
        }
    }
}

/// A failed item of /roster/apply/batch
#[derive(Object)]
pub struct RosterApplyFail {
    /// Cause of failure (the error's message; its code is that of /roster/apply)
    pub reason: String,
    /// User ID
    pub user_id: i64,
}

/// The outcome of /roster/apply/batch
#[derive(Object)]
pub struct RosterApplyBatchResult {
    /// List of failure messages
    pub fails: Vec<RosterApplyFail>,
    /// List of successful user IDs (friends now, or a pending application sent)
    pub success: Vec<i64>,
}

#[derive(Object)]
pub struct RosterDeclineReq {
    /// Reason for rejection, at most 512 characters
    #[oai(validator(max_length = 512))]
    pub reason: Option<String>,
    /// Rejected user ID
    pub user_id: i64,
}

#[derive(Object)]
pub struct RosterExtReq {
    /// Name in comment, at most 128 characters
    #[oai(validator(max_length = 128))]
    pub alias: Option<String>,
    /// Extension information, at most 2048 characters
    #[oai(validator(max_length = 2048))]
    pub ext: Option<String>,
    /// Mute message notification: true - mute message notification, false - do not mute message notification
    pub mute_notification: Option<bool>,
    /// Friend user ID
    pub user_id: i64,
}

#[derive(Object)]
pub struct RosterListReq {
    /// Friends ID list (at most 500; ids that are no users of the app are left out)
    #[oai(validator(max_items = 500))]
    pub list: Vec<i64>,
}

/// A friend application the caller received
#[derive(Object)]
pub struct RosterApplicationView {
    /// Expiration timestamp(milliseconds)
    pub expired_time: i64,
    /// Request description
    #[oai(nullable)]
    pub reason: Option<String>,
    /// Status: 0 - waiting for confirmation, 1 - accepted, 2 - rejected
    pub status: i32,
    /// User ID that initiate adding friend
    pub user_id: i64,
}

impl From<Application> for RosterApplicationView {
    fn from(a: Application) -> Self {
        RosterApplicationView {
            expired_time: a.expire_time,
            reason: a.reason,
            status: a.status,
            user_id: a.applicant_id,
        }
    }
}

/// A user as the caller sees it
#[derive(Object)]
pub struct RosterItemDto {
    /// Name in comment (the caller's own, for a friend or deleted friend)
    #[oai(nullable)]
    pub alias: Option<String>,
    /// Verification method: 0 - No verification, anyone can be added as a friend; 1 - consent is required to be added as a friend; 2 - answer questions correctly to be added as a friend; 3 - reject all adding friend requests
    pub auth_mode: i32,
    /// Verification question
    #[oai(nullable)]
    pub auth_question: Option<String>,
    /// Avatar
    #[oai(nullable)]
    pub avatar: Option<String>,
    /// Description (friends only; null for strangers)
    #[oai(nullable)]
    pub description: Option<String>,
    /// Extension information (the caller's own, for a friend or deleted friend)
    #[oai(nullable)]
    pub ext: Option<String>,
    /// Mute message notification: true - mute message notification, false - do not mute message notification
    pub mute_notification: bool,
    /// Nickname or name
    #[oai(nullable)]
    pub nick_name: Option<String>,
    /// Public information, visible to both friends and strangers
    #[oai(nullable)]
    pub public_info: Option<String>,
    /// Relationships: 0 - friend, 1 - deleted friend, 2 - stranger, 3 - blacklist
    pub relation: i32,
    /// Friend user ID
    pub user_id: i64,
    /// Username
    pub username: String,
}

impl From<RosterEntry> for RosterItemDto {
    fn from(e: RosterEntry) -> Self {
        RosterItemDto {
            alias: e.alias,
            auth_mode: e.auth_mode,
            auth_question: e.auth_question,
            avatar: e.avatar,
            description: e.description,
            ext: e.ext,
            mute_notification: e.mute_notification,
            nick_name: e.nick_name,
            public_info: e.public_info,
            relation: e.relation,
            user_id: e.user_id,
            username: e.username,
        }
    }
}

#[OpenApi(tag = "Tag::Friends")]
impl RosterApi {
    /// Apply to add friend
    ///
    /// Section 3.2 of the documentation. The acting user (a user token, or an app admin token
    /// with the user_id header) applies to befriend user_id, under that user's auth_mode: 0
    /// friends at once, both ways; 1 a pending application (listed by its /roster/apply/list,
    /// expiring after 7 days; applying again renews it); 2 friends at once when auth_answer
    /// matches the user's answer (surrounding blanks ignored); 3 refused. A user whose own
    /// application to the caller is pending becomes a friend at once, whatever its auth_mode.
    /// Errors: the caller itself 10002, unknown or disabled user 10000, already a friend 10005,
    /// a user in the caller's own blacklist 10006 (unblock it first), and 10012 for every refusal
    /// by the user (the caller is in its blacklist, auth_mode 3, a missing or wrong answer).
    #[oai(path = "/roster/apply", method = "post")]
    async fn apply(&self, caller: Caller, body: JsonBody<RosterApplyReq>) -> R<bool> {
        roster_apply::apply(&self.0, &caller, body.0.into())
            .await
            .map(|_| true)
            .into()
    }

    /// Add friends in batch
    ///
    /// Section 3.3 of the documentation. The acting user (a user token, or an app admin token
    /// with the user_id header) applies to each user of the list (at most 500) as /roster/apply
    /// does, without answers (an auth_mode 2 user refuses with 10012's reason). Each item
    /// succeeds (friends now, or a pending application sent) or fails on its own, with the
    /// message of /roster/apply's error as reason (also: repeated in the list); the good items
    /// are written in one transaction.
    #[oai(path = "/roster/apply/batch", method = "post")]
    async fn apply_batch(
        &self,
        caller: Caller,
        body: JsonBody<Vec<RosterApplication>>,
    ) -> R<RosterApplyBatchResult> {
        let items = body.0.into_iter().map(Into::into).collect();
        roster_apply::apply_batch(&self.0, &caller, items)
            .await
            .map(|outcomes| {
                let mut result = RosterApplyBatchResult {
                    fails: vec![],
                    success: vec![],
                };
                for (user_id, outcome) in outcomes {
                    match outcome {
                        Ok(_) => result.success.push(user_id),
                        Err(e) => result.fails.push(RosterApplyFail {
                            reason: e.to_string(),
                            user_id,
                        }),
                    }
                }
                result
            })
            .into()
    }

    /// List of friend requests
    ///
    /// Section 3.4 of the documentation. The applications the acting user received: pending
    /// ones until they expire, and handled ones (1 accepted, 2 declined), oldest first, keyset
    /// paged (pass the answered cursor for the next page; null on the last page). `limit` as
    /// its parameter declares; total counts all listed applications.
    #[oai(path = "/roster/apply/list", method = "get")]
    async fn apply_list(
        &self,
        caller: Caller,
        /// Cursor: Where to start fetching
        #[oai(name = "cursor")]
        cursor: Query<Option<Cursor>>,
        /// How many to fetch
        #[oai(name = "limit")]
        limit: Query<Option<RequestLimit>>,
    ) -> P<RosterApplicationView> {
        let page = paging::keyset(cursor.0, limit.0);
        roster_apply::received(&self.0, &caller, page)
            .await
            .map(|p| p.map(Into::into))
            .into()
    }

    /// Agree to add friend
    ///
    /// Section 3.1 of the documentation. The acting user accepts the pending application of
    /// the user named by the query parameter user_id (the applicant; the user_id header, with an
    /// app admin token, names the acting user): friends both ways, with the applicant's alias.
    /// Handled, expired or absent: 10007; an applicant deleted or disabled meanwhile: 10000.
    #[oai(path = "/roster/accept", method = "put", method = "post")]
    async fn accept(
        &self,
        caller: Caller,
        /// Consent user ID
        #[oai(name = "user_id")]
        applicant: Query<i64>,
    ) -> R<bool> {
        roster_apply::accept(&self.0, &caller, applicant.0)
            .await
            .into()
    }

    /// Reject friend request
    ///
    /// Section 3.7 of the documentation. The acting user declines the pending application of
    /// user_id, with an optional reason (at most 512 characters). Handled, expired or absent:
    /// 10007.
    #[oai(path = "/roster/decline", method = "put", method = "post")]
    async fn decline(&self, caller: Caller, body: JsonBody<RosterDeclineReq>) -> R<bool> {
        let b = body.0;
        roster_apply::decline(&self.0, &caller, b.user_id, b.reason)
            .await
            .into()
    }

    /// Delete friend
    ///
    /// Section 3.8 of the documentation. The acting user ends its friendship with the user
    /// named by the query parameter user_id, both ways: its own entry goes, and the other user
    /// keeps its entry as a deleted friend (relation 1; it leaves that user's /roster/list, and
    /// comes back with its alias and ext if they become friends again). A user the caller has no
    /// entry for (friend or deleted friend): 10007.
    #[oai(path = "/roster/delete", method = "delete", method = "post")]
    async fn delete(
        &self,
        caller: Caller,
        /// User ID
        #[oai(name = "user_id")]
        friend: Query<i64>,
    ) -> R<bool> {
        roster::delete(&self.0, &caller, friend.0).await.into()
    }

    /// Update friend extension information
    ///
    /// Section 3.9 of the documentation. The acting user's own alias (at most 128 characters),
    /// ext (at most 2048) and mute_notification for user_id, a friend or deleted friend (10007
    /// otherwise); only the fields present change.
    #[oai(path = "/roster/ext", method = "put", method = "post")]
    async fn ext(&self, caller: Caller, body: JsonBody<RosterExtReq>) -> R<bool> {
        let b = body.0;
        let change = ExtChange {
            alias: b.alias,
            ext: b.ext,
            mute_notification: b.mute_notification,
        };
        roster::update_ext(&self.0, &caller, b.user_id, change)
            .await
            .into()
    }

    /// List of friends
    ///
    /// Section 3.11 of the documentation. The ids of the acting user's friends, in the order
    /// they became friends, keyset paged (pass the answered cursor for the next page; null on
    /// the last page; the original SDK reads no cursor, hence the default of 1000); total counts
    /// all friends. Disabled friends are listed; deleted friends (relation 1) are not.
    #[oai(path = "/roster/list", method = "get")]
    async fn list(
        &self,
        caller: Caller,
        /// Cursor: where to start fetching
        #[oai(name = "cursor")]
        cursor: Query<Option<Cursor>>,
        /// How many to fetch
        #[oai(name = "limit")]
        limit: Query<Option<RosterLimit>>,
    ) -> P<i64> {
        let page = paging::keyset(cursor.0, limit.0);
        roster::friend_ids(&self.0, &caller, page).await.into()
    }

    /// List of friend details
    ///
    /// Section 3.12 of the documentation. The users of list (at most 500, friends or not) as
    /// the acting user sees them, in the order of list; repeats and ids that are no users of the
    /// app are left out. Strangers show their public fields only (description null, no alias,
    /// ext or mute); nobody's answer, mobile, email or private information is shown.
    #[oai(path = "/roster/list", method = "post")]
    async fn details(
        &self,
        caller: Caller,
        body: JsonBody<RosterListReq>,
    ) -> R<Vec<RosterItemDto>> {
        roster::details(&self.0, &caller, &body.0.list)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }

    /// Search for users by ID
    ///
    /// Section 3.10 of the documentation. The user of the app named by the query parameter
    /// user_id, as the acting user sees it (see POST /roster/list); 10000 when there is none.
    #[oai(path = "/roster/id", method = "get")]
    async fn by_id(
        &self,
        caller: Caller,
        /// User ID
        #[oai(name = "user_id")]
        wanted: Query<i64>,
    ) -> R<RosterItemDto> {
        roster::find(&self.0, &caller, Lookup::Id(wanted.0))
            .await
            .map(Into::into)
            .into()
    }

    /// Search for user by mobile number
    ///
    /// Section 3.14 of the documentation. The user of the app with this mobile number, as the
    /// acting user sees it (see POST /roster/list); 10000 when there is none.
    #[oai(path = "/roster/mobile", method = "get")]
    async fn by_mobile(
        &self,
        caller: Caller,
        /// Mobile number
        mobile: Query<String>,
    ) -> R<RosterItemDto> {
        roster::find(&self.0, &caller, Lookup::Mobile(mobile.0))
            .await
            .map(Into::into)
            .into()
    }

    /// Search for user by username
    ///
    /// Section 3.15 of the documentation. The user of the app with this username (exact, as
    /// stored: Unicode NFC), as the acting user sees it (see POST /roster/list); 10000 when
    /// there is none.
    #[oai(path = "/roster/name", method = "get")]
    async fn by_name(
        &self,
        caller: Caller,
        /// Username
        username: Query<String>,
    ) -> R<RosterItemDto> {
        roster::find(&self.0, &caller, Lookup::Username(username.0))
            .await
            .map(Into::into)
            .into()
    }

    /// Whether to allow messaging
    ///
    /// Section 3.13 of the documentation. Whether the user named by the query parameter user_id
    /// may send a message to roster_id: false when either blocked the other or either is
    /// disabled; true between friends; between strangers (deleted friends too) true unless
    /// roster_id's auth_mode is 3. A user asks about messages it sends or receives (10010
    /// otherwise); the app admin token without identity headers about any two users of the app.
    /// Unknown users: 10000.
    #[oai(path = "/roster/may_message", method = "get")]
    async fn may_message(
        &self,
        caller: Caller,
        /// Friend ID (the receiver)
        roster_id: Query<i64>,
        /// User ID (the sender)
        #[oai(name = "user_id")]
        sender: Query<i64>,
    ) -> R<bool> {
        roster::may_message(&self.0, &caller, sender.0, roster_id.0)
            .await
            .into()
    }

    /// Add to blacklist
    ///
    /// Section 3.5 of the documentation. The acting user blocks the user named by the query
    /// parameter user_id (any user of the app, 10000 otherwise; not itself, 10002): that user
    /// can no longer apply to it (10012) and neither may message the other. A friendship stays
    /// (relation 3 as the caller sees it); the pending applications between the two close as
    /// declined. Already blocked: 10006. A blacklist holds at most 1000 users (10002 beyond).
    #[oai(path = "/roster/block", method = "put", method = "post")]
    async fn block(
        &self,
        caller: Caller,
        /// User ID
        #[oai(name = "user_id")]
        target: Query<i64>,
    ) -> R<bool> {
        roster_blacklist::block(&self.0, &caller, target.0)
            .await
            .into()
    }

    /// Remove from blacklist
    ///
    /// Section 3.16 of the documentation. The acting user unblocks the user named by the
    /// query parameter user_id; a user that is not blocked answers true as well.
    #[oai(path = "/roster/unblock", method = "delete", method = "post")]
    async fn unblock(
        &self,
        caller: Caller,
        /// User ID
        #[oai(name = "user_id")]
        target: Query<i64>,
    ) -> R<bool> {
        roster_blacklist::unblock(&self.0, &caller, target.0)
            .await
            .into()
    }

    /// List of blacklists
    ///
    /// Section 3.6 of the documentation. The ids the acting user has blocked, oldest first
    /// (at most 1000, the size limit of a blacklist).
    #[oai(path = "/roster/blocked_list", method = "get")]
    async fn blocked_list(&self, caller: Caller) -> R<Vec<i64>> {
        roster_blacklist::blocked_list(&self.0, &caller)
            .await
            .into()
    }
}
