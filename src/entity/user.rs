use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub app_id: String,
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub nick_name: Option<String>,
    pub avatar: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub private_info: Option<String>,
    pub public_info: Option<String>,
    pub alias: Option<String>,
    /// 0 normal, 1 disabled.
    pub status: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::device::Entity")]
    Device,
    #[sea_orm(has_one = "super::user_setting::Entity")]
    Setting,
}

impl Related<super::device::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Device.def()
    }
}

impl Related<super::user_setting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Setting.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
