//! Group invitation QR codes: sign and join.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::Caller;
use super::body::JsonBody;
use super::envelope::R;
use crate::domain::group_qrcode::{self, QrCode};
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
    /// QR code information
    pub qr_info: String,
}

impl From<QrCode> for GroupQrCode {
    fn from(q: QrCode) -> Self {
        GroupQrCode { create_at: q.create_at, expire_at: q.expire_at, qr_info: q.qr_info }
    }
}

/// The group joined through a QR code
#[derive(Object)]
pub struct QrJoined {
    /// GroupID
    pub group_id: i64,
}

#[OpenApi(tag = "ApiTags::Group")]
impl GroupQrcodeApi {
    /// Group invitation via QR code
    ///
    /// Section 4.40 of the group document. The caller joins the group of qr_info at once:
    /// a tampered code or one of another server or app gets 20024, an expired one 20025; then
    /// a member gets 20017, a blacklisted user 20018, a full group 20010. data names the group.
    #[oai(path = "/group/qrcode/invite", method = "post")]
    async fn invite(&self, caller: Caller, body: JsonBody<QrInviteReq>) -> R<QrJoined> {
        group_qrcode::join(&self.0, &caller, &body.0.qr_info).await.map(|group_id| QrJoined { group_id }).into()
    }

    /// Get Group invitation QR code
    ///
    /// Section 4.41 of the group document. Members of a live group (20011 otherwise); only the
    /// owner and admins when member_invite is false (20012). qr_info is an opaque string
    /// naming the group, the inviter and the expiry, signed by the server; it is valid for 7
    /// days. An app admin token with the group_id header signs in the owner's name.
    #[oai(path = "/group/qrcode/sign", method = "get")]
    async fn sign(
        &self,
        caller: Caller,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
    ) -> R<GroupQrCode> {
        group_qrcode::sign(&self.0, &caller, group_id.0).await.map(Into::into).into()
    }
}
