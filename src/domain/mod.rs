//! The rules of imserver. Handlers parse and map; everything that decides lives here, one
//! folder per capability. Dependencies go one way, never in a circle:
//!
//! `common` (no capability) <- `identity` <- `users` <- `roster`, `groups` <- `accounts`, `messages`.
//!
//! A capability's `mod.rs` says what it is and which of its modules api/ calls; what only its
//! own modules use stays `pub(super)` / `pub(crate)` inside it.

pub mod accounts;
pub mod common;
pub mod groups;
pub mod identity;
pub mod messages;
pub mod roster;
pub mod users;
