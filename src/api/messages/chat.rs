//! The operations of chapter 5, over `domain::messages`.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::{EnvelopeBody, R, Reply};
use crate::domain::messages::history::{self, Item, Unread};
use crate::domain::messages::receipts;
use crate::domain::messages::send::{self as sending, Broadcast, Outgoing};
use crate::error::ApiResult;
use crate::state::State;

pub struct MessagesApi(pub State);

/// A message to send (send and notify)
#[derive(Object)]
pub struct MessageRequest {
    /// Attachment: needed when the message type is image/voice/video/file, e.g. {"url":"https://xxx","dName":"1658890327124.amr","fLen":1670,"duration":1}; opaque text, at most 4096 characters (absent: empty)
    pub attachment: Option<String>,
    /// Extension fields used by the SDK; opaque text, at most 4096 characters
    pub config: Option<String>,
    /// Message content, at most 16384 characters
    pub content: String,
    /// Message type: TEXT 0, IMAGE 1, AUDIO 2, VIDEO 3, FILE 4, LOCATION 5, COMMAND 6, FORWARD 7; through send also READ_ACK 9 and RECALL 10 (with related_mid, acting as /message/ack and /message/recall, nothing stored). APPEND 11 and REPLACE 12 (edits) are not supported: 10002
    pub content_type: i32,
    /// Extension field; opaque text, at most 4096 characters
    pub ext: Option<String>,
    /// Sender's user ID: with the app admin token, whom it sends as (send: required unless the user_id header names one; notify: absent means the system sender, user 0). With a user token it must be the token's user
    pub from_user_id: Option<i64>,
    /// true: only to users online now. Not supported yet (there is no live delivery): true answers 10002
    pub online_only: Option<bool>,
    /// The message a read ack (9) or recall (10) names
    pub related_mid: Option<i64>,
    /// Receiver user IDs or group IDs (type), 1-500, each once
    pub targets: Vec<i64>,
    /// Request ID for deduplication: a repeat by the same sender within 10 minutes stores nothing and answers the first send's msg_ids
    pub transaction_id: Option<i64>,
    /// Target type: 1 users, 2 groups
    #[oai(rename = "type")]
    pub to_type: i32,
}

impl From<MessageRequest> for Outgoing {
    fn from(b: MessageRequest) -> Self {
        Outgoing {
            to_type: b.to_type,
            targets: b.targets,
            content_type: b.content_type,
            content: b.content,
            attachment: b.attachment,
            config: b.config,
            ext: b.ext,
            from_user_id: b.from_user_id,
            transaction_id: b.transaction_id,
            online_only: b.online_only,
            related_mid: b.related_mid,
        }
    }
}

/// A broadcast to every user of the app
#[derive(Object)]
pub struct BroadcastMessageRequest {
    /// Attachment (as in MessageRequest), at most 4096 characters
    pub attachment: Option<String>,
    /// Extension fields used by the SDK, at most 4096 characters
    pub config: Option<String>,
    /// Message content, at most 16384 characters
    pub content: Option<String>,
    /// Message type: TEXT 0, IMAGE 1, AUDIO 2, VIDEO 3, FILE 4, LOCATION 5, COMMAND 6
    pub content_type: i32,
    /// Extension field, at most 4096 characters
    pub ext: Option<String>,
    /// Target type: 1, every user of the app
    #[oai(rename = "type")]
    pub to_type: i32,
}

/// What a broadcast reached
#[derive(Object)]
pub struct BroadcastResult {
    /// How many users of the app it was sent to (every user at the time of the send)
    pub send_num: i64,
    /// Whether it was stored
    pub success: bool,
    /// The broadcast's message ID (one message, read by every user in its system conversation, id 0)
    pub msg_id: i64,
}

/// A message to recall
#[derive(Object)]
pub struct RecallRequest {
    /// SessionID: the peer user's ID or the group's ID, as the caller names the conversation (0: its system conversation)
    pub conversation_id: i64,
    /// MessageID
    pub msg_id: i64,
}

/// A user and its device
#[derive(Object)]
pub struct Xid {
    /// Device serial number (0: not a device: the app admin token, or a group)
    pub device_sn: i32,
    /// User ID (a group's ID for to_xid of a group message; 0 the system sender)
    pub uid: i64,
}

/// One message of a conversation's history
#[derive(Object)]
pub struct SessionMessage {
    /// Message attachment: When the message type is image/voice/video/file, this field will include the file url
    pub attachment: String,
    /// Extension fields used by the SDK layer
    pub config: String,
    /// Message content (empty once recalled)
    pub content: String,
    /// Message Content Type: TEXT - Text, IMAGE - Image, AUDIO - Voice, VIDEO - Video, FILE - File, LOCATION - Location, COMMAND - Custom, FORWARD - Forward Message
    pub ctype: String,
    /// Extension field
    pub ext: String,
    /// Message sender
    pub from_xid: Xid,
    /// MessageID
    pub msg_id: i64,
    /// Whether the message was recalled (a tombstone: its content, attachment, config and ext are empty)
    pub recalled: bool,
    /// Message status: UNREAD - unread, DELIVERED - delivered, READ - read (what the caller sent: how far the receiver has come; in a group: DELIVERED)
    pub status: String,
    /// Whether it is a system message (notify, broadcast)
    pub system: bool,
    /// Message delivery timestamp (milliseconds)
    pub timestamp: i64,
    /// Message receiver
    pub to_xid: Xid,
}

