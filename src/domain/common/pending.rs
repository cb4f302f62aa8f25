//! A request that waits for an answer: a group invitation, a group application, a friend
//! application. The three tables share one status type, one time-to-live and one reason bound.

/// Lifetime of a pending request: 7 days.
pub const PENDING_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Longest reason of a request (or of its refusal), in characters.
pub const REASON_MAX: usize = 512;

/// The status of a request, as stored (`status` column) and answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum RequestStatus {
    /// Waiting for an answer, until it expires.
    Pending = 0,
    /// Accepted (or made moot by the same outcome, e.g. the user joined by another path).
    Agreed = 1,
    /// Rejected, or closed without an answer (the other side gone, blacklisted).
    Rejected = 2,
}

/// The stored values of [`RequestStatus`], for queries.
pub const PENDING: i32 = RequestStatus::Pending as i32;
pub const AGREED: i32 = RequestStatus::Agreed as i32;
pub const REJECTED: i32 = RequestStatus::Rejected as i32;

/// When a request made at `now` expires.
pub fn expiry(now: i64) -> i64 {
    now + PENDING_TTL_MS
}
