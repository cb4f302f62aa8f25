//! Groups: create, destroy, information (single, batch, updates), transfer, the caller's
//! groups and the public chatroom list.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::groups::lifecycle::{
    self as groups, GroupView, InfoChange, NewGroup, UserOutcome,
};
use crate::state::State;

pub struct GroupInfoApi(pub State);

/// A group, with the caller's own message modes and do-not-disturb
#[derive(Object)]
pub struct GroupInfo {
    /// Group id
    pub group_id: i64,
    /// Group name
    #[oai(nullable)]
    pub name: Option<String>,
    /// Group avatar
    #[oai(nullable)]
    pub avatar: Option<String>,
    /// Group description
    #[oai(nullable)]
    pub description: Option<String>,
    /// Group extension information
    #[oai(nullable)]
    pub ext: Option<String>,
    /// Group type: 0 - private group, 2 - chatroom
    #[oai(rename = "type")]
    pub kind: i32,
    /// Group Owner id
    pub owner_id: i64,
    /// GroupCapacity
    pub capacity: i64,
    /// Current count of group member
    pub count: i64,
    /// Group membership application settings, 0: Agree all requests 1: Need to confirm by Admin 2: Reject all requests
    pub apply_approval: i32,
    /// Whether to allow group members to invite others into the group: true - Group members are allowed to invite others into the group, false - Group members are not allowed to invite others into the group
    pub member_invite: bool,
    /// Group members modify group information settings: true - Allow group members to modify group information, false - Do not allow group members to modify group information
    pub member_modify: bool,
    /// Whether to enable the read function of group messages: true - enable the read function of group messages, false - disable the read function of group messages
    pub read_ack: bool,
    /// History chat visibility settings for new members: true - New members can see chat history, false - New members invisible chat history
    pub history_visible: bool,
    /// Whether member details are hidden from plain members: true - a plain member sees only the user_id of the other plain members in member_list and /group/members/display_name (display_name null, join_time and expired_time 0); the owner, admins and the member's own row stay in full
    pub hide_member_info: bool,
    /// Expiration time (second), during which only Admins are allowed to send messages, 0 or less than the current time means no banning, -1 means banned permanently
    pub ban_expire_time: i64,
    /// Group message blocking mode: 0 - not blocking, 1 - blocking local message notifications, 2 - blocking messages, not receiving messages (the caller's own; 0 when it is not a member)
    pub msg_mute_mode: i32,
    /// Group message push mode: 0 - receive all pushes, 1 - not accept pushes, 2 - receive admin and @message pushes, 3 - only receive admin pushes, 4 - only receive @message pushes (the caller's own; 0 when it is not a member)
    pub msg_push_mode: i32,
    /// Do-not-disturb for the group (/group/msg/not_disturb): the caller's own; false when it is not a member
    pub not_disturb: bool,
    /// Group state, 0: normal, 1: dissolved
    pub status: i32,
    /// Creation time(milliseconds)
    pub created_at: i64,
    /// Update time(milliseconds)
    pub updated_at: i64,
}

