//! The statements, prepared once per connection, and the pages' loads: every
//! load sends the statements that do not depend on each other at once, so that
//! they share a round trip (tokio-postgres pipelines them on one connection).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error, NoTls, Row, Statement};

/// A statement parameter.
type Param = dyn ToSql + Sync;

/// Posts a page shows.
pub const PAGE_SIZE: i64 = 20;

/// The card's columns, counted from the rows on every request.
const CARD_COLUMNS: &str = "p.id, p.title, u.username, p.category_id, c.name, \
     p.word_count, p.view_count, p.created_at, \
     (SELECT count(*) FROM comments m WHERE m.post_id = p.id AND m.is_approved), \
     (SELECT count(*) FROM likes l WHERE l.post_id = p.id)";
const CARD_JOINS: &str =
    "FROM posts p JOIN users u ON u.id = p.user_id JOIN categories c ON c.id = p.category_id";

/// One connection and its prepared statements.
struct Connection {
    client: Client,
    count_posts: Statement,
    categories: Statement,
    list_cards: Statement,
    search_cards: Statement,
    detail: Statement,
    tags: Statement,
    newest_comments: Statement,
    all_comments: Statement,
}

/// A fixed set of connections, taken in turn: each is shared by every request
/// that gets it, which is what pipelines their statements.
#[derive(Clone)]
pub struct Pool {
    connections: Arc<Vec<Connection>>,
    next: Arc<AtomicUsize>,
}

/// A post as a card shows it.
pub struct Card {
    pub id: i32,
    pub title: String,
    pub author: String,
    pub category_id: i32,
    pub category: String,
    pub read_time: i32,
    pub view_count: i64,
    pub created_at: DateTime<Utc>,
    pub comment_count: i64,
    pub like_count: i64,
    pub tags: Vec<String>,
    pub comments: Vec<Comment>,
}

/// An approved comment.
pub struct Comment {
    pub author: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// A category of the navigation.
pub struct Category {
    pub id: i32,
    pub name: String,
}

/// What the list page shows.
pub struct Listing {
    pub count: i64,
    pub categories: Vec<Category>,
    pub cards: Vec<Card>,
}

impl Pool {
    /// Opens `size` connections to `url` and prepares every statement on each.
    pub async fn connect(url: &str, size: usize) -> Result<Pool, Error> {
        let mut connections = Vec::with_capacity(size);
        for _ in 0..size {
            connections.push(Connection::open(url).await?);
        }
        Ok(Pool {
            connections: Arc::new(connections),
            next: Arc::new(AtomicUsize::new(0)),
        })
    }

    fn take(&self) -> &Connection {
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        &self.connections[turn % self.connections.len()]
    }

    /// Page `page` of all posts, with the total counted and the navigation.
    pub async fn list(&self, page: i64) -> Result<Listing, Error> {
        let db = self.take();
        let offset = (page - 1) * PAGE_SIZE;
        let window: [&Param; 2] = [&offset, &PAGE_SIZE];
        let (count, categories, rows) = futures::try_join!(
            db.client.query_one(&db.count_posts, &[]),
            db.client.query(&db.categories, &[]),
            db.client.query(&db.list_cards, &window),
        )?;
        let categories = categories
            .iter()
            .map(|row| Category {
                id: row.get(0),
                name: row.get(1),
            })
            .collect();
        let mut cards: Vec<Card> = rows.iter().map(card).collect();
        db.attach(&mut cards, &db.newest_comments).await?;
        Ok(Listing {
            count: count.get(0),
            categories,
            cards,
        })
    }

    /// One post with its content and every approved comment; `None` if absent.
    pub async fn detail(&self, id: i32) -> Result<Option<(Card, String)>, Error> {
        let db = self.take();
        let ids = vec![id];
        let by_id: [&Param; 1] = [&id];
        let by_ids: [&Param; 1] = [&ids];
        let (post, tags, comments) = futures::try_join!(
            db.client.query_opt(&db.detail, &by_id),
            db.client.query(&db.tags, &by_ids),
            db.client.query(&db.all_comments, &by_id),
        )?;
        let Some(post) = post else { return Ok(None) };
        let mut found = card(&post);
        found.tags = tags.iter().map(|row| row.get(1)).collect();
        found.comments = comments.iter().map(comment).collect();
        Ok(Some((found, post.get(10))))
    }

