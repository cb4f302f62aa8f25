//! User settings as the API shows them.
use poem_openapi::Object;

use crate::entity::user_setting;

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
