//! The 1:1 messaging rule (3.13): whether one user may message another. `/roster/may_message`
//! asks it; every 1:1 send runs it inside its transaction (`domain::messages`), with both user
//! rows locked, so the route and the store never disagree.
use sea_orm::ConnectionTrait;

use crate::domain::common::sql::{self, get};
use crate::domain::roster::items::AUTH_REFUSE_ALL;
use crate::error::{ApiError, ApiResult};

/// The answer of the 1:1 rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pair {
    Allowed,
    /// Refused, with the reason (shown in the error message).
    Refused(&'static str),
}

/// Whether `sender` may message `receiver` (both users of `app_id`; 10000 naming the first that
/// is not): refused when either blocked the other or either is disabled; friends may;
/// strangers (deleted friends too) may unless the receiver's auth_mode is 3. `lock` takes both
/// user rows `FOR SHARE` (ascending id) until the transaction ends, as a send does. One
/// statement.
pub async fn pair<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    sender: i64,
    receiver: i64,
    lock: bool,
) -> ApiResult<Pair> {
    let lock = if lock {
        sql::share_lock(db, "u")
    } else {
        String::new()
    };
    let rows = sql::all(
        db,
        &format!(
            "SELECT u.id AS id, u.status AS status, COALESCE(s.auth_mode, 0) AS auth_mode, \
             (SELECT COUNT(*) FROM roster_blacklist b WHERE (b.user_id = ? AND b.blocked_id = ?) \
               OR (b.user_id = ? AND b.blocked_id = ?)) AS blocks, \
             (SELECT COUNT(*) FROM roster_items r WHERE r.user_id = ? AND r.roster_id = ? \
               AND r.state = 0) AS friend \
             FROM users u LEFT JOIN user_settings s ON s.user_id = u.id \
             WHERE u.app_id = ? AND u.id IN (?, ?) ORDER BY u.id{lock}"
        ),
        vec![
            sender.into(),
            receiver.into(),
            receiver.into(),
            sender.into(),
            sender.into(),
            receiver.into(),
            app_id.into(),
            sender.into(),
            receiver.into(),
        ],
    )
    .await?;
    let find = |id: i64| -> ApiResult<&sea_orm::QueryResult> {
        for row in &rows {
            if get::<i64>(row, "id")? == id {
                return Ok(row);
            }
        }
        Err(ApiError::UserNotFound(id.to_string()))
    };
    let (s, r) = (find(sender)?, find(receiver)?);
    if sender == receiver {
        return Ok(Pair::Allowed);
    }
    if get::<i32>(s, "status")? != 0 {
        return Ok(Pair::Refused("the sender is disabled"));
    }
    if get::<i32>(r, "status")? != 0 {
        return Ok(Pair::Refused("the receiver is disabled"));
    }
    if get::<i64>(s, "blocks")? > 0 {
        return Ok(Pair::Refused("one of the two blocked the other"));
    }
    if get::<i64>(s, "friend")? > 0 {
        return Ok(Pair::Allowed);
    }
    if get::<i32>(r, "auth_mode")? == AUTH_REFUSE_ALL {
        return Ok(Pair::Refused(
            "the receiver refuses strangers' messages (auth_mode 3)",
        ));
    }
    Ok(Pair::Allowed)
}
