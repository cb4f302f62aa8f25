use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub auth_mode: i32,
    pub auth_question: Option<String>,
    pub auth_answer: Option<String>,
    pub auto_download: bool,
    pub group_confirm: bool,
    pub no_push: bool,
    pub no_push_detail: bool,
    pub no_push_start_hour: i32,
    pub no_push_end_hour: i32,
    pub no_sounds: bool,
    pub push_nick_name: Option<String>,
    pub push_token: Option<String>,
    pub silence_start_time: i32,
    pub silence_end_time: i32,
    pub vibratory: bool,
    /// The app icon badge number of the user's push notifications.
    pub badge: i32,
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
