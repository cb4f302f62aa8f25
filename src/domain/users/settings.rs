//! A user's settings: reading them, changing some of them (PUT /user/settings and the
//! single-value routes such as /user/authmode or /user/push/limit).
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, IdenStatic, QueryFilter};

use crate::domain::common::tx;
use crate::domain::identity::auth::Caller;
use crate::entity::user_setting;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::state::AppState;

pub const MAX_AUTH_TEXT_LEN: usize = 256;
pub const MAX_PUSH_NICK_NAME_LEN: usize = 64;

/// The settings to change. None leaves a field as it is; for the nullable text fields,
/// Some(None) clears it.
#[derive(Clone, Debug, Default)]
pub struct SettingsPatch {
    pub auth_mode: Option<i32>,
    pub auth_question: Option<Option<String>>,
    pub auth_answer: Option<Option<String>>,
    pub auto_download: Option<bool>,
    pub group_confirm: Option<bool>,
    pub no_push: Option<bool>,
    pub no_push_detail: Option<bool>,
    pub no_push_start_hour: Option<i32>,
    pub no_push_end_hour: Option<i32>,
    pub no_sounds: Option<bool>,
    pub push_nick_name: Option<Option<String>>,
    pub push_token: Option<Option<String>>,
    pub silence_start_time: Option<i32>,
    pub silence_end_time: Option<i32>,
    pub vibratory: Option<bool>,
}

fn check_range(field: &str, v: Option<i32>, lo: i32, hi: i32) -> ApiResult<()> {
    match v {
        Some(v) if !(lo..=hi).contains(&v) => {
            Err(ApiError::bad(format!("{field} must be {lo}-{hi}, got {v}")))
        }
        _ => Ok(()),
    }
}

fn check_text(field: &str, v: &Option<Option<String>>, max: usize) -> ApiResult<()> {
    crate::domain::common::text::check_optional(
        field,
        v.as_ref().and_then(Option::as_deref),
        0,
        max,
    )
}

impl SettingsPatch {
    pub fn check(&self) -> ApiResult<()> {
        check_range("auth_mode", self.auth_mode, 0, 3)?;
        check_range("no_push_start_hour", self.no_push_start_hour, 0, 23)?;
        check_range("no_push_end_hour", self.no_push_end_hour, 0, 23)?;
        check_range("silence_start_time", self.silence_start_time, 0, 23)?;
        check_range("silence_end_time", self.silence_end_time, 0, 23)?;
        check_text("auth_question", &self.auth_question, MAX_AUTH_TEXT_LEN)?;
        check_text("auth_answer", &self.auth_answer, MAX_AUTH_TEXT_LEN)?;
        check_text(
            "push_nick_name",
            &self.push_nick_name,
            MAX_PUSH_NICK_NAME_LEN,
        )?;
        check_text(
            "push_token",
            &self.push_token,
            crate::domain::users::push::MAX_PUSH_TOKEN_LEN,
        )?;
        Ok(())
    }

    fn assignments(self) -> Vec<(user_setting::Column, SimpleExpr)> {
        use user_setting::Column as C;
        let mut set: Vec<(C, SimpleExpr)> = Vec::new();
        macro_rules! put {
            ($field:ident, $col:expr) => {
                if let Some(v) = self.$field {
                    set.push(($col, Expr::value(v)));
                }
            };
        }
        put!(auth_mode, C::AuthMode);
        put!(auth_question, C::AuthQuestion);
        put!(auth_answer, C::AuthAnswer);
        put!(auto_download, C::AutoDownload);
        put!(group_confirm, C::GroupConfirm);
        put!(no_push, C::NoPush);
        put!(no_push_detail, C::NoPushDetail);
        put!(no_push_start_hour, C::NoPushStartHour);
        put!(no_push_end_hour, C::NoPushEndHour);
        put!(no_sounds, C::NoSounds);
        put!(push_nick_name, C::PushNickName);
        put!(push_token, C::PushToken);
        put!(silence_start_time, C::SilenceStartTime);
        put!(silence_end_time, C::SilenceEndTime);
        put!(vibratory, C::Vibratory);
        set
    }
}

/// The settings of the user the caller acts as.
pub async fn get_settings(state: &AppState, caller: &Caller) -> ApiResult<user_setting::Model> {
    let user_id = caller.user_id()?;
    user_setting::Entity::find()
        .filter(user_setting::Column::UserId.eq(user_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::UserNotFound(user_id.to_string()))
}

/// Change the given settings of the acting user, in one UPDATE statement.
/// `body_user_id` (PUT /user/settings) must be the acting user (10010 otherwise);
/// `body_id`, when given, must be the id of its settings record (10002 otherwise).
pub async fn update_settings(
    state: &AppState,
    caller: &Caller,
    body_user_id: Option<i64>,
    body_id: Option<i64>,
    patch: SettingsPatch,
) -> ApiResult<bool> {
    let user_id = caller.user_id()?;
    if body_user_id.is_some_and(|u| u != user_id) {
        return Err(ApiError::denied(format!(
            "user_id must be the acting user ({user_id})"
        )));
    }
    patch.check()?;
    let mut filter = Condition::all().add(user_setting::Column::UserId.eq(user_id));
    if let Some(id) = body_id {
        let current = get_settings(state, caller).await?;
        if current.id != id {
            return Err(ApiError::bad(format!(
                "id {id} is not the settings record of user {user_id}"
            )));
        }
        filter = filter.add(user_setting::Column::Id.eq(id));
    }
    let set = patch.assignments();
    if set.is_empty() {
        get_settings(state, caller).await?;
        return Ok(true);
    }
    let what: Vec<&str> = set.iter().map(|(col, _)| col.as_str()).collect();
    let what = what.join(",");
    tx::transaction!(state, |txn| {
        let mut update = user_setting::Entity::update_many().filter(filter.clone());
        for (col, expr) in &set {
            update = update.col_expr(*col, expr.clone());
        }
        if update.exec(txn).await?.rows_affected == 0 {
            return Err(ApiError::UserNotFound(user_id.to_string()));
        }
        caller.record(EventKind::user_updated(user_id, &what));
        Ok(true)
    })
}

/// The single-value routes: change one setting of the acting user.
pub async fn set(state: &AppState, caller: &Caller, patch: SettingsPatch) -> ApiResult<bool> {
    update_settings(state, caller, None, None, patch).await
}
