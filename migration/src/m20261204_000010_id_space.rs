//! One id space for users and groups (issue 22, item 1): the original's clients name a
//! conversation by an id alone (a peer user's or a group's), so no id may name both a user and a
//! group, across all apps of the server.
//!
//! - **The allocator.** Users and groups draw their ids from one counter, inside the insert's own
//!   statement, so no insert path can bypass it: on PostgreSQL the sequence `entity_id_seq`
//!   (`nextval`, which two instances never hand out twice) is the default of `users.id` and
//!   `groups.id`; on SQLite both tables keep `AUTOINCREMENT` and a trigger after each insert into
//!   one moves the other's `sqlite_sequence` counter up to the new id (the next id of either is
//!   above every id of both; correct under SQLite's single writer, the trigger runs in the
//!   inserting statement). Ids stay below 2^53: the sequence's MAXVALUE, and on SQLite the
//!   triggers refuse a larger id.
//! - **The renumbering.** In an ordinary database (users 1..N, groups 1..M) every group id is also
//!   a user's, so every existing group gets a fresh id above every id issued so far (in the order
//!   of the old ids), and every reference follows: members (and their mutes), invitations,
//!   applications, blacklist, announcements, files, and the pins of the group (a pin of the old id
//!   by a member of the group, or by a user of an app where no user has that id; other pins name
//!   the user and stay). The group rows are copied under their new ids, the children moved, then
//!   the old rows deleted, so every foreign key holds at every statement on both databases.
//!   `group_renumberings` keeps (old_id, new_id, app_id, renumbered_at ms): the group routes and
//!   QR codes resolve an old id through it for 30 days (`domain::groups::roles::load_group`).
//!
//! The whole migration runs in one transaction on both databases.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 2^53 - 1: the largest id a JSON number carries exactly.
const MAX_ID: i64 = 9_007_199_254_740_991;

const CREATE_RENUMBERINGS: &str = "CREATE TABLE group_renumberings (\
     old_id BIGINT NOT NULL PRIMARY KEY, \
     new_id BIGINT NOT NULL, \
     app_id VARCHAR(32) NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE, \
     renumbered_at BIGINT NOT NULL)";

/// The columns of `groups` as of this migration (all but `id`).
const GROUP_COLUMNS: &[&str] = &[
    "app_id",
    "name",
    "avatar",
    "description",
    "ext",
    "\"type\"",
    "owner_id",
    "capacity",
    "\"count\"",
    "member_invite",
    "member_modify",
    "apply_approval",
    "read_ack",
    "history_visible",
    "ban_expire_time",
    "status",
    "created_at",
    "updated_at",
    "hide_member_info",
];

/// The tables whose `group_id` names a group.
const CHILDREN: &[&str] = &[
    "group_members",
    "group_invitations",
    "group_applications",
    "group_blacklist",
    "group_announcements",
    "group_files",
];

async fn scalar(manager: &SchemaManager<'_>, sql: &str) -> Result<i64, DbErr> {
    let db = manager.get_connection();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>>("", "v")?.unwrap_or(0),
        None => 0,
    })
}

/// The highest id issued so far to a user or a group (rows, and counters of deleted rows).
async fn highest_id(manager: &SchemaManager<'_>) -> Result<i64, DbErr> {
    let rows = scalar(
        manager,
        "SELECT MAX(m) AS v FROM (SELECT MAX(id) AS m FROM users \
         UNION ALL SELECT MAX(id) AS m FROM groups) t",
    )
    .await?;
    let counters = match manager.get_database_backend() {
        // the identity sequences of both tables (ids handed out, maybe deleted since)
        DatabaseBackend::Postgres => {
            scalar(
                manager,
                "SELECT MAX(s.last_value) AS v FROM pg_sequences s \
                 WHERE s.schemaname || '.' || s.sequencename \
                 IN (pg_get_serial_sequence('users', 'id'), pg_get_serial_sequence('groups', 'id'))",
            )
            .await?
        }
        _ => {
            scalar(
                manager,
                "SELECT MAX(seq) AS v FROM sqlite_sequence WHERE name IN ('users', 'groups')",
            )
            .await?
        }
    };
    Ok(std::cmp::Ord::max(rows, counters))
}

