//! Groups (chapter 4): the group itself (`lifecycle`), roles and the acting member (`roles`),
//! membership (`members`), invitations and applications (`invites`), QR codes (`qrcode`), admins
//! (`admins`), mutes (`mutes`), the blacklist (`blacklist`), announcements (`announcements`) and
//! shared files (`files`). Uses `users` and `identity`.
pub mod admins;
pub mod announcements;
pub mod blacklist;
pub mod files;
pub mod invites;
pub mod lifecycle;
pub mod members;
pub mod mutes;
pub mod qrcode;
pub mod roles;
