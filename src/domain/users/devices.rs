//! A user's devices: listing, removing, kicking (ending sessions), binding push tokens, and
//! the online status.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use crate::cache::identity::Change;
use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::domain::users::sessions::end_sessions;
use crate::entity::device;
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, SessionEnd};
use crate::state::AppState;

/// A session seen within this many milliseconds makes its user online.
pub const ONLINE_WINDOW_MS: i64 = 5 * 60 * 1000;
/// A notifier's device token is a push token.
pub const MAX_DEVICE_TOKEN_LEN: usize = crate::domain::users::push::MAX_PUSH_TOKEN_LEN;
pub const MAX_NOTIFIER_NAME_LEN: usize = 128;

fn no_device(device_sn: i32) -> ApiError {
    ApiError::bad(format!("device_sn {device_sn} is not a device of the user"))
}

/// The row of one device of a user.
fn one_device(user_id: i64, device_sn: i32) -> Condition {
    Condition::all()
        .add(device::Column::UserId.eq(user_id))
        .add(device::Column::DeviceSn.eq(device_sn))
}

/// A statement on [`one_device`] that touched no row: the user has no such device.
fn found(rows_affected: u64, device_sn: i32) -> ApiResult<()> {
    if rows_affected == 0 {
        Err(no_device(device_sn))
    } else {
        Ok(())
    }
}

/// The acting user's devices, by device_sn.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<device::Model>> {
    let user_id = caller.user_id()?;
    Ok(device::Entity::find()
        .filter(device::Column::UserId.eq(user_id))
        .order_by_asc(device::Column::DeviceSn)
        .all(&state.db)
        .await?)
}

/// Delete one device of the acting user (its session ends with it).
pub async fn remove(state: &AppState, caller: &Caller, device_sn: i32) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, evicts & Change::user(user_id), |txn| {
        let done = device::Entity::delete_many()
            .filter(one_device(user_id, device_sn))
            .exec(txn)
            .await?;
        found(done.rows_affected, device_sn)?;
        caller.record(EventKind::SessionEnded {
            user_id,
            device_sns: Some(vec![i64::from(device_sn)]),
            reason: SessionEnd::DeviceRemoved,
        });
        Ok(true)
    })
}

/// End the session of one device of the acting user, or of all its devices (the calling
/// session included). The devices and their push bindings stay.
pub async fn kick(state: &AppState, caller: &Caller, device_sn: Option<i32>) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, evicts & Change::user(user_id), |txn| {
        match device_sn {
            None => {
                end_sessions(txn, vec![user_id], None).await?;
            }
            Some(sn) => {
                let found = device::Entity::find()
                    .filter(device::Column::UserId.eq(user_id))
                    .filter(device::Column::DeviceSn.eq(sn))
                    .one(txn)
                    .await?
                    .ok_or_else(|| no_device(sn))?;
                device::Entity::update_many()
                    .col_expr(
                        device::Column::TokenHash,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(device::Column::Id.eq(found.id))
                    .exec(txn)
                    .await?;
            }
        }
        caller.record(EventKind::SessionEnded {
            user_id,
            device_sns: device_sn.map(|sn| vec![i64::from(sn)]),
            reason: SessionEnd::Kicked,
        });
        Ok(true)
    })
}

/// Bind a push token (and the certificate name of its notifier) to a device of the acting user.
pub async fn bind_token(
    state: &AppState,
    caller: &Caller,
    device_sn: i32,
    device_token: String,
    notifier_name: String,
) -> ApiResult<bool> {
    caller.user_id()?;
    crate::domain::common::text::check_chars(
        "device_token",
        &device_token,
        1,
        MAX_DEVICE_TOKEN_LEN,
    )?;
    crate::domain::common::text::check_chars(
        "notifier_name",
        &notifier_name,
        1,
        MAX_NOTIFIER_NAME_LEN,
    )?;
    set_push_binding(
        state,
        caller,
        device_sn,
        Some(device_token),
        Some(notifier_name),
    )
    .await
}

/// Remove the push token of a device of the acting user.
pub async fn unbind_token(state: &AppState, caller: &Caller, device_sn: i32) -> ApiResult<bool> {
    set_push_binding(state, caller, device_sn, None, None).await
}

async fn set_push_binding(
    state: &AppState,
    caller: &Caller,
    device_sn: i32,
    device_token: Option<String>,
    notifier_name: Option<String>,
) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    tx::transaction!(state, |txn| {
        let done = device::Entity::update_many()
            .col_expr(
                device::Column::DeviceToken,
                Expr::value(device_token.clone()),
            )
            .col_expr(
                device::Column::NotifierName,
                Expr::value(notifier_name.clone()),
            )
            .filter(one_device(user_id, device_sn))
            .exec(txn)
            .await?;
        found(done.rows_affected, device_sn)?;
        caller.record(EventKind::user_updated(user_id, "device_token"));
        Ok(true)
    })
}

/// Online: a live, unexpired session of the acting user was seen within ONLINE_WINDOW_MS (as
/// written, or as seen since the last presence flush).
pub async fn online(state: &AppState, caller: &Caller) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    let now = state.now_ms();
    let live = device::Entity::find()
        .filter(device::Column::UserId.eq(user_id))
        .filter(device::Column::TokenHash.is_not_null())
        .filter(device::Column::TokenExpiresAt.gt(now))
        .all(&state.db)
        .await?;
    Ok(live.iter().any(|d| {
        let seen = state
            .presence
            .pending(d.id)
            .map_or(d.last_seen_at, |p| p.max(d.last_seen_at));
        seen > now - ONLINE_WINDOW_MS
    }))
}
