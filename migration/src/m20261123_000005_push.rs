//! Push state: the badge of a user (in user_settings) and its push tags.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    Badge,
}

#[derive(DeriveIden)]
enum UserPushTags {
    Table,
    Id,
    UserId,
    Tag,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserSettings::Table)
                    .add_column(integer(UserSettings::Badge).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserPushTags::Table)
                    .col(big_pk_auto(UserPushTags::Id))
                    .col(big_integer(UserPushTags::UserId))
                    .col(string_len(UserPushTags::Tag, 64))
                    .col(big_integer(UserPushTags::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserPushTags::Table, UserPushTags::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_user_push_tags_user_tag")
                    .table(UserPushTags::Table)
                    .col(UserPushTags::UserId)
                    .col(UserPushTags::Tag)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserPushTags::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserSettings::Table)
                    .drop_column(UserSettings::Badge)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
