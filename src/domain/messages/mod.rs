//! Messages (chapter 5): the sequenced store (`store`), the rules every send keeps (`rules`),
//! sending (`send`), history and unread counts (`history`), and read receipts, recalls and
//! deletions (`receipts`). Uses `roster` and `groups` (their rules), `identity` and `common`.
//!
//! A conversation is named by one id, as the original's clients name it: the peer user's id,
//! a group's id (one id space: no id names both), or 0, the user's system conversation (the
//! notifications of `notify` from the system sender, user 0, and the app's broadcasts).
pub mod history;
pub mod receipts;
pub mod rules;
pub mod send;
pub mod store;

use sea_orm::ConnectionTrait;

use crate::error::{ApiError, ApiResult};
use rules::GroupFacts;
use store::{Key, get};

/// The system sender: notifications and broadcasts come from user 0 (no user has that id).
pub const SYSTEM_SENDER: i64 = 0;
/// `type` of a send: users.
pub const TO_USER: i32 = 1;
/// `type` of a send: groups.
pub const TO_GROUP: i32 = 2;
/// `to_type` of a broadcast: every user of the app.
pub const TO_ALL: i32 = 3;

/// The content types a message is stored with, by number (0-7).
pub const CTYPE_NAMES: [&str; 8] = [
    "TEXT", "IMAGE", "AUDIO", "VIDEO", "FILE", "LOCATION", "COMMAND", "FORWARD",
];
pub const CTYPE_FORWARD: i32 = 7;
/// content_type of a read ack sent through /message/send.
pub const CTYPE_READ_ACK: i32 = 9;
/// content_type of a recall sent through /message/send.
pub const CTYPE_RECALL: i32 = 10;

/// A conversation as one user names it, with where that user stands in it.
#[derive(Clone, Debug)]
pub struct Named {
    /// The id the user names it by (a user, a group, 0).
    pub peer: i64,
    /// The group, when it is a group's conversation (the user is a member).
    pub group: Option<GroupFacts>,
    /// Its parts: one conversation, or two for the system conversation (notifications, then
    /// broadcasts).
    pub keys: Vec<Key>,
    /// The other user of a 1:1 conversation (its positions make the status of what the user
    /// sent).
    pub other: Option<i64>,
}

/// The conversation `peer` names for `user` of `app_id`: 0 is its system conversation; a group
/// of the app is the group's conversation (`need_live`: not dissolved; the user must be a
/// member, 20011, and not blacklisted, 20018); any other id a 1:1 conversation. One statement.
pub async fn name<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    user: i64,
    peer: i64,
    need_live: bool,
) -> ApiResult<Named> {
    if peer == 0 {
        return Ok(Named {
            peer,
            group: None,
            keys: vec![Key::pair(SYSTEM_SENDER, user), Key::broadcast()],
            other: None,
        });
    }
    if peer < 0 {
        return Err(ApiError::bad(format!("{peer} names no conversation")));
    }
    if let Some(found) = rules::group_facts(db, app_id, peer, user).await? {
        let facts = if need_live {
            rules::group_live(Some(found), peer)?
        } else {
            found
        };
        rules::not_blacklisted(&facts)?;
        rules::member(&facts)?;
        return Ok(Named {
            peer,
            group: Some(facts),
            keys: vec![Key::group(peer)],
            other: None,
        });
    }
    Ok(Named {
        peer,
        group: None,
        keys: vec![Key::pair(user, peer)],
        other: Some(peer),
    })
}

/// One part of a named conversation as it stands, with the positions of the user (and of the
/// other user of a 1:1 conversation).
#[derive(Clone, Debug)]
pub struct Part {
    pub conversation_id: i64,
    pub kind: i32,
    pub last_seq: i64,
    pub read: i64,
    pub delivered: i64,
    pub cleared: i64,
    pub joined: i64,
    pub other_read: i64,
    pub other_delivered: i64,
}

impl Part {
    /// The highest sequence the user's history hides: its deletion point, and the join point of
    /// a group whose history new members do not see (broadcasts: from its registration).
    pub fn floor(&self, history_visible: bool) -> i64 {
        if history_visible {
            self.cleared
        } else {
            self.cleared.max(self.joined)
        }
    }
}

/// The parts of `named` that exist (a conversation exists from its first message), in the
/// order of `named.keys`. One statement.
pub async fn parts<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    user: i64,
    named: &Named,
) -> ApiResult<Vec<Part>> {
    let mut sql = String::from(
        "SELECT c.id AS id, c.kind AS kind, c.last_seq AS last_seq, \
         s.read_seq AS read_seq, s.delivered_seq AS delivered_seq, s.cleared_seq AS cleared_seq, \
         s.joined_seq AS joined_seq, p.read_seq AS other_read, p.delivered_seq AS other_delivered \
         FROM conversations c \
         LEFT JOIN conversation_states s ON s.conversation_id = c.id AND s.user_id = ? \
         LEFT JOIN conversation_states p ON p.conversation_id = c.id AND p.user_id = ? \
         WHERE c.app_id = ? AND (",
    );
    let mut values: Vec<sea_orm::Value> =
        vec![user.into(), named.other.unwrap_or(-1).into(), app_id.into()];
    for (i, k) in named.keys.iter().enumerate() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str("(c.kind = ? AND c.low_id = ? AND c.high_id = ?)");
        values.extend([k.kind.into(), k.low.into(), k.high.into()]);
    }
    sql.push(')');
    let rows = store::all(db, &sql, values).await?;
    let mut parts = Vec::with_capacity(rows.len());
    for row in &rows {
        let opt = |col: &str| -> ApiResult<i64> { Ok(get::<Option<i64>>(row, col)?.unwrap_or(0)) };
        parts.push(Part {
            conversation_id: get(row, "id")?,
            kind: get(row, "kind")?,
            last_seq: get(row, "last_seq")?,
            read: opt("read_seq")?,
            delivered: opt("delivered_seq")?,
            cleared: opt("cleared_seq")?,
            joined: opt("joined_seq")?,
            other_read: opt("other_read")?,
            other_delivered: opt("other_delivered")?,
        });
    }
    parts.sort_by_key(|p| p.kind);
    Ok(parts)
}
