//! Tags: creating the missing ones a post names, and listing them all.

use blog_entities::tag;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

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
        post_count: Set(0),
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

/// Every tag name, alphabetical, in one statement.
pub async fn all_names(conn: &impl ConnectionTrait) -> Result<Vec<String>, RepositoryError> {
    tag::Entity::find()
        .select_only()
        .column(tag::Column::Name)
        .order_by_asc(tag::Column::Name)
        .into_tuple()
        .all(conn)
        .await
        .during("listing the tags")
}

/// The table [`all_names`] reads (what must invalidate its cached result).
pub fn table() -> &'static str {
    tag::Entity.table_name()
}
