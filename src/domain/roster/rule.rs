//! The 1:1 messaging rule (3.13): whether one user may message another. `/roster/may_message`
//! asks it ([`pair`]); every 1:1 send keeps it inside its transaction (`domain::messages`): with
//! both user rows locked first (so a block, an unfriending or a disable that holds them has
//! committed), its message is inserted only where [`condition`] holds, read on the insert's own
//! fresh snapshot, and [`pair`] words a refusal. The two are one rule, written twice: as facts
//! and as a condition (`tests/it/messages.rs` holds them to the same answers).
use sea_orm::{ConnectionTrait, Value};

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
/// strangers (deleted friends too) may unless the receiver's auth_mode is 3. One statement.
pub async fn pair<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    sender: i64,
    receiver: i64,
) -> ApiResult<Pair> {
    let rows = sql::all(
        db,
        "SELECT u.id AS id, u.status AS status, COALESCE(s.auth_mode, 0) AS auth_mode, \
             (SELECT COUNT(*) FROM roster_blacklist b WHERE (b.user_id = ? AND b.blocked_id = ?) \
               OR (b.user_id = ? AND b.blocked_id = ?)) AS blocks, \
             (SELECT COUNT(*) FROM roster_items r WHERE r.user_id = ? AND r.roster_id = ? \
               AND r.state = 0) AS friend \
             FROM users u LEFT JOIN user_settings s ON s.user_id = u.id \
             WHERE u.app_id = ? AND u.id IN (?, ?) ORDER BY u.id",
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
    if get::<i32>(s, "status")? != 0 {
        return Ok(Pair::Refused("the sender is disabled"));
    }
    if sender == receiver {
        return Ok(Pair::Allowed);
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

/// The part of [`pair`] that a send checks on the users it has locked (both live): no block
/// either way, and friends, or a receiver whose auth_mode is not 3. An SQL condition with its
/// values, for the insert of the message.
pub fn condition(sender: i64, receiver: i64) -> (String, Vec<Value>) {
    (
        format!(
            "NOT EXISTS (SELECT 1 FROM roster_blacklist b WHERE (b.user_id = ? AND b.blocked_id = ?) \
               OR (b.user_id = ? AND b.blocked_id = ?)) \
             AND (EXISTS (SELECT 1 FROM roster_items r WHERE r.user_id = ? AND r.roster_id = ? \
               AND r.state = 0) \
               OR COALESCE((SELECT s.auth_mode FROM user_settings s WHERE s.user_id = ?), 0) <> {AUTH_REFUSE_ALL})"
        ),
        vec![
            sender.into(),
            receiver.into(),
            receiver.into(),
            sender.into(),
            sender.into(),
            receiver.into(),
            receiver.into(),
        ],
    )
}
