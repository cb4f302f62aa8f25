//! Statements over lists of ids (up to `groups::MAX_ID_LIST`) whose cost does not grow with the
//! number of bound parameters: on PostgreSQL a list travels as ONE array parameter
//! (`column = ANY($1)`, `INSERT .. SELECT .. FROM UNNEST($n)`); on SQLite, which has no arrays
//! and binds cheaply in-process, as an IN list or a multi-row VALUES.
//!
//! Why (issue 12, item 7; `cargo bench --bench invite`): sqlx's PostgreSQL driver spends client
//! time on every bound parameter, more than linearly — the 3,600-parameter INSERT of an invite
//! of 500 took 50-110 ms in the client for 8.5 ms in the server (parse, bind, execute) — and
//! every new list length is a new statement text, parsed and planned again and pushed into the
//! per-connection statement cache. With arrays the text is the same for every length.
use sea_orm::sea_query::{Expr, Func, InsertStatement, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait,
    IdenStatic, Iterable, Value,
};

use crate::error::ApiResult;

/// `column IN ids` for a filter: `column = ANY($1)` with one `bigint[]` parameter on PostgreSQL,
/// an IN list on SQLite. An empty list matches nothing, as `is_in` does.
pub fn among<C: ConnectionTrait, Col: ColumnTrait>(db: &C, column: Col, ids: &[i64]) -> Expr {
    among_on(db.get_database_backend(), column, ids)
}

fn among_on<Col: ColumnTrait>(backend: DbBackend, column: Col, ids: &[i64]) -> Expr {
    if backend == DbBackend::Postgres && !ids.is_empty() {
        column.eq_any(ids.iter().copied())
    } else {
        column.is_in(ids.iter().copied())
    }
}

/// Insert one row per id of `ids` (distinct: an upsert may not touch a row twice): `template`
/// (its `Set` columns) with `column` set to the id, in the order of `ids` (row ids follow it),
/// with `on_conflict`. Answers the rows inserted or updated. On PostgreSQL one statement of
/// `INSERT .. SELECT $1, .., "u" FROM UNNEST($n) AS "u"`: one parameter per column of the
/// template and one array; on SQLite a multi-row insert.
pub async fn insert_each<C, A>(
    db: &C,
    template: A,
    column: <A::Entity as EntityTrait>::Column,
    ids: &[i64],
    on_conflict: OnConflict,
) -> ApiResult<u64>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
{
    if ids.is_empty() {
        return Ok(0);
    }
    if db.get_database_backend() == DbBackend::Postgres {
        return Ok(db
            .execute(&unnest_insert(&template, column, ids, on_conflict)?)
            .await?
            .rows_affected());
    }
    let rows = ids.iter().map(|&id| {
        let mut row = template.clone();
        row.set(column, id.into());
        row
    });
    Ok(<A::Entity as EntityTrait>::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?)
}

/// The PostgreSQL statement of `insert_each`.
fn unnest_insert<A: ActiveModelTrait>(
    template: &A,
    column: <A::Entity as EntityTrait>::Column,
    ids: &[i64],
    on_conflict: OnConflict,
) -> Result<InsertStatement, DbErr> {
    let mut columns = Vec::new();
    let mut select = Query::select();
    for c in <<A::Entity as EntityTrait>::Column as Iterable>::iter() {
        if c.as_str() == column.as_str() {
            columns.push(c);
            select.expr(Expr::col("u"));
        } else if let Some(value) = template.get(c).into_value() {
            columns.push(c);
            select.expr(Expr::val(value));
        }
    }
    select.from_function(
        Func::cust("UNNEST").arg(Expr::val(Value::from(ids.to_vec()))),
        "u",
    );
    let mut insert = Query::insert();
    insert
        .into_table(A::Entity::default().table_ref())
        .columns(columns)
        .select_from(select)
        .map_err(|e| DbErr::Custom(format!("insert_each: {e}")))?
        .on_conflict(on_conflict);
    Ok(insert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::group_member;
    use sea_orm::ActiveValue::Set;
    use sea_orm::{QueryFilter, QueryTrait, Statement};

    fn filter_sql(backend: DbBackend, ids: &[i64]) -> Statement {
        group_member::Entity::find()
            .filter(among_on(backend, group_member::Column::UserId, ids))
            .build(backend)
    }

    /// The filter on the list [3, 1, 2], which must end the statement as `WHERE <ending>`.
    fn filter_ending(backend: DbBackend, ending: &str) -> Statement {
        let statement = filter_sql(backend, &[3, 1, 2]);
        let sql = &statement.sql;
        assert!(sql.ends_with(&format!("WHERE {ending}")), "{sql}");
        statement
    }

    #[test]
    fn a_list_is_one_array_parameter_on_postgres_and_an_in_list_on_sqlite() {
        let pg = filter_ending(
            DbBackend::Postgres,
            r#""group_members"."user_id" = ANY($1)"#,
        );
        assert_eq!(pg.values.unwrap().0, vec![Value::from(vec![3i64, 1, 2])]);
        filter_ending(
            DbBackend::Sqlite,
            r#""group_members"."user_id" IN (?, ?, ?)"#,
        );
        // the statement text does not depend on the length of the list
        assert_eq!(filter_sql(DbBackend::Postgres, &[7; 500]).sql, pg.sql);
    }

    #[test]
    fn an_empty_list_matches_nothing_as_is_in_does() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let is_in = group_member::Entity::find()
                .filter(group_member::Column::UserId.is_in(Vec::<i64>::new()))
                .build(backend);
            assert_eq!(filter_sql(backend, &[]), is_in);
        }
    }

    #[test]
    fn insert_each_binds_the_template_once_and_the_ids_as_one_array_on_postgres() {
        let on_conflict =
            OnConflict::columns([group_member::Column::GroupId, group_member::Column::UserId])
                .do_nothing()
                .to_owned();
        let insert = unnest_insert(
            &group_member::ActiveModel {
                group_id: Set(9),
                user_id: Set(0),
                role: Set(0),
                display_name: Set(None),
                msg_mute_mode: Set(0),
                msg_push_mode: Set(0),
                join_time: Set(5),
                mute_expire_time: Set(0),
                ..Default::default()
            },
            group_member::Column::UserId,
            &[4, 5, 6],
            on_conflict,
        )
        .unwrap();
        let stmt = DbBackend::Postgres.build(&insert);
        assert_eq!(
            stmt.sql,
            r#"INSERT INTO "group_members" ("group_id", "user_id", "role", "display_name", "msg_mute_mode", "msg_push_mode", "join_time", "mute_expire_time") SELECT $1, "u", $2, $3, $4, $5, $6, $7 FROM UNNEST($8) AS "u" ON CONFLICT ("group_id", "user_id") DO NOTHING"#
        );
        let values = stmt.values.unwrap().0;
        assert_eq!(
            (values.len(), values.last().cloned()),
            (8, Some(Value::from(vec![4i64, 5, 6])))
        );
    }
}
