//! The integration tests, one binary (one link on 2 cores): a module per capability over the
//! real HTTP stack (`common::TestApp`), on SQLite and, with TEST_DATABASE_URL, PostgreSQL.
#[macro_use]
mod common;

mod budgets;
mod connections;
mod error_table;
mod events;
mod foundation;
mod group_content;
mod group_events;
mod group_invites;
mod group_members;
mod group_moderation;
mod group_qrcode;
mod group_queries;
mod group_roles;
mod groups_lifecycle;
mod id_space;
mod input_guard;
mod integrity;
mod layout;
mod message_races;
mod messages;
mod metrics;
mod newer_routes;
mod notices;
mod original_clients;
mod revocation;
mod roster;
mod spec;
mod user_admin;
mod user_devices;
mod user_profile;
mod user_push;
mod user_settings;
