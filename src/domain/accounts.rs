//! What spans capabilities for one account, above them all: deleting a user reaches its
//! groups, its friends and its own rows **in one transaction** that locks the user's groups
//! before the user (the lock order of `common::tx`). Nothing below calls up here.
use crate::cache::identity::Change;
use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::domain::users::accounts as users;
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, SessionEnd};
use crate::state::AppState;

/// DELETE /user/delete: the acting user and everything of it (sessions, devices, settings,
/// push tags, pins, group memberships, friendships, applications, blacklists). A user token must
/// give the user's password (11001 when wrong); an app admin token acting as the user need not.
/// A user that owns a live group is refused (20004).
pub async fn delete_user(
    state: &AppState,
    caller: &Caller,
    password: Option<String>,
) -> ApiResult<bool> {
    let account = users::account_to_delete(state, caller, password).await?;
    tx::transaction!(state, evicts & Change::user(account.id), |txn| {
        // its groups, then its own row, locked; 10000 when a concurrent deletion went first
        let locked = crate::domain::groups::members::remove_user_everywhere(
            txn,
            &caller.app_id,
            account.id,
            state.now_ms(),
        )
        .await?;
        if locked.password_hash != account.password_hash && !caller.is_admin() {
            // the password was changed after it was checked: the one given is no longer it
            return Err(ApiError::WrongPassword);
        }
        crate::domain::roster::items::remove_user(txn, account.id).await?;
        users::delete_rows(txn, account.id).await?;
        let user_id = account.id;
        caller.record(EventKind::SessionEnded {
            user_id,
            device_sns: None,
            reason: SessionEnd::UserDeleted,
        });
        caller.record(EventKind::UserDeleted { user_id });
        Ok(true)
    })
}
