//! Pinned conversations (newer routes of the original service): pin, unpin, pin_list.
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::users::conversations;
use crate::state::State;

pub struct UserConversationsApi(pub State);

#[derive(Object)]
pub struct ConversationReq {
    /// Conversation id: the other user's id (a one-to-one chat) or the group's id
    pub conversation_id: i64,
}

/// The pinned conversations of the user
#[derive(Object)]
pub struct PinList {
    /// Conversation ids (user or group ids), oldest pin first
    pub conversation_ids: Vec<i64>,
}

#[OpenApi(tag = "Tag::UserConversations")]
impl UserConversationsApi {
    /// Pin a conversation
    ///
    /// A newer route of the original service. Pins a conversation of the acting user (a user
    /// token, or an app admin token with the user_id header; 10002 without it). conversation_id
    /// is a user of the app (the caller itself included) or a group of the app (a dissolved one
    /// too); users and groups share one id space, so an id names one of them. An id that names
    /// neither is 10002. A user has at most 100 pins (10002 beyond, nothing added).
    /// Pinning a pinned conversation answers true and keeps its place in pin_list.
    #[oai(path = "/user/conversation/pin", method = "put", method = "post")]
    async fn pin(&self, caller: Caller, body: JsonBody<ConversationReq>) -> R<bool> {
        conversations::pin(&self.0, &caller, body.0.conversation_id)
            .await
            .into()
    }

    /// Unpin a conversation
    ///
    /// A newer route of the original service. Removes the pin of the acting user's
    /// conversation; a conversation it has not pinned answers true as well (nothing to do),
    /// whether or not the id still names a user or a group.
    #[oai(path = "/user/conversation/unpin", method = "put", method = "post")]
    async fn unpin(&self, caller: Caller, body: JsonBody<ConversationReq>) -> R<bool> {
        conversations::unpin(&self.0, &caller, body.0.conversation_id)
            .await
            .into()
    }

    /// Get the pinned conversations
    ///
    /// A newer route of the original service. The acting user's pinned conversation ids,
    /// oldest pin first (one query). A pin stays until it is unpinned, also when its user is
    /// deleted or its group dissolved; deleting the acting user removes its pins.
    #[oai(path = "/user/conversation/pin_list", method = "get")]
    async fn pin_list(&self, caller: Caller) -> R<PinList> {
        conversations::pin_list(&self.0, &caller)
            .await
            .map(|conversation_ids| PinList { conversation_ids })
            .into()
    }
}