impl From<GroupView> for GroupInfo {
    fn from(v: GroupView) -> Self {
        let g = v.group;
        GroupInfo {
            group_id: g.id,
            name: g.name,
            avatar: g.avatar,
            description: g.description,
            ext: g.ext,
            kind: g.r#type,
            owner_id: g.owner_id,
            capacity: g.capacity,
            count: g.count,
            apply_approval: g.apply_approval,
            member_invite: g.member_invite,
            member_modify: g.member_modify,
            read_ack: g.read_ack,
            history_visible: g.history_visible,
            hide_member_info: g.hide_member_info,
            ban_expire_time: g.ban_expire_time,
            msg_mute_mode: v.msg_mute_mode,
            msg_push_mode: v.msg_push_mode,
            not_disturb: v.not_disturb,
            status: g.status,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A group in brief, with the caller's own message modes
#[derive(Object)]
pub struct GroupBrief {
    /// GroupID
    pub group_id: i64,
    /// Group name
    #[oai(nullable)]
    pub name: Option<String>,
    /// Group avatar
    #[oai(nullable)]
    pub avatar: Option<String>,
    /// Group type: 0 - private group, 2 - chatroom
    #[oai(rename = "type")]
    pub kind: i32,
    /// Group Owner id
    pub owner: i64,
    /// GroupCapacity
    pub capacity: i64,
    /// Current count of group member
    pub count: i64,
    /// Group membership application settings, 0: Agree all requests 1: Need to confirm by Admin 2: Reject all requests
    pub apply_approval: i32,
    /// Group message blocking mode: 0 - not blocking, 1 - blocking local message notifications, 2 - blocking messages, not receiving messages (the caller's own)
    pub msg_mute_mode: i32,
    /// Group message push mode: 0 - receive all pushes, 1 - not accept pushes, 2 - receive admin and @message pushes, 3 - only receive admin pushes, 4 - only receive @message pushes (the caller's own)
    pub msg_push_mode: i32,
    /// Group state, 0: normal, 1: dissolved
    pub status: i32,
}

impl From<GroupView> for GroupBrief {
    fn from(v: GroupView) -> Self {
        let g = v.group;
        GroupBrief {
            group_id: g.id,
            name: g.name,
            avatar: g.avatar,
            kind: g.r#type,
            owner: g.owner_id,
            capacity: g.capacity,
            count: g.count,
            apply_approval: g.apply_approval,
            msg_mute_mode: v.msg_mute_mode,
            msg_push_mode: v.msg_push_mode,
            status: g.status,
        }
    }
}

/// The outcome of an operation on one user
#[derive(Object)]
pub struct UserResult {
    /// User ID
    pub user_id: i64,
    /// Operation result: success/fail
    pub result: String,
    /// Error message
    #[oai(nullable)]
    pub reason: Option<String>,
}

impl From<UserOutcome> for UserResult {
    fn from(o: UserOutcome) -> Self {
        UserResult {
            user_id: o.user_id,
            result: if o.success { "success" } else { "fail" }.into(),
            reason: o.reason,
        }
    }
}

#[derive(Object)]
pub struct CreateGroupReq {
    /// Group name, 1-128 characters
    #[oai(validator(min_length = 1, max_length = 128))]
    pub name: Option<String>,
    /// Group avatar, at most 1024 characters
    #[oai(validator(max_length = 1024))]
    pub avatar: Option<String>,
    /// Group description, at most 2048 characters
    #[oai(validator(max_length = 2048))]
    pub description: Option<String>,
    /// Group type: 0 - private group, 2 - chatroom (default 0)
    #[oai(rename = "type")]
    pub kind: Option<i32>,
    /// List of user ids invited to join group: they join at once; unknown ids are skipped. At most 500
    #[oai(validator(max_items = 500))]
    pub user_list: Option<Vec<i64>>,
}

impl From<CreateGroupReq> for NewGroup {
    fn from(b: CreateGroupReq) -> Self {
        NewGroup {
            name: b.name,
            avatar: b.avatar,
            description: b.description,
            r#type: b.kind,
            user_list: b.user_list.unwrap_or_default(),
        }
    }
}

#[derive(Object)]
pub struct GroupListReq {
    /// Group id list, at most 500
    #[oai(validator(max_items = 500))]
    pub group_list: Vec<i64>,
}

#[derive(Object)]
pub struct TransferReq {
    /// Group id
    pub group_id: i64,
    /// User_id of new group Owner
    pub new_owner: i64,
}

/// The body `{group_id, value}` shared by the update operations, one type per limit of value.
macro_rules! value_body {
    ($name:ident, $ty:ty, $doc:literal $(, $($v:tt)+)?) => {
        #[derive(Object)]
        pub struct $name {
            /// Group id
            pub group_id: i64,
            #[doc = $doc]
            $(#[oai(validator($($v)+))])?
            pub value: $ty,
        }
    };
}
pub(crate) use value_body;

value_body!(
    GroupNameValue,
    String,
    "Update content: the group name, 1-128 characters",
    min_length = 1,
    max_length = 128
);
value_body!(
    GroupAvatarValue,
    String,
    "Update content: the avatar url, at most 1024 characters",
    max_length = 1024
);
value_body!(
    GroupTextValue,
    String,
    "Update content, at most 2048 characters",
    max_length = 2048
);

/// A group as the caller sees it: what /group/info and /group/settings answer.
pub async fn group_info(state: &State, caller: &Caller, group_id: i64) -> R<GroupInfo> {
    groups::info(state, caller, group_id)
        .await
        .map(Into::into)
        .into()
}

#[OpenApi(tag = "Tag::GroupLifecycle")]
impl GroupInfoApi {
    /// Create group
    ///
    /// Section 4.16 of the group document. The caller becomes the owner and first member; the
    /// users of user_list join at once (unknown ids are skipped and logged, not fatal).
    /// Defaults: type 0, member_invite true, apply_approval 1, member_modify false, read_ack
    /// false, history_visible false, hide_member_info false; capacity 2000 (private group) or 100000 (chatroom). An app
    /// admin token must name the owner with the user_id header (10002 otherwise).
    #[oai(path = "/group/create", method = "post")]
    async fn create(&self, caller: Caller, body: JsonBody<CreateGroupReq>) -> R<GroupInfo> {
        groups::create(&self.0, &caller, body.0.into())
            .await
            .map(Into::into)
            .into()
    }

    /// Disband group
    ///
    /// Section 4.17 of the group document. The owner only. The group gets status 1 (dissolved):
    /// it stays readable by id, leaves every member's group list, and takes no further change
    /// (20001).
    #[oai(path = "/group/destroy", method = "delete", method = "post")]
    async fn destroy(
        &self,
        caller: Caller,
        #[oai(name = "group_id")] group_id: Query<i64>,
    ) -> R<bool> {
        groups::destroy(&self.0, &caller, group_id.0).await.into()
    }

    /// Get group information by group id
    ///
    /// Section 4.24 of the group document. Any caller of the app may read a group, a dissolved
    /// one too; msg_mute_mode and msg_push_mode are the caller's own.
    #[oai(path = "/group/info", method = "get")]
    async fn info(
        &self,
        caller: Caller,
        #[oai(name = "group_id")] group_id: Query<i64>,
    ) -> R<GroupInfo> {
        group_info(&self.0, &caller, group_id.0).await
    }

    /// Get group information by group id
    ///
    /// Section 4.26 of the group document. The groups of group_list in brief, in its order;
    /// ids unknown or of another app are left out.
    #[oai(path = "/group/info/batch", method = "post")]
    async fn info_batch(&self, caller: Caller, body: JsonBody<GroupListReq>) -> R<Vec<GroupBrief>> {
        groups::info_batch(&self.0, &caller, &body.0.group_list)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }

    /// Update group name
    ///
    /// Section 4.29 of the group document. Admins and the owner; members too when
    /// member_modify is true.
    #[oai(path = "/group/info/name", method = "put", method = "post")]
    async fn update_name(&self, caller: Caller, body: JsonBody<GroupNameValue>) -> R<bool> {
        let b = body.0;
        groups::update_info(&self.0, &caller, b.group_id, InfoChange::Name(b.value))
            .await
            .into()
    }

    /// Update group avatar
    ///
    /// Section 4.25 of the group document. Admins and the owner; members too when
    /// member_modify is true.
    #[oai(path = "/group/info/avatar", method = "put", method = "post")]
    async fn update_avatar(&self, caller: Caller, body: JsonBody<GroupAvatarValue>) -> R<bool> {
        let b = body.0;
        groups::update_info(&self.0, &caller, b.group_id, InfoChange::Avatar(b.value))
            .await
            .into()
    }

    /// Update group description
    ///
    /// Section 4.27 of the group document. Admins and the owner; members too when
    /// member_modify is true.
    #[oai(path = "/group/info/description", method = "put", method = "post")]
    async fn update_description(&self, caller: Caller, body: JsonBody<GroupTextValue>) -> R<bool> {
        let b = body.0;
        groups::update_info(
            &self.0,
            &caller,
            b.group_id,
            InfoChange::Description(b.value),
        )
        .await
        .into()
    }

    /// Update extension information
    ///
    /// Section 4.28 of the group document. Admins and the owner; members too when
    /// member_modify is true.
    #[oai(path = "/group/info/ext", method = "put", method = "post")]
    async fn update_ext(&self, caller: Caller, body: JsonBody<GroupTextValue>) -> R<bool> {
        let b = body.0;
        groups::update_info(&self.0, &caller, b.group_id, InfoChange::Ext(b.value))
            .await
            .into()
    }

    /// Transfer of group Owner
    ///
    /// Section 4.50 of the group document. The owner only. The new owner must be a member
    /// (20005); the old owner stays as a plain member.
    #[oai(path = "/group/transfer", method = "put", method = "post")]
    async fn transfer(&self, caller: Caller, body: JsonBody<TransferReq>) -> R<UserResult> {
        groups::transfer(&self.0, &caller, body.0.group_id, body.0.new_owner)
            .await
            .map(Into::into)
            .into()
    }

    /// Get the list of groups for the user
    ///
    /// Section 4.53 of the group document. The ids of the live groups the caller is a member
    /// of (an app admin token names the user with the user_id header).
    #[oai(path = "/group/user_joined", method = "get")]
    async fn user_joined(&self, caller: Caller) -> R<Vec<i64>> {
        groups::user_joined(&self.0, &caller).await.into()
    }

    /// Get public group list(Deprecated)
    ///
    /// Section 4.39 of the group document. The ids of the app's live chatrooms (type 2).
    #[oai(path = "/group/public_list", method = "get", deprecated)]
    async fn public_list(&self, caller: Caller) -> R<Vec<i64>> {
        groups::public_list(&self.0, &caller).await.into()
    }
}
