//! Every write function declares the tables it changes, and the declaration is
//! checked against what really ran: the tables its SQL writes, and the tables
//! the foreign keys' `ON DELETE CASCADE` reach from them (read from the
//! database's own catalogue). A write that touches a table without declaring
//! it would leave that table's cached query results stale; this test fails.

use std::collections::{BTreeMap, BTreeSet};

use blog_entities::post as post_entity;
use blog_repositories::post::write::{self as post_write, PostFields};
use blog_repositories::statement_counter::{QueryStats, track_with_sql};
use blog_repositories::{
    ChangedTables, DbPool, Writer, auth_token, bulk, comment, follow, like, tag, user,
};
use blog_services::PasswordHasher;
use blog_services::dataset::{self, DatasetSpec};
use blog_testkit::TestDatabase;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};

/// The tables the statements of `stats` write to.
fn written_tables(stats: &QueryStats) -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    for sql in stats.sql.iter().flatten() {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let named: Vec<&str> = match words.as_slice() {
            ["INSERT", "INTO", table, ..]
            | ["UPDATE", table, ..]
            | ["DELETE", "FROM", table, ..] => {
                vec![table]
            }
            ["TRUNCATE", rest @ ..] => rest
                .iter()
                .take_while(|w| !w.eq_ignore_ascii_case("RESTART"))
                .copied()
                .collect(),
            _ => vec![],
        };
        for table in named {
            let table = table.trim_matches(|c| c == '"' || c == ',');
            if table != "sqlite_sequence" {
                tables.insert(table.to_owned());
            }
        }
    }
    tables
}

/// Parent table to the tables its deletes cascade to, from the catalogue.
async fn cascades(db: &DbPool) -> BTreeMap<String, Vec<String>> {
    let sql = if db.get_database_backend() == DbBackend::Postgres {
        "SELECT confrelid::regclass::text AS parent, conrelid::regclass::text AS child \
         FROM pg_constraint WHERE contype = 'f' AND confdeltype = 'c'"
    } else {
        "SELECT p.\"table\" AS parent, m.name AS child FROM sqlite_master m \
         JOIN pragma_foreign_key_list(m.name) p WHERE m.type = 'table' AND p.on_delete = 'CASCADE'"
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let parent: String = row.try_get("", "parent").unwrap();
        let child: String = row.try_get("", "child").unwrap();
        map.entry(parent).or_default().push(child);
    }
    map
}

/// Fails unless `changed` names every table `stats` wrote and every table a
/// delete among them cascades to.
async fn assert_declared(db: &DbPool, what: &str, stats: &QueryStats, changed: &ChangedTables) {
    let declared: BTreeSet<String> = changed.names().map(str::to_owned).collect();
    let written = written_tables(stats);
    assert!(!written.is_empty(), "{what} wrote nothing: {:?}", stats.sql);
    let cascades = cascades(db).await;
    let deletes_from: Vec<&String> = written
        .iter()
        .filter(|t| {
            stats.sql.iter().flatten().any(|sql| {
                sql.starts_with(&format!("DELETE FROM \"{t}\"")) || sql.starts_with("TRUNCATE")
            })
        })
        .collect();
    let mut reached: BTreeSet<String> = written.clone();
    let mut frontier: Vec<String> = deletes_from.into_iter().cloned().collect();
    while let Some(table) = frontier.pop() {
        for child in cascades.get(&table).into_iter().flatten() {
            if reached.insert(child.clone()) {
                frontier.push(child.clone());
            }
        }
    }
    let missing: Vec<&String> = reached.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "{what} changes {missing:?} without declaring them (declared {declared:?}); SQL: {:#?}",
        stats.sql
    );
}

