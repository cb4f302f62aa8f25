use sea_orm::entity::prelude::*;

/// A friend application of `applicant_id` to `target_id` (unique per pair; applying again
/// renews it), awaiting the target's answer while pending and not expired.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub applicant_id: i64,
    pub target_id: i64,
    /// The applicant's alias for the target, used when the friendship starts.
    pub alias: Option<String>,
    pub reason: Option<String>,
    /// The target's reason when it declined.
    pub decline_reason: Option<String>,
    /// 0 pending, 1 accepted, 2 declined.
    pub status: i32,
    /// Milliseconds; a pending application past it is expired.
    pub expire_time: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ApplicantId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Applicant,
}

impl ActiveModelBehavior for ActiveModel {}
