//! What every capability shares and none owns: the transaction wrapper and lock order (`tx`),
//! lists of ids (`id_lists`, `lists`), paging (`paging`), text checks (`text`) and the state of
//! a pending request (`pending`: group invitations and applications, friend applications).
pub mod id_lists;
pub mod lists;
pub mod paging;
pub mod pending;
pub mod sql;
pub mod text;
pub mod tx;
