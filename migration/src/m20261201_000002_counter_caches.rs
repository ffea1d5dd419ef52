//! Counter caches, so that no page counts rows: each post's approved-comment
//! and like counts (`posts.comment_count`, `posts.like_count`), and the size
//! of each list (`categories.post_count`, `tags.post_count`; all posts is
//! their categories' sum, every post having one). The writes that change a
//! count change it in their own transaction (the repositories' `counters`);
//! `blog repair-counts` recomputes them from the rows. Filled here from the
//! rows already present.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    CommentCount,
    LikeCount,
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
        let db = manager.get_connection();
        for sql in FILL {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
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
