//! The HTTP kit every capability's endpoints use: the envelope (`envelope`), identity headers
//! (`auth`), JSON bodies (`body`, `lenient`, `request_body`), paging parameters (`paging`), the
//! 404/405 fallbacks (`fallback`), operations that share one signature (`operations`) and the
//! spec conventions (`spec`).
pub mod auth;
pub mod body;
pub mod envelope;
pub mod fallback;
pub mod lenient;
pub mod operations;
pub mod paging;
pub mod platform;
pub mod request_body;
pub mod spec;
