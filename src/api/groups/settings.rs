//! Group settings (read and update) and the caller's own member settings: display name,
//! message mute mode, push mode and do-not-disturb.
use poem_openapi::param::Query;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::groups::info::{GroupInfo, group_info, value_body};
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::groups::lifecycle::{self as groups, GroupView, MemberChange, SettingChange};
use crate::state::State;

pub struct GroupSettingsApi(pub State);

value_body!(
    GroupFlagValue,
    bool,
    "Update content: true or false (the numbers 1 and 0 are taken too, as the original web UI sends them)"
);
value_body!(
    DisplayNameValue,
    String,
    "Update content: the caller's name in the group, at most 128 characters",
    max_length = 128
);

#[derive(Object)]
pub struct ApplyApprovalReq {
    /// Group id
    pub group_id: i64,
    /// Group membership application settings, 0: Agree all requests 1: Need to confirm by Admin 2: Reject all requests
    #[oai(validator(minimum(value = "0"), maximum(value = "2")))]
    pub apply_approval: i32,
}

#[derive(Object)]
pub struct MuteModeReq {
    /// Group id
    pub group_id: i64,
    /// Group message blocking mode: 0 - No blocking, 1 - Block local message notification, 2 - Block message, no message received
    #[oai(validator(minimum(value = "0"), maximum(value = "2")))]
    pub msg_mute_mode: i32,
}

#[derive(Object)]
pub struct PushModeReq {
    /// Group id
    pub group_id: i64,
    /// Group message push type: 0: Receive all pushes; 1: Do not accept push; 2: Receive Admin and @ pushes; 3. Only receive Admin pushes; 4: Only receive @ pushes (another value is refused with 20003)
    pub msg_push_mode: i32,
}

#[OpenApi(tag = "Tag::GroupSettings")]
impl GroupSettingsApi {
    /// Get group settings
    ///
    /// Section 4.42 of the group document. The same object as /group/info: any caller of the
    /// app may read it, a dissolved group too; msg_mute_mode, msg_push_mode and not_disturb are
    /// the caller's own.
    #[oai(path = "/group/settings", method = "get")]
    async fn settings(
        &self,
        caller: Caller,
        #[oai(name = "group_id")] group_id: Query<i64>,
    ) -> R<GroupInfo> {
        group_info(&self.0, &caller, group_id.0).await
    }

