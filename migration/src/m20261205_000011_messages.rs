//! The message store (issue 22, item 2).
//!
//! - `conversations`: one row per conversation of an app: a pair of users (`kind` 1, `low_id` <
//!   `high_id`; the system sender is user 0), a group (`kind` 2, `low_id` the group), or the app's
//!   broadcasts (`kind` 3). `last_seq` is the conversation's sequence: a send bumps it with an
//!   `UPDATE` inside its transaction, so the row lock orders the conversation's messages and the
//!   numbers are gap-free, also from two instances on one database.
//! - `messages`: each message once, with a global increasing id (`message_id_seq` on
//!   PostgreSQL, below 2^53; `AUTOINCREMENT` on SQLite) and its place `seq` in its conversation;
//!   a recalled message keeps its row as a tombstone (`recalled_at`, content emptied). The unique
//!   index (conversation_id, seq) is the "page backwards" index.
//! - `conversation_states`: per user and conversation its read position, the highest position a
//!   device of it acknowledged, its deletion point (`cleared_seq`) and its join point
//!   (`joined_seq`, for groups whose history is not visible to new members). Unread is
//!   `last_seq - read_seq`: constant work per conversation. The primary key (user_id, ...) is
//!   the "a user's conversations" index.
//! - `device_positions`: per device and conversation, the position it acknowledged.
//! - `message_hides`: messages a user hid from its own history.
//! - `message_sends`: the transaction_id of sends, for the 10-minute deduplication.
//! - `notices` and `notice_counters`: each user's notice log (friend requests, group changes:
//!   the events that concern it), numbered by its own sequence, so that a device that was
//!   offline catches up from the last number it saw.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 2^53 - 1: the largest id a JSON number carries exactly.
const MAX_ID: i64 = 9_007_199_254_740_991;

fn tables(backend: DatabaseBackend) -> Vec<String> {
    let pg = backend == DatabaseBackend::Postgres;
    let serial = if pg {
        "BIGSERIAL PRIMARY KEY"
    } else {
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    };
    let message_id = if pg {
        "BIGINT PRIMARY KEY DEFAULT nextval('message_id_seq')"
    } else {
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    };
    let mut sql = Vec::new();
    if pg {
        sql.push(format!(
            "CREATE SEQUENCE message_id_seq AS BIGINT MINVALUE 1 MAXVALUE {MAX_ID}"
        ));
    }
    sql.push(format!(
        "CREATE TABLE conversations (
            id {serial},
            app_id VARCHAR(64) NOT NULL,
            kind INTEGER NOT NULL,
            low_id BIGINT NOT NULL,
            high_id BIGINT NOT NULL,
            last_seq BIGINT NOT NULL DEFAULT 0,
            last_at BIGINT NOT NULL DEFAULT 0,
            CONSTRAINT conversations_key UNIQUE (app_id, kind, low_id, high_id)
        )"
    ));
    sql.push(format!(
        "CREATE TABLE messages (
            id {message_id},
            conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq BIGINT NOT NULL,
            from_id BIGINT NOT NULL,
            from_device INTEGER NOT NULL DEFAULT 0,
            to_id BIGINT NOT NULL,
            to_type INTEGER NOT NULL,
            ctype INTEGER NOT NULL,
            is_system BOOLEAN NOT NULL DEFAULT FALSE,
            content TEXT NOT NULL,
            attachment TEXT NOT NULL,
            config TEXT NOT NULL,
            ext TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            recalled_at BIGINT NULL,
            recalled_by BIGINT NULL,
            CONSTRAINT messages_place UNIQUE (conversation_id, seq)
        )"
    ));
    if !pg {
        // msg_ids stay below 2^53 (PostgreSQL: the sequence's MAXVALUE)
        sql.push(format!(
            "CREATE TRIGGER messages_id_bound AFTER INSERT ON messages BEGIN \
             SELECT RAISE(ABORT, 'message ids exhausted: ids stay below 2^53') \
             WHERE NEW.id > {MAX_ID}; END"
        ));
    }
    sql.push(
        "CREATE TABLE conversation_states (
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            peer_id BIGINT NOT NULL,
            read_seq BIGINT NOT NULL DEFAULT 0,
            delivered_seq BIGINT NOT NULL DEFAULT 0,
            cleared_seq BIGINT NOT NULL DEFAULT 0,
            joined_seq BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, conversation_id)
        )"
        .to_owned(),
    );
    sql.push(
        "CREATE INDEX conversation_states_conversation ON conversation_states (conversation_id)"
            .to_owned(),
    );
    sql.push(
        "CREATE TABLE device_positions (
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            device_sn INTEGER NOT NULL,
            conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            acked_seq BIGINT NOT NULL,
            PRIMARY KEY (user_id, device_sn, conversation_id)
        )"
        .to_owned(),
    );
    sql.push(
        "CREATE TABLE message_hides (
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, message_id)
        )"
        .to_owned(),
    );
    sql.push(
        "CREATE TABLE message_sends (
            app_id VARCHAR(64) NOT NULL,
            from_id BIGINT NOT NULL,
            transaction_id BIGINT NOT NULL,
            first_at BIGINT NOT NULL,
            msg_ids TEXT NOT NULL,
            PRIMARY KEY (app_id, from_id, transaction_id)
        )"
        .to_owned(),
    );
    sql.push(
        "CREATE TABLE notice_counters (
            user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
            last_seq BIGINT NOT NULL
        )"
        .to_owned(),
    );
    sql.push(
        "CREATE TABLE notices (
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            seq BIGINT NOT NULL,
            app_id VARCHAR(64) NOT NULL,
            event TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (user_id, seq)
        )"
        .to_owned(),
    );
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in tables(manager.get_database_backend()) {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for t in [
            "notices",
            "notice_counters",
            "message_sends",
            "message_hides",
            "device_positions",
            "conversation_states",
            "messages",
            "conversations",
        ] {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {t}"))
                .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP SEQUENCE IF EXISTS message_id_seq")
                .await?;
        }
        Ok(())
    }
}
