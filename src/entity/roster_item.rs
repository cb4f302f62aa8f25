use sea_orm::entity::prelude::*;

/// One side of a friendship: `user_id`'s entry for `roster_id`, with its own alias, ext and
/// mute (unique per pair). A friendship is two rows, one per side.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub roster_id: i64,
    /// 0 friend, 1 deleted friend (the other side ended the friendship; this row is kept).
    pub state: i32,
    pub alias: Option<String>,
    pub ext: Option<String>,
    pub mute_notification: bool,
    /// Milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}