impl From<Item> for SessionMessage {
    fn from(m: Item) -> Self {
        SessionMessage {
            attachment: m.attachment,
            config: m.config,
            content: m.content,
            ctype: m.ctype.to_owned(),
            ext: m.ext,
            from_xid: Xid {
                device_sn: m.from_device,
                uid: m.from_id,
            },
            msg_id: m.msg_id,
            recalled: m.recalled,
            status: m.status.name().to_owned(),
            system: m.system,
            timestamp: m.timestamp,
            to_xid: Xid {
                device_sn: 0,
                uid: m.to_id,
            },
        }
    }
}

/// A page of a conversation's history, newest first
#[derive(Object)]
pub struct ConversationMessages {
    /// Whether it is the last message: true - there are no more messages to follow, false - there are more messages to follow
    pub is_last: bool,
    /// Message list, newest first
    pub messages: Vec<SessionMessage>,
    /// the message ID that needs to be set to pull the messages: Set this message ID to msg_id_start of the request parameter to continue to pull the message (0 on the last page)
    pub next_msg_id: i64,
}

/// A conversation, by the ID the caller names it
#[derive(Object)]
pub struct ConversationRef {
    /// SessionID: the peer user's ID, the group's ID, or 0 (the system conversation)
    pub uid: i64,
}

/// A conversation with unread messages
#[derive(Object)]
pub struct UnreadConversation {
    /// Conversation info
    pub conversation_id: ConversationRef,
    /// Unread message-number
    pub num: i32,
}

impl From<Unread> for UnreadConversation {
    fn from(u: Unread) -> Self {
        UnreadConversation {
            conversation_id: ConversationRef { uid: u.peer },
            num: u.num.min(i32::MAX as i64) as i32,
        }
    }
}

/// The answer of send and notify: the envelope with data true, and the stored messages' IDs
#[derive(Object)]
#[oai(rename = "Envelope_SendMessage")]
pub struct EnvelopeSend {
    /// Return code, 200 is success
    pub code: i32,
    /// Error information, null means success
    #[oai(nullable)]
    pub message: Option<String>,
    /// Result data
    #[oai(nullable)]
    pub data: Option<bool>,
    /// The IDs of the stored messages, one per target in the order of targets (a repeated transaction_id: the first send's; a read ack or recall through send: empty)
    #[oai(nullable)]
    pub msg_ids: Option<Vec<i64>>,
}

impl EnvelopeBody for EnvelopeSend {
    fn failure(code: i32, message: String) -> Self {
        EnvelopeSend {
            code,
            message: Some(message),
            data: None,
            msg_ids: None,
        }
    }
}

type SendReply = Reply<EnvelopeSend>;

fn sent(result: ApiResult<Vec<i64>>) -> SendReply {
    match result {
        Ok(ids) => Reply::Ok(Json(EnvelopeSend {
            code: 200,
            message: None,
            data: Some(true),
            msg_ids: Some(ids),
        })),
        Err(e) => Reply::error(e),
    }
}

#[OpenApi(tag = "Tag::Messages")]
impl MessagesApi {
    /// Send a message
    ///
    /// Section 5.6 of the documentation. As the calling user, or with the app admin token as
    /// from_user_id. type 1: to each user of targets, by the rule of /roster/may_message (a block
    /// either way, a disabled sender or receiver, or a stranger towards auth_mode 3: 60003);
    /// type 2: to each group of targets, whose member the sender is (20011), not blacklisted
    /// (20018), not muted (60001), not silenced by ban_all unless owner or admin (60002); a
    /// dissolved or unknown group is 20001. All targets are stored or none. content up to 16384
    /// characters, attachment, config and ext up to 4096 each. Answers data true and the msg_ids.
    #[oai(path = "/message/send", method = "put", method = "post")]
    async fn send(&self, caller: Caller, body: JsonBody<MessageRequest>) -> SendReply {
        sent(sending::send(&self.0, &caller, body.0.into()).await)
    }

    /// Send system notification
    ///
    /// Section 5.4 of the documentation. The app admin token: a system message to each user or
    /// group of targets, from from_user_id or, without it, the system sender (user 0). The 1:1
    /// and group rules do not apply; the targets must exist (10000, 20001). It counts as unread
    /// like any message; a user reads its notifications from the system sender in conversation 0.
    #[oai(path = "/message/notify", method = "put", method = "post")]
    async fn notify(&self, caller: Caller, body: JsonBody<MessageRequest>) -> SendReply {
        sent(sending::notify(&self.0, &caller, body.0.into()).await)
    }

