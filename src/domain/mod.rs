//! The rules of imserver. Handlers parse and map; everything that decides lives here.
pub mod apps;
pub mod auth;
pub mod devices;
pub mod group_admins;
pub mod group_announcements;
pub mod group_blacklist;
pub mod group_files;
pub mod group_members;
pub mod group_mutes;
pub mod group_roles;
pub mod groups;
pub mod paging;
pub mod push;
pub mod sessions;
pub mod user_settings;
pub mod users;
