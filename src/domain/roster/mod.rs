//! Friends (chapter 3): friendships and their notes (`items`), friend applications
//! (`apply`) and each user's blacklist (`blacklist`), with `may_message`. Uses `users` and
//! `identity`.
pub mod apply;
pub mod blacklist;
pub mod items;
pub mod rule;
