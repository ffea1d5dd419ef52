//! The database's refusals, classified: a value PostgreSQL cannot store or
//! compare (a NUL byte in text) is the client's fault, never a 500.

use blog_repositories::{RepositoryError, user};
use blog_testkit::TestDatabase;

#[tokio::test]
async fn a_nul_byte_is_an_invalid_value_not_a_database_failure() {
    let test_db = TestDatabase::new().await;
    let found = user::find_by_username(&test_db.db, "a\0b").await;
    if test_db.is_postgres() {
        assert!(
            matches!(found, Err(RepositoryError::InvalidValue { .. })),
            "{found:?}"
        );
    } else {
        // SQLite stores and compares NUL like any other character.
        assert!(matches!(found, Ok(None)), "{found:?}");
    }
}
