//! The message store's statements (tables of migration 000011): conversations and their
//! sequences, messages, and each user's positions in its conversations.
//!
//! **Sequences.** [`bump`] takes the conversation's next number with one upsert that holds the
//! conversation row until the transaction ends: the messages of a conversation are numbered in
//! commit order, without gaps (a send that rolls back gives its number back), also across
//! instances on one database; the message id is drawn after it, so within a conversation ids
//! rise with the sequence too. Lock order: conversations come after groups and memberships and
//! before users (`domain::common::tx`).
//!
//! Hot statements are written as SQL here (with `?` placeholders, numbered for PostgreSQL by
//! `common::sql::stmt`): each is one round trip on both databases.
use sea_orm::{ConnectionTrait, Value};

pub use crate::domain::common::sql::{all, exec, get, one, share_lock, stmt};
use crate::error::ApiResult;

/// `conversations.kind`: two users (the system sender is user 0).
pub const KIND_PAIR: i32 = 1;
/// `conversations.kind`: a group's conversation.
pub const KIND_GROUP: i32 = 2;
/// `conversations.kind`: the app's broadcasts (one per app, read by every user).
pub const KIND_BROADCAST: i32 = 3;

/// A conversation as the store names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: i32,
    pub low: i64,
    pub high: i64,
}

impl Key {
    /// The conversation of two users (the system sender is user 0).
    pub fn pair(a: i64, b: i64) -> Key {
        Key {
            kind: KIND_PAIR,
            low: a.min(b),
            high: a.max(b),
        }
    }

    pub fn group(group_id: i64) -> Key {
        Key {
            kind: KIND_GROUP,
            low: group_id,
            high: 0,
        }
    }

    pub fn broadcast() -> Key {
        Key {
            kind: KIND_BROADCAST,
            low: 0,
            high: 0,
        }
    }
}

/// A conversation's place for a new message: the conversation's id and the message's sequence.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub conversation_id: i64,
    pub seq: i64,
}

/// Take the next sequence of conversation `key` of `app_id` (creating the conversation at its
/// first message), holding its row until the transaction ends. One statement.
pub async fn bump<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    key: Key,
    now_ms: i64,
) -> ApiResult<Slot> {
    let row = one(
        db,
        "INSERT INTO conversations (app_id, kind, low_id, high_id, last_seq, last_at) \
         VALUES (?, ?, ?, ?, 1, ?) \
         ON CONFLICT (app_id, kind, low_id, high_id) \
         DO UPDATE SET last_seq = conversations.last_seq + 1, last_at = excluded.last_at \
         RETURNING id, last_seq",
        vec![
            app_id.into(),
            key.kind.into(),
            key.low.into(),
            key.high.into(),
            now_ms.into(),
        ],
    )
    .await?
    .ok_or(crate::error::ApiError::Internal(
        "the conversation upsert answered no row".into(),
    ))?;
    Ok(Slot {
        conversation_id: get(&row, "id")?,
        seq: get(&row, "last_seq")?,
    })
}

/// What a new message holds.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub from_id: i64,
    pub from_device: i32,
    pub to_id: i64,
    /// 1 a user, 2 a group, 3 every user of the app.
    pub to_type: i32,
    pub ctype: i32,
    pub is_system: bool,
    pub content: String,
    pub attachment: String,
    pub config: String,
    pub ext: String,
}

/// Store `m` at `slot` where `condition` (an SQL condition with its values, read on this
/// statement's own snapshot) holds; answers its msg_id, None when the condition did not hold.
/// One statement.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    slot: Slot,
    m: &NewMessage,
    now_ms: i64,
    condition: Option<(String, Vec<Value>)>,
) -> ApiResult<Option<i64>> {
    let (condition, extra) = condition.unwrap_or_else(|| ("1 = 1".to_owned(), vec![]));
    let mut values: Vec<Value> = vec![
        slot.conversation_id.into(),
        slot.seq.into(),
        m.from_id.into(),
        m.from_device.into(),
        m.to_id.into(),
        m.to_type.into(),
        m.ctype.into(),
        m.is_system.into(),
        m.content.clone().into(),
        m.attachment.clone().into(),
        m.config.clone().into(),
        m.ext.clone().into(),
        now_ms.into(),
    ];
    values.extend(extra);
    let row = one(
        db,
        &format!(
            "INSERT INTO messages (conversation_id, seq, from_id, from_device, to_id, to_type, \
             ctype, is_system, content, attachment, config, ext, created_at) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {condition} RETURNING id"
        ),
        values,
    )
    .await?;
    row.map(|r| get(&r, "id")).transpose()
}

/// One user's row of a conversation to write: whom it names as the conversation (`peer`), and
/// the read position to move to (0: keep it; a sender reads its own message).
#[derive(Clone, Copy, Debug)]
pub struct Position {
    pub user_id: i64,
    pub peer: i64,
    pub read_to: i64,
}

/// Create or move the rows of `positions` in conversation `conversation_id`: each read position
/// moves forwards only. One statement.
pub async fn touch<C: ConnectionTrait>(
    db: &C,
    conversation_id: i64,
    positions: &[Position],
) -> ApiResult<()> {
    if positions.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO conversation_states (user_id, conversation_id, peer_id, read_seq, delivered_seq) VALUES ",
    );
    let mut values: Vec<Value> = Vec::new();
    for (i, p) in positions.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?)");
        values.extend([
            p.user_id.into(),
            conversation_id.into(),
            p.peer.into(),
            p.read_to.into(),
            p.read_to.into(),
        ]);
    }
    sql.push_str(
        " ON CONFLICT (user_id, conversation_id) DO UPDATE SET \
         read_seq = {max}(conversation_states.read_seq, excluded.read_seq), \
         delivered_seq = {max}(conversation_states.delivered_seq, excluded.delivered_seq)",
    );
    exec(db, &sql, values).await?;
    Ok(())
}

/// A group's conversation at its first message: a row for every member (all of them see the
/// whole conversation). One statement.
pub async fn seat_members<C: ConnectionTrait>(
    db: &C,
    conversation_id: i64,
    group_id: i64,
) -> ApiResult<()> {
    exec(
        db,
        "INSERT INTO conversation_states (user_id, conversation_id, peer_id) \
         SELECT user_id, ?, ? FROM group_members WHERE group_id = ? \
         ON CONFLICT (user_id, conversation_id) DO NOTHING",
        vec![conversation_id.into(), group_id.into(), group_id.into()],
    )
    .await?;
    Ok(())
}