    /// Page `page` of the posts matching `query`, newest first, and whether
    /// there is a next page.
    pub async fn search(&self, query: &str, page: i64) -> Result<(Vec<Card>, bool), Error> {
        let db = self.take();
        let offset = (page - 1) * PAGE_SIZE;
        let rows = db
            .client
            .query(&db.search_cards, &[&query, &offset, &(PAGE_SIZE + 1)])
            .await?;
        let has_next = rows.len() as i64 > PAGE_SIZE;
        let mut cards: Vec<Card> = rows.iter().take(PAGE_SIZE as usize).map(card).collect();
        db.attach(&mut cards, &db.newest_comments).await?;
        Ok((cards, has_next))
    }
}

impl Connection {
    async fn open(url: &str) -> Result<Connection, Error> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("connection closed: {error}");
            }
        });
        let order = "ORDER BY p.created_at DESC, p.id DESC";
        let window = "SELECT id FROM posts ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT $2";
        let search = "p.search_vector @@ plainto_tsquery('english', $1)";
        Ok(Connection {
            count_posts: client.prepare("SELECT count(*) FROM posts").await?,
            categories: client
                .prepare("SELECT id, name FROM categories ORDER BY name")
                .await?,
            list_cards: client
                .prepare(&format!(
                    "SELECT {CARD_COLUMNS} {CARD_JOINS} WHERE p.id IN ({window}) {order}"
                ))
                .await?,
            search_cards: client
                .prepare(&format!(
                    "SELECT {CARD_COLUMNS} {CARD_JOINS} WHERE {search} {order} OFFSET $2 LIMIT $3"
                ))
                .await?,
            detail: client
                .prepare(&format!(
                    "SELECT {CARD_COLUMNS}, p.content {CARD_JOINS} WHERE p.id = $1"
                ))
                .await?,
            tags: client
                .prepare(
                    "SELECT pt.post_id, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
                     WHERE pt.post_id = ANY($1) ORDER BY t.name",
                )
                .await?,
            newest_comments: client
                .prepare(
                    "SELECT post_id, username, content, created_at FROM (\
                       SELECT m.post_id, u.username, m.content, m.created_at, ROW_NUMBER() OVER (\
                         PARTITION BY m.post_id ORDER BY m.created_at DESC, m.id DESC) AS n \
                       FROM comments m JOIN users u ON u.id = m.user_id \
                       WHERE m.post_id = ANY($1) AND m.is_approved) newest \
                     WHERE n <= 5 ORDER BY post_id, created_at DESC",
                )
                .await?,
            all_comments: client
                .prepare(
                    "SELECT m.post_id, u.username, m.content, m.created_at \
                     FROM comments m JOIN users u ON u.id = m.user_id \
                     WHERE m.post_id = $1 AND m.is_approved ORDER BY m.created_at, m.id",
                )
                .await?,
            client,
        })
    }

    /// Fills the cards' tags and comments: two statements in one round trip.
    async fn attach(&self, cards: &mut [Card], comments: &Statement) -> Result<(), Error> {
        if cards.is_empty() {
            return Ok(());
        }
        let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
        let by_ids: [&Param; 1] = [&ids];
        let (tags, comment_rows) = futures::try_join!(
            self.client.query(&self.tags, &by_ids),
            self.client.query(comments, &by_ids),
        )?;
        let mut tags_of: HashMap<i32, Vec<String>> = HashMap::new();
        for row in &tags {
            tags_of.entry(row.get(0)).or_default().push(row.get(1));
        }
        let mut comments_of: HashMap<i32, Vec<Comment>> = HashMap::new();
        for row in &comment_rows {
            comments_of
                .entry(row.get(0))
                .or_default()
                .push(comment(row));
        }
        for card in cards {
            card.tags = tags_of.remove(&card.id).unwrap_or_default();
            card.comments = comments_of.remove(&card.id).unwrap_or_default();
        }
        Ok(())
    }
}

fn card(row: &Row) -> Card {
    let words: i32 = row.get(5);
    Card {
        id: row.get(0),
        title: row.get(1),
        author: row.get(2),
        category_id: row.get(3),
        category: row.get(4),
        read_time: ((words.max(0) + 249) / 250).max(1),
        view_count: row.get(6),
        created_at: row.get(7),
        comment_count: row.get(8),
        like_count: row.get(9),
        tags: Vec::new(),
        comments: Vec::new(),
    }
}

fn comment(row: &Row) -> Comment {
    Comment {
        author: row.get(1),
        content: row.get(2),
        created_at: row.get(3),
    }
}
