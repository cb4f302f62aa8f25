use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: i64,
    pub user_id: i64,
    /// 0 member, 1 admin, 2 owner.
    pub role: i32,
    pub display_name: Option<String>,
    /// 0 not blocking, 1 block notifications, 2 block messages.
    pub msg_mute_mode: i32,
    /// 0-4, see the group document 4.38.
    pub msg_push_mode: i32,
    /// Milliseconds.
    pub join_time: i64,
    /// Milliseconds; 0 not muted.
    pub mute_expire_time: i64,
    /// The member's do-not-disturb in the group (/group/msg/not_disturb).
    pub not_disturb: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::group::Entity",
        from = "Column::GroupId",
        to = "super::group::Column::Id",
        on_delete = "Cascade"
    )]
    Group,
}

impl Related<super::group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
