//! `follows`: who follows whom (a user's feed shows the posts of the users
//! they follow).

use sea_orm::entity::prelude::*;

/// `follower_id` follows `followed_id`; the pair is the primary key.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follows")]
pub struct Model {
    /// Who follows.
    #[sea_orm(primary_key, auto_increment = false)]
    pub follower_id: i32,
    /// Whom.
    #[sea_orm(primary_key, auto_increment = false)]
    pub followed_id: i32,
    /// Since when.
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
