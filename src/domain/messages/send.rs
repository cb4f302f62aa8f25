//! Sending: `send` (as the calling user, or with the app admin token as `from_user_id`),
//! `notify` (the app admin's system notifications) and `broadcast` (a system message to every
//! user of the app, stored once). Each request is one transaction: every target's message is
//! stored, or none.
//!
//! Order of a send's statements, which is the lock order: the transaction_id's row (when given),
//! then per group target its group `FOR SHARE`, then every target's conversation (ascending
//! key), then the users `FOR SHARE`, then the positions; the facts a rule decides on are read
//! after the rows they depend on are held (see `rules`). A warm 1:1 send runs four statements: the
//! conversation's sequence, both users held (their statuses), the message inserted where the
//! roster's rule holds, both positions.
use sea_orm::ConnectionTrait;

use super::rules::{self, Pair};
use super::store::{self, Key, NewMessage, Position, Slot};
use super::{CTYPE_FORWARD, CTYPE_READ_ACK, CTYPE_RECALL, SYSTEM_SENDER, TO_GROUP, TO_USER};
use crate::domain::common::tx;
use crate::domain::identity::auth::{Caller, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

/// Most targets of one send.
pub const MAX_TARGETS: usize = 500;
/// Longest content, in characters.
pub const MAX_CONTENT: usize = 16_384;
/// Longest attachment, config and ext, in characters each.
pub const MAX_EXTRA: usize = 4_096;
/// How long a transaction_id deduplicates a sender's repeats, in ms.
pub const DEDUP_WINDOW_MS: i64 = 10 * 60 * 1000;

/// A send, notify or broadcast as a request states it.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    /// 1 users, 2 groups.
    pub to_type: i32,
    pub targets: Vec<i64>,
    pub content_type: i32,
    pub content: String,
    pub attachment: Option<String>,
    pub config: Option<String>,
    pub ext: Option<String>,
    pub from_user_id: Option<i64>,
    pub transaction_id: Option<i64>,
    pub online_only: Option<bool>,
    pub related_mid: Option<i64>,
}

/// What a send answered: the ids of the messages stored, one per target in the order of the
/// request (a repeated transaction_id: the first send's).
pub type Sent = Vec<i64>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Send,
    Notify,
}

fn check_len(field: &str, value: &str, max: usize) -> ApiResult<()> {
    let n = value.chars().count();
    if n > max {
        return Err(ApiError::bad(format!(
            "{field} is longer than {max} characters ({n})"
        )));
    }
    Ok(())
}

/// The checks every message shares: its size limits and its content type (0-7 stored; 9 and
/// 10 through `send` act as ack and recall; 11 and 12, edits, are not supported).
fn check_body(o: &Outgoing, mode: Mode) -> ApiResult<()> {
    check_len("content", &o.content, MAX_CONTENT)?;
    for (field, value) in [
        ("attachment", &o.attachment),
        ("config", &o.config),
        ("ext", &o.ext),
    ] {
        check_len(field, value.as_deref().unwrap_or(""), MAX_EXTRA)?;
    }
    if o.online_only == Some(true) {
        return Err(ApiError::bad(
            "online_only true is not supported yet: this server has no live delivery, so every message is stored",
        ));
    }
    match o.content_type {
        0..=CTYPE_FORWARD => Ok(()),
        CTYPE_READ_ACK | CTYPE_RECALL if mode == Mode::Send => {
            if o.related_mid.is_none() {
                return Err(ApiError::bad(
                    "related_mid is required with content_type 9 (read ack) and 10 (recall)",
                ));
            }
            Ok(())
        }
        11 | 12 => Err(ApiError::bad(
            "content_type 11 (APPEND) and 12 (REPLACE), edits of a sent message, are not supported",
        )),
        other => Err(ApiError::bad(format!(
            "content_type must be 0-7 (TEXT, IMAGE, AUDIO, VIDEO, FILE, LOCATION, COMMAND, FORWARD){}, got {other}",
            if mode == Mode::Send {
                ", or 9 (read ack) and 10 (recall) with related_mid"
            } else {
                ""
            }
        ))),
    }
}

