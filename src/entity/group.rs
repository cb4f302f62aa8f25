use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub app_id: String,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub description: Option<String>,
    pub ext: Option<String>,
    /// 0 private group, 2 chatroom.
    pub r#type: i32,
    pub owner_id: i64,
    pub capacity: i64,
    /// Number of members, kept in step with group_members in the same transaction.
    pub count: i64,
    pub member_invite: bool,
    pub member_modify: bool,
    /// 0 agree all, 1 admin confirms, 2 reject all.
    pub apply_approval: i32,
    pub read_ack: bool,
    pub history_visible: bool,
    /// When true, plain members see other plain members' user_id only (issue 14).
    pub hide_member_info: bool,
    /// Seconds; 0 none, -1 permanent.
    pub ban_expire_time: i64,
    /// 0 normal, 1 dissolved.
    pub status: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::group_member::Entity")]
    Member,
}

impl Related<super::group_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
