//! Tags: names by post, for the eager loaders, and creating missing ones.

use std::collections::HashMap;

use blog_entities::{post_tag, tag};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// The tag names of each post in `post_ids`, alphabetical, in one statement
/// (`post_tags` joined to `tags`).
pub async fn names_for_posts(
    conn: &impl ConnectionTrait,
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
        .all(conn)
        .await
        .during("loading the tag names")?;
    for (post_id, name) in rows {
        by_post.entry(post_id).or_default().push(name);
    }
    Ok(by_post)
}

/// The tags named `names`, created if missing (2 statements whatever the count).
pub async fn ensure(
    writer: &mut Writer<impl ConnectionTrait>,
    names: &[String],
) -> Result<Vec<tag::Model>, RepositoryError> {
    const OPERATION: &str = "creating the tags";
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let new_tags = names.iter().map(|name| tag::ActiveModel {
        id: NotSet,
        name: Set(name.clone()),
    });
    tag::Entity::insert_many(new_tags)
        .on_conflict(
            OnConflict::column(tag::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(writer.changing(&[tag::Entity.table_name()]))
        .await
        .during(OPERATION)?;
    tag::Entity::find()
        .filter(tag::Column::Name.is_in(names.iter().cloned()))
        .order_by_asc(tag::Column::Name)
        .all(writer.reader())
        .await
        .during(OPERATION)
}
