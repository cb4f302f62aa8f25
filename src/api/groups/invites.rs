//! Group invitations and membership applications: invite, invite/handle, invitation_list,
//! apply, apply/handle, application_list.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::groups::info::UserResult;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{P, R};
use crate::api::kit::paging::{self, Cursor, RequestLimit};
use crate::domain::groups::invites::{self as group_invites, Application, Applied, Invitation};
use crate::domain::groups::lifecycle::UserOutcome;
use crate::state::State;

pub struct GroupInvitesApi(pub State);

#[derive(Object)]
pub struct InviteReq {
    /// Group id
    pub group_id: i64,
    /// Invitation reason, at most 512 characters
    #[oai(validator(max_length = 512))]
    pub reason: Option<String>,
    /// Invitee id, List type, multiple users can be invited to a group at one time (at most 500)
    #[oai(validator(max_items = 500))]
    pub user_list: Vec<i64>,
}

#[derive(Object)]
pub struct HandleReq {
    /// Approval, bool type, true for approval, false for rejection
    pub approval: bool,
    /// Group id
    pub group_id: i64,
    /// User id
    pub user_id: i64,
}

#[derive(Object)]
pub struct ApplyReq {
    /// Group id
    pub group_id: i64,
    /// Reason for membership application, at most 512 characters
    #[oai(validator(max_length = 512))]
    pub reason: Option<String>,
}

#[derive(Object)]
pub struct ApplicationListReq {
    /// Group id list (at most 500): only groups where the caller is owner or admin contribute
    #[oai(validator(max_items = 500))]
    pub group_list: Vec<i64>,
}

/// A group invitation
#[derive(Object)]
pub struct GroupInvitation {
    /// Expiration timestamp(milliseconds)
    pub expired_time: i64,
    /// GroupID
    pub group_id: i64,
    /// Invitee ID
    pub invitee_id: i64,
    /// Inviter ID
    pub inviter_id: i64,
    /// Reason
    #[oai(nullable)]
    pub reason: Option<String>,
    /// Status: 0 - Pending, 1 - User agreed, 2 - User rejected
    pub status: i32,
    /// Update time (RFC 3339, UTC)
    pub updated_at: String,
}

impl From<Invitation> for GroupInvitation {
    fn from(i: Invitation) -> Self {
        GroupInvitation {
            expired_time: i.expire_time,
            group_id: i.group_id,
            invitee_id: i.invitee_id,
            inviter_id: i.inviter_id,
            reason: i.reason,
            status: i.status,
            updated_at: rfc3339(i.updated_at),
        }
    }
}

/// A membership application
#[derive(Object)]
pub struct GroupApplication {
    /// Applicant's User ID
    pub applicant_id: i64,
    /// Application Expiration Timestamp(milliseconds)
    pub expired_time: i64,
    /// GroupID
    pub group_id: i64,
    /// Reason
    #[oai(nullable)]
    pub reason: Option<String>,
    /// Status: 0 - Pending, 1 - Agreed, 2 - Rejected
    pub status: i32,
}

impl From<Application> for GroupApplication {
    fn from(a: Application) -> Self {
        GroupApplication {
            applicant_id: a.applicant_id,
            expired_time: a.expire_time,
            group_id: a.group_id,
            reason: a.reason,
            status: a.status,
        }
    }
}

/// Milliseconds since the epoch as an RFC 3339 UTC time (`2026-11-23T18:55:00.000Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn results(v: Vec<UserOutcome>) -> Vec<UserResult> {
    v.into_iter().map(Into::into).collect()
}

#[OpenApi(tag = "Tag::GroupInvitations")]
impl GroupInvitesApi {
    /// Invite to group
    ///
    /// Section 4.31 of the group document. The owner and admins always; members when the
    /// group's member_invite is true (20012 otherwise). Each invitee of user_list (at most 500)
    /// succeeds or fails on its own, reason naming the code: unknown user (10000), already a
    /// member (20017), blacklisted (20018), group full (20010). An invitee whose user setting
    /// group_confirm is true gets a pending invitation (expiring after 7 days, listed by its
    /// /group/invitation_list; inviting again renews it); the others join at once. An app
    /// admin token with the group_id header invites in the owner's name.
    #[oai(path = "/group/invite", method = "post")]
    async fn invite(&self, caller: Caller, body: JsonBody<InviteReq>) -> R<Vec<UserResult>> {
        let b = body.0;
        group_invites::invite(&self.0, &caller, b.group_id, &b.user_list, b.reason)
            .await
            .map(results)
            .into()
    }

