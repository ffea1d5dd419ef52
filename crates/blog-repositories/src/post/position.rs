//! Where a page of all posts starts, without walking the posts before it.
//! The list of all posts is in id order (publication order: ids and dates
//! agree), and `post_buckets` keeps how many posts each run of
//! [`BUCKET_SIZE`] ids holds (a counter cache, changed by the writes that
//! add or remove a post, in their transaction). The posts before rank `r`
//! are then whole buckets, summed over ~N/1000 rows inside the card
//! statement ([`window_at`]), and a walk of less than one bucket: a deep page
//! costs what the first does, however deep, in the same one statement.

use blog_entities::post_bucket;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, EntityName, Statement, StatementBuilder};

use crate::error::During;
use crate::{Backend, RepositoryError, Writer};

/// Ids per bucket.
pub const BUCKET_SIZE: i32 = 1000;

/// The condition picking posts `rank..rank + limit` of all posts (0: the
/// newest), in one sub-select: the bucket spanning `rank` is the one whose
/// posts and the posts of the buckets above it straddle `rank`; its top bounds
/// the ids, and fewer than a bucket's posts are skipped under it. Past the
/// last post, no bucket spans the rank: nothing is picked.
pub(crate) fn window_at(backend: Backend, rank: u64, limit: u64) -> Expr {
    let size = BUCKET_SIZE;
    // sea-query reads PostgreSQL's numbered placeholders (`$1` each time)
    // and SQLite's `?` (one value each).
    let (rank_param, copies) = match backend {
        Backend::Postgres => ("$1", 1),
        Backend::Sqlite => ("?", 5),
    };
    let spanning = "SELECT bucket, post_count, CAST(COALESCE(SUM(post_count) OVER (\
                      ORDER BY bucket DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) \
                    AS BIGINT) AS above FROM post_buckets";
    let here = format!("above <= {rank_param} AND above + post_count > {rank_param}");
    let sql = format!(
        "posts.id IN (SELECT id FROM posts \
           WHERE id < COALESCE((SELECT (bucket + 1) * {size} FROM ({spanning}) b WHERE {here}), 0) \
           ORDER BY id DESC LIMIT {limit} \
           OFFSET COALESCE((SELECT {rank_param} - above FROM ({spanning}) b WHERE {here}), 0))"
    );
    let rank = i64::try_from(rank).unwrap_or(i64::MAX);
    Expr::cust_with_values(sql, vec![rank; copies])
}

/// Adds `delta` to the count of post `post_id`'s bucket (creating it).
pub(crate) async fn change(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    delta: i64,
) -> Result<(), RepositoryError> {
    let count = post_bucket::Column::PostCount;
    let upsert = Query::insert()
        .into_table(post_bucket::Entity)
        .columns([post_bucket::Column::Bucket, count])
        .values_panic([(post_id / BUCKET_SIZE).into(), delta.into()])
        .on_conflict(
            OnConflict::column(post_bucket::Column::Bucket)
                .value(count, Expr::col((post_bucket::Entity, count)).add(delta))
                .to_owned(),
        )
        .to_owned();
    let conn = writer.changing(&[post_bucket::Entity.table_name()]);
    let statement = StatementBuilder::build(&upsert, &conn.get_database_backend());
    conn.execute_raw(statement)
        .await
        .during("counting the post's position")?;
    Ok(())
}

/// Every bucket's count from the posts; returns how many were wrong (or
/// missing). For `blog repair-counts` and after a bulk load.
pub(crate) async fn recompute(
    writer: &mut Writer<impl ConnectionTrait>,
) -> Result<u64, RepositoryError> {
    const OPERATION: &str = "recomputing the post positions";
    let size = BUCKET_SIZE;
    let in_bucket = format!(
        "SELECT COUNT(*) FROM posts WHERE posts.id >= post_buckets.bucket * {size} \
         AND posts.id < (post_buckets.bucket + 1) * {size}"
    );
    let corrected = format!(
        "UPDATE post_buckets SET post_count = ({in_bucket}) WHERE post_count <> ({in_bucket})"
    );
    let missing = format!(
        "INSERT INTO post_buckets (bucket, post_count) \
         SELECT id / {size}, COUNT(*) FROM posts \
         WHERE id / {size} NOT IN (SELECT bucket FROM post_buckets) GROUP BY id / {size}"
    );
    let mut repaired = 0;
    for sql in [corrected, missing] {
        let conn = writer.changing(&[post_bucket::Entity.table_name()]);
        let statement = Statement::from_string(conn.get_database_backend(), sql);
        repaired += conn
            .execute_raw(statement)
            .await
            .during(OPERATION)?
            .rows_affected();
    }
    Ok(repaired)
}
