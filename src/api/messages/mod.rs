//! Messages (chapter 5): send, notify, broadcast, recall, read receipts, history, unread counts
//! and deleting a conversation's history.
pub mod chat;

use poem::http::Method;
use poem_openapi::Tags;

use crate::state::State;

/// The areas of this capability, in the order Swagger UI shows them ([`TAGS`]).
#[derive(Tags)]
pub enum Tag {
    /// Send, notify, broadcast and recall messages; read receipts, history and unread counts
    Messages,
}

/// The names of [`Tag`], in its order.
pub const TAGS: &[&str] = &["Messages"];

/// The operations' verb names (`operationId`): path, method (`None`: every method of one
/// handler), name.
pub const OPERATION_NAMES: &[(&str, Option<Method>, &str)] = &[
    ("/message/send", None, "sendMessage"),
    ("/message/notify", None, "sendNotification"),
    ("/message/broadcast", None, "broadcastMessage"),
    ("/message/recall", None, "recallMessage"),
    ("/message/ack", None, "ackMessages"),
    (
        "/message/conversation",
        Some(Method::GET),
        "getConversationMessages",
    ),
    (
        "/message/conversation",
        Some(Method::DELETE),
        "deleteConversation",
    ),
    ("/message/unread", None, "listUnread"),
];

/// The endpoint structs of this capability (mounted by `api::capabilities!`).
pub type Apis = chat::MessagesApi;

pub fn apis(state: &State) -> Apis {
    chat::MessagesApi(state.clone())
}
