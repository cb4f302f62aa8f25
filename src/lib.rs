//! imserver: a self-hosted instant-messaging back-office REST server.
//!
//! Layers: `api` (poem-openapi endpoint structs: parse, call the domain, map the result),
//! `domain` (the rules), `entity` (sea-orm storage).
pub mod api;
pub mod boot;
pub mod cache;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod entity;
pub mod error;
pub mod events;
pub mod logging;
pub mod memory;
pub mod metrics;
pub mod net;
pub mod state;
