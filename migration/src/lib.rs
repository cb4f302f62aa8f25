//! Database migrations of imserver. `Migrator::up` runs at server start; `imserver migrate`
//! exposes up / down / status on the command line.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_groups;
mod m20261123_000003_membership;
mod m20261123_000004_moderation;
mod m20261123_000005_push;
mod m20261125_000006_user_description;
mod m20261201_000007_group_count_check;
mod m20261202_000008_newer_routes;
mod m20261202_000009_roster;
mod m20261204_000010_id_space;
mod m20261205_000011_messages;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_groups::Migration),
            Box::new(m20261123_000003_membership::Migration),
            Box::new(m20261123_000004_moderation::Migration),
            Box::new(m20261123_000005_push::Migration),
            Box::new(m20261125_000006_user_description::Migration),
            Box::new(m20261201_000007_group_count_check::Migration),
            Box::new(m20261202_000008_newer_routes::Migration),
            Box::new(m20261202_000009_roster::Migration),
            Box::new(m20261204_000010_id_space::Migration),
            Box::new(m20261205_000011_messages::Migration),
        ]
    }
}