    /// Broadcast a message to every user of the app
    ///
    /// The app admin token, app-wide: a system message from the system sender (user 0) to every
    /// user of the app at the time of the send, stored once. Each user reads it in its system
    /// conversation (id 0), unread until read; users registered later do not see it.
    #[oai(path = "/message/broadcast", method = "post")]
    async fn broadcast(
        &self,
        caller: Caller,
        body: JsonBody<BroadcastMessageRequest>,
    ) -> R<BroadcastResult> {
        let b = body.0;
        sending::broadcast(
            &self.0,
            &caller,
            Broadcast {
                to_type: b.to_type,
                content_type: b.content_type,
                content: b.content,
                attachment: b.attachment,
                config: b.config,
                ext: b.ext,
            },
        )
        .await
        .map(|(send_num, msg_id)| BroadcastResult {
            send_num,
            success: true,
            msg_id,
        })
        .into()
    }

    /// Revoke message
    ///
    /// Section 5.5 of the documentation. The message keeps its place as a recalled tombstone
    /// (content, attachment, config and ext emptied; `recalled` true in history). Its sender may
    /// recall it within the recall window (--recall-window-secs, default 120: 60004 after); a
    /// group's owner and admins any message of the group, and the app admin token any message of
    /// the app, at any time; anyone else 10010. A message not in the conversation: 60005.
    #[oai(path = "/message/recall", method = "put", method = "post")]
    async fn recall(&self, caller: Caller, body: JsonBody<RecallRequest>) -> R<bool> {
        let b = body.0;
        receipts::recall(&self.0, &caller, b.conversation_id, b.msg_id)
            .await
            .into()
    }

    /// Send read receipt
    ///
    /// Section 5.1 of the documentation. The caller has read conversation_id (the peer user's or
    /// the group's ID, 0 its system conversation) up to msg_id (without it: everything); without
    /// conversation_id, msg_id names it. The read position only moves forwards; device_sn
    /// (default: the token's device) records the device's position. What the peer sent shows
    /// READ to it; groups record receipts only with read_ack on. **This GET writes** (like
    /// /app/qrcode/group_invite): HEAD reaches it too.
    #[oai(path = "/message/ack", method = "get")]
    async fn ack(
        &self,
        caller: Caller,
        /// SessionID
        conversation_id: Query<Option<i64>>,
        /// Device serial number
        device_sn: Query<Option<i32>>,
        /// MessageID
        msg_id: Query<Option<i64>>,
    ) -> R<bool> {
        receipts::ack(&self.0, &caller, conversation_id.0, msg_id.0, device_sn.0)
            .await
            .into()
    }

    /// Get the message for the specified session
    ///
    /// Section 5.2 of the documentation. The caller's conversation with opposite_id (a user, a
    /// group it is a member of, or 0: its system conversation), newest first, from msg_id_start
    /// (0: the newest; else that message and older), at most limit (1-1000) messages; next_msg_id
    /// continues. Not shown: what the caller deleted (DELETE /message/conversation), and in a
    /// group with history_visible off what came before it joined. Writes nothing.
    #[oai(path = "/message/conversation", method = "get")]
    async fn conversation(
        &self,
        caller: Caller,
        /// How many to fetch (1-1000)
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<i32>,
        /// From which message to start pulling forward: use 0 for the latest message
        msg_id_start: Query<i64>,
        /// SessionID
        opposite_id: Query<i64>,
    ) -> R<ConversationMessages> {
        history::page(&self.0, &caller, opposite_id.0, msg_id_start.0, limit.0)
            .await
            .map(|p| ConversationMessages {
                is_last: p.is_last,
                messages: p.messages.into_iter().map(Into::into).collect(),
                next_msg_id: p.next_msg_id,
            })
            .into()
    }

    /// Delete the specified session for the user
    ///
    /// Section 5.3 of the documentation. The caller's history of conversation_id ends here, for
    /// the caller alone (its peers keep theirs), and nothing of it stays unread; new messages show
    /// as before.
    #[oai(path = "/message/conversation", method = "delete")]
    async fn delete_conversation(
        &self,
        caller: Caller,
        /// SessionID
        conversation_id: Query<i64>,
    ) -> R<bool> {
        receipts::delete_conversation(&self.0, &caller, conversation_id.0)
            .await
            .into()
    }

    /// Get the list of recent sessions for the specified user
    ///
    /// Section 5.7 of the documentation. The caller's conversations with unread messages, the
    /// most recent first: the peer's or group's ID (0: the system conversation) and how many.
    #[oai(path = "/message/unread", method = "get")]
    async fn unread(&self, caller: Caller) -> R<Vec<UnreadConversation>> {
        history::unread(&self.0, &caller)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }
}
