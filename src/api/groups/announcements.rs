//! Group announcements: publish (edit), read one, the latest, the list, delete.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::api::kit::operations::operations;
use crate::domain::groups::announcements as group_announcements;
use crate::entity::group_announcement;
use crate::state::State;

pub struct GroupAnnouncementsApi(pub State);

/// A group announcement
#[derive(Object)]
pub struct Announcement {
    /// Announcement publisher (user id; 0 when published with the app admin token by group_id)
    pub author: i64,
    /// Announcement content
    pub content: String,
    /// Announcement publish time(milliseconds)
    pub created_at: i64,
    /// Group id
    pub group_id: i64,
    /// Announcement id
    pub id: i64,
    /// Announcement tittle
    pub title: String,
}

impl From<group_announcement::Model> for Announcement {
    fn from(a: group_announcement::Model) -> Self {
        Announcement {
            author: a.author,
            content: a.content,
            created_at: a.created_at,
            group_id: a.group_id,
            id: a.id,
            title: a.title,
        }
    }
}

#[derive(Object)]
pub struct EditAnnouncementReq {
    /// Announcement content, 1-4096 characters
    #[oai(validator(min_length = 1, max_length = 4096))]
    pub content: String,
    /// Group id
    pub group_id: i64,
    /// Announcement tittle, 1-128 characters
    #[oai(validator(min_length = 1, max_length = 128))]
    pub title: String,
}

operations! {
    #[OpenApi(tag = "Tag::GroupAnnouncements")]
    impl GroupAnnouncementsApi {
        /// Edit group announcement
        ///
        /// Section 4.6 of the group document. Owner and admins. Every edit publishes a NEW
        /// announcement (earlier ones stay listed) with the caller as author and the time of now;
        /// title 1-128 and content 1-4096 characters.
        #[oai(path = "/group/announcement/edit", method = "post")]
        async fn edit(
            &self,
            caller: Caller,
            body: JsonBody<EditAnnouncementReq>,
        ) -> R<Announcement> {
            let b = body.0;
            group_announcements::publish(&self.0, &caller, b.group_id, b.title, b.content)
                .await
                .map(Into::into)
                .into()
        }

        /// Get the latest group announcement details
        ///
        /// Section 4.7 of the group document. Members of the group (20011 otherwise). The most
        /// recently published announcement; data is null (code 200) when the group has none.
        #[oai(path = "/group/announcement/last", method = "get")]
        async fn last(
            &self,
            caller: Caller,
            /// GroupID
            #[oai(name = "group_id")]
            group_id: Query<i64>,
        ) -> R<Option<Announcement>> {
            group_announcements::last(&self.0, &caller, group_id.0)
                .await
                .map(|a| a.map(Announcement::from))
                .into()
        }

        /// Get group announcements list
        ///
        /// Section 4.8 of the group document. Members of the group (20011 otherwise). Every
        /// announcement of the group, newest first.
        #[oai(path = "/group/announcement/list", method = "get")]
        async fn list(
            &self,
            caller: Caller,
            /// GroupID
            #[oai(name = "group_id")]
            group_id: Query<i64>,
        ) -> R<Vec<Announcement>> {
            group_announcements::list(&self.0, &caller, group_id.0)
                .await
                .map(|v| v.into_iter().map(Into::into).collect())
                .into()
        }
    }

    // One announcement of the group.
    shared |one| (
        &self,
        caller: Caller,
        /// Announcement ID
        #[oai(name = "announcement_id")]
        announcement_id: Query<i64>,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
    ) {
        one(&self.0, &caller, group_id.0, announcement_id.0)
            .await
            .map(Into::into)
            .into()
    } for {
        /// Get group announcement details by group id and announcement id
        ///
        /// Section 4.4 of the group document. Members of the group (20011 otherwise); 20020 when
        /// the group has no such announcement.
        #[oai(path = "/group/announcement", method = "get")]
        fn get() -> R<Announcement> = group_announcements::get;

        /// Delete group announcement
        ///
        /// Section 4.5 of the group document. Owner and admins; 20020 when the group has no such
        /// announcement. Answers the deleted announcement.
        #[oai(path = "/group/announcement/delete", method = "delete", method = "post")]
        fn delete() -> R<Announcement> = group_announcements::delete;
    }
}
