//! The friends (roster) API, chapter 3 of the documentation (issue 16): friendships as pairs of
//! directed rows (`roster_items`, one per side, each with its own alias, ext and mute), friend
//! applications (`roster_applications`, one per applicant and target, renewed when applying
//! again) and each user's own blacklist (`roster_blacklist`). Every reference to a user cascades
//! on its deletion (the server also deletes them itself, in the deletion's transaction).
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
enum RosterItems {
    Table,
    Id,
    UserId,
    RosterId,
    State,
    Alias,
    Ext,
    MuteNotification,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RosterApplications {
    Table,
    Id,
    ApplicantId,
    TargetId,
    Alias,
    Reason,
    DeclineReason,
    Status,
    ExpireTime,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RosterBlacklist {
    Table,
    Id,
    UserId,
    BlockedId,
    CreatedAt,
}

fn to_user(from: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<impl IntoIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for c in cols {
        index.col(c);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RosterItems::Table)
                    .col(big_pk_auto(RosterItems::Id))
                    .col(big_integer(RosterItems::UserId))
                    .col(big_integer(RosterItems::RosterId))
                    // 0 friend, 1 the other side deleted the friendship
                    .col(integer(RosterItems::State).default(0))
                    .col(text_null(RosterItems::Alias))
                    .col(text_null(RosterItems::Ext))
                    .col(boolean(RosterItems::MuteNotification).default(false))
                    .col(big_integer(RosterItems::CreatedAt))
                    .col(big_integer(RosterItems::UpdatedAt))
                    .foreign_key(&mut to_user((RosterItems::Table, RosterItems::UserId)))
                    .foreign_key(&mut to_user((RosterItems::Table, RosterItems::RosterId)))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_roster_items_user_roster",
            RosterItems::Table,
            vec![RosterItems::UserId, RosterItems::RosterId],
            true,
        )
        .await?;
        // GET /roster/list: a user's friends by row id (keyset)
        let list = vec![RosterItems::UserId, RosterItems::State, RosterItems::Id];
        index(
            manager,
            "ix_roster_items_user_state_id",
            RosterItems::Table,
            list,
            false,
        )
        .await?;
        // a deleted user's rows on the other side
        index(
            manager,
            "ix_roster_items_roster",
            RosterItems::Table,
            vec![RosterItems::RosterId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RosterApplications::Table)
                    .col(big_pk_auto(RosterApplications::Id))
                    .col(big_integer(RosterApplications::ApplicantId))
                    .col(big_integer(RosterApplications::TargetId))
                    .col(text_null(RosterApplications::Alias))
                    .col(text_null(RosterApplications::Reason))
                    .col(text_null(RosterApplications::DeclineReason))
                    // 0 pending, 1 accepted, 2 declined
                    .col(integer(RosterApplications::Status))
                    .col(big_integer(RosterApplications::ExpireTime))
                    .col(big_integer(RosterApplications::CreatedAt))
                    .col(big_integer(RosterApplications::UpdatedAt))
                    .foreign_key(&mut to_user((
                        RosterApplications::Table,
                        RosterApplications::ApplicantId,
                    )))
                    .foreign_key(&mut to_user((
                        RosterApplications::Table,
                        RosterApplications::TargetId,
                    )))
                    .to_owned(),
            )
            .await?;
        let pair = vec![
            RosterApplications::ApplicantId,
            RosterApplications::TargetId,
        ];
        index(
            manager,
            "ux_roster_applications_applicant_target",
            RosterApplications::Table,
            pair,
            true,
        )
        .await?;
        // GET /roster/apply/list: the applications a user received, by row id (keyset)
        let received = vec![RosterApplications::TargetId, RosterApplications::Id];
        index(
            manager,
            "ix_roster_applications_target_id",
            RosterApplications::Table,
            received,
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RosterBlacklist::Table)
                    .col(big_pk_auto(RosterBlacklist::Id))
                    .col(big_integer(RosterBlacklist::UserId))
                    .col(big_integer(RosterBlacklist::BlockedId))
                    .col(big_integer(RosterBlacklist::CreatedAt))
                    .foreign_key(&mut to_user((
                        RosterBlacklist::Table,
                        RosterBlacklist::UserId,
                    )))
                    .foreign_key(&mut to_user((
                        RosterBlacklist::Table,
                        RosterBlacklist::BlockedId,
                    )))
                    .to_owned(),
            )
            .await?;
        let pair = vec![RosterBlacklist::UserId, RosterBlacklist::BlockedId];
        index(
            manager,
            "ux_roster_blacklist_user_blocked",
            RosterBlacklist::Table,
            pair,
            true,
        )
        .await?;
        index(
            manager,
            "ix_roster_blacklist_blocked",
            RosterBlacklist::Table,
            vec![RosterBlacklist::BlockedId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RosterBlacklist::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RosterApplications::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RosterItems::Table).to_owned())
            .await?;
        Ok(())
    }
}
