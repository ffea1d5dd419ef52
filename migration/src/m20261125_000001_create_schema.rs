//! The seven tables, their foreign keys and an index for every access path the pages use.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    IsAdmin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    UserId,
    CategoryId,
    Title,
    Content,
    WordCount,
    ViewCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    PostId,
    UserId,
    Content,
    IsApproved,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum PostTags {
    Table,
    PostId,
    TagId,
}

#[derive(DeriveIden)]
enum Likes {
    Table,
    Id,
    PostId,
    UserId,
    CreatedAt,
}

/// A foreign key that deletes the child rows with their parent.
fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// Users, categories, tags and posts: the tables others refer to.
fn parent_tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(Users::Table)
            .col(pk_auto(Users::Id))
            .col(string_len_uniq(Users::Username, 150))
            .col(text(Users::PasswordHash))
            .col(boolean(Users::IsAdmin).default(false))
            .col(timestamp_with_time_zone(Users::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Categories::Table)
            .col(pk_auto(Categories::Id))
            .col(string_len_uniq(Categories::Name, 100))
            .to_owned(),
        Table::create()
            .table(Tags::Table)
            .col(pk_auto(Tags::Id))
            .col(string_len_uniq(Tags::Name, 50))
            .to_owned(),
        Table::create()
            .table(Posts::Table)
            .col(pk_auto(Posts::Id))
            .col(integer(Posts::UserId))
            .col(integer(Posts::CategoryId))
            .col(string_len(Posts::Title, 200))
            .col(text(Posts::Content))
            .col(integer(Posts::WordCount).default(0))
            .col(big_integer(Posts::ViewCount).default(0))
            .col(timestamp_with_time_zone(Posts::CreatedAt))
            .col(timestamp_with_time_zone(Posts::UpdatedAt))
            .foreign_key(&mut cascade(
                "fk_posts_user",
                (Posts::Table, Posts::UserId),
                (Users::Table, Users::Id),
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_posts_category")
                    .from(Posts::Table, Posts::CategoryId)
                    .to(Categories::Table, Categories::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .to_owned(),
    ]
}

/// Comments, tag links and likes: each belongs to a post.
fn child_tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(Comments::Table)
            .col(pk_auto(Comments::Id))
            .col(integer(Comments::PostId))
            .col(integer(Comments::UserId))
            .col(text(Comments::Content))
            .col(boolean(Comments::IsApproved).default(false))
            .col(timestamp_with_time_zone(Comments::CreatedAt))
            .foreign_key(&mut cascade(
                "fk_comments_post",
                (Comments::Table, Comments::PostId),
                (Posts::Table, Posts::Id),
            ))
            .foreign_key(&mut cascade(
                "fk_comments_user",
                (Comments::Table, Comments::UserId),
                (Users::Table, Users::Id),
            ))
            .to_owned(),
        Table::create()
            .table(PostTags::Table)
            .col(integer(PostTags::PostId))
            .col(integer(PostTags::TagId))
            .primary_key(Index::create().col(PostTags::PostId).col(PostTags::TagId))
            .foreign_key(&mut cascade(
                "fk_post_tags_post",
                (PostTags::Table, PostTags::PostId),
                (Posts::Table, Posts::Id),
            ))
            .foreign_key(&mut cascade(
                "fk_post_tags_tag",
                (PostTags::Table, PostTags::TagId),
                (Tags::Table, Tags::Id),
            ))
            .to_owned(),
        Table::create()
            .table(Likes::Table)
            .col(pk_auto(Likes::Id))
            .col(integer(Likes::PostId))
            .col(integer(Likes::UserId))
            .col(timestamp_with_time_zone(Likes::CreatedAt))
            .foreign_key(&mut cascade(
                "fk_likes_post",
                (Likes::Table, Likes::PostId),
                (Posts::Table, Posts::Id),
            ))
            .foreign_key(&mut cascade(
                "fk_likes_user",
                (Likes::Table, Likes::UserId),
                (Users::Table, Users::Id),
            ))
            .to_owned(),
    ]
}

/// Every access path of the pages and the writes.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        // The list page: newest first, ties broken by id.
        Index::create()
            .name("idx_posts_created_at_id")
            .table(Posts::Table)
            .col((Posts::CreatedAt, IndexOrder::Desc))
            .col((Posts::Id, IndexOrder::Desc))
            .to_owned(),
        // Filter by author or category, still newest first.
        Index::create()
            .name("idx_posts_user_created_at")
            .table(Posts::Table)
            .col(Posts::UserId)
            .col((Posts::CreatedAt, IndexOrder::Desc))
            .col((Posts::Id, IndexOrder::Desc))
            .to_owned(),
        Index::create()
            .name("idx_posts_category_created_at")
            .table(Posts::Table)
            .col(Posts::CategoryId)
            .col((Posts::CreatedAt, IndexOrder::Desc))
            .col((Posts::Id, IndexOrder::Desc))
            .to_owned(),
        // Approved comments of a post, newest first (top 5, counts, detail page).
        Index::create()
            .name("idx_comments_post_approved_created_at")
            .table(Comments::Table)
            .col(Comments::PostId)
            .col(Comments::IsApproved)
            .col((Comments::CreatedAt, IndexOrder::Desc))
            .to_owned(),
        Index::create()
            .name("idx_comments_user")
            .table(Comments::Table)
            .col(Comments::UserId)
            .to_owned(),
        // post_tags is keyed (post_id, tag_id); this is the other direction.
        Index::create()
            .name("idx_post_tags_tag_post")
            .table(PostTags::Table)
            .col(PostTags::TagId)
            .col(PostTags::PostId)
            .to_owned(),
        // One like per (post, user); also serves the like count of a post.
        Index::create()
            .name("idx_likes_post_user")
            .table(Likes::Table)
            .col(Likes::PostId)
            .col(Likes::UserId)
            .unique()
            .to_owned(),
        Index::create()
            .name("idx_likes_user")
            .table(Likes::Table)
            .col(Likes::UserId)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in parent_tables().into_iter().chain(child_tables()) {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            // Full-text search: a stored tsvector over title and content, GIN-indexed.
            let db = manager.get_connection();
            db.execute_unprepared(
                "ALTER TABLE posts ADD COLUMN search_vector tsvector \
                 GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || content)) STORED",
            )
            .await?;
            db.execute_unprepared(
                "CREATE INDEX idx_posts_search_vector ON posts USING GIN (search_vector)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Likes::Table.into_iden(),
            PostTags::Table.into_iden(),
            Comments::Table.into_iden(),
            Tags::Table.into_iden(),
            Posts::Table.into_iden(),
            Categories::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
