//! Reading: a conversation's history, page by page backwards (`GET /message/conversation`),
//! and the user's unread counts (`GET /message/unread`). Both write nothing and run a constant
//! number of statements: history three (the group, the conversation with the positions, the
//! page; the system conversation: its parts, then a page of each), unread one.
use super::store::{self, KIND_BROADCAST, KIND_GROUP, get};
use super::{CTYPE_NAMES, Part, TO_GROUP, name, parts};
use crate::domain::identity::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most messages of one history page.
pub const MAX_PAGE: i32 = crate::domain::common::paging::MAX_LIMIT as i32;

/// How far a message has come, as the viewer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Unread,
    Delivered,
    Read,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Unread => "UNREAD",
            Status::Delivered => "DELIVERED",
            Status::Read => "READ",
        }
    }

    fn of(seq: i64, read: i64, delivered: i64) -> Status {
        if read >= seq {
            Status::Read
        } else if delivered >= seq {
            Status::Delivered
        } else {
            Status::Unread
        }
    }
}

/// One message of a history page.
#[derive(Clone, Debug)]
pub struct Item {
    pub msg_id: i64,
    pub from_id: i64,
    pub from_device: i32,
    pub to_id: i64,
    pub ctype: &'static str,
    pub content: String,
    pub attachment: String,
    pub config: String,
    pub ext: String,
    pub status: Status,
    pub timestamp: i64,
    pub recalled: bool,
    pub system: bool,
}

/// A page of history, newest first.
#[derive(Clone, Debug)]
pub struct Page {
    pub messages: Vec<Item>,
    /// No older message follows.
    pub is_last: bool,
    /// The msg_id_start of the next page (the newest message not on this one), 0 when last.
    pub next_msg_id: i64,
}

/// The conversation the acting user names `peer`, from `msg_id_start` (0: the newest; else
/// that message and older) backwards, at most `limit` (1-1000) messages. Hidden: what the
/// user deleted (`DELETE /message/conversation`) or hid, and in a group whose history_visible is
/// off what came before the user joined. Groups: members only (20011).
pub async fn page(
    state: &AppState,
    caller: &Caller,
    peer: i64,
    msg_id_start: i64,
    limit: i32,
) -> ApiResult<Page> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad(format!(
            "limit must be 1-{MAX_PAGE}, got {limit}"
        )));
    }
    if msg_id_start < 0 {
        return Err(ApiError::bad(
            "msg_id_start must be 0 (the newest) or a msg_id",
        ));
    }
    let user = caller.user_id()?;
    let db = &state.db;
    let named = name(db, &caller.app_id, user, peer, false).await?;
    let found = parts(db, &caller.app_id, user, &named).await?;
    let empty = Page {
        messages: vec![],
        is_last: true,
        next_msg_id: 0,
    };
    if found.is_empty() {
        return Ok(empty);
    }
    let visible = named.group.as_ref().is_none_or(|g| g.history_visible);
    let floor = |p: &Part| p.floor(p.kind != KIND_BROADCAST && visible);
    let cols = "SELECT m.id AS id, m.conversation_id AS conversation_id, m.seq AS seq, \
                m.from_id AS from_id, m.from_device AS from_device, m.to_id AS to_id, \
                m.to_type AS to_type, m.ctype AS ctype, m.is_system AS is_system, \
                m.content AS content, m.attachment AS attachment, m.config AS config, m.ext AS ext, \
                m.created_at AS created_at, m.recalled_at AS recalled_at FROM messages m WHERE ";
    let hidden = "AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = ? AND h.message_id = m.id)";
    let rows = if let [part] = found.as_slice() {
        let mut values: Vec<sea_orm::Value> = vec![part.conversation_id.into(), floor(part).into()];
        let start = if msg_id_start == 0 {
            values.push(i64::MAX.into());
            "?"
        } else {
            values.extend([msg_id_start.into(), part.conversation_id.into()]);
            "(SELECT s.seq FROM messages s WHERE s.id = ? AND s.conversation_id = ?)"
        };
        values.extend([user.into(), (limit as i64 + 1).into()]);
        store::all(
            db,
            &format!(
                "{cols}m.conversation_id = ? AND m.seq > ? AND m.seq <= {start} {hidden} \
                 ORDER BY m.seq DESC LIMIT ?"
            ),
            values,
        )
        .await?
    } else {
        // the system conversation: notifications and broadcasts, a page of each (each walks
        // its own conversation backwards by sequence, where ids rise with it), merged by msg_id
        let start = if msg_id_start == 0 {
            i64::MAX
        } else {
            msg_id_start
        };
        let mut rows = Vec::new();
        for p in &found {
            rows.extend(
                store::all(
                    db,
                    &format!(
                        "{cols}m.conversation_id = ? AND m.seq > ? AND m.id <= ? {hidden} \
                         ORDER BY m.seq DESC LIMIT ?"
                    ),
                    vec![
                        p.conversation_id.into(),
                        floor(p).into(),
                        start.into(),
                        user.into(),
                        (limit as i64 + 1).into(),
                    ],
                )
                .await?,
            );
        }
        let mut keyed = Vec::with_capacity(rows.len());
        for row in rows {
            keyed.push((get::<i64>(&row, "id")?, row));
        }
        keyed.sort_by_key(|k| std::cmp::Reverse(k.0));
        keyed.truncate(limit as usize + 1);
        keyed.into_iter().map(|(_, row)| row).collect()
    };
    let mut messages = Vec::with_capacity(rows.len());
    for row in &rows {
        let conversation_id: i64 = get(row, "conversation_id")?;
        let part = found
            .iter()
            .find(|p| p.conversation_id == conversation_id)
            .ok_or(ApiError::Internal(
                "a message of another conversation".into(),
            ))?;
        let seq: i64 = get(row, "seq")?;
        let from_id: i64 = get(row, "from_id")?;
        let to_type: i32 = get(row, "to_type")?;
        let status = if from_id == user {
            if to_type == TO_GROUP || part.kind == KIND_GROUP {
                Status::Delivered
            } else {
                Status::of(seq, part.other_read, part.other_delivered)
            }
        } else {
            Status::of(seq, part.read, part.delivered)
        };
        let ctype: i32 = get(row, "ctype")?;
        messages.push(Item {
            msg_id: get(row, "id")?,
            from_id,
            from_device: get(row, "from_device")?,
            to_id: get(row, "to_id")?,
            ctype: CTYPE_NAMES.get(ctype as usize).copied().unwrap_or("TEXT"),
            content: get(row, "content")?,
            attachment: get(row, "attachment")?,
            config: get(row, "config")?,
            ext: get(row, "ext")?,
            status,
            timestamp: get(row, "created_at")?,
            recalled: get::<Option<i64>>(row, "recalled_at")?.is_some(),
            system: get(row, "is_system")?,
        });
    }
    if messages.len() > limit as usize {
        let next = messages.pop().map_or(0, |m| m.msg_id);
        return Ok(Page {
            messages,
            is_last: false,
            next_msg_id: next,
        });
    }
    Ok(Page {
        messages,
        is_last: true,
        next_msg_id: 0,
    })
}

