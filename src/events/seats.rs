//! The message store's seats, kept by the seam inside the changing transaction: a user that
//! joins a group gets its place in the group's conversation at the join (its join point, for
//! groups whose history new members do not see, and nothing before it unread); a user that
//! registers gets its place in its app's broadcasts (it sees those sent from then on). A group
//! or app without messages yet has no conversation, and nothing is written.
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement, Value};

use super::{Batch, EventKind};

/// `conversations.kind` of a group, of an app's broadcasts (as the message store has them).
const KIND_GROUP: i64 = 2;
const KIND_BROADCAST: i64 = 3;

fn statement(backend: DbBackend, users: &[i64], app_id: &str, kind: i64, low: i64) -> Statement {
    let sql = format!(
        "INSERT INTO conversation_states \
         (user_id, conversation_id, peer_id, read_seq, delivered_seq, joined_seq) \
         SELECT u.id, c.id, c.low_id, c.last_seq, c.last_seq, c.last_seq \
         FROM conversations c JOIN users u ON u.id IN ({}) \
         WHERE c.app_id = ? AND c.kind = ? AND c.low_id = ? AND c.high_id = 0 \
         ON CONFLICT (user_id, conversation_id) DO UPDATE SET \
         joined_seq = excluded.joined_seq, \
         read_seq = {{max}}(conversation_states.read_seq, excluded.read_seq), \
         delivered_seq = {{max}}(conversation_states.delivered_seq, excluded.delivered_seq)",
        vec!["?"; users.len()].join(", ")
    );
    let mut values: Vec<Value> = users.iter().map(|u| (*u).into()).collect();
    values.extend([app_id.into(), kind.into(), low.into()]);
    crate::db::statement(backend, &sql, values)
}

/// The seats of a batch's joins and registrations.
pub(super) async fn write(txn: &DatabaseTransaction, batch: &Batch) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    // registrations of one app: one statement for all of them
    let mut registered: Vec<(&str, Vec<i64>)> = Vec::new();
    for event in &batch.events {
        match &event.kind {
            EventKind::MembersJoined {
                group_id, user_ids, ..
            } if !user_ids.is_empty() => {
                let stmt = statement(backend, user_ids, &event.app_id, KIND_GROUP, *group_id);
                txn.execute_raw(stmt).await?;
            }
            EventKind::UserRegistered { user_id } => {
                match registered.iter_mut().find(|(a, _)| *a == event.app_id) {
                    Some((_, ids)) => ids.push(*user_id),
                    None => registered.push((&event.app_id, vec![*user_id])),
                }
            }
            _ => {}
        }
    }
    for (app_id, ids) in registered {
        let stmt = statement(backend, &ids, app_id, KIND_BROADCAST, 0);
        txn.execute_raw(stmt).await?;
    }
    Ok(())
}
