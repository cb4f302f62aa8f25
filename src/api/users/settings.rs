//! User settings: GET and PUT /user/settings, and the single-value routes (authmode,
//! download, push, push/detail, push/limit, push/nickname, sounds, vibratory).
use poem_openapi::param::Query;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{R, Reply};
use crate::api::kit::lenient::{self, QueryOr, SwitchBody};
use crate::domain::users::settings::{self as user_settings, SettingsPatch};
use crate::entity::user_setting;
use crate::error::ApiError;
use crate::state::State;

pub struct UserSettingsApi(pub State);

/// `{"value": "..."}`: the push nickname in a JSON body instead of the query.
#[derive(Object, Default)]
pub struct PushNicknameBody {
    /// Push nickname, when it is not given in the query
    #[oai(validator(max_length = 64))]
    pub value: Option<String>,
}

/// The no-disturb hours in a JSON body instead of the query.
#[derive(Object, Default)]
pub struct PushLimitBody {
    /// Push DND start hour (0-23), when not given in the query
    #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
    pub no_push_start_hour: Option<i32>,
    /// Push DND end hour (0-23), when not given in the query
    #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
    pub no_push_end_hour: Option<i32>,
}

/// A user's settings (push, sound, verification), as the seed system returns them
#[derive(Object)]
pub struct UserSettings {
    /// Settings record ID
    pub id: i64,
    /// User ID
    pub user_id: i64,
    /// Verification method: 0 - No verification, anyone can be added as a friend; 1 - consent is required to be added as a friend; 2 - answer questions correctly to be added as a friend; 3 - reject all adding friend requests
    pub auth_mode: i32,
    /// Verification question
    #[oai(nullable)]
    pub auth_question: Option<String>,
    /// Answer of verification question
    #[oai(nullable)]
    pub auth_answer: Option<String>,
    /// Whether to automatically download: true - automatic download, false - no automatic download
    pub auto_download: bool,
    /// Whether user consent is required when inviting to join group: true - user consent is required, false - no user consent is required
    pub group_confirm: bool,
    /// Whether to turn off push messages: true - turn off push messages, false - do not turn off push messages
    pub no_push: bool,
    /// Whether to push details: true - do not push details, false - push details
    pub no_push_detail: bool,
    /// Start of push no-disturb time (hour 0-23)
    pub no_push_start_hour: i32,
    /// End of push no-disturb time (hour 0-23)
    pub no_push_end_hour: i32,
    /// Whether to mute when a message is received: true - mute, false - not mute
    pub no_sounds: bool,
    /// Push nickname
    #[oai(nullable)]
    pub push_nick_name: Option<String>,
    /// Push token
    #[oai(nullable)]
    pub push_token: Option<String>,
    /// Start of push no-reminder time (hour 0-23)
    pub silence_start_time: i32,
    /// End of push no-reminder time (hour 0-23)
    pub silence_end_time: i32,
    /// Whether to vibrate when a message is received: true - vibrate, false - not vibrate
    pub vibratory: bool,
}

impl From<user_setting::Model> for UserSettings {
    fn from(m: user_setting::Model) -> Self {
        UserSettings {
            id: m.id,
            user_id: m.user_id,
            auth_mode: m.auth_mode,
            auth_question: m.auth_question,
            auth_answer: m.auth_answer,
            auto_download: m.auto_download,
            group_confirm: m.group_confirm,
            no_push: m.no_push,
            no_push_detail: m.no_push_detail,
            no_push_start_hour: m.no_push_start_hour,
            no_push_end_hour: m.no_push_end_hour,
            no_sounds: m.no_sounds,
            push_nick_name: m.push_nick_name,
            push_token: m.push_token,
            silence_start_time: m.silence_start_time,
            silence_end_time: m.silence_end_time,
            vibratory: m.vibratory,
        }
    }
}

fn text(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(s) => Some(Some(s)),
    }
}

