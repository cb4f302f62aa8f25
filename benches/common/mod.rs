//! What the benches share (a module of each bench, not a bench of its own).
use imserver::entity::{user, user_setting};
use imserver::state::State;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// `n` users named `prefix0..` inserted directly (no password hashing: the benches measure
/// groups, not argon2), with their settings: `confirms(id)` is their group_confirm. Their ids,
/// ascending.
pub async fn users(
    st: &State,
    app_id: &str,
    prefix: &str,
    n: usize,
    confirms: fn(i64) -> bool,
) -> Vec<i64> {
    let now = st.now_ms();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2000) {
        let rows = chunk.iter().map(|i| user::ActiveModel {
            app_id: Set(app_id.to_owned()),
            username: Set(format!("{prefix}{i}")),
            password_hash: Set("-".into()),
            status: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        user::Entity::insert_many(rows)
            .exec_without_returning(&st.db)
            .await
            .expect("users");
    }
    let ids: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Username.starts_with(prefix))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(&st.db)
        .await
        .expect("ids");
    for chunk in ids.chunks(2000) {
        let rows = chunk.iter().map(|&u| user_setting::ActiveModel {
            user_id: Set(u),
            auth_mode: Set(0),
            auto_download: Set(true),
            group_confirm: Set(confirms(u)),
            no_push: Set(false),
            no_push_detail: Set(false),
            no_push_start_hour: Set(0),
            no_push_end_hour: Set(0),
            no_sounds: Set(false),
            silence_start_time: Set(0),
            silence_end_time: Set(0),
            vibratory: Set(true),
            ..Default::default()
        });
        user_setting::Entity::insert_many(rows)
            .exec_without_returning(&st.db)
            .await
            .expect("settings");
    }
    ids
}
