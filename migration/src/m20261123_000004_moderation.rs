//! Group moderation and content (issue 7): the group blacklist, announcements and shared
//! files. Mutes live in group_members.mute_expire_time and the group-wide ban in
//! groups.ban_expire_time (both from m20261123_000002).
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
enum GroupBlacklist {
    Table,
    Id,
    GroupId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupAnnouncements {
    Table,
    Id,
    GroupId,
    Author,
    Title,
    Content,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupFiles {
    Table,
    Id,
    GroupId,
    Uploader,
    Name,
    Size,
    Type,
    Url,
    CreatedAt,
    UpdatedAt,
}

fn to_group(from: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(Groups::Table, Groups::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GroupBlacklist::Table)
                    .col(big_pk_auto(GroupBlacklist::Id))
                    .col(big_integer(GroupBlacklist::GroupId))
                    .col(big_integer(GroupBlacklist::UserId))
                    .col(big_integer(GroupBlacklist::CreatedAt))
                    .foreign_key(&mut to_group((
                        GroupBlacklist::Table,
                        GroupBlacklist::GroupId,
                    )))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_group_blacklist_group_user")
                    .table(GroupBlacklist::Table)
                    .col(GroupBlacklist::GroupId)
                    .col(GroupBlacklist::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupAnnouncements::Table)
                    .col(big_pk_auto(GroupAnnouncements::Id))
                    .col(big_integer(GroupAnnouncements::GroupId))
                    .col(big_integer(GroupAnnouncements::Author))
                    .col(string_len(GroupAnnouncements::Title, 128))
                    .col(text(GroupAnnouncements::Content))
                    .col(big_integer(GroupAnnouncements::CreatedAt))
                    .foreign_key(&mut to_group((
                        GroupAnnouncements::Table,
                        GroupAnnouncements::GroupId,
                    )))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_announcements_group")
                    .table(GroupAnnouncements::Table)
                    .col(GroupAnnouncements::GroupId)
                    .col(GroupAnnouncements::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupFiles::Table)
                    .col(big_pk_auto(GroupFiles::Id))
                    .col(big_integer(GroupFiles::GroupId))
                    .col(big_integer(GroupFiles::Uploader))
                    .col(string_len(GroupFiles::Name, 255))
                    .col(big_integer(GroupFiles::Size))
                    .col(string_len_null(GroupFiles::Type, 128))
                    .col(string_len(GroupFiles::Url, 2048))
                    .col(big_integer(GroupFiles::CreatedAt))
                    .col(big_integer(GroupFiles::UpdatedAt))
                    .foreign_key(&mut to_group((GroupFiles::Table, GroupFiles::GroupId)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_files_group")
                    .table(GroupFiles::Table)
                    .col(GroupFiles::GroupId)
                    .col(GroupFiles::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GroupFiles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(GroupAnnouncements::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(GroupBlacklist::Table).to_owned())
            .await?;
        Ok(())
    }
}