fn renumbering(above: i64, now_ms: i64) -> Vec<String> {
    let mut sql = vec![
        // fresh ids above every id issued, in the order of the old ids
        format!(
            "INSERT INTO group_renumberings (old_id, new_id, app_id, renumbered_at) \
             SELECT id, {above} + ROW_NUMBER() OVER (ORDER BY id), app_id, {now_ms} FROM groups"
        ),
        // the groups under their new ids (the old rows go last, once nothing names them)
        format!(
            "INSERT INTO groups (id, {cols}) SELECT r.new_id, {prefixed} \
             FROM groups g JOIN group_renumberings r ON r.old_id = g.id",
            cols = GROUP_COLUMNS.join(", "),
            prefixed = GROUP_COLUMNS
                .iter()
                .map(|c| format!("g.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        // a pin of the group follows it: a pin by a member of the group, or by a user of an app
        // where no user has the old id (it can only name the group); other pins name the user
        "UPDATE conversation_pins SET conversation_id = \
         (SELECT r.new_id FROM group_renumberings r WHERE r.old_id = conversation_pins.conversation_id) \
         WHERE EXISTS (SELECT 1 FROM group_renumberings r \
           JOIN users p ON p.id = conversation_pins.user_id AND p.app_id = r.app_id \
           WHERE r.old_id = conversation_pins.conversation_id \
             AND (EXISTS (SELECT 1 FROM group_members m \
                          WHERE m.group_id = r.old_id AND m.user_id = conversation_pins.user_id) \
                  OR NOT EXISTS (SELECT 1 FROM users u \
                                 WHERE u.id = r.old_id AND u.app_id = r.app_id)))"
            .to_owned(),
    ];
    for table in CHILDREN {
        sql.push(format!(
            "UPDATE {table} SET group_id = \
             (SELECT r.new_id FROM group_renumberings r WHERE r.old_id = {table}.group_id) \
             WHERE group_id IN (SELECT old_id FROM group_renumberings)"
        ));
    }
    sql.push("DELETE FROM groups WHERE id IN (SELECT old_id FROM group_renumberings)".to_owned());
    sql
}

fn allocator(backend: DatabaseBackend, last: i64) -> Vec<String> {
    match backend {
        DatabaseBackend::Postgres => vec![
            format!(
                "CREATE SEQUENCE entity_id_seq AS BIGINT MINVALUE 1 MAXVALUE {MAX_ID} START WITH {}",
                last + 1
            ),
            // each table's own identity gives way to the shared sequence
            "ALTER TABLE users ALTER COLUMN id DROP IDENTITY".to_owned(),
            "ALTER TABLE users ALTER COLUMN id SET DEFAULT nextval('entity_id_seq')".to_owned(),
            "ALTER TABLE groups ALTER COLUMN id DROP IDENTITY".to_owned(),
            "ALTER TABLE groups ALTER COLUMN id SET DEFAULT nextval('entity_id_seq')".to_owned(),
        ],
        _ => {
            let mut sql = Vec::new();
            for t in ["users", "groups"] {
                sql.push(format!(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT '{t}', 0 \
                     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{t}')"
                ));
            }
            sql.push(format!(
                "UPDATE sqlite_sequence SET seq = {last} WHERE name IN ('users', 'groups')"
            ));
            for (t, other) in [("users", "groups"), ("groups", "users")] {
                sql.push(format!(
                    "CREATE TRIGGER id_space_{t} AFTER INSERT ON {t} BEGIN \
                     SELECT RAISE(ABORT, 'id space exhausted: ids stay below 2^53') \
                       WHERE NEW.id > {MAX_ID}; \
                     UPDATE sqlite_sequence SET seq = NEW.id \
                       WHERE name = '{other}' AND seq < NEW.id; \
                     END"
                ));
            }
            sql
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, SQLite included.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        db.execute_unprepared(CREATE_RENUMBERINGS).await?;
        let above = highest_id(manager).await?;
        let groups = scalar(manager, "SELECT COUNT(*) AS v FROM groups").await?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        for sql in renumbering(above, now_ms) {
            db.execute_unprepared(&sql).await?;
        }
        for sql in allocator(backend, above + groups) {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    /// Drops the allocator and the renumbering table; the groups keep their new ids.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let sql: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &[
                // each table gets its own identity back, continuing after the shared sequence
                "ALTER TABLE users ALTER COLUMN id DROP DEFAULT",
                "ALTER TABLE users ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
                "SELECT setval(pg_get_serial_sequence('users', 'id'), \
                 (SELECT last_value FROM entity_id_seq))",
                "ALTER TABLE groups ALTER COLUMN id DROP DEFAULT",
                "ALTER TABLE groups ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
                "SELECT setval(pg_get_serial_sequence('groups', 'id'), \
                 (SELECT last_value FROM entity_id_seq))",
                "DROP SEQUENCE IF EXISTS entity_id_seq",
                "DROP TABLE IF EXISTS group_renumberings",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS id_space_users",
                "DROP TRIGGER IF EXISTS id_space_groups",
                "DROP TABLE IF EXISTS group_renumberings",
            ],
        };
        for s in sql {
            db.execute_unprepared(s).await?;
        }
        Ok(())
    }
}