/// One conversation with unread messages: the id the user names it by, and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unread {
    pub peer: i64,
    pub num: i64,
}

/// The acting user's conversations with unread messages, the most recent first: 1:1
/// conversations, groups it is a member of (live ones), and its system conversation (id 0:
/// notifications and broadcasts since it registered). One statement, constant work per
/// conversation (last sequence minus read position).
pub async fn unread(state: &AppState, caller: &Caller) -> ApiResult<Vec<Unread>> {
    let user = caller.user_id()?;
    let rows = store::all(
        &state.db,
        "SELECT s.peer_id AS peer, c.last_seq - s.read_seq AS num, c.last_at AS last_at \
         FROM conversation_states s JOIN conversations c ON c.id = s.conversation_id \
         WHERE s.user_id = ? AND c.last_seq > s.read_seq AND (c.kind <> 2 OR EXISTS ( \
           SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id \
           WHERE gm.group_id = c.low_id AND gm.user_id = s.user_id AND g.status = 0)) \
         UNION ALL \
         SELECT 0 AS peer, c.last_seq AS num, c.last_at AS last_at FROM conversations c \
         WHERE c.app_id = ? AND c.kind = 3 AND c.last_seq > 0 AND NOT EXISTS ( \
           SELECT 1 FROM conversation_states s WHERE s.user_id = ? AND s.conversation_id = c.id)",
        vec![user.into(), caller.app_id.clone().into(), user.into()],
    )
    .await?;
    let mut found: Vec<(Unread, i64)> = Vec::with_capacity(rows.len());
    for row in &rows {
        let peer: i64 = get(row, "peer")?;
        let num: i64 = get(row, "num")?;
        let at: i64 = get(row, "last_at")?;
        // the system conversation's two parts count as one (every other peer is one row)
        if let Some((u, last)) = (peer == 0)
            .then(|| found.iter_mut().find(|(u, _)| u.peer == 0))
            .flatten()
        {
            u.num += num;
            *last = (*last).max(at);
        } else {
            found.push((Unread { peer, num }, at));
        }
    }
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.peer.cmp(&b.0.peer)));
    Ok(found.into_iter().map(|(u, _)| u).collect())
}
