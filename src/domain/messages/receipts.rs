//! Read receipts (`ack`), recalls and deleting a conversation's history for oneself.
use sea_orm::ConnectionTrait;

use super::store::{self, KIND_BROADCAST, KIND_GROUP, KIND_PAIR, Key, get};
use super::{Named, Part, SYSTEM_SENDER, name, parts};
use crate::domain::common::tx;
use crate::domain::groups::roles::Role;
use crate::domain::identity::auth::{Caller, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// A stored message with its conversation.
struct Stored {
    id: i64,
    conversation_id: i64,
    seq: i64,
    from_id: i64,
    to_type: i32,
    to_id: i64,
    created_at: i64,
    recalled: bool,
    key: Key,
}

/// Message `msg_id` of `app_id` (`lock`: its row `FOR UPDATE`). One statement.
async fn stored<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    msg_id: i64,
    lock: bool,
) -> ApiResult<Stored> {
    let lock = match (lock, db.get_database_backend()) {
        (true, sea_orm::DbBackend::Postgres) => " FOR UPDATE OF m",
        _ => "",
    };
    let row = store::one(
        db,
        &format!(
            "SELECT m.id AS id, m.conversation_id AS conversation_id, m.seq AS seq, \
             m.from_id AS from_id, m.to_type AS to_type, m.to_id AS to_id, \
             m.created_at AS created_at, m.recalled_at AS recalled_at, \
             c.kind AS kind, c.low_id AS low_id, c.high_id AS high_id \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.id = ? AND c.app_id = ?{lock}"
        ),
        vec![msg_id.into(), app_id.into()],
    )
    .await?
    .ok_or(ApiError::MessageNotFound(msg_id))?;
    Ok(Stored {
        id: get(&row, "id")?,
        conversation_id: get(&row, "conversation_id")?,
        seq: get(&row, "seq")?,
        from_id: get(&row, "from_id")?,
        to_type: get(&row, "to_type")?,
        to_id: get(&row, "to_id")?,
        created_at: get(&row, "created_at")?,
        recalled: get::<Option<i64>>(&row, "recalled_at")?.is_some(),
        key: Key {
            kind: get(&row, "kind")?,
            low: get(&row, "low_id")?,
            high: get(&row, "high_id")?,
        },
    })
}

impl Stored {
    /// The id `user` names this message's conversation by (None: not one of its conversations).
    fn peer_for(&self, user: i64) -> Option<i64> {
        match self.key.kind {
            KIND_PAIR if self.key.low == user => Some(self.key.high),
            KIND_PAIR if self.key.high == user => Some(self.key.low),
            KIND_GROUP => Some(self.key.low),
            KIND_BROADCAST => Some(0),
            _ => None,
        }
    }
}

/// The part of `found` that holds `m` (60005: the message is not in this conversation).
fn part_of<'a>(found: &'a [Part], m: &Stored) -> ApiResult<&'a Part> {
    found
        .iter()
        .find(|p| p.conversation_id == m.conversation_id)
        .ok_or(ApiError::MessageNotFound(m.id))
}

/// GET /message/ack: the acting user has read its conversation `conversation_id` up to
/// `msg_id` (that message and every older one; without msg_id: everything). Its read position
/// moves forwards only, and with it the device's (`device_sn`, default the token's device):
/// what it sent shows READ to the sender. A read receipt (event) is recorded in 1:1
/// conversations, and in groups whose read_ack is on. Without conversation_id the message names
/// it. A GET that writes.
pub async fn ack(
    state: &AppState,
    caller: &Caller,
    conversation_id: Option<i64>,
    msg_id: Option<i64>,
    device_sn: Option<i32>,
) -> ApiResult<bool> {
    let user = caller.user_id()?;
    let device = device_sn.or(match caller.kind {
        TokenKind::User { device_sn, .. } => Some(device_sn),
        TokenKind::Admin => None,
    });
    tx::transaction!(state, |txn| {
        ack_in(txn, caller, user, device, conversation_id, msg_id).await
    })
}

