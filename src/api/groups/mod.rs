//! Groups (chapter 4): lifecycle, settings, members and admins, invitations and applications,
//! moderation, announcements, shared files and QR codes.
pub mod admins;
pub mod announcements;
pub mod files;
pub mod info;
pub mod invites;
pub mod members;
pub mod moderation;
pub mod qrcode;
pub mod settings;

use poem::http::Method;
use poem_openapi::Tags;

use crate::state::State;

/// The areas of this capability, in the order Swagger UI shows them ([`TAGS`]).
#[derive(Tags)]
pub enum Tag {
    /// Create, read, rename, transfer and dissolve groups; the caller's groups
    #[oai(rename = "Group lifecycle")]
    GroupLifecycle,
    /// Group switches (invitations, approval, read receipts, history, hidden members) and the caller's per-group settings
    #[oai(rename = "Group settings")]
    GroupSettings,
    /// Members and admins: lists, profiles, kick, leave, admin roles
    #[oai(rename = "Group members")]
    GroupMembers,
    /// Invitations and membership applications, and their handling
    #[oai(rename = "Group invitations and applications")]
    GroupInvitations,
    /// Mutes (ban), mute-all and the blacklist (block)
    #[oai(rename = "Group moderation")]
    GroupModeration,
    /// Group announcements
    #[oai(rename = "Group announcements")]
    GroupAnnouncements,
    /// Shared files of a group
    #[oai(rename = "Group files")]
    GroupFiles,
    /// Signed QR codes that invite into a group
    #[oai(rename = "Group QR codes")]
    GroupQrCodes,
}

/// The names of [`Tag`], in its order.
pub const TAGS: &[&str] = &[
    "Group lifecycle",
    "Group settings",
    "Group members",
    "Group invitations and applications",
    "Group moderation",
    "Group announcements",
    "Group files",
    "Group QR codes",
];

/// The operations' verb names (`operationId`): path, method (`None`: every method of one
/// handler), name.
pub const OPERATION_NAMES: &[(&str, Option<Method>, &str)] = &[
    ("/group/create", None, "createGroup"),
    ("/group/destroy", None, "destroyGroup"),
    ("/group/info", None, "getGroupInfo"),
    ("/group/info/batch", None, "getGroupInfos"),
    ("/group/info/name", None, "setGroupName"),
    ("/group/info/avatar", None, "setGroupAvatar"),
    ("/group/info/description", None, "setGroupDescription"),
    ("/group/info/ext", None, "setGroupExt"),
    ("/group/transfer", None, "transferGroup"),
    ("/group/user_joined", None, "listJoinedGroups"),
    ("/group/public_list", None, "listPublicGroups"),
    ("/group/settings", None, "getGroupSettings"),
    (
        "/group/settings/allow_member_invitation",
        None,
        "setMemberInvite",
    ),
    (
        "/group/settings/allow_member_modify",
        None,
        "setMemberModify",
    ),
    ("/group/settings/enable_read_ack", None, "setReadAck"),
    ("/group/settings/history_visible", None, "setHistoryVisible"),
    (
        "/group/settings/hide_member_info",
        None,
        "setHideMemberInfo",
    ),
    (
        "/group/settings/require_admin_approval",
        None,
        "setApplyApproval",
    ),
    ("/group/display_name", None, "setDisplayName"),
    ("/group/msg/mute_mode", None, "setGroupMuteMode"),
    ("/group/msg/push_mode", None, "setGroupPushMode"),
    ("/group/msg/not_disturb", None, "setGroupNotDisturb"),
    ("/group/admin/add", None, "addGroupAdmins"),
    ("/group/admin/remove", None, "removeGroupAdmins"),
    ("/group/admin_list", None, "listGroupAdmins"),
    ("/group/ban", None, "muteMembers"),
    ("/group/unban", None, "unmuteMembers"),
    ("/group/banned_list", None, "listMutedMembers"),
    ("/group/settings/ban_all", None, "muteAll"),
    ("/group/settings/unban_all", None, "unmuteAll"),
    ("/group/block", None, "blockUsers"),
    ("/group/unblock", None, "unblockUsers"),
    ("/group/blocked_list", None, "listBlockedUsers"),
    ("/group/announcement", None, "getAnnouncement"),
    ("/group/announcement/delete", None, "deleteAnnouncement"),
    ("/group/announcement/edit", None, "publishAnnouncement"),
    ("/group/announcement/last", None, "getLatestAnnouncement"),
    ("/group/announcement/list", None, "listAnnouncements"),
    ("/group/file", None, "getGroupFile"),
    ("/group/file/delete", None, "deleteGroupFiles"),
    ("/group/file/list", None, "listGroupFiles"),
    ("/group/file/update_name", None, "renameGroupFile"),
    ("/group/file/upload", None, "uploadGroupFile"),
    ("/group/member_list", None, "listGroupMembers"),
    ("/group/members/display_name", None, "getMemberProfiles"),
    ("/group/kick", None, "kickMembers"),
    ("/group/leave", None, "leaveGroup"),
    ("/group/invite", None, "inviteToGroup"),
    ("/group/invite/handle", None, "handleInvitation"),
    ("/group/invitation_list", None, "listInvitations"),
    ("/group/apply", None, "applyToGroup"),
    ("/group/apply/handle", None, "handleApplication"),
    ("/group/application_list", None, "listApplications"),
    ("/group/qrcode/invite", None, "joinByQrCode"),
    ("/app/qrcode/group_invite", None, "joinByQrCodeGet"),
    ("/group/qrcode/sign", None, "getGroupQrCode"),
    ("/app/qrcode/group_sign", None, "getGroupQrCodeApp"),
];

/// The endpoint structs of this capability (mounted by `api::capabilities!`).
pub type Apis = (
    info::GroupInfoApi,
    settings::GroupSettingsApi,
    admins::GroupAdminsApi,
    moderation::GroupModerationApi,
    announcements::GroupAnnouncementsApi,
    files::GroupFilesApi,
    members::GroupMembersApi,
    invites::GroupInvitesApi,
    qrcode::GroupQrcodeApi,
);

pub fn apis(state: &State) -> Apis {
    (
        info::GroupInfoApi(state.clone()),
        settings::GroupSettingsApi(state.clone()),
        admins::GroupAdminsApi(state.clone()),
        moderation::GroupModerationApi(state.clone()),
        announcements::GroupAnnouncementsApi(state.clone()),
        files::GroupFilesApi(state.clone()),
        members::GroupMembersApi(state.clone()),
        invites::GroupInvitesApi(state.clone()),
        qrcode::GroupQrcodeApi(state.clone()),
    )
}
