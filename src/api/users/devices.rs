//! Devices and sessions: /user/device/list, /user/device/remove, /user/kick,
//! /user/token/bind, /user/token/unbind, /user/online_status.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{P, R, Reply};
use crate::api::kit::lenient;
use crate::domain::common::paging::Page;
use crate::domain::users::devices;
use crate::entity::device;
use crate::state::State;

pub struct UserDevicesApi(pub State);

/// `{"device_sn": 4}`: the device to end, in a JSON body instead of the query.
#[derive(Object, Default)]
pub struct KickBody {
    /// Device serial number, when not given in the query (absent from both: all devices)
    pub device_sn: Option<i32>,
}

/// A device of a user
#[derive(Object)]
pub struct DeviceInfo {
    /// Device serial number
    pub device_sn: i32,
    /// Device platform,1:ios, 2:android, 3:windows, 4:mac, 5:linux, 6:web
    pub platform: i32,
    /// Device information
    #[oai(nullable)]
    pub user_agent: Option<String>,
    /// User ID
    pub user_id: i64,
    /// Whether the device has a live session (a valid token)
    pub logged_in: bool,
    /// Last request of the device's session, epoch milliseconds
    pub last_seen_at: i64,
}

impl From<device::Model> for DeviceInfo {
    fn from(d: device::Model) -> Self {
        DeviceInfo {
            device_sn: d.device_sn,
            platform: d.platform,
            user_agent: d.user_agent,
            user_id: d.user_id,
            logged_in: d.token_hash.is_some(),
            last_seen_at: d.last_seen_at,
        }
    }
}

#[derive(Object)]
pub struct BindTokenReq {
    /// Device serial number
    pub device_sn: i32,
    /// device token
    #[oai(validator(min_length = 1, max_length = 512))]
    pub device_token: String,
    /// Certificate name
    #[oai(validator(min_length = 1, max_length = 128))]
    pub notifier_name: String,
}

/// The device whose push token was removed
#[derive(Object)]
pub struct UnbindResult {
    /// Device serial number
    pub device_sn: i32,
}

/// Online status
#[derive(Object)]
pub struct OnlineStatus {
    /// Online or not: true - online, false - offline
    pub online: bool,
}

#[OpenApi(tag = "Tag::UserDevices")]
impl UserDevicesApi {
    /// Device list
    ///
    /// Section 1.7 of the user document. Every device of the acting user, by device_sn, in
    /// one page (cursor absent). A device stays listed after its session ended (kick, new
    /// password) until it is removed.
    #[oai(path = "/user/device/list", method = "get")]
    async fn device_list(&self, caller: Caller) -> P<DeviceInfo> {
        devices::list(&self.0, &caller)
            .await
            .map(|v| {
                let total = v.len() as i64;
                Page {
                    items: v.into_iter().map(Into::into).collect(),
                    cursor: None,
                    total: Some(total),
                    version: None,
                }
            })
            .into()
    }

    /// Delete device
    ///
    /// Section 1.8 of the user document. Deletes a device of the acting user; its session
    /// ends (its token answers 10008) and its push binding goes. 10002 when the user has no
    /// such device.
    #[oai(path = "/user/device/remove", method = "delete", method = "post")]
    async fn device_remove(
        &self,
        caller: Caller,
        /// Device serial number
        device_sn: Query<i32>,
    ) -> R<bool> {
        devices::remove(&self.0, &caller, device_sn.0).await.into()
    }

    /// Kick specified device
    ///
    /// Section 1.12 of the user document. Ends the session of the acting user's device
    /// device_sn, or without device_sn of all its devices (the calling one included); their
    /// tokens answer 10008. The devices stay (listed, with their push bindings). 10002 when
    /// the user has no such device. device_sn may come in the query (as documented) or in a
    /// JSON body `{"device_sn": 4}` (as the original web SDK sends it to end one other device);
    /// both given and different is 10002.
    #[oai(path = "/user/kick", method = "put", method = "post")]
    async fn kick(
        &self,
        caller: Caller,
        /// Device serial number:Not set means kick all devices
        device_sn: Query<Option<i32>>,
        body: JsonBody<KickBody>,
    ) -> R<bool> {
        match lenient::either("device_sn", device_sn.0, body.0.device_sn) {
            Ok(device_sn) => devices::kick(&self.0, &caller, device_sn).await.into(),
            Err(e) => Reply::error(e),
        }
    }

    /// Bind token
    ///
    /// Section 1.38 of the user document. Binds a push device token and its notifier
    /// (certificate) name to a device of the acting user, replacing any previous binding.
    #[oai(path = "/user/token/bind", method = "put", method = "post")]
    async fn token_bind(&self, caller: Caller, body: JsonBody<BindTokenReq>) -> R<bool> {
        let b = body.0;
        devices::bind_token(
            &self.0,
            &caller,
            b.device_sn,
            b.device_token,
            b.notifier_name,
        )
        .await
        .into()
    }

    /// Unbind token
    ///
    /// Section 1.39 of the user document. Removes the push device token of a device of the
    /// acting user (query parameter deviceSn, as documented). Answers the device_sn.
    #[oai(path = "/user/token/unbind", method = "delete", method = "post")]
    async fn token_unbind(
        &self,
        caller: Caller,
        /// Device serial number
        #[oai(name = "deviceSn")]
        device_sn: Query<i32>,
    ) -> R<UnbindResult> {
        let sn = device_sn.0;
        devices::unbind_token(&self.0, &caller, sn)
            .await
            .map(|_| UnbindResult { device_sn: sn })
            .into()
    }

    /// Query user online status
    ///
    /// Section 1.16 of the user document. The acting user is online when one of its sessions
    /// is live (token valid) and made a request within the last 5 minutes.
    #[oai(path = "/user/online_status", method = "get")]
    async fn online_status(&self, caller: Caller) -> R<OnlineStatus> {
        devices::online(&self.0, &caller)
            .await
            .map(|online| OnlineStatus { online })
            .into()
    }
}
