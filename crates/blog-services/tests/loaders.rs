//! The eager loaders against a real database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`): statement counts pinned at two dataset sizes, and every
//! loaded field checked against plain SQL.

use std::collections::HashMap;

use blog_repositories::DbPool;
use blog_repositories::post::{self, PostCardRow};
use blog_repositories::statement_counter::{track, track_with_sql};
use blog_services::PasswordHasher;
use blog_services::dataset::{self, DatasetSpec};
use blog_services::posts::PostCard;
use blog_services::posts::model::read_time_minutes;
use blog_testkit::{TestDatabase, assert_num_queries};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

async fn seeded(posts: usize) -> TestDatabase {
    let test_db = TestDatabase::new().await;
    seed(&test_db.db, posts).await;
    test_db
}

/// Seeds the benchmark dataset's first `posts` posts into `db`.
async fn seed(db: &DbPool, posts: usize) {
    dataset::seed(
        db,
        &DatasetSpec::new(posts),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .expect("seed");
}

/// Runs `sql` ($1.. placeholders) and returns the first column of every row as text.
async fn column(db: &DbPool, sql: &str, values: Vec<Value>) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await
        .expect(sql);
    rows.iter()
        .map(|row| {
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .or_else(|_| row.try_get_by_index::<i32>(0).map(|n| n.to_string()))
                .expect("a text or integer column")
        })
        .collect()
}

async fn scalar(db: &DbPool, sql: &str, values: Vec<Value>) -> i64 {
    column(db, sql, values).await[0].parse().expect("a number")
}

/// Checks every field of `card` against plain SQL; `comments` is the number of
/// newest approved comments the card should carry (None: all, oldest first).
async fn assert_matches_ground_truth(db: &DbPool, card: &PostCardRow, comments: Option<i64>) {
    let id = || vec![Value::from(card.id)];
    assert_eq!(
        card.comment_count,
        scalar(
            db,
            "SELECT COUNT(*) FROM comments WHERE post_id = $1 AND is_approved = TRUE",
            id()
        )
        .await,
        "approved comments of post {}",
        card.id
    );
    assert_eq!(
        card.like_count,
        scalar(db, "SELECT COUNT(*) FROM likes WHERE post_id = $1", id()).await,
        "likes of post {}",
        card.id
    );
    assert_eq!(
        card.tags,
        column(
            db,
            "SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = $1 ORDER BY t.name",
            id()
        )
        .await
    );
    assert_eq!(
        vec![card.author.clone()],
        column(
            db,
            "SELECT u.username FROM users u JOIN posts p ON p.user_id = u.id WHERE p.id = $1",
            id()
        )
        .await
    );
    assert_eq!(
        vec![card.category.clone()],
        column(
            db,
            "SELECT c.name FROM categories c JOIN posts p ON p.category_id = c.id WHERE p.id = $1",
            id()
        )
        .await
    );
    let words = scalar(db, "SELECT word_count FROM posts WHERE id = $1", id()).await;
    assert_eq!(i64::from(card.word_count), words);
    let domain = PostCard::from(card.clone());
    assert_eq!(domain.read_time, read_time_minutes(words as i32));
    assert_comments_match_ground_truth(db, card, comments).await;
}

/// Checks the card's comments and their authors against plain SQL; `comments`
/// as for [`assert_matches_ground_truth`].
async fn assert_comments_match_ground_truth(
    db: &DbPool,
    card: &PostCardRow,
    comments: Option<i64>,
) {
    let id = || vec![Value::from(card.id)];
    let expected_comments =
        match comments {
            Some(n) => column(
                db,
                "SELECT CAST(id AS TEXT) FROM comments WHERE post_id = $1 AND is_approved = TRUE \
                 ORDER BY created_at DESC, id DESC LIMIT $2",
                vec![Value::from(card.id), Value::from(n)],
            )
            .await,
            None => column(
                db,
                "SELECT CAST(id AS TEXT) FROM comments WHERE post_id = $1 AND is_approved = TRUE \
                 ORDER BY created_at, id",
                id(),
            )
            .await,
        };
    let loaded: Vec<String> = card.comments.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(loaded, expected_comments, "comments of post {}", card.id);
    for comment in &card.comments {
        assert_eq!(
            vec![comment.author.clone()],
            column(
                db,
                "SELECT u.username FROM users u JOIN comments c ON c.user_id = u.id WHERE c.id = $1",
                vec![Value::from(comment.id)]
            )
            .await
        );
    }
}

