//! Apps, admin tokens, users, user settings, devices (login sessions) and server metadata.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apps {
    Table,
    AppId,
    Name,
    RegisterSecret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdminTokens {
    Table,
    Id,
    AppId,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    AppId,
    Username,
    PasswordHash,
    NickName,
    Avatar,
    Description,
    Email,
    Mobile,
    PrivateInfo,
    PublicInfo,
    Alias,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    Id,
    UserId,
    AuthMode,
    AuthQuestion,
    AuthAnswer,
    AutoDownload,
    GroupConfirm,
    NoPush,
    NoPushDetail,
    NoPushStartHour,
    NoPushEndHour,
    NoSounds,
    PushNickName,
    PushToken,
    SilenceStartTime,
    SilenceEndTime,
    Vibratory,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    AppId,
    UserId,
    DeviceSn,
    DeviceGuid,
    Platform,
    UserAgent,
    TokenHash,
    TokenExpiresAt,
    DeviceToken,
    NotifierName,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum ServerMeta {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Apps::Table)
                    .col(string_len(Apps::AppId, 32).primary_key())
                    .col(string_len(Apps::Name, 128))
                    .col(string_len_null(Apps::RegisterSecret, 128))
                    .col(big_integer(Apps::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminTokens::Table)
                    .col(big_pk_auto(AdminTokens::Id))
                    .col(string_len(AdminTokens::AppId, 32))
                    .col(string_len_uniq(AdminTokens::TokenHash, 64))
                    .col(big_integer(AdminTokens::CreatedAt))
                    .col(big_integer_null(AdminTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdminTokens::Table, AdminTokens::AppId)
                            .to(Apps::Table, Apps::AppId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len(Users::AppId, 32))
                    .col(string_len(Users::Username, 64))
                    .col(string_len(Users::PasswordHash, 256))
                    .col(string_len_null(Users::NickName, 128))
                    .col(string_len_null(Users::Avatar, 1024))
                    .col(string_len_null(Users::Description, 1024))
                    .col(string_len_null(Users::Email, 256))
                    .col(string_len_null(Users::Mobile, 32))
                    .col(text_null(Users::PrivateInfo))
                    .col(text_null(Users::PublicInfo))
                    .col(string_len_null(Users::Alias, 128))
                    .col(integer(Users::Status).default(0))
                    .col(big_integer(Users::CreatedAt))
                    .col(big_integer(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::AppId)
                            .to(Apps::Table, Apps::AppId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_app_username")
                    .table(Users::Table)
                    .col(Users::AppId)
                    .col(Users::Username)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_app_mobile")
                    .table(Users::Table)
                    .col(Users::AppId)
                    .col(Users::Mobile)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserSettings::Table)
                    .col(big_pk_auto(UserSettings::Id))
                    .col(big_integer_uniq(UserSettings::UserId))
                    .col(integer(UserSettings::AuthMode).default(0))
                    .col(string_len_null(UserSettings::AuthQuestion, 512))
                    .col(string_len_null(UserSettings::AuthAnswer, 512))
                    .col(boolean(UserSettings::AutoDownload).default(true))
                    .col(boolean(UserSettings::GroupConfirm).default(false))
                    .col(boolean(UserSettings::NoPush).default(false))
                    .col(boolean(UserSettings::NoPushDetail).default(false))
                    .col(integer(UserSettings::NoPushStartHour).default(0))
                    .col(integer(UserSettings::NoPushEndHour).default(0))
                    .col(boolean(UserSettings::NoSounds).default(false))
                    .col(string_len_null(UserSettings::PushNickName, 128))
                    .col(string_len_null(UserSettings::PushToken, 512))
                    .col(integer(UserSettings::SilenceStartTime).default(0))
                    .col(integer(UserSettings::SilenceEndTime).default(0))
                    .col(boolean(UserSettings::Vibratory).default(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserSettings::Table, UserSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(big_pk_auto(Devices::Id))
                    .col(string_len(Devices::AppId, 32))
                    .col(big_integer(Devices::UserId))
                    .col(integer(Devices::DeviceSn))
                    .col(string_len_null(Devices::DeviceGuid, 128))
                    .col(integer(Devices::Platform).default(0))
                    .col(string_len_null(Devices::UserAgent, 512))
                    .col(string_len_null(Devices::TokenHash, 64).unique_key())
                    .col(big_integer(Devices::TokenExpiresAt).default(0))
                    .col(string_len_null(Devices::DeviceToken, 512))
                    .col(string_len_null(Devices::NotifierName, 128))
                    .col(big_integer(Devices::CreatedAt))
                    .col(big_integer(Devices::LastSeenAt).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Devices::Table, Devices::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_devices_user_sn")
                    .table(Devices::Table)
                    .col(Devices::UserId)
                    .col(Devices::DeviceSn)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_devices_user_guid")
                    .table(Devices::Table)
                    .col(Devices::UserId)
                    .col(Devices::DeviceGuid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServerMeta::Table)
                    .col(string_len(ServerMeta::Key, 64).primary_key())
                    .col(text(ServerMeta::Value))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServerMeta::Table.into_iden(),
            Devices::Table.into_iden(),
            UserSettings::Table.into_iden(),
            Users::Table.into_iden(),
            AdminTokens::Table.into_iden(),
            Apps::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
