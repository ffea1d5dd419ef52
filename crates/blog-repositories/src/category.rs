//! Categories: few rows, read whole.

use blog_entities::category;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};

use crate::RepositoryError;

/// Every category, by id (the navigation and the category filter's validation).
pub async fn all(db: &DatabaseConnection) -> Result<Vec<category::Model>, RepositoryError> {
    Ok(category::Entity::find()
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?)
}
