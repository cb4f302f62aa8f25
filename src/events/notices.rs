//! Each user's notice log, kept by the seam inside the changing transaction: every event that
//! concerns a user (a friend request to it, its group's changes) gets a row in that user's log,
//! numbered by the user's own sequence (`notice_counters`), so a device that was offline can
//! catch up from the last number it saw (the real-time delivery reads it). Who is concerned:
//!
//! - friends: the other side of a request, an answer, a new friendship or an ended one;
//! - a group's member changes (joins, leaves, kicks, blacklist, mutes, admins, the owner, invitations
//!   and applications): the users they name, and for joins, leaves, kicks, blacklistings, admin and
//!   owner changes and applications also the group's owner and admins;
//! - a group's own changes (information, settings, ban_all, dissolution, announcements, files):
//!   every member;
//! - a user's own sessions ended or its password changed: the user (its other devices).
//!
//! Messages are not notices: they have their own store and positions. Two statements per event:
//! the recipients' counters move on (ascending user id), then their rows are written; a batch of
//! several such events first holds all their counters in one statement (see [`write_batch`]).
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Value};

use super::{Batch, Event, EventKind};

/// Who an event concerns: users it names, and maybe a group's members (`managers`: only its
/// owner and admins).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recipients {
    pub users: Vec<i64>,
    pub group: Option<(i64, bool)>,
}

fn users(ids: &[i64]) -> Recipients {
    Recipients {
        users: ids.to_vec(),
        group: None,
    }
}

fn with_managers(group_id: i64, ids: &[i64]) -> Recipients {
    Recipients {
        users: ids.to_vec(),
        group: Some((group_id, true)),
    }
}

fn members(group_id: i64) -> Recipients {
    Recipients {
        users: vec![],
        group: Some((group_id, false)),
    }
}

/// The users an event concerns (None: it is nobody's notice).
pub fn recipients(kind: &EventKind) -> Option<Recipients> {
    use EventKind::*;
    Some(match kind {
        PasswordChanged { user_id } | SessionEnded { user_id, .. } => users(&[*user_id]),
        FriendRequested { target_id, .. } => users(&[*target_id]),
        FriendAdded { user_id, friend_id } => users(&[*user_id, *friend_id]),
        FriendRequestAccepted { applicant_id, .. } | FriendRequestDeclined { applicant_id, .. } => {
            users(&[*applicant_id])
        }
        FriendRemoved { friend_id, .. } => users(&[*friend_id]),
        GroupInfoUpdated { group_id, .. }
        | GroupSettingsChanged { group_id, .. }
        | GroupDestroyed { group_id }
        | GroupBanSet { group_id, .. }
        | GroupBanLifted { group_id }
        | AnnouncementPublished { group_id, .. }
        | AnnouncementDeleted { group_id, .. }
        | FileUploaded { group_id, .. }
        | FileRenamed { group_id, .. }
        | FilesDeleted { group_id, .. } => members(*group_id),
        MemberSettingsChanged { user_id, .. }
        | ApplicationAccepted { user_id, .. }
        | ApplicationDeclined { user_id, .. }
        | PendingVoided { user_id, .. } => users(&[*user_id]),
        MembersInvited { user_ids, .. }
        | MembersMuted { user_ids, .. }
        | MembersUnmuted { user_ids, .. }
        | MembersUnblocked { user_ids, .. } => users(user_ids),
        InvitationAccepted { inviter_id, .. } => users(&[*inviter_id]),
        InvitationDeclined {
            inviter_id: Some(inviter_id),
            ..
        } => users(&[*inviter_id]),
        MemberApplied { group_id, .. } => with_managers(*group_id, &[]),
        MemberLeft { group_id, user_id } => with_managers(*group_id, &[*user_id]),
        MembersJoined {
            group_id, user_ids, ..
        }
        | MembersKicked { group_id, user_ids }
        | MembersBlocked { group_id, user_ids }
        | AdminsGranted { group_id, user_ids }
        | AdminsRevoked { group_id, user_ids } => with_managers(*group_id, user_ids),
        OwnerAssigned {
            group_id,
            from_id,
            to_id,
        } => with_managers(*group_id, &[*from_id, *to_id]),
        _ => return None,
    })
}