#[tokio::test]
async fn list_loader_matches_plain_sql_for_every_field() {
    let test_db = seeded(60).await;
    let db = &test_db.db;
    let cards = post::posts(db)
        .with_related_data()
        .fetch(0, 20)
        .await
        .unwrap();
    assert_eq!(cards.len(), 20);
    // Newest first: the seed dates posts in id order.
    let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
    assert_eq!(ids, (41..=60).rev().collect::<Vec<_>>());
    // The join-multiplication pitfall only shows on posts with 2+ comments and 2+ likes.
    assert!(
        cards
            .iter()
            .filter(|c| c.comment_count >= 2 && c.like_count >= 2)
            .count()
            >= 5
    );
    // Somebody has more than 5 approved comments, so the per-post cap is exercised.
    assert!(cards.iter().any(|c| c.comment_count > 5));
    for card in &cards {
        assert!(card.comments.len() <= 5);
        assert_matches_ground_truth(db, card, Some(5)).await;
    }
}

#[tokio::test]
async fn detail_loader_has_every_approved_comment_and_the_content() {
    let test_db = seeded(30).await;
    let db = &test_db.db;
    let busiest = scalar(
        db,
        "SELECT post_id FROM comments WHERE is_approved = TRUE GROUP BY post_id ORDER BY COUNT(*) DESC, post_id LIMIT 1",
        vec![],
    )
    .await as i32;
    let detail = assert_num_queries(1, post::find_detail(db, busiest))
        .await
        .unwrap()
        .unwrap();
    assert!(
        detail.card.comments.len() > 5,
        "every approved comment, not 5"
    );
    assert_matches_ground_truth(db, &detail.card, None).await;
    assert_eq!(
        vec![detail.content.clone()],
        column(
            db,
            "SELECT content FROM posts WHERE id = $1",
            vec![Value::from(busiest)]
        )
        .await
    );
    assert!(
        assert_num_queries(1, post::find_detail(db, 999_999))
            .await
            .unwrap()
            .is_none()
    );
}

/// The list costs the same at 30 and at 300 posts (10x comments, likes, tags).
#[tokio::test]
async fn statement_counts_do_not_grow_with_the_data() {
    for posts in [30, 300] {
        let test_db = seeded(posts).await;
        let db = &test_db.db;
        let cards = assert_num_queries(1, post::posts(db).with_related_data().fetch(0, 20))
            .await
            .unwrap();
        assert_eq!(cards.len(), 20);
        assert_num_queries(1, post::posts(db).count())
            .await
            .unwrap();
        let filtered = post::posts(db)
            .in_category(2)
            .tagged("tag7")
            .by_author(3)
            .matching("django");
        assert_num_queries(1, filtered.count()).await.unwrap();
        // A deeper window of all posts is found by the posts' positions, in
        // the same one statement, whatever the depth.
        let deep = (posts - 20) as u64;
        let last = assert_num_queries(1, post::posts(db).with_related_data().fetch(deep, 20))
            .await
            .unwrap();
        let ids: Vec<i32> = last.iter().map(|card| card.id).collect();
        assert_eq!(ids, (1..=20).rev().collect::<Vec<i32>>(), "the oldest 20");
        // An empty window costs only the cards statement.
        let none = assert_num_queries(1, post::posts(db).with_related_data().fetch(10_000, 20))
            .await
            .unwrap();
        assert!(none.is_empty());
        let detail = assert_num_queries(1, post::find_detail(db, posts as i32 / 2))
            .await
            .unwrap();
        assert!(detail.is_some());
        let found = assert_num_queries(
            1,
            post::posts(db)
                .matching("django")
                .with_related_data()
                .fetch(0, 21),
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 21, "django is in most posts");
    }
}

