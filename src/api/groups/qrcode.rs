//! Group invitation QR codes: sign and join, under the group document's paths and under the
//! /app/qrcode paths of the original service's web SDK (the same operations).
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::api::kit::operations::operations;
use crate::domain::groups::qrcode::{self as group_qrcode, QrCode};
use crate::state::State;

pub struct GroupQrcodeApi(pub State);

#[derive(Object)]
pub struct QrInviteReq {
    /// QR code information:It can be obtained by GET /group/qrcode/sign
    #[oai(validator(max_length = 1024))]
    pub qr_info: String,
}

/// A group invitation QR code
#[derive(Object)]
pub struct GroupQrCode {
    /// QR code generation time(milliseconds)
    pub create_at: i64,
    /// QR code expiration time(milliseconds)
    pub expire_at: i64,
    /// QR code expiration time (epoch milliseconds): the same instant as expire_at, under the name the original web SDK reads
    pub expired: i64,
    /// QR code information
    pub qr_info: String,
}

impl From<QrCode> for GroupQrCode {
    fn from(q: QrCode) -> Self {
        GroupQrCode {
            create_at: q.create_at,
            expire_at: q.expire_at,
            expired: q.expire_at,
            qr_info: q.qr_info,
        }
    }
}

/// The group joined through a QR code
#[derive(Object)]
pub struct QrJoined {
    /// GroupID
    pub group_id: i64,
}

operations! {
    #[OpenApi(tag = "Tag::GroupQrCodes")]
    impl GroupQrcodeApi {
        /// Group invitation via QR code
        ///
        /// Section 4.40 of the group document. The caller joins the group of qr_info at once:
        /// a tampered code or one of another server or app gets 20024, an expired one 20025; then
        /// a member gets 20017, a blacklisted user 20018, a full group 20010. data names the group.
        #[oai(path = "/group/qrcode/invite", method = "post")]
        async fn invite(&self, caller: Caller, body: JsonBody<QrInviteReq>) -> R<QrJoined> {
            self.join(&caller, &body.0.qr_info).await
        }

        /// Group invitation via QR code (GET, the web SDK's path)
        ///
        /// The original service's web SDK path of /group/qrcode/invite: the same operation and
        /// answer, with qr_info in the query. **This GET writes**: the caller joins the group of
        /// qr_info at once (the only GET of the API that changes anything; HEAD does the same).
        /// A tampered code or one of another server or app gets 20024, an expired one 20025; then
        /// a member gets 20017, a blacklisted user 20018, a full group 20010. data names the group.
        #[oai(path = "/app/qrcode/group_invite", method = "get")]
        async fn app_invite(
            &self,
            caller: Caller,
            /// QR code information: from /app/qrcode/group_sign or /group/qrcode/sign
            #[oai(name = "qr_info", validator(max_length = 1024))]
            qr_info: Query<String>,
        ) -> R<QrJoined> {
            self.join(&caller, &qr_info.0).await
        }
    }

    // The code, under the group document's path and under the web SDK's.
    shared |sign| (
        &self,
        caller: Caller,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
    ) {
        sign(&self.0, &caller, group_id.0)
            .await
            .map(Into::into)
            .into()
    } for {
        /// Get Group invitation QR code
        ///
        /// Section 4.41 of the group document. Members of a live group (20011 otherwise); only the
        /// owner and admins when member_invite is false (20012). qr_info is an opaque string
        /// naming the group, the inviter and the expiry, signed by the server; it is valid for 7
        /// days. An app admin token with the group_id header signs in the owner's name. expired
        /// repeats expire_at (the name the original web SDK reads).
        #[oai(path = "/group/qrcode/sign", method = "get")]
        fn sign() -> R<GroupQrCode> = group_qrcode::sign;

        /// Get Group invitation QR code (the web SDK's path)
        ///
        /// The original service's web SDK path of /group/qrcode/sign: the same operation, rights
        /// and answer. Members of a live group (20011 otherwise); only the owner and admins when
        /// member_invite is false (20012). expired (epoch milliseconds) is expire_at under the name
        /// the SDK's UI compares with the clock; the code is valid for 7 days.
        #[oai(path = "/app/qrcode/group_sign", method = "get")]
        fn app_sign() -> R<GroupQrCode> = group_qrcode::sign;
    }
}

impl GroupQrcodeApi {
    async fn join(&self, caller: &Caller, qr_info: &str) -> R<QrJoined> {
        group_qrcode::join(&self.0, caller, qr_info)
            .await
            .map(|group_id| QrJoined { group_id })
            .into()
    }
}
