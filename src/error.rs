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
    #[error("{0}")]
    InvalidToken(&'static str),
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
    #[error("app_id '{0}' does not exist")]
    AppNotFound(String),
    #[error("database error")]
    Database(#[from] DbErr),
    /// A race that a new attempt resolves (domain::tx retries it; answered only when every
    /// attempt met it).
    #[error("the database was busy with concurrent changes ({0}); try again")]
    Contended(&'static str),
    #[error("internal error")]
    Internal(String),
}

/// One row of the error table: the code, its meaning, and the error-enum variant.
pub struct CodeRow {
    pub code: i32,
    pub meaning: &'static str,
}

/// The documented error table (README, spec description and `x-error-codes`).
pub const ERROR_CODES: &[CodeRow] = &[
    CodeRow { code: 200, meaning: "success" },
    CodeRow { code: 404, meaning: "no such route (HTTP 404)" },
    CodeRow { code: 405, meaning: "method not allowed on this route (HTTP 405; the Allow header lists the methods)" },
    CodeRow { code: 10000, meaning: "user does not exist" },
    CodeRow { code: 10002, meaning: "bad request parameter (the message names the field)" },
    CodeRow { code: 10003, meaning: "missing access-token" },
    CodeRow { code: 10004, meaning: "user already exists" },
    CodeRow { code: 10008, meaning: "invalid or expired access-token" },
    CodeRow { code: 10010, meaning: "no permission" },
    CodeRow { code: 11001, meaning: "wrong password" },
    CodeRow { code: 20000, meaning: "database error (HTTP 500)" },
    CodeRow { code: 20001, meaning: "group does not exist" },
    CodeRow { code: 20002, meaning: "not a group member" },
    CodeRow { code: 20003, meaning: "bad msg_push_mode" },
    CodeRow { code: 20004, meaning: "the owner cannot leave the group, nor be deleted while it owns a live group" },
    CodeRow { code: 20005, meaning: "transfer target is not a member" },
    CodeRow { code: 20010, meaning: "group member limit reached" },
    CodeRow { code: 20011, meaning: "needs group member permission" },
    CodeRow { code: 20012, meaning: "needs group admin permission" },
    CodeRow { code: 20013, meaning: "needs group owner permission" },
    CodeRow { code: 20014, meaning: "application expired or handled" },
    CodeRow { code: 20015, meaning: "invitation expired, handled, or void (its inviter may no longer invite)" },
    CodeRow { code: 20017, meaning: "already a member" },
    CodeRow { code: 20018, meaning: "blacklisted in the group" },
    CodeRow { code: 20020, meaning: "announcement does not exist" },
    CodeRow { code: 20022, meaning: "shared file does not exist" },
    CodeRow { code: 20023, meaning: "no permission on the shared file" },
    CodeRow { code: 20024, meaning: "QR code invalid" },
    CodeRow { code: 20025, meaning: "QR code expired" },
    CodeRow { code: 40000, meaning: "app_id does not exist" },
    CodeRow { code: 50000, meaning: "internal error (HTTP 500)" },
];

impl ApiError {
    pub fn code(&self) -> i32 {
        use ApiError::*;
        match self {
            UserNotFound(_) => 10000,
            BadRequest(_) => 10002,
            MissingToken => 10003,
            UserExists(_) | Conflict(_) => 10004,
            InvalidToken(_) => 10008,
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
            Internal(_) => 50000,
        }
    }

    /// Faults of the server (HTTP 500) rather than of the request.
    pub fn is_fault(&self) -> bool {
        matches!(self, ApiError::Database(_) | ApiError::Contended(_) | ApiError::Internal(_))
    }

    pub fn bad(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }

    pub fn denied(msg: impl Into<String>) -> Self {
        ApiError::NoPermission(msg.into())
    }

    /// True when the database refused a write because of a unique key.
    pub fn is_unique_violation(err: &DbErr) -> bool {
        matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
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