/// The settings to change: absent fields stay as they are; null clears a text field
#[derive(Object)]
pub struct UserSettingsUpdate {
    /// Settings record ID (when given, it must be the acting user's record)
    pub id: Option<i64>,
    /// User ID (must be the acting user; another user's ID is refused with 10010)
    pub user_id: i64,
    /// Verification method: 0 - No verification, anyone can be added as a friend; 1 - consent is required to be added as a friend; 2 - answer questions correctly to be added as a friend; 3 - reject all adding friend requests
    #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
    pub auth_mode: Option<i32>,
    /// Verification question
    #[oai(nullable, validator(max_length = 256))]
    pub auth_question: MaybeUndefined<String>,
    /// Answer of verification question
    #[oai(nullable, validator(max_length = 256))]
    pub auth_answer: MaybeUndefined<String>,
    /// Whether to automatically download: true - automatic download, false - no automatic download
    pub auto_download: Option<bool>,
    /// Whether user consent is required when inviting to join group: true - user consent is required, false - invitation is automatically agreed
    pub group_confirm: Option<bool>,
    /// Whether to turn off push messages: true - turn off push messages, false - do not turn off push messages
    pub no_push: Option<bool>,
    /// Whether to push details: true - do not push details, false - push details
    pub no_push_detail: Option<bool>,
    /// Start of push no-disturb time (hour 0-23)
    #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
    pub no_push_start_hour: Option<i32>,
    /// End of push no-disturb time (hour 0-23)
    #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
    pub no_push_end_hour: Option<i32>,
    /// Whether to mute when a message is received: true - mute, false - not mute
    pub no_sounds: Option<bool>,
    /// Push nickname
    #[oai(nullable, validator(max_length = 64))]
    pub push_nick_name: MaybeUndefined<String>,
    /// Push token
    #[oai(nullable, validator(max_length = 512))]
    pub push_token: MaybeUndefined<String>,
    /// Start of push no-reminder time (hour 0-23)
    #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
    pub silence_start_time: Option<i32>,
    /// End of push no-reminder time (hour 0-23)
    #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
    pub silence_end_time: Option<i32>,
    /// Whether to vibrate when a message is received: true - vibrate, false - not vibrate
    pub vibratory: Option<bool>,
}

impl From<UserSettingsUpdate> for SettingsPatch {
    fn from(u: UserSettingsUpdate) -> Self {
        SettingsPatch {
            auth_mode: u.auth_mode,
            auth_question: text(u.auth_question),
            auth_answer: text(u.auth_answer),
            auto_download: u.auto_download,
            group_confirm: u.group_confirm,
            no_push: u.no_push,
            no_push_detail: u.no_push_detail,
            no_push_start_hour: u.no_push_start_hour,
            no_push_end_hour: u.no_push_end_hour,
            no_sounds: u.no_sounds,
            push_nick_name: text(u.push_nick_name),
            push_token: text(u.push_token),
            silence_start_time: u.silence_start_time,
            silence_end_time: u.silence_end_time,
            vibratory: u.vibratory,
        }
    }
}

#[OpenApi(tag = "Tag::UserSettings")]
impl UserSettingsApi {
    /// Get user settings
    ///
    /// Section 1.35 of the user document. The settings of the acting user (an app admin token
    /// names the user with the user_id header).
    #[oai(path = "/user/settings", method = "get")]
    async fn get_settings(&self, caller: Caller) -> R<UserSettings> {
        user_settings::get_settings(&self.0, &caller)
            .await
            .map(Into::into)
            .into()
    }

    /// Modify user settings
    ///
    /// Section 1.36 of the user document. Changes only the fields present in the body; null
    /// clears a text field. user_id is required and must be the acting user (10010 otherwise);
    /// id, when given, must be that user's settings record. Out-of-range values (auth_mode 0-3,
    /// hours 0-23) are 10002 naming the field, and nothing is changed.
    #[oai(path = "/user/settings", method = "put", method = "post")]
    async fn update_settings(&self, caller: Caller, body: JsonBody<UserSettingsUpdate>) -> R<bool> {
        let b = body.0;
        let (user_id, id) = (b.user_id, b.id);
        user_settings::update_settings(&self.0, &caller, Some(user_id), id, b.into())
            .await
            .into()
    }

