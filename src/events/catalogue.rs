//! The catalogue of domain events: what the domain records, with the app, the actor and the
//! targets. Serialised with a `type` tag in snake_case (`{"type": "member_kicked", ...}`), the
//! shape later consumers (webhooks, live notices, the audit log) build on. Messages add theirs
//! with the message store.
use serde::{Deserialize, Serialize};

/// One thing that happened in an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub app_id: String,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A user with its own token.
    User { user_id: i64 },
    /// The app admin token, acting as a user (`as_user`), on a group (`on_group`) or app-wide.
    Admin {
        as_user: Option<i64>,
        on_group: Option<i64>,
    },
    /// No caller: an open route (registration) or the server itself (`imserver app`).
    Anonymous,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEnd {
    /// /user/kick (a device, or all).
    Kicked,
    /// /user/device/remove.
    DeviceRemoved,
    /// A new login on the same device_guid.
    Replaced,
    /// The password changed (the user's other sessions, or all of them).
    PasswordChanged,
    /// The user was disabled.
    UserDisabled,
    /// The user was deleted.
    UserDeleted,
}

/// How users became members of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinedBy {
    /// In the user_list of the group's creation.
    Creation,
    /// Invited, joining at once.
    Invitation,
    /// An application (taken at once, or approved).
    Application,
    /// A QR code.
    QrCode,
}