    /// Process group invitation by user
    ///
    /// Section 4.32 of the group document. The invitee (the caller) accepts or rejects the
    /// pending invitation that user_id (the inviter) made; accepting joins the group
    /// (blacklisted 20018, group full 20010; already a member is a success). An invitation
    /// already handled, expired or absent: 20015. user_id may also be the caller's own id (as
    /// the original web UI sends it): then accepting takes the newest pending invitation of the
    /// group whose inviter may still invite, and rejecting closes all of them.
    #[oai(path = "/group/invite/handle", method = "put", method = "post")]
    async fn invite_handle(&self, caller: Caller, body: JsonBody<HandleReq>) -> R<bool> {
        let b = body.0;
        group_invites::handle_invitation(&self.0, &caller, b.group_id, b.user_id, b.approval)
            .await
            .into()
    }

    /// Get group invitation list
    ///
    /// Section 4.30 of the group document. The caller's invitations as invitee: pending ones
    /// until they expire, and handled ones, oldest first, keyset paged (pass the answered
    /// cursor for the next page; null on the last page). `limit` as its parameter declares; total
    /// counts all listed invitations.
    #[oai(path = "/group/invitation_list", method = "get")]
    async fn invitation_list(
        &self,
        caller: Caller,
        /// Cursor: where to start fetching
        #[oai(name = "cursor")]
        cursor: Query<Option<Cursor>>,
        /// How many to fetch
        #[oai(name = "limit")]
        limit: Query<Option<RequestLimit>>,
        /// Version (reserved, ignored)
        #[oai(name = "version")]
        _version: Query<Option<i64>>,
    ) -> P<GroupInvitation> {
        let page = paging::keyset(cursor.0, limit.0);
        group_invites::invitation_list(&self.0, &caller, page)
            .await
            .map(|p| p.map(Into::into))
            .into()
    }

    /// Apply for group membership
    ///
    /// Section 4.10 of the group document. A chatroom (type 2) or a group with apply_approval
    /// 0 takes the caller at once (reason null; group full 20010); apply_approval 1 records a
    /// pending application for the owner and admins (reason "pending approval"; it expires
    /// after 7 days; applying again renews it); apply_approval 2 refuses with 10010. A member
    /// gets 20017, a blacklisted user 20018.
    #[oai(path = "/group/apply", method = "post")]
    async fn apply(&self, caller: Caller, body: JsonBody<ApplyReq>) -> R<UserResult> {
        let b = body.0;
        let result = async {
            let uid = caller.user_id()?;
            let applied = group_invites::apply(&self.0, &caller, b.group_id, b.reason).await?;
            Ok(match applied {
                Applied::Joined => UserResult {
                    user_id: uid,
                    result: "success".into(),
                    reason: None,
                },
                Applied::Pending => UserResult {
                    user_id: uid,
                    result: "success".into(),
                    reason: Some("pending approval".into()),
                },
            })
        }
        .await;
        result.into()
    }

    /// Admin processes membership application
    ///
    /// Section 4.11 of the group document. The owner or an admin (20012 otherwise) approves or
    /// rejects the pending application of user_id; approval joins it (blacklisted 20018, group
    /// full 20010). An application already handled, expired or absent: 20014.
    #[oai(path = "/group/apply/handle", method = "put", method = "post")]
    async fn apply_handle(&self, caller: Caller, body: JsonBody<HandleReq>) -> R<UserResult> {
        let b = body.0;
        group_invites::handle_application(&self.0, &caller, b.group_id, b.user_id, b.approval)
            .await
            .map(Into::into)
            .into()
    }

    /// Get the list of group membership requests
    ///
    /// Section 4.9 of the group document. The applications to the groups of group_list where
    /// the caller is owner or admin (other groups contribute nothing; an app admin token with
    /// the group_id header manages that group): pending ones until they expire, and handled
    /// ones, oldest first, keyset paged (pass the answered cursor for the next page; null on
    /// the last page). `limit` as its parameter declares; total counts all listed applications.
    #[oai(path = "/group/application_list", method = "post")]
    async fn application_list(
        &self,
        caller: Caller,
        /// Cursor: where to start fetching
        #[oai(name = "cursor")]
        cursor: Query<Option<Cursor>>,
        /// How many to fetch
        #[oai(name = "limit")]
        limit: Query<Option<RequestLimit>>,
        /// Version (reserved, ignored)
        #[oai(name = "version")]
        _version: Query<Option<i64>>,
        body: JsonBody<ApplicationListReq>,
    ) -> P<GroupApplication> {
        let page = paging::keyset(cursor.0, limit.0);
        group_invites::application_list(&self.0, &caller, &body.0.group_list, page)
            .await
            .map(|p| p.map(Into::into))
            .into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_800_000_000_123),
            "2027-01-15T08:00:00.123Z"
        );
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
