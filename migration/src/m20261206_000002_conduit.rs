//! What the RealWorld ("Conduit") API adds to the one data model: users get
//! an email (unique whatever its case), a bio and an image; posts get a
//! description and a slug (it ends with the post's id: unique by
//! construction, and a slug finds its post by key); `follows` records who
//! follows whom, indexed both
//! ways (a feed reads one user's follows; a profile, whether one follows
//! another). Existing rows are filled: `{username}@example.com`, no bio or
//! image, `post-{id}`, an empty description.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Bio,
    Image,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Slug,
    Description,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    FollowerId,
    FollowedId,
    CreatedAt,
}

/// Fills the new columns of the rows already present; then the emails'
/// unique index (on `lower(email)`: unique whatever their case).
const FILL: [&str; 3] = [
    "UPDATE users SET email = username || '@example.com'",
    "UPDATE posts SET slug = 'post-' || id",
    "CREATE UNIQUE INDEX idx_users_email_lower ON users (lower(email))",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        let add = |table: DynIden, column: &mut ColumnDef| {
            Table::alter().table(table).add_column(column).to_owned()
        };
        let alterations = [
            add(Users::Table.into_iden(), string(Users::Email).default("")),
            add(Users::Table.into_iden(), &mut text_null(Users::Bio)),
            add(Users::Table.into_iden(), &mut text_null(Users::Image)),
            add(Posts::Table.into_iden(), string(Posts::Slug).default("")),
            add(
                Posts::Table.into_iden(),
                text(Posts::Description).default(""),
            ),
        ];
        for alteration in alterations {
            manager.alter_table(alteration).await?;
        }
        let db = manager.get_connection();
        for sql in FILL {
            db.execute_unprepared(sql).await?;
        }
        manager.create_table(follows()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_follows_followed")
                    .table(Follows::Table)
                    .col(Follows::FollowedId)
                    .col(Follows::FollowerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Follows::Table).to_owned())
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_users_email_lower")
            .await?;
        let columns = [
            (Posts::Table.into_iden(), Posts::Description.into_iden()),
            (Posts::Table.into_iden(), Posts::Slug.into_iden()),
            (Users::Table.into_iden(), Users::Image.into_iden()),
            (Users::Table.into_iden(), Users::Bio.into_iden()),
            (Users::Table.into_iden(), Users::Email.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `follows`: (follower, followed) once; both cascade with their user.
fn follows() -> TableCreateStatement {
    let cascade = |name: &str, column: Follows| {
        ForeignKey::create()
            .name(name)
            .from(Follows::Table, column)
            .to(Users::Table, Users::Id)
            .on_delete(ForeignKeyAction::Cascade)
            .to_owned()
    };
    Table::create()
        .table(Follows::Table)
        .col(integer(Follows::FollowerId))
        .col(integer(Follows::FollowedId))
        .col(timestamp_with_time_zone(Follows::CreatedAt))
        .primary_key(
            Index::create()
                .col(Follows::FollowerId)
                .col(Follows::FollowedId),
        )
        .foreign_key(&mut cascade("fk_follows_follower", Follows::FollowerId))
        .foreign_key(&mut cascade("fk_follows_followed", Follows::FollowedId))
        .to_owned()
}