    /// Update group settings - whether to allow member invitations
    ///
    /// Section 4.43 of the group document. Admins and the owner.
    #[oai(
        path = "/group/settings/allow_member_invitation",
        method = "put",
        method = "post"
    )]
    async fn allow_member_invitation(
        &self,
        caller: Caller,
        body: JsonBody<GroupFlagValue>,
    ) -> R<bool> {
        let b = body.0;
        self.set(&caller, b.group_id, SettingChange::MemberInvite(b.value))
            .await
    }

    /// Update group settings - whether group members can modify group information
    ///
    /// Section 4.44 of the group document. Admins and the owner.
    #[oai(
        path = "/group/settings/allow_member_modify",
        method = "put",
        method = "post"
    )]
    async fn allow_member_modify(&self, caller: Caller, body: JsonBody<GroupFlagValue>) -> R<bool> {
        let b = body.0;
        self.set(&caller, b.group_id, SettingChange::MemberModify(b.value))
            .await
    }

    /// Update group settings - whether to enable “mark after read”
    ///
    /// Section 4.46 of the group document. Admins and the owner.
    #[oai(
        path = "/group/settings/enable_read_ack",
        method = "put",
        method = "post"
    )]
    async fn enable_read_ack(&self, caller: Caller, body: JsonBody<GroupFlagValue>) -> R<bool> {
        let b = body.0;
        self.set(&caller, b.group_id, SettingChange::ReadAck(b.value))
            .await
    }

    /// Update group settings - whether group chat history visible to new members
    ///
    /// Section 4.47 of the group document. Admins and the owner.
    #[oai(
        path = "/group/settings/history_visible",
        method = "put",
        method = "post"
    )]
    async fn history_visible(&self, caller: Caller, body: JsonBody<GroupFlagValue>) -> R<bool> {
        let b = body.0;
        self.set(&caller, b.group_id, SettingChange::HistoryVisible(b.value))
            .await
    }

    /// Update group settings - whether to hide member details from plain members
    ///
    /// A newer route of the original service (its group section 4.47). Admins and the owner
    /// (others get 20012). When true, a plain member sees only the
    /// user_id of the other plain members in /group/member_list and /group/members/display_name
    /// (display_name null, join_time and expired_time 0); the owner's and admins' rows and its
    /// own stay in full. The owner, admins and an app admin token acting on the group see
    /// everything. Shown as hide_member_info by /group/info and /group/settings.
    #[oai(
        path = "/group/settings/hide_member_info",
        method = "put",
        method = "post"
    )]
    async fn hide_member_info(&self, caller: Caller, body: JsonBody<GroupFlagValue>) -> R<bool> {
        let b = body.0;
        self.set(&caller, b.group_id, SettingChange::HideMemberInfo(b.value))
            .await
    }

    /// Update group settings - whether group membership request needs Admin approval
    ///
    /// Section 4.48 of the group document. Admins and the owner.
    #[oai(
        path = "/group/settings/require_admin_approval",
        method = "put",
        method = "post"
    )]
    async fn require_admin_approval(
        &self,
        caller: Caller,
        body: JsonBody<ApplyApprovalReq>,
    ) -> R<bool> {
        let b = body.0;
        self.set(
            &caller,
            b.group_id,
            SettingChange::ApplyApproval(b.apply_approval),
        )
        .await
    }

    /// Update group profile
    ///
    /// Section 4.18 of the group document. The caller's own display name in the group; any
    /// member (20002 for a non-member).
    #[oai(path = "/group/display_name", method = "put", method = "post")]
    async fn display_name(&self, caller: Caller, body: JsonBody<DisplayNameValue>) -> R<bool> {
        let b = body.0;
        self.own(
            &caller,
            b.group_id,
            MemberChange::DisplayName(b.value),
            |_| true,
        )
        .await
    }

    /// Set group message blocking mode
    ///
    /// Section 4.37 of the group document. The caller's own mode in the group; any member
    /// (20002 for a non-member); a mode outside 0-2 is 10002. Answers the group settings as the
    /// caller now sees them.
    #[oai(path = "/group/msg/mute_mode", method = "put", method = "post")]
    async fn mute_mode(&self, caller: Caller, body: JsonBody<MuteModeReq>) -> R<GroupInfo> {
        let b = body.0;
        self.own(
            &caller,
            b.group_id,
            MemberChange::MuteMode(b.msg_mute_mode),
            Into::into,
        )
        .await
    }

    /// Set group message pushing mode
    ///
    /// Section 4.38 of the group document. The caller's own mode in the group; any member
    /// (20002 for a non-member); a mode outside 0-4 is 20003. Answers the group settings as the
    /// caller now sees them.
    #[oai(path = "/group/msg/push_mode", method = "put", method = "post")]
    async fn push_mode(&self, caller: Caller, body: JsonBody<PushModeReq>) -> R<GroupInfo> {
        let b = body.0;
        self.own(
            &caller,
            b.group_id,
            MemberChange::PushMode(b.msg_push_mode),
            Into::into,
        )
        .await
    }

    /// Set do-not-disturb for a group
    ///
    /// A newer route of the original service. The caller's own do-not-disturb in the group
    /// (value true: on); any member (20002 for a non-member); an app admin token must act as a
    /// user (user_id header). Read it back as not_disturb in /group/settings and /group/info.
    #[oai(path = "/group/msg/not_disturb", method = "put", method = "post")]
    async fn not_disturb(&self, caller: Caller, body: JsonBody<GroupFlagValue>) -> R<bool> {
        let b = body.0;
        self.own(
            &caller,
            b.group_id,
            MemberChange::NotDisturb(b.value),
            |_| true,
        )
        .await
    }
}

impl GroupSettingsApi {
    /// Changes one setting of the group (admins and the owner).
    async fn set(&self, caller: &Caller, group_id: i64, change: SettingChange) -> R<bool> {
        groups::update_setting(&self.0, caller, group_id, change)
            .await
            .into()
    }

    /// Changes one of the caller's own settings in the group, answering `answer` of the group
    /// as the caller now sees it.
    async fn own<T: ParseFromJSON + ToJSON + Send + Sync>(
        &self,
        caller: &Caller,
        group_id: i64,
        change: MemberChange,
        answer: fn(GroupView) -> T,
    ) -> R<T> {
        groups::update_own_member(&self.0, caller, group_id, change)
            .await
            .map(answer)
            .into()
    }
}