#[tokio::test]
async fn filters_compose_and_match_plain_sql() {
    let test_db = seeded(120).await;
    let db = &test_db.db;

    let by_category = post::posts(db).in_category(3);
    let expected = scalar(
        db,
        "SELECT COUNT(*) FROM posts WHERE category_id = 3",
        vec![],
    )
    .await;
    assert_eq!(by_category.count().await.unwrap() as i64, expected);
    let cards = by_category.with_related_data().fetch(0, 500).await.unwrap();
    assert_eq!(cards.len() as i64, expected);
    assert!(
        cards
            .iter()
            .all(|c| c.category_id == 3 && c.category == "Databases")
    );

    let tagged: Vec<i32> = post::posts(db)
        .tagged("tag5")
        .with_related_data()
        .fetch(0, 500)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let expected: Vec<i32> = column(
        db,
        "SELECT CAST(p.id AS TEXT) FROM posts p JOIN post_tags pt ON pt.post_id = p.id \
         JOIN tags t ON t.id = pt.tag_id WHERE t.name = 'tag5' ORDER BY p.created_at DESC, p.id DESC",
        vec![],
    )
    .await
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert!(!expected.is_empty());
    assert_eq!(tagged, expected);

    let mine = post::posts(db)
        .by_author(1)
        .with_related_data()
        .fetch(0, 500)
        .await
        .unwrap();
    assert!(mine.iter().all(|c| c.author == "testuser"));
    assert_eq!(
        mine.len() as i64,
        scalar(db, "SELECT COUNT(*) FROM posts WHERE user_id = 1", vec![]).await
    );

    assert_every_filter_at_once_is_the_intersection(db).await;
    assert_eq!(
        post::posts(db).tagged("no-such-tag").count().await.unwrap(),
        0
    );
}

/// Every filter at once narrows to the intersection: take a real post's
/// category, author and first tag, so the intersection is never empty.
async fn assert_every_filter_at_once_is_the_intersection(db: &DbPool) {
    let (category, author) = (
        scalar(db, "SELECT category_id FROM posts WHERE id = 50", vec![]).await as i32,
        scalar(db, "SELECT user_id FROM posts WHERE id = 50", vec![]).await as i32,
    );
    let tag = column(
        db,
        "SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = 50 ORDER BY t.name LIMIT 1",
        vec![],
    )
    .await
    .remove(0);
    let all = post::posts(db)
        .in_category(category)
        .by_author(author)
        .tagged(tag.clone())
        .matching("django");
    let got: Vec<i32> = all
        .with_related_data()
        .fetch(0, 500)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let expected: Vec<i32> = column(
        db,
        "SELECT CAST(p.id AS TEXT) FROM posts p JOIN post_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id \
         WHERE p.category_id = $1 AND p.user_id = $2 AND t.name = $3 AND p.content LIKE '%django%' \
         ORDER BY p.created_at DESC, p.id DESC",
        vec![Value::from(category), Value::from(author), Value::from(tag)],
    )
    .await
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert!(expected.contains(&50), "post 50 holds django");
    assert_eq!(got, expected);
}

#[tokio::test]
async fn search_matches_every_word_in_title_or_content() {
    let test_db = seeded(80).await;
    let db = &test_db.db;
    // Ground truth in Rust: the ids, newest first, of posts holding every word.
    let ids = column(
        db,
        "SELECT CAST(id AS TEXT) FROM posts ORDER BY created_at DESC, id DESC",
        vec![],
    )
    .await;
    let texts = column(
        db,
        "SELECT title || ' ' || content FROM posts ORDER BY created_at DESC, id DESC",
        vec![],
    )
    .await;
    let expected = |words: &[&str]| -> Vec<i32> {
        ids.iter()
            .zip(&texts)
            .filter(|(_, text)| {
                let text: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
                words.iter().all(|w| text.contains(w))
            })
            .map(|(id, _)| id.parse().unwrap())
            .collect()
    };
    let found = |term: &'static str| async move {
        let cards = post::posts(db)
            .matching(term)
            .with_related_data()
            .fetch(0, 500)
            .await
            .unwrap();
        cards.iter().map(|c| c.id).collect::<Vec<i32>>()
    };
    assert_eq!(
        found("django performance").await,
        expected(&["django", "performance"])
    );
    assert!(!expected(&["django", "performance"]).is_empty());
    // A title word: "Post 17:" is only in post 17's title.
    assert_eq!(found("Post 17").await.first(), Some(&17));
    // A rare made-up word appears in a handful of posts at most.
    let rare = texts
        .iter()
        .flat_map(|t| t.split_whitespace())
        .find(|w| w.len() == 6 && expected(&[w]).len() < 10)
        .map(str::to_owned);
    let rare = rare.expect("80 posts hold some rare made-up word");
    let cards = post::posts(db)
        .matching(rare.clone())
        .with_related_data()
        .fetch(0, 500)
        .await
        .unwrap();
    let got: Vec<i32> = cards.iter().map(|c| c.id).collect();
    assert_eq!(got, expected(&[rare.as_str()]));
    assert_eq!(post::posts(db).matching("zzzqqq").count().await.unwrap(), 0);
    // LIKE wildcards in a query match themselves, not everything.
    assert_eq!(post::posts(db).matching("%").count().await.unwrap(), 0);
}

