//! Storage: one sea-orm entity per table. No rules live here.
pub mod admin_token;
pub mod app;
pub mod conversation_pin;
pub mod device;
pub mod group;
pub mod group_announcement;
pub mod group_application;
pub mod group_blacklist;
pub mod group_file;
pub mod group_invitation;
pub mod group_member;
pub mod server_meta;
pub mod user;
pub mod user_push_tag;
pub mod user_setting;
