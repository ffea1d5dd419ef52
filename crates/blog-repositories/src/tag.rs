//! Tags: names by post, for the eager loaders.

use std::collections::HashMap;

use blog_entities::{post_tag, tag};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};

use crate::RepositoryError;

/// The tag names of each post in `post_ids`, alphabetical, in one statement
/// (`post_tags` joined to `tags`).
pub async fn names_for_posts(
    db: &DatabaseConnection,
    post_ids: &[i32],
) -> Result<HashMap<i32, Vec<String>>, RepositoryError> {
    let mut by_post: HashMap<i32, Vec<String>> = HashMap::new();
    if post_ids.is_empty() {
        return Ok(by_post);
    }
    let rows: Vec<(i32, String)> = post_tag::Entity::find()
        .select_only()
        .column(post_tag::Column::PostId)
        .column(tag::Column::Name)
        .join(JoinType::InnerJoin, post_tag::Relation::Tag.def())
        .filter(post_tag::Column::PostId.is_in(post_ids.iter().copied()))
        .order_by_asc(tag::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    for (post_id, name) in rows {
        by_post.entry(post_id).or_default().push(name);
    }
    Ok(by_post)
}
