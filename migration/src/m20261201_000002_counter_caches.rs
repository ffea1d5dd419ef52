//! Counter caches, so that no page counts rows: each post's approved-comment
//! and like counts (`posts.comment_count`, `posts.like_count`), and the size
//! of each list (`categories.post_count`, `tags.post_count`; all posts is
//! their categories' sum, every post having one). And what a card lists,
//! kept on the post as JSON so that a page of cards reads 20 rows and joins
//! nothing per card: `posts.tag_names` (alphabetical) and
//! `posts.newest_comments` (the 5 newest approved, with their authors). The
//! writes that change them change them in their own transaction (the
//! repositories' `counters` and `post::card`); `blog repair-counts`
//! recomputes them from the rows. Filled here from the rows already present.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    CommentCount,
    LikeCount,
    TagNames,
    NewestComments,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    PostCount,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    PostCount,
}

/// The counts recomputed from the rows (the same statements as
/// `blog repair-counts`, kept here so that this migration never changes).
const FILL: [&str; 3] = [
    "UPDATE posts SET \
       comment_count = (SELECT COUNT(*) FROM comments \
                        WHERE comments.post_id = posts.id AND comments.is_approved), \
       like_count = (SELECT COUNT(*) FROM likes WHERE likes.post_id = posts.id)",
    "UPDATE categories SET post_count = \
       (SELECT COUNT(*) FROM posts WHERE posts.category_id = categories.id)",
    "UPDATE tags SET post_count = \
       (SELECT COUNT(*) FROM post_tags WHERE post_tags.tag_id = tags.id)",
];

/// The cards' lists from the rows, on PostgreSQL.
const FILL_LISTS_POSTGRES: &str = "UPDATE posts SET \
   tag_names = COALESCE((SELECT json_agg(t.name ORDER BY t.name) FROM \
     (SELECT tags.name FROM post_tags JOIN tags ON tags.id = post_tags.tag_id \
      WHERE post_tags.post_id = posts.id) t)::text, '[]'), \
   newest_comments = COALESCE((SELECT json_agg(json_build_array(c.id, c.user_id, \
     u.username, c.content, c.created_at) ORDER BY c.created_at, c.id) FROM (SELECT comments.id, comments.user_id, \
     comments.content, comments.created_at FROM comments WHERE comments.post_id = posts.id \
     AND comments.is_approved ORDER BY comments.created_at DESC, comments.id DESC LIMIT 5) c \
     JOIN users u ON u.id = c.user_id)::text, '[]')";

/// The cards' lists from the rows, on SQLite.
const FILL_LISTS_SQLITE: &str = "UPDATE posts SET \
   tag_names = (SELECT json_group_array(t.name) FROM (SELECT tags.name FROM post_tags \
     JOIN tags ON tags.id = post_tags.tag_id WHERE post_tags.post_id = posts.id \
     ORDER BY tags.name) t), \
   newest_comments = (SELECT json_group_array(json_array(c.id, c.user_id, u.username, \
     c.content, c.created_at)) FROM (SELECT comments.id, comments.user_id, comments.content, \
     comments.created_at FROM comments WHERE comments.post_id = posts.id \
     AND comments.is_approved ORDER BY comments.created_at DESC, comments.id DESC LIMIT 5) c \
     JOIN users u ON u.id = c.user_id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        let columns = [
            (Posts::Table.into_iden(), Posts::CommentCount.into_iden()),
            (Posts::Table.into_iden(), Posts::LikeCount.into_iden()),
            (
                Categories::Table.into_iden(),
                Categories::PostCount.into_iden(),
            ),
            (Tags::Table.into_iden(), Tags::PostCount.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(big_integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        for column in [Posts::TagNames, Posts::NewestComments] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(text(column).default("[]"))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for sql in FILL {
            db.execute_unprepared(sql).await?;
        }
        let lists = match manager.get_database_backend() {
            DbBackend::Postgres => FILL_LISTS_POSTGRES,
            _ => FILL_LISTS_SQLITE,
        };
        db.execute_unprepared(lists).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (Posts::Table.into_iden(), Posts::NewestComments.into_iden()),
            (Posts::Table.into_iden(), Posts::TagNames.into_iden()),
            (Tags::Table.into_iden(), Tags::PostCount.into_iden()),
            (
                Categories::Table.into_iden(),
                Categories::PostCount.into_iden(),
            ),
            (Posts::Table.into_iden(), Posts::LikeCount.into_iden()),
            (Posts::Table.into_iden(), Posts::CommentCount.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