/// The body of [`ack`], inside the caller's transaction (also of a read ack sent through
/// /message/send).
pub(super) async fn ack_in<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    user: i64,
    device: Option<i32>,
    conversation_id: Option<i64>,
    msg_id: Option<i64>,
) -> ApiResult<bool> {
    let app_id = caller.app_id.clone();
    let message = match msg_id {
        Some(id) => Some(stored(txn, &app_id, id, false).await?),
        None => None,
    };
    let peer = match (conversation_id, &message) {
        (Some(c), _) => c,
        (None, Some(m)) => m.peer_for(user).ok_or(ApiError::MessageNotFound(m.id))?,
        (None, None) => {
            return Err(ApiError::bad(
                "conversation_id or msg_id is required: which conversation was read",
            ));
        }
    };
    let named = name(txn, &app_id, user, peer, false).await?;
    let found = parts(txn, &app_id, user, &named).await?;
    let targets: Vec<(&Part, i64)> = match &message {
        Some(m) => vec![(part_of(&found, m)?, m.seq)],
        None => found.iter().map(|p| (p, p.last_seq)).collect(),
    };
    for (part, seq) in targets {
        if seq <= part.read && device.is_none() {
            continue;
        }
        store::touch(
            txn,
            part.conversation_id,
            &[store::Position {
                user_id: user,
                peer,
                read_to: seq,
            }],
        )
        .await?;
        if let Some(sn) = device {
            store::exec(
                txn,
                "INSERT INTO device_positions (user_id, device_sn, conversation_id, acked_seq) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (user_id, device_sn, conversation_id) \
                 DO UPDATE SET acked_seq = {max}(device_positions.acked_seq, excluded.acked_seq)",
                vec![
                    user.into(),
                    sn.into(),
                    part.conversation_id.into(),
                    seq.into(),
                ],
            )
            .await?;
        }
        let receipt = match part.kind {
            KIND_PAIR => peer != SYSTEM_SENDER,
            KIND_GROUP => named.group.as_ref().is_some_and(|g| g.read_ack),
            _ => false,
        };
        if receipt && seq > part.read {
            caller.record(EventKind::MessagesRead {
                user_id: user,
                peer_id: peer,
                msg_id: message.as_ref().map_or(0, |m| m.id),
                seq,
            });
        }
    }
    Ok(true)
}

/// PUT /message/recall: message `msg_id` of conversation `conversation_id` (as the acting user
/// names it) becomes a recalled tombstone: it keeps its place, its content, attachment, config
/// and ext are emptied. Its sender may recall it within the recall window (60004 after), a
/// group's owner and admins any message of the group, the app admin token any message of the
/// app (acting on a group: that group's), at any time; anyone else 10010. A recalled message answers true again.
pub async fn recall(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
    msg_id: i64,
) -> ApiResult<bool> {
    let now = state.now_ms();
    let window = state.settings.recall_window_ms;
    tx::transaction!(state, |txn| {
        recall_in(txn, caller, now, window, conversation_id, msg_id).await
    })
}

