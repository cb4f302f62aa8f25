//! The newer routes of the original service (issue 14): the group setting `hide_member_info`,
//! each member's do-not-disturb in a group (`not_disturb`), and the users' pinned conversations.
//! Both columns are booleans with a database default (false), so existing rows and every insert
//! that does not name them get false, on SQLite and PostgreSQL alike.
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
enum Groups {
    Table,
    HideMemberInfo,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    NotDisturb,
}

#[derive(DeriveIden)]
enum ConversationPins {
    Table,
    Id,
    UserId,
    ConversationId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .add_column(boolean(Groups::HideMemberInfo).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(GroupMembers::Table)
                    .add_column(boolean(GroupMembers::NotDisturb).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConversationPins::Table)
                    .col(big_pk_auto(ConversationPins::Id))
                    .col(big_integer(ConversationPins::UserId))
                    .col(big_integer(ConversationPins::ConversationId))
                    .col(big_integer(ConversationPins::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConversationPins::Table, ConversationPins::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_conversation_pins_user_conversation")
                    .table(ConversationPins::Table)
                    .col(ConversationPins::UserId)
                    .col(ConversationPins::ConversationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConversationPins::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(GroupMembers::Table)
                    .drop_column(GroupMembers::NotDisturb)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .drop_column(Groups::HideMemberInfo)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
