use sea_orm::entity::prelude::*;

/// A device of a user: one login session (its current token) plus its push binding.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub app_id: String,
    pub user_id: i64,
    /// Per-user serial number, assigned by the server from 1.
    pub device_sn: i32,
    pub device_guid: Option<String>,
    /// 0 unknown, 1 ios, 2 android, 3 windows, 4 mac, 5 linux, 6 web.
    pub platform: i32,
    pub user_agent: Option<String>,
    /// SHA-256 hex digest of the live token; None when the session was ended.
    pub token_hash: Option<String>,
    pub token_expires_at: i64,
    pub device_token: Option<String>,
    pub notifier_name: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
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

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
