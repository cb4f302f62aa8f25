//! The rules of imserver. Handlers parse and map; everything that decides lives here.
pub mod apps;
pub mod auth;
pub mod paging;
pub mod group_admins;
pub mod group_invites;
pub mod group_members;
pub mod group_qrcode;
pub mod group_roles;
pub mod groups;
pub mod sessions;
pub mod users;
