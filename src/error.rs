//! The one error type of imserver and its code table (the seed system's codes).
//!
//! Business errors answer HTTP 200 with the code in the envelope; `Internal` and `Database`
//! are faults of the server and answer HTTP 500 with the same envelope.
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("user {0} does not exist")]
    UserNotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("missing access-token header")]
    MissingToken,
    #[error("username '{0}' already exists")]
    UserExists(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("user {0} is already a friend")]
    AlreadyFriend(i64),
    #[error("user {0} is already in the blacklist")]
    AlreadyBlocked(i64),
    #[error("user {0} is not a friend")]
    NotFriend(i64),
    #[error("friend application of user {0} does not exist, has expired or was already handled")]
    FriendApplicationHandled(i64),
    /// A refusal by the target of a friend application: its blacklist, auth_mode 3, a wrong
    /// answer; the message says which.
    #[error("the user rejected the friend request: {0}")]
    FriendRequestRejected(&'static str),
    #[error("{0}")]
    InvalidToken(&'static str),
    /// A user token past its expiry: 402, the code on which the original clients log in again.
    #[error("access-token has expired")]
    TokenExpired,
    #[error("no permission: {0}")]
    NoPermission(String),
    #[error("wrong password")]
    WrongPassword,
    #[error("group {0} does not exist")]
    GroupNotFound(i64),
    #[error("user {0} is not a member of the group")]
    NotMember(i64),
    #[error("msg_push_mode must be 0-4, got {0}")]
    BadPushMode(i32),
    #[error("the group owner cannot leave the group; transfer ownership first")]
    OwnerCannotLeave,
    #[error("the user owns live groups {0}; transfer or destroy them first")]
    OwnsLiveGroups(String),
    #[error("transfer target {0} is not a member of the group")]
    TransferTargetNotMember(i64),
    #[error("group member limit {0} reached")]
    GroupFull(i64),
    #[error("needs group member permission")]
    NeedsMember,
    #[error("needs group admin permission")]
    NeedsAdmin,
    #[error("needs group owner permission")]
    NeedsOwner,
    #[error("application expired or already handled")]
    ApplicationHandled,
    #[error("invitation expired or already handled")]
    InvitationHandled,
    #[error("the invitation is void: its inviter {0} may no longer invite to the group")]
    InvitationVoid(i64),
    #[error("user {0} is already a member of the group")]
    AlreadyMember(i64),
    #[error("user {0} is blacklisted in the group")]
    Blacklisted(i64),
    #[error("announcement {0} does not exist")]
    AnnouncementNotFound(i64),
    #[error("shared file {0} does not exist")]
    FileNotFound(i64),
    #[error("no permission on shared file {0}")]
    FileNoPermission(i64),
    #[error("QR code is invalid")]
    QrInvalid,
    #[error("QR code has expired")]
    QrExpired,
    /// The message names the header, not its value (which may be a pasted secret).
    #[error("no app has this app_id")]
    AppNotFound(String),
    /// The sender is muted in the group (`ban`) until this time (ms).
    #[error("the sender is muted in this group until {0} (ms)")]
    Muted(i64),
    /// The group is muted for all but its owner and admins (`ban_all`).
    #[error("group {0} is muted for all but its owner and admins")]
    GroupSilenced(i64),
    /// A 1:1 message the rule of /roster/may_message refuses (the reason).
    #[error("message refused: {0}")]
    MessageRefused(&'static str),
    /// The sender's recall came after the recall window (seconds).
    #[error("the recall window of {0} seconds has passed")]
    RecallWindowPassed(i64),
    #[error("message {0} does not exist in this conversation")]
    MessageNotFound(i64),
    /// Whom the request acts for does not fit the operation; worded by the api layer
    /// (`api::kit::auth`), which knows the header names.
    #[error("{0}")]
    Claim(ClaimError),
    #[error("database error")]
    Database(#[from] DbErr),
    /// A race that a new attempt resolves (domain::common::tx retries it; answered only when every
    /// attempt met it).
    #[error("the database was busy with concurrent changes ({0}); try again")]
    Contended(&'static str),
    #[error("internal error")]
    Internal(String),
}

/// What is wrong with a request's claims (`domain::identity::auth::Claims`) for an operation (10002 or 10010). Worded by the
/// api layer, which knows how a request states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimError {
    /// No app named (10002).
    NoApp,
    /// Both an acting user and an acting group (10002).
    UserAndGroup,
    /// An admin token on a per-user operation without an acting user (10002).
    NoUser,
    /// An admin token acting on a group asks for per-member settings, which belong to a user (10002).
    MemberSettingsNeedUser,
    /// An admin token on a group operation with neither an acting user nor an acting group (10002).
    NoUserNorGroup,
    /// An admin token limited to group `.0` calls an app-wide operation (10010).
    LimitedToGroup(i64),
    /// An admin token acting on group `named` calls an operation of group `wanted` (10010).
    OtherGroup { named: i64, wanted: i64 },
    /// A user token claims to act as another user (10010).
    UserTokenAsOther,
    /// A user token claims to act on a group (10010).
    UserTokenOnGroup,
}

impl ClaimError {
    pub fn code(&self) -> i32 {
        match self {
            ClaimError::NoApp | ClaimError::UserAndGroup | ClaimError::NoUser => 10002,
            ClaimError::MemberSettingsNeedUser | ClaimError::NoUserNorGroup => 10002,
            ClaimError::LimitedToGroup(_) | ClaimError::OtherGroup { .. } => 10010,
            ClaimError::UserTokenAsOther | ClaimError::UserTokenOnGroup => 10010,
        }
    }
}

/// One row of the error table: a code, its name in generated clients (`x-enum-varnames`) and
/// its meaning.
pub struct CodeRow {
    pub code: i32,
    pub name: &'static str,
    pub meaning: &'static str,
}

/// The documented error table: the spec's description is made from it, and tests hold the
/// README's table and every `ApiError::code()` to it (codes 200, 404 and 405 come from the
/// envelope and the HTTP fallback, not from `ApiError`).
pub const ERROR_CODES: &[CodeRow] = &[
    CodeRow {
        code: 200,
        name: "Success",
        meaning: "success",
    },
    CodeRow {
        code: 402,
        name: "TokenExpired",
        meaning: "access-token has expired (log in again)",
    },
    CodeRow {
        code: 404,
        name: "NoSuchRoute",
        meaning: "no such route (HTTP 404)",
    },
    CodeRow {
        code: 405,
        name: "MethodNotAllowed",
        meaning: "method not allowed on this route (HTTP 405; the Allow header lists the methods)",
    },
    CodeRow {
        code: 10000,
        name: "UserNotFound",
        meaning: "user does not exist",
    },
    CodeRow {
        code: 10002,
        name: "BadRequest",
        meaning: "bad request parameter (the message names the field)",
    },
    CodeRow {
        code: 10003,
        name: "MissingToken",
        meaning: "missing access-token",
    },
    CodeRow {
        code: 10004,
        name: "AlreadyExists",
        meaning: "user already exists",
    },
    CodeRow {
        code: 10005,
        name: "AlreadyFriend",
        meaning: "already a friend",
    },
    CodeRow {
        code: 10006,
        name: "AlreadyBlocked",
        meaning: "already in the blacklist",
    },
    CodeRow {
        code: 10007,
        name: "FriendNotFound",
        meaning: "friend (or friend application) does not exist or has expired",
    },
    CodeRow {
        code: 10008,
        name: "InvalidToken",
        meaning: "invalid access-token (unknown, revoked, ended, of another app, or of a disabled user)",
    },
    CodeRow {
        code: 10010,
        name: "NoPermission",
        meaning: "no permission",
    },
    CodeRow {
        code: 10012,
        name: "FriendRequestRejected",
        meaning: "the user rejected the friend request (its blacklist, auth_mode 3, or a wrong answer)",
    },
    CodeRow {
        code: 11001,
        name: "WrongPassword",
        meaning: "wrong password",
    },
    CodeRow {
        code: 20000,
        name: "DatabaseError",
        meaning: "database error (HTTP 500)",
    },
    CodeRow {
        code: 20001,
        name: "GroupNotFound",
        meaning: "group does not exist",
    },
    CodeRow {
        code: 20002,
        name: "NotMember",
        meaning: "not a group member",
    },
    CodeRow {
        code: 20003,
        name: "BadPushMode",
        meaning: "bad msg_push_mode",
    },
    CodeRow {
        code: 20004,
        name: "OwnerCannotLeave",
        meaning: "the owner cannot leave the group, nor be deleted while it owns a live group",
    },
    CodeRow {
        code: 20005,
        name: "TransferTargetNotMember",
        meaning: "transfer target is not a member",
    },
    CodeRow {
        code: 20010,
        name: "GroupFull",
        meaning: "group member limit reached",
    },
    CodeRow {
        code: 20011,
        name: "NeedsMember",
        meaning: "needs group member permission",
    },
    CodeRow {
        code: 20012,
        name: "NeedsAdmin",
        meaning: "needs group admin permission",
    },
    CodeRow {
        code: 20013,
        name: "NeedsOwner",
        meaning: "needs group owner permission",
    },
    CodeRow {
        code: 20014,
        name: "ApplicationHandled",
        meaning: "application expired or handled",
    },
    CodeRow {
        code: 20015,
        name: "InvitationHandled",
        meaning: "invitation expired, handled, or void (its inviter may no longer invite)",
    },
    CodeRow {
        code: 20017,
        name: "AlreadyMember",
        meaning: "already a member",
    },
    CodeRow {
        code: 20018,
        name: "Blacklisted",
        meaning: "blacklisted in the group",
    },
    CodeRow {
        code: 20020,
        name: "AnnouncementNotFound",
        meaning: "announcement does not exist",
    },
    CodeRow {
        code: 20022,
        name: "FileNotFound",
        meaning: "shared file does not exist",
    },
    CodeRow {
        code: 20023,
        name: "FileNoPermission",
        meaning: "no permission on the shared file",
    },
    CodeRow {
        code: 20024,
        name: "QrInvalid",
        meaning: "QR code invalid",
    },
    CodeRow {
        code: 20025,
        name: "QrExpired",
        meaning: "QR code expired",
    },
    CodeRow {
        code: 40000,
        name: "AppNotFound",
        meaning: "app_id does not exist",
    },
    CodeRow {
        code: 50000,
        name: "InternalError",
        meaning: "internal error (HTTP 500)",
    },
    CodeRow {
        code: 60001,
        name: "Muted",
        meaning: "the sender is muted in the group (ban)",
    },
    CodeRow {
        code: 60002,
        name: "GroupSilenced",
        meaning: "the group is muted for all but its owner and admins (ban_all)",
    },
    CodeRow {
        code: 60003,
        name: "MessageRefused",
        meaning: "the 1:1 message is refused: a block either way, a disabled sender or receiver, or auth_mode 3 towards a stranger",
    },
    CodeRow {
        code: 60004,
        name: "RecallWindowPassed",
        meaning: "the sender's recall window (--recall-window-secs) has passed",
    },
    CodeRow {
        code: 60005,
        name: "MessageNotFound",
        meaning: "the message does not exist in the conversation",
    },
];

impl ApiError {
    pub fn code(&self) -> i32 {
        use ApiError::*;
        match self {
            UserNotFound(_) => 10000,
            BadRequest(_) => 10002,
            MissingToken => 10003,
            UserExists(_) | Conflict(_) => 10004,
            AlreadyFriend(_) => 10005,
            AlreadyBlocked(_) => 10006,
            NotFriend(_) | FriendApplicationHandled(_) => 10007,
            FriendRequestRejected(_) => 10012,
            InvalidToken(_) => 10008,
            TokenExpired => 402,
            NoPermission(_) => 10010,
            WrongPassword => 11001,
            Database(_) | Contended(_) => 20000,
            GroupNotFound(_) => 20001,
            NotMember(_) => 20002,
            BadPushMode(_) => 20003,
            OwnerCannotLeave | OwnsLiveGroups(_) => 20004,
            TransferTargetNotMember(_) => 20005,
            GroupFull(_) => 20010,
            NeedsMember => 20011,
            NeedsAdmin => 20012,
            NeedsOwner => 20013,
            ApplicationHandled => 20014,
            InvitationHandled | InvitationVoid(_) => 20015,
            AlreadyMember(_) => 20017,
            Blacklisted(_) => 20018,
            AnnouncementNotFound(_) => 20020,
            FileNotFound(_) => 20022,
            FileNoPermission(_) => 20023,
            QrInvalid => 20024,
            QrExpired => 20025,
            AppNotFound(_) => 40000,
            Muted(_) => 60001,
            GroupSilenced(_) => 60002,
            MessageRefused(_) => 60003,
            RecallWindowPassed(_) => 60004,
            MessageNotFound(_) => 60005,
            Claim(e) => e.code(),
            Internal(_) => 50000,
        }
    }

    /// Faults of the server (HTTP 500) rather than of the request.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            ApiError::Database(_) | ApiError::Contended(_) | ApiError::Internal(_)
        )
    }

    pub fn bad(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }

    pub fn denied(msg: impl Into<String>) -> Self {
        ApiError::NoPermission(msg.into())
    }

    /// True when the database refused a write because of a unique key.
    pub fn is_unique_violation(err: &DbErr) -> bool {
        matches!(
            err.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<ApiError> for poem::Error {
    fn from(err: ApiError) -> Self {
        let status = if err.is_fault() {
            poem::http::StatusCode::INTERNAL_SERVER_ERROR
        } else {
            poem::http::StatusCode::OK
        };
        poem::Error::new(err, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApiError::*;

    /// One error of each variant (of `Claim`, one per code), in declaration order.
    fn samples() -> Vec<ApiError> {
        vec![
            UserNotFound("1".into()),
            BadRequest("x".into()),
            MissingToken,
            UserExists("u".into()),
            Conflict("x".into()),
            AlreadyFriend(1),
            AlreadyBlocked(1),
            NotFriend(1),
            FriendApplicationHandled(1),
            FriendRequestRejected("x"),
            InvalidToken("x"),
            TokenExpired,
            NoPermission("x".into()),
            WrongPassword,
            GroupNotFound(1),
            NotMember(1),
            BadPushMode(9),
            OwnerCannotLeave,
            OwnsLiveGroups("1".into()),
            TransferTargetNotMember(1),
            GroupFull(1),
            NeedsMember,
            NeedsAdmin,
            NeedsOwner,
            ApplicationHandled,
            InvitationHandled,
            InvitationVoid(1),
            AlreadyMember(1),
            Blacklisted(1),
            AnnouncementNotFound(1),
            FileNotFound(1),
            FileNoPermission(1),
            QrInvalid,
            QrExpired,
            AppNotFound("a".into()),
            Muted(1),
            GroupSilenced(1),
            MessageRefused("x"),
            RecallWindowPassed(1),
            MessageNotFound(1),
            Claim(ClaimError::NoApp),
            Claim(ClaimError::LimitedToGroup(1)),
            Database(DbErr::Custom("x".into())),
            Contended("x"),
            Internal("x".into()),
        ]
    }

    /// The place of each variant in `samples` (a new variant does not compile until it is given a
    /// place here, and then `samples` must hold it).
    fn place(e: &ApiError) -> usize {
        match e {
            UserNotFound(_) => 0,
            BadRequest(_) => 1,
            MissingToken => 2,
            UserExists(_) => 3,
            Conflict(_) => 4,
            AlreadyFriend(_) => 5,
            AlreadyBlocked(_) => 6,
            NotFriend(_) => 7,
            FriendApplicationHandled(_) => 8,
            FriendRequestRejected(_) => 9,
            InvalidToken(_) => 10,
            TokenExpired => 11,
            NoPermission(_) => 12,
            WrongPassword => 13,
            GroupNotFound(_) => 14,
            NotMember(_) => 15,
            BadPushMode(_) => 16,
            OwnerCannotLeave => 17,
            OwnsLiveGroups(_) => 18,
            TransferTargetNotMember(_) => 19,
            GroupFull(_) => 20,
            NeedsMember => 21,
            NeedsAdmin => 22,
            NeedsOwner => 23,
            ApplicationHandled => 24,
            InvitationHandled => 25,
            InvitationVoid(_) => 26,
            AlreadyMember(_) => 27,
            Blacklisted(_) => 28,
            AnnouncementNotFound(_) => 29,
            FileNotFound(_) => 30,
            FileNoPermission(_) => 31,
            QrInvalid => 32,
            QrExpired => 33,
            AppNotFound(_) => 34,
            Muted(_) => 35,
            GroupSilenced(_) => 36,
            MessageRefused(_) => 37,
            RecallWindowPassed(_) => 38,
            MessageNotFound(_) => 39,
            Claim(c) if c.code() == 10002 => 40,
            Claim(_) => 41,
            Database(_) => 42,
            Contended(_) => 43,
            Internal(_) => 44,
        }
    }

    /// Codes answered outside `ApiError`: success and the HTTP fallback (src/api/fallback.rs).
    const NOT_FROM_ERRORS: [i32; 3] = [200, 404, 405];

    #[test]
    fn samples_hold_every_variant_once() {
        let samples = samples();
        for (i, e) in samples.iter().enumerate() {
            assert_eq!(place(e), i, "samples() out of order at {e:?}");
        }
        assert_eq!(samples.len(), 45, "a variant without a sample");
    }

    #[test]
    fn every_code_is_in_the_table_and_every_table_row_is_answered() {
        let table: Vec<i32> = ERROR_CODES.iter().map(|r| r.code).collect();
        let codes: Vec<i32> = samples().iter().map(ApiError::code).collect();
        for (e, code) in samples().iter().zip(&codes) {
            assert!(
                table.contains(code),
                "{e:?} answers {code}, which the error table lacks"
            );
        }
        for row in ERROR_CODES {
            assert!(
                codes.contains(&row.code) || NOT_FROM_ERRORS.contains(&row.code),
                "the error table lists {} ({}) but no error answers it",
                row.code,
                row.meaning
            );
        }
        let mut sorted = table.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted, table,
            "the table is in ascending order, each code once"
        );
    }

    /// Every variant is raised somewhere in src/ (Lemmy's habit): none is dead weight.
    #[test]
    fn every_variant_is_used() {
        let mut text = String::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") && !path.ends_with("error.rs")
                {
                    text.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        for e in samples() {
            let name = format!("{e:?}");
            let name = name.split(['(', ' ']).next().unwrap();
            // Database errors arrive through `?` on a DbErr (#[from]); two have constructors
            let used = match name {
                "Database" => true,
                "BadRequest" => text.contains("ApiError::bad("),
                "NoPermission" => text.contains("ApiError::denied("),
                _ => text.contains(&format!("ApiError::{name}")),
            };
            assert!(
                used,
                "ApiError::{name} is never raised outside src/error.rs"
            );
        }
    }
}