#[tokio::test]
async fn concurrent_scopes_count_their_own_statements() {
    let test_db = seeded(30).await;
    let db = &test_db.db;
    let loader = post::posts(db).with_related_data();
    let list = track(loader.fetch(0, 20));
    let count = track(async {
        post::posts(db).count().await.unwrap();
        post::posts(db).count().await.unwrap()
    });
    let ((_, list_stats), (_, count_stats)) = tokio::join!(list, count);
    assert_eq!(list_stats.statements, 1);
    assert_eq!(count_stats.statements, 2);
}

#[tokio::test]
async fn seeding_refuses_a_database_with_data_and_resets() {
    let test_db = seeded(20).await;
    let db = &test_db.db;
    let hasher = PasswordHasher::fast_insecure();
    let again = dataset::seed(db, &DatasetSpec::new(20), &hasher, &mut |_, _| {}).await;
    assert!(again.is_err());
    dataset::reset(db).await.unwrap();
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM posts", vec![]).await, 0);
    let report = dataset::seed(db, &DatasetSpec::new(20), &hasher, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.posts, 20);
    assert_eq!(scalar(db, "SELECT MIN(id) FROM posts", vec![]).await, 1);
    let hash = column(
        db,
        "SELECT password_hash FROM users WHERE username = 'testuser'",
        vec![],
    )
    .await;
    assert!(hasher.verify("testpass123", &hash[0]));
    let hash = column(
        db,
        "SELECT password_hash FROM users WHERE username = 'user7'",
        vec![],
    )
    .await;
    assert!(hasher.verify("password7", &hash[0]));
    // Sequences moved past the explicit ids: a new row gets a fresh id.
    db.execute_unprepared("INSERT INTO tags (name) VALUES ('brand-new')")
        .await
        .unwrap();
    assert_eq!(
        scalar(db, "SELECT id FROM tags WHERE name = 'brand-new'", vec![]).await,
        51
    );
}

#[tokio::test]
async fn seeded_rows_follow_the_dataset_spec() {
    let test_db = seeded(50).await;
    let db = &test_db.db;
    let counts: HashMap<&str, i64> = HashMap::from([
        ("users", 101),
        ("categories", 5),
        ("tags", 50),
        ("posts", 50),
        ("post_tags", 150),
    ]);
    for (table, expected) in counts {
        assert_eq!(
            scalar(db, &format!("SELECT COUNT(*) FROM {table}"), vec![]).await,
            expected,
            "{table}"
        );
    }
    let admins = column(
        db,
        "SELECT username FROM users WHERE is_admin = TRUE",
        vec![],
    )
    .await;
    assert_eq!(
        admins,
        vec!["admin".to_owned()],
        "the only admin is not a dataset user"
    );
    let duplicates = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT post_id, user_id FROM likes GROUP BY post_id, user_id HAVING COUNT(*) > 1) d",
        vec![],
    )
    .await;
    assert_eq!(duplicates, 0);
    let early = scalar(
        db,
        "SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.created_at <= p.created_at",
        vec![],
    )
    .await;
    assert_eq!(early, 0, "every comment is created after its post");
}

/// A word whose posts are all older than the newest posts a search walks
/// ([`post::search::RECENT_POSTS`]) is found through the index, page after
/// page, in one statement each: the same pages as a plain newest-first list
/// of its matches, and so is a word in most posts.
#[tokio::test]
async fn search_pages_reach_words_common_only_in_old_posts() {
    let posts = 2 * post::search::RECENT_POSTS as usize;
    let test_db = seeded(posts).await;
    let db = &test_db.db;
    // dataset: every other post of the oldest tenth ends with "vintage".
    let mut expected: Vec<i32> = (1..=(posts as i32) / 10).step_by(2).collect();
    expected.reverse();
    for page in 0..6 {
        let found = assert_num_queries(
            1,
            post::posts(db)
                .matching("vintage")
                .with_related_data()
                .fetch(page * 20, 21),
        )
        .await
        .unwrap();
        let ids: Vec<i32> = found.iter().map(|card| card.id).collect();
        let want: Vec<i32> = expected
            .iter()
            .copied()
            .skip(page as usize * 20)
            .take(21)
            .collect();
        assert_eq!(ids, want, "page {}", page + 1);
    }
    let common = post::posts(db)
        .matching("django")
        .with_related_data()
        .fetch(0, 21)
        .await
        .unwrap();
    let newest = column(
        db,
        "SELECT id FROM posts WHERE content LIKE '%django%' OR title LIKE '%django%' \
         ORDER BY id DESC LIMIT 21",
        vec![],
    )
    .await;
    let ids: Vec<String> = common.iter().map(|card| card.id.to_string()).collect();
    assert_eq!(ids, newest);
}