/// The targets, each once, in the order of the request (10002 outside 1-500).
fn check_targets(o: &Outgoing) -> ApiResult<Vec<i64>> {
    if o.to_type != TO_USER && o.to_type != TO_GROUP {
        return Err(ApiError::bad(format!(
            "type must be 1 (users) or 2 (groups), got {}",
            o.to_type
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let targets: Vec<i64> = o
        .targets
        .iter()
        .copied()
        .filter(|t| seen.insert(*t))
        .collect();
    if targets.is_empty() || targets.len() > MAX_TARGETS {
        return Err(ApiError::bad(format!(
            "targets must hold 1-{MAX_TARGETS} ids, got {}",
            targets.len()
        )));
    }
    if let Some(bad) = targets.iter().find(|t| **t <= 0) {
        return Err(ApiError::bad(format!("targets: {bad} is not an id")));
    }
    Ok(targets)
}

/// Who sends, and from which device: a user token sends as its user (from_user_id, when given,
/// must be that user: 10010); the app admin token as from_user_id or the user it acts as (send:
/// one of them is required, 10002; notify: the system sender without them). An admin token
/// acting on a group sends nothing (10010).
fn sender(caller: &Caller, o: &Outgoing, mode: Mode) -> ApiResult<(i64, i32)> {
    if caller.as_group.is_some() {
        return Err(ApiError::denied(
            "an admin token acting on a group (group_id) does not send messages",
        ));
    }
    match caller.kind {
        TokenKind::User { user_id, device_sn } => {
            if mode == Mode::Notify {
                return Err(ApiError::denied(
                    "system notifications need the app admin token",
                ));
            }
            if o.from_user_id.is_some_and(|f| f != user_id) {
                return Err(ApiError::denied(
                    "a user token sends as its own user (from_user_id names another)",
                ));
            }
            Ok((user_id, device_sn))
        }
        TokenKind::Admin => match (o.from_user_id.or(caller.as_user), mode) {
            (Some(id), _) => Ok((id, 0)),
            (None, Mode::Notify) => Ok((SYSTEM_SENDER, 0)),
            (None, Mode::Send) => Err(ApiError::bad(
                "from_user_id is required with the app admin token",
            )),
        },
    }
}

/// POST /message/send.
pub async fn send(state: &AppState, caller: &Caller, o: Outgoing) -> ApiResult<Sent> {
    deliver(state, caller, o, Mode::Send).await
}

/// POST /message/notify: a system notification (the app admin token), from from_user_id or the
/// system sender (user 0); the 1:1 and group rules do not apply to it, the targets must exist.
pub async fn notify(state: &AppState, caller: &Caller, o: Outgoing) -> ApiResult<Sent> {
    deliver(state, caller, o, Mode::Notify).await
}

async fn deliver(state: &AppState, caller: &Caller, o: Outgoing, mode: Mode) -> ApiResult<Sent> {
    check_body(&o, mode)?;
    let targets = check_targets(&o)?;
    let (from, device) = sender(caller, &o, mode)?;
    if o.content_type == CTYPE_READ_ACK || o.content_type == CTYPE_RECALL {
        return act_through_send(state, caller, &o, from, device, &targets).await;
    }
    let now = state.now_ms();
    let app_id = caller.app_id.clone();
    let system = mode == Mode::Notify;
    let message = NewMessage {
        from_id: from,
        from_device: device,
        to_id: 0,
        to_type: o.to_type,
        ctype: o.content_type,
        is_system: system,
        content: o.content.clone(),
        attachment: o.attachment.clone().unwrap_or_default(),
        config: o.config.clone().unwrap_or_default(),
        ext: o.ext.clone().unwrap_or_default(),
    };
    tx::transaction!(state, |txn| {
        if let Some(tid) = o.transaction_id
            && let Some(first) = dedupe(txn, &app_id, from, tid, now).await?
        {
            return Ok(first);
        }
        // lock order: groups, then conversations (ascending key), then users
        let mut order: Vec<usize> = (0..targets.len()).collect();
        let key_of = |t: i64| match o.to_type {
            TO_GROUP => Key::group(t),
            _ => Key::pair(from, t),
        };
        order.sort_by_key(|i| {
            let k = key_of(targets[*i]);
            (k.low, k.high)
        });
        if o.to_type == TO_GROUP {
            for i in &order {
                let g = targets[*i];
                // the group held first, its facts read after (see rules)
                rules::lock_group(txn, &app_id, g).await?;
                let found = rules::group_facts(txn, &app_id, g, from).await?;
                if system {
                    rules::group_live(found, g)?;
                } else {
                    rules::group_sender(found, g, now)?;
                }
            }
        }
        let mut slots: Vec<Slot> = Vec::with_capacity(targets.len());
        for i in &order {
            let slot = store::bump(txn, &app_id, key_of(targets[*i]), now).await?;
            if o.to_type == TO_GROUP && slot.seq == 1 {
                store::seat_members(txn, slot.conversation_id, targets[*i]).await?;
            }
            slots.push(slot);
        }
        // then the users, in one statement: the sender and the 1:1 receivers
        let mut users: Vec<i64> = Vec::with_capacity(targets.len() + 1);
        if from != SYSTEM_SENDER {
            users.push(from);
        }
        if o.to_type == TO_USER {
            users.extend(targets.iter().copied());
        }
        users.sort_unstable();
        users.dedup();
        let statuses = if users.is_empty() {
            Default::default()
        } else {
            rules::lock_users(txn, &app_id, &users).await?
        };
        if from != SYSTEM_SENDER {
            rules::live_sender(&statuses, from)?;
        }
        if o.to_type == TO_USER {
            for i in &order {
                let to = targets[*i];
                if system {
                    rules::users_exist(&statuses, &[to])?;
                } else {
                    rules::live_receiver(&statuses, to)?;
                }
            }
        }
        let mut ids = vec![0i64; targets.len()];
        for (n, i) in order.iter().enumerate() {
            let to = targets[*i];
            let slot = slots[n];
            let m = NewMessage {
                to_id: to,
                ..message.clone()
            };
            // 1:1: the rest of the roster's rule, on the insert's own snapshot
            let rule =
                (o.to_type == TO_USER && !system && to != from).then(|| rules::condition(from, to));
            let Some(msg_id) = store::insert(txn, slot, &m, now, rule).await? else {
                return Err(match rules::pair(txn, &app_id, from, to).await? {
                    Pair::Refused(why) => ApiError::MessageRefused(why),
                    Pair::Allowed => ApiError::Contended("the roster changed during a send"),
                });
            };
            ids[*i] = msg_id;
            let mut positions = Vec::with_capacity(2);
            if from != SYSTEM_SENDER {
                positions.push(Position {
                    user_id: from,
                    peer: to,
                    read_to: slot.seq,
                });
            }
            if o.to_type == TO_USER && to != from {
                positions.push(Position {
                    user_id: to,
                    peer: from,
                    read_to: 0,
                });
            }
            store::touch(txn, slot.conversation_id, &positions).await?;
            caller.record(EventKind::MessageSent {
                msg_id,
                from_id: from,
                to_type: o.to_type,
                to_id: to,
                seq: slot.seq,
                system,
            });
        }
        if let Some(tid) = o.transaction_id {
            remember(txn, &app_id, from, tid, &ids).await?;
        }
        Ok(ids)
    })
}

/// The first send of `from` with transaction_id `tid` within the window, as its msg_ids; None
/// when this send is the first (its row now held until the transaction ends, so a concurrent
/// repeat waits and then finds it). Two statements at most.
async fn dedupe<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    from: i64,
    tid: i64,
    now: i64,
) -> ApiResult<Option<Sent>> {
    let claimed = store::one(
        db,
        "INSERT INTO message_sends (app_id, from_id, transaction_id, first_at, msg_ids) \
         VALUES (?, ?, ?, ?, '') \
         ON CONFLICT (app_id, from_id, transaction_id) DO UPDATE \
         SET first_at = excluded.first_at, msg_ids = '' \
         WHERE message_sends.first_at < ? RETURNING first_at",
        vec![
            app_id.into(),
            from.into(),
            tid.into(),
            now.into(),
            (now - DEDUP_WINDOW_MS).into(),
        ],
    )
    .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    let row = store::one(
        db,
        "SELECT msg_ids FROM message_sends WHERE app_id = ? AND from_id = ? AND transaction_id = ?",
        vec![app_id.into(), from.into(), tid.into()],
    )
    .await?
    .ok_or(ApiError::Contended("a repeated transaction_id"))?;
    let ids: String = store::get(&row, "msg_ids")?;
    Ok(Some(
        ids.split(',')
            .filter_map(|s| s.parse::<i64>().ok())
            .collect(),
    ))
}

async fn remember<C: ConnectionTrait>(
    db: &C,
    app_id: &str,
    from: i64,
    tid: i64,
    ids: &[i64],
) -> ApiResult<()> {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    store::exec(
        db,
        "UPDATE message_sends SET msg_ids = ? WHERE app_id = ? AND from_id = ? AND transaction_id = ?",
        vec![list.into(), app_id.into(), from.into(), tid.into()],
    )
    .await?;
    Ok(())
}

/// content_type 9 and 10 through send: a read ack or a recall of `related_mid` in the
/// conversation with each target, as the sender, all in one transaction (all targets or none);
/// nothing is stored as a message.
async fn act_through_send(
    state: &AppState,
    caller: &Caller,
    o: &Outgoing,
    from: i64,
    device: i32,
    targets: &[i64],
) -> ApiResult<Sent> {
    let as_sender = Caller {
        as_user: Some(from),
        ..caller.clone()
    };
    let related = o.related_mid.unwrap_or_default();
    let (now, window) = (state.now_ms(), state.settings.recall_window_ms);
    let device = match caller.kind {
        TokenKind::User { .. } => Some(device),
        TokenKind::Admin => None,
    };
    tx::transaction!(state, |txn| {
        for t in targets {
            if o.content_type == CTYPE_READ_ACK {
                super::receipts::ack_in(txn, &as_sender, from, device, Some(*t), Some(related))
                    .await?;
            } else {
                super::receipts::recall_in(txn, &as_sender, now, window, *t, related).await?;
            }
        }
        Ok(vec![])
    })
}

/// A broadcast as a request states it (`type` 1: every user of the app).
#[derive(Clone, Debug, Default)]
pub struct Broadcast {
    pub to_type: i32,
    pub content_type: i32,
    pub content: Option<String>,
    pub attachment: Option<String>,
    pub config: Option<String>,
    pub ext: Option<String>,
}

/// POST /message/broadcast (the app admin token, app-wide): a system message from the system
/// sender to every user of the app at the time of the send, stored once (not a row per user):
/// it shows in each user's system conversation (id 0), unread until read; users registered
/// later do not see it. Answers how many users it reached and the message's id.
pub async fn broadcast(state: &AppState, caller: &Caller, b: Broadcast) -> ApiResult<(i64, i64)> {
    caller.require_admin()?;
    if caller.as_user.is_some() {
        return Err(ApiError::denied(
            "a broadcast is sent by the app admin token itself, without user_id",
        ));
    }
    if b.to_type != 1 {
        return Err(ApiError::bad(format!(
            "type must be 1 (every user of the app), got {}",
            b.to_type
        )));
    }
    if !(0..=6).contains(&b.content_type) {
        return Err(ApiError::bad(format!(
            "content_type must be 0-6 (TEXT, IMAGE, AUDIO, VIDEO, FILE, LOCATION, COMMAND), got {}",
            b.content_type
        )));
    }
    let o = Outgoing {
        content: b.content.clone().unwrap_or_default(),
        attachment: b.attachment.clone(),
        config: b.config.clone(),
        ext: b.ext.clone(),
        content_type: b.content_type,
        ..Outgoing::default()
    };
    check_body(&o, Mode::Notify)?;
    let now = state.now_ms();
    let app_id = caller.app_id.clone();
    tx::transaction!(state, |txn| {
        let slot = store::bump(txn, &app_id, Key::broadcast(), now).await?;
        let m = NewMessage {
            from_id: SYSTEM_SENDER,
            from_device: 0,
            to_id: 0,
            to_type: super::TO_ALL,
            ctype: o.content_type,
            is_system: true,
            content: o.content.clone(),
            attachment: o.attachment.clone().unwrap_or_default(),
            config: o.config.clone().unwrap_or_default(),
            ext: o.ext.clone().unwrap_or_default(),
        };
        let msg_id = store::insert(txn, slot, &m, now, None)
            .await?
            .ok_or(ApiError::Internal(
                "a broadcast insert answered no id".into(),
            ))?;
        let row = store::one(
            txn,
            "SELECT COUNT(*) AS n FROM users WHERE app_id = ?",
            vec![app_id.clone().into()],
        )
        .await?;
        let reached = match row {
            Some(r) => store::get::<i64>(&r, "n")?,
            None => 0,
        };
        caller.record(EventKind::MessageSent {
            msg_id,
            from_id: SYSTEM_SENDER,
            to_type: super::TO_ALL,
            to_id: 0,
            seq: slot.seq,
            system: true,
        });
        Ok((reached, msg_id))
    })
}