    /// Set how to validate when adding friend
    ///
    /// Section 1.1 of the user document. Sets the acting user's auth_mode (0-3; 10002
    /// otherwise).
    #[oai(path = "/user/authmode", method = "put", method = "post")]
    async fn auth_mode(
        &self,
        caller: Caller,
        /// Verification method: 0 - No verification, anyone can be added as a friend; 1 - consent is required to be added as a friend; 2 - answer questions correctly to be added as a friend; 3 - reject all adding friend requests
        #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
        value: Query<i32>,
    ) -> R<bool> {
        let patch = SettingsPatch {
            auth_mode: Some(value.0),
            ..Default::default()
        };
        user_settings::set(&self.0, &caller, patch).await.into()
    }

    /// Set whether to download thumbnails and files automatically
    ///
    /// Section 1.10 of the user document. Sets the acting user's auto_download.
    ///
    /// The value may come in the query (as documented) or in a JSON body, e.g. `{"value": true}`
    /// (as the original web SDK sends it); both given and different is 10002.
    #[oai(path = "/user/download", method = "put", method = "post")]
    async fn download(
        &self,
        caller: Caller,
        /// Whether to automatically download thumbnails: true - yes, false - no
        value: Query<QueryOr<bool>>,
        body: JsonBody<SwitchBody>,
    ) -> R<bool> {
        self.switch(&caller, value.0, body.0, |p| &mut p.auto_download)
            .await
    }

    /// Set whether to turn off push
    ///
    /// Section 1.22 of the user document. Sets the acting user's no_push.
    ///
    /// The value may come in the query (as documented) or in a JSON body, e.g. `{"value": true}`
    /// (as the original web SDK sends it); both given and different is 10002.
    #[oai(path = "/user/push", method = "put", method = "post")]
    async fn push(
        &self,
        caller: Caller,
        /// Whether to close push: true - close push, false - not close push
        value: Query<QueryOr<bool>>,
        body: JsonBody<SwitchBody>,
    ) -> R<bool> {
        self.switch(&caller, value.0, body.0, |p| &mut p.no_push)
            .await
    }

    /// Set whether to turn off push details
    ///
    /// Section 1.25 of the user document. Sets the acting user's no_push_detail.
    ///
    /// The value may come in the query (as documented) or in a JSON body, e.g. `{"value": true}`
    /// (as the original web SDK sends it); both given and different is 10002.
    #[oai(path = "/user/push/detail", method = "put", method = "post")]
    async fn push_detail(
        &self,
        caller: Caller,
        /// Whether to close push details: true - close push details, false - do not close push details
        value: Query<QueryOr<bool>>,
        body: JsonBody<SwitchBody>,
    ) -> R<bool> {
        self.switch(&caller, value.0, body.0, |p| &mut p.no_push_detail)
            .await
    }

