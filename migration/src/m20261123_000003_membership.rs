//! Membership flows (issue 6): invitations and applications, and the index that member_list
//! pages by.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    Id,
    GroupId,
}

#[derive(DeriveIden)]
enum GroupInvitations {
    Table,
    Id,
    GroupId,
    InviterId,
    InviteeId,
    Reason,
    Status,
    ExpireTime,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupApplications {
    Table,
    Id,
    GroupId,
    ApplicantId,
    Reason,
    Status,
    ExpireTime,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // member_list pages by (group_id, id)
        manager
            .create_index(
                Index::create()
                    .name("ix_group_members_group_id")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::GroupId)
                    .col(GroupMembers::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupInvitations::Table)
                    .col(big_pk_auto(GroupInvitations::Id))
                    .col(big_integer(GroupInvitations::GroupId))
                    .col(big_integer(GroupInvitations::InviterId))
                    .col(big_integer(GroupInvitations::InviteeId))
                    .col(string_len_null(GroupInvitations::Reason, 512))
                    .col(integer(GroupInvitations::Status).default(0))
                    .col(big_integer(GroupInvitations::ExpireTime))
                    .col(big_integer(GroupInvitations::CreatedAt))
                    .col(big_integer(GroupInvitations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupInvitations::Table, GroupInvitations::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // one invitation per (group, invitee, inviter): inviting again renews it
        manager
            .create_index(
                Index::create()
                    .name("ux_group_invitations_group_invitee_inviter")
                    .table(GroupInvitations::Table)
                    .col(GroupInvitations::GroupId)
                    .col(GroupInvitations::InviteeId)
                    .col(GroupInvitations::InviterId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // invitation_list pages by (invitee_id, id)
        manager
            .create_index(
                Index::create()
                    .name("ix_group_invitations_invitee_id")
                    .table(GroupInvitations::Table)
                    .col(GroupInvitations::InviteeId)
                    .col(GroupInvitations::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupApplications::Table)
                    .col(big_pk_auto(GroupApplications::Id))
                    .col(big_integer(GroupApplications::GroupId))
                    .col(big_integer(GroupApplications::ApplicantId))
                    .col(string_len_null(GroupApplications::Reason, 512))
                    .col(integer(GroupApplications::Status).default(0))
                    .col(big_integer(GroupApplications::ExpireTime))
                    .col(big_integer(GroupApplications::CreatedAt))
                    .col(big_integer(GroupApplications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupApplications::Table, GroupApplications::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // one application per (group, applicant): applying again renews it; also serves
        // application_list's group_id IN (...) filter
        manager
            .create_index(
                Index::create()
                    .name("ux_group_applications_group_applicant")
                    .table(GroupApplications::Table)
                    .col(GroupApplications::GroupId)
                    .col(GroupApplications::ApplicantId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GroupApplications::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(GroupInvitations::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_group_members_group_id")
                    .table(GroupMembers::Table)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
