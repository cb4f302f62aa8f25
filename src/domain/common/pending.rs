//! A request that waits for an answer: a group invitation, a group application, a friend
//! application. The three tables share one status type, one time-to-live and one reason bound,
//! and how a request is made and renewed.
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait};

use crate::entity::{group_application, group_invitation, roster_application};

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

/// The tables of requests: the columns every request has.
pub trait RequestTable: EntityTrait {
    const STATUS: Self::Column;
    const EXPIRE_TIME: Self::Column;
    const CREATED_AT: Self::Column;
    const UPDATED_AT: Self::Column;
}

macro_rules! request_tables {
    ($($table:ident),+) => {$(
        impl RequestTable for $table::Entity {
            const STATUS: $table::Column = $table::Column::Status;
            const EXPIRE_TIME: $table::Column = $table::Column::ExpireTime;
            const CREATED_AT: $table::Column = $table::Column::CreatedAt;
            const UPDATED_AT: $table::Column = $table::Column::UpdatedAt;
        }
    )+};
}
request_tables!(group_invitation, group_application, roster_application);

/// `row` as a request made at `now`: pending, expiring after [`PENDING_TTL_MS`].
pub fn new_request<A>(mut row: A, now: i64) -> A
where
    A: ActiveModelTrait,
    A::Entity: RequestTable,
{
    row.set(<A::Entity as RequestTable>::STATUS, PENDING.into());
    row.set(<A::Entity as RequestTable>::EXPIRE_TIME, expiry(now).into());
    row.set(<A::Entity as RequestTable>::CREATED_AT, now.into());
    row.set(<A::Entity as RequestTable>::UPDATED_AT, now.into());
    row
}

/// A request made again, meeting the one of the same `key`, renews it: its `refresh` columns,
/// status, expiry and updated_at take the new values.
pub fn renewal<E: RequestTable>(
    key: impl IntoIterator<Item = E::Column>,
    refresh: impl IntoIterator<Item = E::Column>,
) -> OnConflict {
    OnConflict::columns(key)
        .update_columns(
            refresh
                .into_iter()
                .chain([E::STATUS, E::EXPIRE_TIME, E::UPDATED_AT]),
        )
        .to_owned()
}
