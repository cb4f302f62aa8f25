use sea_orm::entity::prelude::*;

/// A group renumbered by the id-space migration (issue 22): its old id, which the group routes
/// and QR codes still resolve for 30 days (`domain::groups::roles::load_group`), and its new one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_renumberings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub old_id: i64,
    pub new_id: i64,
    pub app_id: String,
    /// Milliseconds.
    pub renumbered_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