    /// Set push no-disturb time
    ///
    /// Section 1.26 of the user document. Sets the acting user's no_push_start_hour and
    /// no_push_end_hour (hours 0-23; 10002 naming the parameter otherwise). A start later
    /// than the end spans midnight.
    ///
    /// The hours may come in the query (as documented) or in a JSON body
    /// `{"no_push_start_hour": 22, "no_push_end_hour": 7}` (as the original web SDK sends them);
    /// both given and different is 10002.
    #[oai(path = "/user/push/limit", method = "put", method = "post")]
    async fn push_limit(
        &self,
        caller: Caller,
        /// Push DND end hour(0-23)
        #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
        no_push_end_hour: Query<QueryOr<i32>>,
        /// Push DND start hour(0-23)
        #[oai(validator(minimum(value = "0"), maximum(value = "23")))]
        no_push_start_hour: Query<QueryOr<i32>>,
        body: JsonBody<PushLimitBody>,
    ) -> R<bool> {
        let hours = (|| {
            let end = lenient::required(
                "no_push_end_hour",
                no_push_end_hour.0.0,
                body.0.no_push_end_hour,
            )?;
            let start = lenient::required(
                "no_push_start_hour",
                no_push_start_hour.0.0,
                body.0.no_push_start_hour,
            )?;
            Ok::<_, ApiError>((start, end))
        })();
        let (start, end) = match hours {
            Ok(hours) => hours,
            Err(e) => return Reply::error(e),
        };
        let patch = SettingsPatch {
            no_push_start_hour: Some(start),
            no_push_end_hour: Some(end),
            ..Default::default()
        };
        user_settings::set(&self.0, &caller, patch).await.into()
    }

    /// Set push nickname
    ///
    /// Section 1.27 of the user document. Sets the acting user's push_nick_name (at most 64
    /// characters).
    ///
    /// The value may come in the query (as documented) or in a JSON body, e.g. `{"value": "Ann"}`
    /// (as the original web SDK sends it); both given and different is 10002.
    #[oai(path = "/user/push/nickname", method = "put", method = "post")]
    async fn push_nickname(
        &self,
        caller: Caller,
        /// Push nickname
        #[oai(validator(max_length = 64))]
        value: Query<QueryOr<String>>,
        body: JsonBody<PushNicknameBody>,
    ) -> R<bool> {
        let value = match lenient::required("value", value.0.0, body.0.value) {
            Ok(v) => v,
            Err(e) => return Reply::error(e),
        };
        let patch = SettingsPatch {
            push_nick_name: Some(Some(value)),
            ..Default::default()
        };
        user_settings::set(&self.0, &caller, patch).await.into()
    }

    /// Set whether to mute sound alert for new message
    ///
    /// Section 1.37 of the user document. Sets the acting user's no_sounds.
    ///
    /// The value may come in the query (as documented) or in a JSON body, e.g. `{"value": true}`
    /// (as the original web SDK sends it); both given and different is 10002.
    #[oai(path = "/user/sounds", method = "put", method = "post")]
    async fn sounds(
        &self,
        caller: Caller,
        /// Whether to turn off the sound reminder: true - turn off the sound reminder, false - do not turn off the sound reminder
        value: Query<QueryOr<bool>>,
        body: JsonBody<SwitchBody>,
    ) -> R<bool> {
        self.switch(&caller, value.0, body.0, |p| &mut p.no_sounds)
            .await
    }

    /// Set whether to vibrate alert for new message
    ///
    /// Section 1.41 of the user document. Sets the acting user's vibratory.
    ///
    /// The value may come in the query (as documented) or in a JSON body, e.g. `{"value": true}`
    /// (as the original web SDK sends it); both given and different is 10002.
    #[oai(path = "/user/vibratory", method = "put", method = "post")]
    async fn vibratory(
        &self,
        caller: Caller,
        /// Whether to vibrate: true-vibrate, false-no vibration
        value: Query<QueryOr<bool>>,
        body: JsonBody<SwitchBody>,
    ) -> R<bool> {
        self.switch(&caller, value.0, body.0, |p| &mut p.vibratory)
            .await
    }
}

impl UserSettingsApi {
    /// An on/off setting (the field of the patch that `field` picks) from the query or the
    /// JSON body.
    async fn switch(
        &self,
        caller: &Caller,
        query: QueryOr<bool>,
        body: SwitchBody,
        field: fn(&mut SettingsPatch) -> &mut Option<bool>,
    ) -> R<bool> {
        match lenient::required("value", query.0, body.value) {
            Ok(on) => {
                let mut patch = SettingsPatch::default();
                *field(&mut patch) = Some(on);
                user_settings::set(&self.0, caller, patch).await.into()
            }
            Err(e) => Reply::error(e),
        }
    }
}