/// `SELECT user_id` of the recipients (`?` placeholders), with its values.
fn recipient_select(r: &Recipients, app_id: &str) -> (String, Vec<Value>) {
    let mut parts = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if !r.users.is_empty() {
        parts.push(format!(
            "SELECT id AS user_id FROM users WHERE app_id = ? AND id IN ({})",
            vec!["?"; r.users.len()].join(", ")
        ));
        values.push(app_id.into());
        values.extend(r.users.iter().map(|u| Value::from(*u)));
    }
    if let Some((group_id, managers)) = r.group {
        let role = if managers { " AND role >= 1" } else { "" };
        parts.push(format!(
            "SELECT user_id FROM group_members WHERE group_id = ?{role}"
        ));
        values.push(group_id.into());
    }
    (parts.join(" UNION "), values)
}

async fn write(txn: &DatabaseTransaction, event: &Event, at_ms: i64) -> Result<(), DbErr> {
    let Some(r) = recipients(&event.kind) else {
        return Ok(());
    };
    let backend = txn.get_database_backend();
    let (select, values) = recipient_select(&r, &event.app_id);
    if select.is_empty() {
        return Ok(());
    }
    // the counters of the recipients move on, in ascending user id (the lock order's last step)
    let bump = format!(
        "INSERT INTO notice_counters (user_id, last_seq) \
         SELECT r.user_id, 1 FROM ({select}) r WHERE true ORDER BY r.user_id \
         ON CONFLICT (user_id) DO UPDATE SET last_seq = notice_counters.last_seq + 1"
    );
    txn.execute_raw(crate::db::statement(backend, &bump, values.clone()))
        .await?;
    let json = serde_json::to_string(event).map_err(|e| DbErr::Custom(e.to_string()))?;
    let insert = format!(
        "INSERT INTO notices (user_id, seq, app_id, event, created_at) \
         SELECT c.user_id, c.last_seq, ?, ?, ? FROM notice_counters c \
         WHERE c.user_id IN ({select})"
    );
    let mut all: Vec<Value> = vec![event.app_id.clone().into(), json.into(), at_ms.into()];
    all.extend(values);
    txn.execute_raw(crate::db::statement(backend, &insert, all))
        .await?;
    Ok(())
}

/// The notices of a batch's events.
///
/// A batch of several events that concern users first holds every recipient's counter, in
/// ascending user id, in one statement (creating the missing ones at 0): each event's own bump
/// then touches rows this transaction holds already, so two batches never take the same counters
/// in opposite orders.
pub(super) async fn write_batch(txn: &DatabaseTransaction, batch: &Batch) -> Result<(), DbErr> {
    let selects: Vec<(String, Vec<Value>)> = batch
        .events
        .iter()
        .filter_map(|e| recipients(&e.kind).map(|r| recipient_select(&r, &e.app_id)))
        .filter(|(sql, _)| !sql.is_empty())
        .collect();
    if selects.len() > 1 {
        let union: Vec<&str> = selects.iter().map(|(sql, _)| sql.as_str()).collect();
        let values: Vec<Value> = selects.iter().flat_map(|(_, v)| v.clone()).collect();
        let hold = format!(
            "INSERT INTO notice_counters (user_id, last_seq) \
             SELECT DISTINCT r.user_id, 0 FROM ({}) r WHERE true ORDER BY r.user_id \
             ON CONFLICT (user_id) DO UPDATE SET last_seq = notice_counters.last_seq",
            union.join(" UNION ")
        );
        txn.execute_raw(crate::db::statement(
            txn.get_database_backend(),
            &hold,
            values,
        ))
        .await?;
    }
    for event in &batch.events {
        write(txn, event, batch.at_ms).await?;
    }
    Ok(())
}