async fn seeded() -> TestDatabase {
    let test_db = TestDatabase::new().await;
    dataset::seed(
        &test_db.db,
        &DatasetSpec::new(5),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    test_db
}

fn fields() -> PostFields {
    PostFields {
        category_id: 2,
        title: "Declared".into(),
        description: None,
        content: "every table it touches".into(),
        word_count: 4,
    }
}

#[tokio::test]
async fn post_writes_declare_their_tables() {
    let test_db = seeded().await;
    let db = &test_db.db;
    let names = vec!["brand-new".to_owned(), "tag1".to_owned()];

    let mut writer = Writer::begin(db).await.unwrap();
    let (id, stats) = track_with_sql(post_write::create(
        &mut writer,
        1,
        fields(),
        |id| format!("declared-{id}"),
        Utc::now(),
    ))
    .await;
    let id = id.unwrap();
    assert_declared(db, "post create", &stats, &writer.commit().await.unwrap()).await;

    let mut writer = Writer::begin(db).await.unwrap();
    let (done, stats) =
        track_with_sql(post_write::update(&mut writer, id, fields(), Utc::now())).await;
    done.unwrap();
    assert_declared(db, "post update", &stats, &writer.commit().await.unwrap()).await;

    let mut writer = Writer::begin(db).await.unwrap();
    let (done, stats) = track_with_sql(post_write::set_tag_names(&mut writer, id, &names)).await;
    done.unwrap();
    assert_declared(db, "set tag names", &stats, &writer.commit().await.unwrap()).await;

    let mut writer = Writer::begin(db).await.unwrap();
    let (done, stats) = track_with_sql(tag::ensure(&mut writer, &["another".to_owned()])).await;
    done.unwrap();
    assert_declared(db, "tag ensure", &stats, &writer.commit().await.unwrap()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) = track_with_sql(post_write::delete(&mut writer, id)).await;
    done.unwrap();
    assert_declared(db, "post delete", &stats, &writer.finish()).await;
    assert!(
        post_entity::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn likes_comments_and_tokens_declare_their_tables() {
    let test_db = seeded().await;
    let db = &test_db.db;
    let now = Utc::now();

    let mut writer = Writer::autocommit(db);
    let (added, stats) = track_with_sql(like::add(&mut writer, 1, 99, now)).await;
    added.unwrap();
    assert_declared(db, "like add", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (removed, stats) = track_with_sql(like::remove(&mut writer, 1, 99)).await;
    removed.unwrap();
    assert_declared(db, "like remove", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (stored, stats) =
        track_with_sql(comment::create(&mut writer, 1, 2, "hello", false, now)).await;
    let stored = stored.unwrap();
    assert_declared(db, "comment create", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) = track_with_sql(comment::approve(&mut writer, stored.id, 1)).await;
    done.unwrap();
    assert_declared(db, "comment approve", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let expires = now + chrono::Duration::hours(1);
    let (done, stats) =
        track_with_sql(auth_token::insert(&mut writer, 1, "abc", now, expires)).await;
    done.unwrap();
    assert_declared(db, "token insert", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) = track_with_sql(auth_token::delete(&mut writer, "abc")).await;
    assert!(done.unwrap());
    assert_declared(db, "token delete", &stats, &writer.finish()).await;
}

#[tokio::test]
async fn accounts_follows_and_comment_deletes_declare_their_tables() {
    let test_db = seeded().await;
    let db = &test_db.db;
    let now = Utc::now();

    let mut writer = Writer::autocommit(db);
    let (created, stats) = track_with_sql(user::create(
        &mut writer,
        "declared",
        "declared@example.com",
        "x",
        now,
    ))
    .await;
    let created = created.unwrap();
    assert_declared(db, "account create", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let changes = user::AccountChanges {
        username: Some("declared2".into()),
        bio: Some(Some("a bio".into())),
        ..user::AccountChanges::default()
    };
    let (done, stats) = track_with_sql(user::update(&mut writer, created.id, changes)).await;
    done.unwrap();
    assert_declared(db, "account update", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) = track_with_sql(follow::follow(&mut writer, created.id, 1, now)).await;
    assert!(done.unwrap());
    assert_declared(db, "follow", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) = track_with_sql(follow::unfollow(&mut writer, created.id, 1)).await;
    assert!(done.unwrap());
    assert_declared(db, "unfollow", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (stored, stats) = track_with_sql(comment::create(
        &mut writer,
        1,
        created.id,
        "mine",
        true,
        now,
    ))
    .await;
    let stored = stored.unwrap();
    assert_declared(db, "approved comment create", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) =
        track_with_sql(comment::refresh_lists_commented_by(&mut writer, created.id)).await;
    done.unwrap();
    assert_declared(db, "rebuild after a rename", &stats, &writer.finish()).await;

    let mut writer = Writer::autocommit(db);
    let (done, stats) = track_with_sql(comment::delete(&mut writer, stored.id, 1)).await;
    assert!(done.unwrap().is_some());
    assert_declared(db, "comment delete", &stats, &writer.finish()).await;
}

#[tokio::test]
async fn bulk_changes_declare_every_table() {
    let test_db = seeded().await;
    let db = &test_db.db;
    let mut writer = Writer::begin(db).await.unwrap();
    let (done, stats) = track_with_sql(bulk::reset(&mut writer)).await;
    done.unwrap();
    assert_declared(db, "bulk reset", &stats, &writer.commit().await.unwrap()).await;
    let rows = dataset::generate(&DatasetSpec::new(3));
    let mut writer = Writer::begin(db).await.unwrap();
    let (done, stats) = track_with_sql(bulk::insert_dataset(&mut writer, rows, &mut |_| {})).await;
    done.unwrap();
    assert_declared(db, "bulk insert", &stats, &writer.commit().await.unwrap()).await;
}
