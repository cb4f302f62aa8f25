//! Groups and their members (issue 5). Later group features (invitations, mutes, blacklist,
//! files) add their own tables; group_members is the general membership record.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apps {
    Table,
    AppId,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    AppId,
    Name,
    Avatar,
    Description,
    Ext,
    Type,
    OwnerId,
    Capacity,
    Count,
    MemberInvite,
    MemberModify,
    ApplyApproval,
    ReadAck,
    HistoryVisible,
    BanExpireTime,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    Id,
    GroupId,
    UserId,
    Role,
    DisplayName,
    MsgMuteMode,
    MsgPushMode,
    JoinTime,
    MuteExpireTime,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(big_pk_auto(Groups::Id))
                    .col(string_len(Groups::AppId, 32))
                    .col(string_len_null(Groups::Name, 128))
                    .col(string_len_null(Groups::Avatar, 1024))
                    .col(string_len_null(Groups::Description, 2048))
                    .col(string_len_null(Groups::Ext, 2048))
                    .col(integer(Groups::Type).default(0))
                    .col(big_integer(Groups::OwnerId))
                    .col(big_integer(Groups::Capacity))
                    .col(big_integer(Groups::Count).default(0))
                    .col(boolean(Groups::MemberInvite).default(true))
                    .col(boolean(Groups::MemberModify).default(false))
                    .col(integer(Groups::ApplyApproval).default(1))
                    .col(boolean(Groups::ReadAck).default(false))
                    .col(boolean(Groups::HistoryVisible).default(false))
                    .col(big_integer(Groups::BanExpireTime).default(0))
                    .col(integer(Groups::Status).default(0))
                    .col(big_integer(Groups::CreatedAt))
                    .col(big_integer(Groups::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Groups::Table, Groups::AppId)
                            .to(Apps::Table, Apps::AppId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_groups_app_type")
                    .table(Groups::Table)
                    .col(Groups::AppId)
                    .col(Groups::Type)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupMembers::Table)
                    .col(big_pk_auto(GroupMembers::Id))
                    .col(big_integer(GroupMembers::GroupId))
                    .col(big_integer(GroupMembers::UserId))
                    .col(integer(GroupMembers::Role).default(0))
                    .col(string_len_null(GroupMembers::DisplayName, 128))
                    .col(integer(GroupMembers::MsgMuteMode).default(0))
                    .col(integer(GroupMembers::MsgPushMode).default(0))
                    .col(big_integer(GroupMembers::JoinTime))
                    .col(big_integer(GroupMembers::MuteExpireTime).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupMembers::Table, GroupMembers::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_group_members_group_user")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::GroupId)
                    .col(GroupMembers::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_members_user")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GroupMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Groups::Table).to_owned())
            .await?;
        Ok(())
    }
}
