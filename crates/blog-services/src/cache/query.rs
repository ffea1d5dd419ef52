//! The query-result cache: a repository statement's result, keyed by the
//! statement and its parameters, invalidated by the tables it reads. For
//! aggregates that don't map to one page (counts, the category list).

use std::future::Future;
use std::time::Duration;

use blog_repositories::Statement;

use super::{Cache, CacheKey, Cacheable, Tag};

impl Cache {
    /// The result of `statement`, from the cache or from `loader` (which runs
    /// it); any write that changes one of `tables` makes it reload.
    pub async fn query<T, E, F, Fut>(
        &self,
        statement: &Statement,
        tables: &[&str],
        ttl: Duration,
        loader: F,
    ) -> Result<T, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = CacheKey::new("query").arg(
            "statement",
            format!("{}|{:?}", statement.sql, statement.values),
        );
        let tags: Vec<Tag> = tables.iter().map(|t| Tag::table(t)).collect();
        self.cached(&key, ttl, &tags, loader).await
    }
}
