//! Who calls: apps and their admin tokens (`apps`), and the caller a request's token and
//! identity claims make (`auth`: `Caller`, `Claims`, user tokens).
pub mod apps;
pub mod auth;
