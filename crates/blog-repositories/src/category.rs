//! Categories: few rows, read whole.

use blog_entities::category;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, QueryTrait, Statement};

use crate::RepositoryError;
use crate::error::During;

/// Every category, by id (the navigation and the category filter's validation).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<category::Model>, RepositoryError> {
    category::Entity::find()
        .order_by_asc(category::Column::Id)
        .all(conn)
        .await
        .during("loading the categories")
}

/// The statement [`all`] runs: the key of its query-cache entry.
pub fn all_statement(conn: &impl ConnectionTrait) -> Statement {
    category::Entity::find()
        .order_by_asc(category::Column::Id)
        .build(conn.get_database_backend())
}

/// The table [`all`] reads (what must invalidate its cached result).
pub fn table() -> &'static str {
    use sea_orm::EntityName;
    category::Entity.table_name()
}

/// Whether category `id` exists.
pub async fn exists(conn: &impl ConnectionTrait, id: i32) -> Result<bool, RepositoryError> {
    let n = category::Entity::find_by_id(id)
        .count(conn)
        .await
        .during("looking up the category")?;
    Ok(n > 0)
}