/// The newest posts a search tests are read through the primary key
/// whatever the order of the heap. A load over two connections, or years
/// of updates, leave the posts scattered on disk; a range of the newest
/// ids then looked to the planner like a sequential scan of every post
/// (17 searches a second at 20,000 posts instead of 1,828). Here the heap
/// is shuffled outright, and a search for a word in most posts must still
/// read posts only by key: no sequential or bitmap scan of them runs.
#[tokio::test]
async fn search_reads_the_newest_posts_by_key_on_a_shuffled_heap() {
    let test_db = TestDatabase::new().await;
    let db = &test_db.db;
    if db.get_database_backend() != DbBackend::Postgres {
        return; // SQLite has no planner to mislead: it walks the key
    }
    seed(db, 2_000).await;
    for sql in [
        "CREATE INDEX posts_shuffled ON posts (md5(id::text))",
        "CLUSTER posts USING posts_shuffled",
        "DROP INDEX posts_shuffled",
        "ANALYZE posts",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    let correlation = column(
        db,
        "SELECT (abs(correlation) < 0.2)::int::bigint FROM pg_stats \
         WHERE tablename = 'posts' AND attname = 'id'",
        vec![],
    )
    .await;
    assert_eq!(correlation, ["1"], "the heap is shuffled");
    let search = &common_word_search(db).await;
    let plan = column(
        db,
        &format!("EXPLAIN (ANALYZE, COSTS OFF) {search}"),
        vec![],
    )
    .await;
    let post_scans: Vec<&String> = plan
        .iter()
        .filter(|line| line.contains(" on posts ") && !line.contains("never executed"))
        .collect();
    assert!(!post_scans.is_empty(), "{plan:#?}");
    for scan in post_scans {
        assert!(scan.contains("using posts_pkey"), "{scan}\n{plan:#?}");
    }
}

/// A common word's search gates its older part on the recent part's count,
/// which the planner cannot see. Left to choose, it plans that part as a
/// parallel scan of every post at 200,000 posts, and the `Gather` launches
/// its workers before the gate stops them: 8 of a 9 ms search. The service's
/// connections allow no parallel plans; here they are made as cheap as they
/// can be (a parallel plan at 2,000 posts), and still none is used.
#[tokio::test]
async fn a_search_starts_no_parallel_workers() {
    let test_db = TestDatabase::new().await;
    let db = &test_db.db;
    if db.get_database_backend() != DbBackend::Postgres {
        return; // SQLite has no parallel plans
    }
    seed(db, 2_000).await;
    db.execute_unprepared("ANALYZE posts").await.unwrap();
    let search = &common_word_search(db).await;
    let txn = db.begin().await.unwrap();
    for sql in [
        "SET LOCAL parallel_setup_cost = 0",
        "SET LOCAL parallel_tuple_cost = 0",
        "SET LOCAL min_parallel_table_scan_size = 0",
    ] {
        txn.execute_unprepared(sql).await.expect(sql);
    }
    let explain = format!("EXPLAIN (ANALYZE, COSTS OFF) {search}");
    let plan: Vec<String> = txn
        .query_all_raw(Statement::from_string(DbBackend::Postgres, explain))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    txn.commit().await.unwrap(); // SET LOCAL ends with it
    assert!(
        !plan.iter().any(|line| line.contains("Gather")),
        "{plan:#?}"
    );
}

/// The statement of a search for a word in most posts (its first page,
/// which it must fill).
async fn common_word_search(db: &DbPool) -> String {
    let (found, stats) = track_with_sql(
        post::posts(db)
            .matching("django")
            .with_related_data()
            .fetch(0, 21),
    )
    .await;
    assert_eq!(found.unwrap().len(), 21);
    stats.sql.expect("recorded").swap_remove(0)
}
