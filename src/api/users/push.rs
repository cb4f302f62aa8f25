//! Push: /user/push/alias, /user/push/badge, /user/push/tag (get, bind, unbind),
//! /user/push/tag/all.
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::users::push;
use crate::state::State;

pub struct UserPushApi(pub State);

#[derive(Object)]
pub struct AliasReq {
    /// Alias
    #[oai(validator(min_length = 1, max_length = 128))]
    pub alias: String,
    /// Push token
    #[oai(validator(max_length = 512))]
    pub push_token: Option<String>,
}

#[derive(Object)]
pub struct BadgeReq {
    /// badge
    #[oai(validator(minimum(value = "0")))]
    pub badge: i32,
}

#[derive(Object)]
pub struct TagsReq {
    /// List of tags
    #[oai(validator(min_items = 1, max_items = 100, min_length = 1, max_length = 64))]
    pub tags: Vec<String>,
}

#[OpenApi(tag = "Tag::UserPush")]
impl UserPushApi {
    /// Bind alias
    ///
    /// Section 1.23 of the user document. Sets the acting user's alias (1-128 characters) and,
    /// when push_token is given, its push token (the one /token/* answers for devices without
    /// their own).
    #[oai(path = "/user/push/alias", method = "post")]
    async fn alias(&self, caller: Caller, body: JsonBody<AliasReq>) -> R<bool> {
        let b = body.0;
        push::bind_alias(&self.0, &caller, b.alias, b.push_token)
            .await
            .into()
    }

    /// Set badge
    ///
    /// Section 1.24 of the user document. Sets the acting user's badge number (0 or more;
    /// 10002 otherwise).
    #[oai(path = "/user/push/badge", method = "post")]
    async fn badge(&self, caller: Caller, body: JsonBody<BadgeReq>) -> R<bool> {
        push::set_badge(&self.0, &caller, body.0.badge).await.into()
    }

    /// Get tag
    ///
    /// Section 1.28 of the user document. The acting user's push tags, sorted.
    #[oai(path = "/user/push/tag", method = "get")]
    async fn get_tags(&self, caller: Caller) -> R<Vec<String>> {
        push::tags(&self.0, &caller).await.into()
    }

    /// Bind tag
    ///
    /// Section 1.29 of the user document. Adds tags to the acting user; a tag it has already
    /// is kept once. Each tag is 1-64 characters and a user has at most 100 tags (10002, and
    /// nothing is added, when the list would exceed it).
    #[oai(path = "/user/push/tag", method = "post")]
    async fn bind_tags(&self, caller: Caller, body: JsonBody<TagsReq>) -> R<bool> {
        push::add_tags(&self.0, &caller, body.0.tags).await.into()
    }

    /// Unbind tag
    ///
    /// Section 1.30 of the user document. Removes the given tags of the acting user; tags it
    /// does not have are ignored.
    #[oai(path = "/user/push/tag", method = "delete")]
    async fn unbind_tags(&self, caller: Caller, body: JsonBody<TagsReq>) -> R<bool> {
        push::remove_tags(&self.0, &caller, body.0.tags)
            .await
            .into()
    }

    /// Delete all tags
    ///
    /// Section 1.31 of the user document. Removes every push tag of the acting user.
    #[oai(path = "/user/push/tag/all", method = "delete")]
    async fn unbind_all_tags(&self, caller: Caller) -> R<bool> {
        push::remove_all_tags(&self.0, &caller).await.into()
    }
}
