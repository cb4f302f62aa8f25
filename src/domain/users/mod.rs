//! The users of an app and what belongs to each: the account and profile (`accounts`), login
//! sessions (`sessions`) and devices (`devices`), push settings, alias and tags (`push`), user
//! settings (`settings`) and pinned conversations (`conversations`). Uses `identity` only;
//! a user's deletion, which reaches friends and groups, is `domain::accounts`.
pub mod accounts;
pub mod conversations;
pub mod devices;
pub mod push;
pub mod sessions;
pub mod settings;
