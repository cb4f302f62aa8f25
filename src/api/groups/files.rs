//! Shared files of a group (metadata only): upload, read one, list, rename, delete.
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::api::kit::auth::Caller;
use crate::api::kit::body::JsonBody;
use crate::api::kit::envelope::R;
use crate::domain::groups::files::{self as group_files, FileOutcome, NewFile};
use crate::entity::group_file;
use crate::state::State;

pub struct GroupFilesApi(pub State);

/// A shared file of a group
#[derive(Object)]
pub struct SharedFile {
    /// Creation time(milliseconds)
    pub created_at: i64,
    /// Shared file id
    pub file_id: i64,
    /// Group id
    pub group_id: i64,
    /// Shared file name
    pub name: String,
    /// Shared file size
    pub size: i64,
    /// Shared file type
    #[oai(rename = "type", nullable)]
    pub kind: Option<String>,
    /// Update time(milliseconds)
    pub updated_at: i64,
    /// Shared file uploader (user id; 0 when uploaded with the app admin token by group_id)
    pub uploader: i64,
    /// Shared file url
    pub url: String,
}

impl From<group_file::Model> for SharedFile {
    fn from(f: group_file::Model) -> Self {
        SharedFile {
            created_at: f.created_at,
            file_id: f.id,
            group_id: f.group_id,
            name: f.name,
            size: f.size,
            kind: f.r#type,
            updated_at: f.updated_at,
            uploader: f.uploader,
            url: f.url,
        }
    }
}

/// The outcome of file/delete on one file
#[derive(Object)]
pub struct FileResult {
    /// FileID
    pub file_id: i64,
    /// Result: success/fail
    pub result: String,
    /// Reason
    #[oai(nullable)]
    pub reason: Option<String>,
}

impl From<FileOutcome> for FileResult {
    fn from(o: FileOutcome) -> Self {
        FileResult {
            file_id: o.file_id,
            result: if o.success { "success" } else { "fail" }.into(),
            reason: o.reason,
        }
    }
}

#[derive(Object)]
pub struct UploadFileReq {
    /// Group id
    pub group_id: i64,
    /// File name, 1-255 characters
    #[oai(validator(min_length = 1, max_length = 255))]
    pub name: String,
    /// File size (bytes, >= 0)
    #[oai(validator(minimum(value = "0")))]
    pub size: i64,
    /// File type, at most 128 characters
    #[oai(rename = "type", validator(max_length = 128))]
    pub kind: Option<String>,
    /// File url: an http or https URL of at most 2048 characters (the server stores no bytes)
    #[oai(validator(max_length = 2048))]
    pub url: String,
}

#[derive(Object)]
pub struct DeleteFilesReq {
    /// File id list, at most 500
    #[oai(validator(max_items = 500))]
    pub file_list: Vec<i64>,
    /// Group id
    pub group_id: i64,
}

#[derive(Object)]
pub struct RenameFileReq {
    /// File id
    pub file_id: i64,
    /// Group id
    pub group_id: i64,
    /// New file name, 1-255 characters
    #[oai(validator(min_length = 1, max_length = 255))]
    pub name: String,
}

#[OpenApi(tag = "Tag::GroupFiles")]
impl GroupFilesApi {
    /// Download group file
    ///
    /// Section 4.19 of the group document. Members of the group (20011 otherwise); 20022 when
    /// the group has no such file. Answers the file's metadata; its bytes are at `url`.
    #[oai(path = "/group/file", method = "get")]
    async fn get(
        &self,
        caller: Caller,
        /// FileID
        #[oai(name = "file_id")]
        file_id: Query<i64>,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
    ) -> R<SharedFile> {
        group_files::get(&self.0, &caller, group_id.0, file_id.0)
            .await
            .map(Into::into)
            .into()
    }

    /// Delete group file
    ///
    /// Section 4.20 of the group document. Members of the group (20011 otherwise). Each file
    /// succeeds or fails on its own: files absent from the group fail (20022's reason), and
    /// files the caller neither uploaded nor administers as owner or admin fail (20023's).
    #[oai(path = "/group/file/delete", method = "delete", method = "post")]
    async fn delete(&self, caller: Caller, body: JsonBody<DeleteFilesReq>) -> R<Vec<FileResult>> {
        let b = body.0;
        group_files::delete(&self.0, &caller, b.group_id, &b.file_list)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }

    /// Get the list of group files
    ///
    /// Section 4.21 of the group document. Members of the group (20011 otherwise). Every
    /// shared file of the group, newest first.
    #[oai(path = "/group/file/list", method = "get")]
    async fn list(
        &self,
        caller: Caller,
        /// GroupID
        #[oai(name = "group_id")]
        group_id: Query<i64>,
    ) -> R<Vec<SharedFile>> {
        group_files::list(&self.0, &caller, group_id.0)
            .await
            .map(|v| v.into_iter().map(Into::into).collect())
            .into()
    }

    /// Update group file name
    ///
    /// Section 4.22 of the group document. The uploader, admins and the owner (20023
    /// otherwise; 20022 when the group has no such file); name 1-255 characters.
    #[oai(path = "/group/file/update_name", method = "put", method = "post")]
    async fn update_name(&self, caller: Caller, body: JsonBody<RenameFileReq>) -> R<bool> {
        let b = body.0;
        group_files::rename(&self.0, &caller, b.group_id, b.file_id, b.name)
            .await
            .into()
    }

    /// Upload group file
    ///
    /// Section 4.23 of the group document. Members of the group (20011 otherwise) record a
    /// shared file: the server stores its metadata only, the bytes stay at `url` (an http or
    /// https URL). The caller becomes its uploader.
    #[oai(path = "/group/file/upload", method = "post")]
    async fn upload(&self, caller: Caller, body: JsonBody<UploadFileReq>) -> R<SharedFile> {
        let b = body.0;
        let file = NewFile {
            name: b.name,
            size: b.size,
            r#type: b.kind,
            url: b.url,
        };
        group_files::upload(&self.0, &caller, b.group_id, file)
            .await
            .map(Into::into)
            .into()
    }
}