/// What happened, with its targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    // users
    UserRegistered {
        user_id: i64,
    },
    /// Profile, settings, push settings or pins of users changed (`what` names which: a route's
    /// field, e.g. "nick_name", "settings", "push_tags").
    UserUpdated {
        user_ids: Vec<i64>,
        what: String,
    },
    UserDisabled {
        user_ids: Vec<i64>,
    },
    UserEnabled {
        user_ids: Vec<i64>,
    },
    UserDeleted {
        user_id: i64,
    },
    PasswordChanged {
        user_id: i64,
    },
    SessionStarted {
        user_id: i64,
        device_sn: i64,
    },
    /// Sessions of a user ended: those of `device_sns`, or every one (`None`).
    SessionEnded {
        user_id: i64,
        device_sns: Option<Vec<i64>>,
        reason: SessionEnd,
    },

    // friends
    FriendRequested {
        user_id: i64,
        target_id: i64,
    },
    /// Two users became friends (at once, or by an application answered).
    FriendAdded {
        user_id: i64,
        friend_id: i64,
    },
    FriendRequestAccepted {
        user_id: i64,
        applicant_id: i64,
    },
    FriendRequestDeclined {
        user_id: i64,
        applicant_id: i64,
    },
    FriendRemoved {
        user_id: i64,
        friend_id: i64,
    },
    FriendBlocked {
        user_id: i64,
        blocked_id: i64,
    },
    FriendUnblocked {
        user_id: i64,
        blocked_id: i64,
    },

    // groups
    GroupCreated {
        group_id: i64,
        owner_id: i64,
    },
    /// name, avatar, description or ext (`what`).
    GroupInfoUpdated {
        group_id: i64,
        what: String,
    },
    /// A group switch (`what`: "member_invite", "apply_approval", ...).
    GroupSettingsChanged {
        group_id: i64,
        what: String,
    },
    GroupDestroyed {
        group_id: i64,
    },
    /// A member's own settings in a group (`what`: "display_name", "msg_mute_mode", ...).
    MemberSettingsChanged {
        group_id: i64,
        user_id: i64,
        what: String,
    },
    /// Pending invitations sent (the invitees that join at once are `MembersJoined`).
    MembersInvited {
        group_id: i64,
        inviter_id: i64,
        user_ids: Vec<i64>,
    },
    MemberApplied {
        group_id: i64,
        user_id: i64,
    },
    ApplicationAccepted {
        group_id: i64,
        user_id: i64,
    },
    ApplicationDeclined {
        group_id: i64,
        user_id: i64,
    },
    InvitationAccepted {
        group_id: i64,
        user_id: i64,
        inviter_id: i64,
    },
    /// `inviter_id` None: every pending invitation of the user to the group (invite/handle
    /// naming the invitee itself).
    InvitationDeclined {
        group_id: i64,
        user_id: i64,
        inviter_id: Option<i64>,
    },
    MembersJoined {
        group_id: i64,
        user_ids: Vec<i64>,
        by: JoinedBy,
    },
    MemberLeft {
        group_id: i64,
        user_id: i64,
    },
    MembersKicked {
        group_id: i64,
        user_ids: Vec<i64>,
    },
    /// Muted until `until_ms`.
    MembersMuted {
        group_id: i64,
        user_ids: Vec<i64>,
        until_ms: i64,
    },
    MembersUnmuted {
        group_id: i64,
        user_ids: Vec<i64>,
    },
    /// Users put on the group's blacklist (members and non-members). A blocked member also
    /// leaves the group and the users' pending invitations and applications close: this event
    /// is enough, no `MembersKicked` or `MemberLeft` is recorded for them.
    MembersBlocked {
        group_id: i64,
        user_ids: Vec<i64>,
    },
    MembersUnblocked {
        group_id: i64,
        user_ids: Vec<i64>,
    },
    AdminsGranted {
        group_id: i64,
        user_ids: Vec<i64>,
    },
    AdminsRevoked {
        group_id: i64,
        user_ids: Vec<i64>,
    },
    /// The group was handed to `to_id`; `from_id` stays as a plain member. A running mute of
    /// the new owner ends with it (a `MembersUnmuted` follows).
    OwnerAssigned {
        group_id: i64,
        from_id: i64,
        to_id: i64,
    },
    /// Only admins speak until `until_s` (seconds; -1 until lifted).
    GroupBanSet {
        group_id: i64,
        until_s: i64,
    },
    GroupBanLifted {
        group_id: i64,
    },
    AnnouncementPublished {
        group_id: i64,
        announcement_id: i64,
    },
    AnnouncementDeleted {
        group_id: i64,
        announcement_id: i64,
    },
    FileUploaded {
        group_id: i64,
        file_id: i64,
    },
    FileRenamed {
        group_id: i64,
        file_id: i64,
    },
    FilesDeleted {
        group_id: i64,
        file_ids: Vec<i64>,
    },
    /// Pending invitations or applications of `user_id` to the group were closed unanswered, as
    /// an invite/handle or apply/handle found them unusable: the user was disabled or deleted
    /// meanwhile (10000), or none of the inviters may still invite (20015).
    PendingVoided {
        group_id: i64,
        user_id: i64,
    },

    // messages
    /// A message was stored: `seq` is its place in its conversation, `to_type` 1 a user, 2 a
    /// group, 3 every user of the app (a broadcast, `to_id` 0). `from_id` 0 is the system sender.
    MessageSent {
        msg_id: i64,
        from_id: i64,
        to_type: i32,
        to_id: i64,
        seq: i64,
        system: bool,
    },
    /// `user_id` read its conversation with `peer_id` (a user or a group) up to `msg_id`
    /// (`seq`): the read receipt its peers' clients show (in groups only with read_ack on).
    MessagesRead {
        user_id: i64,
        peer_id: i64,
        msg_id: i64,
        seq: i64,
    },
    /// A message became a recalled tombstone (by its sender, a group's owner or admin, or the
    /// app admin: `by` 0).
    MessageRecalled {
        msg_id: i64,
        from_id: i64,
        to_type: i32,
        to_id: i64,
        by: i64,
    },
    /// `user_id` hid message `msg_id` of its conversation with `peer_id` from its own history.
    MessageHidden {
        user_id: i64,
        peer_id: i64,
        msg_id: i64,
    },
    /// `user_id` deleted its history of the conversation with `peer_id` up to `seq`.
    ConversationCleared {
        user_id: i64,
        peer_id: i64,
        seq: i64,
    },
}

impl EventKind {
    /// One user's `what` changed.
    pub fn user_updated(user_id: i64, what: &str) -> EventKind {
        EventKind::UserUpdated {
            user_ids: vec![user_id],
            what: what.to_owned(),
        }
    }

    /// The `type` tag of the event, as serialised. Serialised once per variant and process
    /// (the after-commit metrics ask it of every event), then remembered.
    pub fn name(&self) -> &'static str {
        use std::collections::HashMap;
        use std::mem::{Discriminant, discriminant};
        use std::sync::{LazyLock, RwLock};
        static NAMES: LazyLock<RwLock<HashMap<Discriminant<EventKind>, &'static str>>> =
            LazyLock::new(Default::default);
        let key = discriminant(self);
        if let Some(name) = NAMES.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return name;
        }
        let name: &'static str = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .map_or("", |n| Box::leak(n.into_boxed_str()));
        NAMES
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(name)
    }
}
