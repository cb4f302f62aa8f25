//! Membership writes shared by every flow that changes who is in a group (kick, leave,
//! block, ...): batched statements, and `groups.count` kept equal to the member rows in the
//! same transaction.
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::group_roles::Role;
use crate::entity::{group, group_member};
use crate::error::ApiResult;

/// Remove `user_ids` (never the owner) from a group in two statements, whatever their number;
/// answers how many memberships ended. Call inside the request's transaction.
pub async fn remove_members<C: ConnectionTrait>(db: &C, group_id: i64, user_ids: &[i64], now_ms: i64) -> ApiResult<u64> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let removed = group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(group_id))
        .filter(group_member::Column::UserId.is_in(user_ids.to_vec()))
        .filter(group_member::Column::Role.ne(Role::Owner.db()))
        .exec(db)
        .await?
        .rows_affected;
    if removed > 0 {
        group::Entity::update_many()
            .col_expr(group::Column::Count, Expr::col(group::Column::Count).sub(removed as i64))
            .col_expr(group::Column::UpdatedAt, Expr::value(now_ms))
            .filter(group::Column::Id.eq(group_id))
            .exec(db)
            .await?;
    }
    Ok(removed)
}

/// Take a user out of every group it belongs to (its account is being deleted), in three
/// statements whatever the number of groups. A user that owns a live group is refused (20004):
/// its groups are transferred or destroyed first.
pub async fn remove_user_everywhere<C: ConnectionTrait>(db: &C, user_id: i64, now_ms: i64) -> ApiResult<()> {
    use sea_orm::QuerySelect;
    let owned_live = group::Entity::find()
        .select_only()
        .column(group::Column::Id)
        .filter(group::Column::OwnerId.eq(user_id))
        .filter(group::Column::Status.eq(super::group_roles::STATUS_NORMAL))
        .into_tuple::<i64>()
        .all(db)
        .await?;
    if !owned_live.is_empty() {
        return Err(crate::error::ApiError::OwnerCannotLeave);
    }
    let groups: Vec<i64> = group_member::Entity::find()
        .select_only()
        .column(group_member::Column::GroupId)
        .filter(group_member::Column::UserId.eq(user_id))
        .into_tuple::<i64>()
        .all(db)
        .await?;
    if groups.is_empty() {
        return Ok(());
    }
    group_member::Entity::delete_many().filter(group_member::Column::UserId.eq(user_id)).exec(db).await?;
    group::Entity::update_many()
        .col_expr(group::Column::Count, Expr::col(group::Column::Count).sub(1))
        .col_expr(group::Column::UpdatedAt, Expr::value(now_ms))
        .filter(group::Column::Id.is_in(groups))
        .exec(db)
        .await?;
    Ok(())
}