/// The body of [`recall`], inside the caller's transaction (also of a recall sent through
/// /message/send).
pub(super) async fn recall_in<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    now: i64,
    window: i64,
    conversation_id: i64,
    msg_id: i64,
) -> ApiResult<bool> {
    let app_id = caller.app_id.clone();
    let m = stored(txn, &app_id, msg_id, true).await?;
    let by = if caller.is_admin() && caller.as_user.is_none() {
        // an admin token acting on a group (group_id) recalls in that group only
        if caller.as_group.is_some_and(|g| m.key != Key::group(g)) {
            return Err(ApiError::denied(
                "an admin token acting on a group recalls only that group's messages",
            ));
        }
        // the conversation as either side names it: a pair by either user, a group by its
        // id, the broadcasts by 0
        let named = match m.key.kind {
            KIND_PAIR => conversation_id == m.key.low || conversation_id == m.key.high,
            KIND_GROUP => conversation_id == m.key.low,
            _ => conversation_id == 0,
        };
        if !named {
            return Err(ApiError::MessageNotFound(msg_id));
        }
        0
    } else {
        let user = caller.user_id()?;
        let named: Named = name(txn, &app_id, user, conversation_id, false).await?;
        if !named.keys.contains(&m.key) {
            return Err(ApiError::MessageNotFound(msg_id));
        }
        let moderator = named
            .group
            .as_ref()
            .and_then(|g| g.role)
            .is_some_and(|r| r >= Role::Admin);
        if !(caller.is_admin() || moderator) {
            if m.from_id != user {
                return Err(ApiError::denied(
                    "only its sender, the group's owner and admins, or the app admin recall a message",
                ));
            }
            if now - m.created_at > window {
                return Err(ApiError::RecallWindowPassed(window / 1000));
            }
        }
        user
    };
    if m.recalled {
        return Ok(true);
    }
    store::exec(
        txn,
        "UPDATE messages SET content = '', attachment = '', config = '', ext = '', \
         recalled_at = ?, recalled_by = ? WHERE id = ?",
        vec![now.into(), by.into(), m.id.into()],
    )
    .await?;
    caller.record(EventKind::MessageRecalled {
        msg_id: m.id,
        from_id: m.from_id,
        to_type: m.to_type,
        to_id: m.to_id,
        by,
    });
    Ok(true)
}

/// DELETE /message/conversation: the acting user's history of conversation `conversation_id`
/// ends here (for it alone: its peers keep theirs); nothing of it stays unread. New messages
/// appear as before. A conversation without messages answers true as well.
pub async fn delete_conversation(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
) -> ApiResult<bool> {
    let user = caller.user_id()?;
    let app_id = caller.app_id.clone();
    tx::transaction!(state, |txn| {
        let named = name(txn, &app_id, user, conversation_id, false).await?;
        for part in parts(txn, &app_id, user, &named).await? {
            store::exec(
                txn,
                "INSERT INTO conversation_states \
                 (user_id, conversation_id, peer_id, read_seq, delivered_seq, cleared_seq) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, conversation_id) DO UPDATE SET \
                 read_seq = {max}(conversation_states.read_seq, excluded.read_seq), \
                 delivered_seq = {max}(conversation_states.delivered_seq, excluded.delivered_seq), \
                 cleared_seq = {max}(conversation_states.cleared_seq, excluded.cleared_seq)",
                vec![
                    user.into(),
                    part.conversation_id.into(),
                    conversation_id.into(),
                    part.last_seq.into(),
                    part.last_seq.into(),
                    part.last_seq.into(),
                ],
            )
            .await?;
            caller.record(EventKind::ConversationCleared {
                user_id: user,
                peer_id: conversation_id,
                seq: part.last_seq,
            });
        }
        Ok(true)
    })
}

/// Hide message `msg_id` of conversation `conversation_id` (as the acting user names it) from
/// the acting user's own history: the delete operation of the original's clients (its real-time
/// protocol). Others keep the message; hiding it again answers true. 60005 when the message is
/// not in the conversation.
pub async fn hide(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
    msg_id: i64,
) -> ApiResult<bool> {
    let user = caller.user_id()?;
    let app_id = caller.app_id.clone();
    tx::transaction!(state, |txn| {
        let m = stored(txn, &app_id, msg_id, false).await?;
        let named = name(txn, &app_id, user, conversation_id, false).await?;
        if !named.keys.contains(&m.key) {
            return Err(ApiError::MessageNotFound(msg_id));
        }
        let added = store::exec(
            txn,
            "INSERT INTO message_hides (user_id, message_id) VALUES (?, ?) \
             ON CONFLICT (user_id, message_id) DO NOTHING",
            vec![user.into(), m.id.into()],
        )
        .await?;
        if added > 0 {
            caller.record(EventKind::MessageHidden {
                user_id: user,
                peer_id: conversation_id,
                msg_id: m.id,
            });
        }
        Ok(true)
    })
}
