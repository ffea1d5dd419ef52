//! Categories: few rows, read whole.

use blog_entities::category;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder, QueryTrait,
    Statement,
};

use crate::RepositoryError;

/// Every category, by id (the navigation and the category filter's validation).
pub async fn all(db: &DatabaseConnection) -> Result<Vec<category::Model>, RepositoryError> {
    Ok(category::Entity::find()
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?)
}

/// The statement [`all`] runs: the key of its query-cache entry.
pub fn all_statement(db: &DatabaseConnection) -> Statement {
    category::Entity::find()
        .order_by_asc(category::Column::Id)
        .build(db.get_database_backend())
}

/// Whether category `id` exists.
pub async fn exists(db: &impl ConnectionTrait, id: i32) -> Result<bool, RepositoryError> {
    Ok(category::Entity::find_by_id(id).count(db).await? > 0)
}
