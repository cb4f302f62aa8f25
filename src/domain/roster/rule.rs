//! The 1:1 messaging rule (3.13): whether one user may message another. `/roster/may_message`
//! asks it ([`pair`]); every 1:1 send keeps it inside its transaction (`domain::messages`): with
//! both user rows locked first (so a block, an unfriending or a disable that holds them has
//! committed), its message is inserted only where [`condition`] holds, read on the insert's own
//! fresh snapshot, and [`pair`] words a refusal. Both are built of the same SQL pieces (a block
//! either way, a friendship): one rule, as facts and as a condition.
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
    let (blocked, mut values) = blocked(sender, receiver);
    let (friends, friend_values) = friends(sender, receiver);
    values.extend(friend_values);
    values.extend([app_id.into(), sender.into(), receiver.into()]);
    let rows = sql::all(
        db,
        &format!(
            "SELECT u.id AS id, u.status AS status, COALESCE(s.auth_mode, 0) AS auth_mode, \
             CASE WHEN {blocked} THEN 1 ELSE 0 END AS blocks, \
             CASE WHEN {friends} THEN 1 ELSE 0 END AS friend \
             FROM users u LEFT JOIN user_settings s ON s.user_id = u.id \
             WHERE u.app_id = ? AND u.id IN (?, ?) ORDER BY u.id"
        ),
        values,
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
    if get::<i32>(s, "blocks")? > 0 {
        return Ok(Pair::Refused("one of the two blocked the other"));
    }
    if get::<i32>(s, "friend")? > 0 {
        return Ok(Pair::Allowed);
    }
    if get::<i32>(r, "auth_mode")? == AUTH_REFUSE_ALL {
        return Ok(Pair::Refused(
            "the receiver refuses strangers' messages (auth_mode 3)",
        ));
    }
    Ok(Pair::Allowed)
}

/// A block either way between `a` and `b`: an SQL condition and its values.
fn blocked(a: i64, b: i64) -> (&'static str, Vec<Value>) {
    (
        "EXISTS (SELECT 1 FROM roster_blacklist b WHERE (b.user_id = ? AND b.blocked_id = ?) \
         OR (b.user_id = ? AND b.blocked_id = ?))",
        vec![a.into(), b.into(), b.into(), a.into()],
    )
}

/// `a` has `b` as a friend: an SQL condition and its values.
fn friends(a: i64, b: i64) -> (&'static str, Vec<Value>) {
    (
        "EXISTS (SELECT 1 FROM roster_items r WHERE r.user_id = ? AND r.roster_id = ? \
         AND r.state = 0)",
        vec![a.into(), b.into()],
    )
}

/// The part of [`pair`] that a send checks on the users it has locked (both live): no block
/// either way, and friends, or a receiver whose auth_mode is not 3. An SQL condition with its
/// values, for the insert of the message; the same pieces as [`pair`]'s.
pub fn condition(sender: i64, receiver: i64) -> (String, Vec<Value>) {
    let (blocked, mut values) = blocked(sender, receiver);
    let (friends, friend_values) = friends(sender, receiver);
    values.extend(friend_values);
    values.push(receiver.into());
    (
        format!(
            "NOT {blocked} AND ({friends} \
             OR COALESCE((SELECT s.auth_mode FROM user_settings s WHERE s.user_id = ?), 0) \
             <> {AUTH_REFUSE_ALL})"
        ),
        values,
    )
}
