//! Posts as the RealWorld API writes them: publishing, editing and deleting
//! articles, liking them ("favorites"), their comments, and the tag list.
//! Each goes through the same writes, counters and invalidations as the
//! service's own API: one data model, whichever API wrote it.

use std::collections::BTreeMap;

use blog_repositories::post::article;
use blog_repositories::post::write as post_write;
use blog_repositories::{DbTransaction, Writer, comment, tag};
use chrono::{TimeDelta, Utc};

use super::PostService;
use super::articles::Article;
use super::slug::slug_for;
use super::validation::{PostInput, ValidPost, validate_post};
use super::write::invalidated_by_post_write;
use crate::ServiceError;
use crate::auth::AuthUser;
use crate::auth::accounts::BLANK;
use crate::cache::CacheKey;

/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// How long the tag list is cached (any write to `tags` makes it stale).
const TAGS_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// An article as a client writes it: on publishing, every field but the
/// tags is required; on editing, an absent field stays as it is. The tags:
/// absent leaves them, a list replaces them (`[]` removes them all), `null`
/// is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleInput {
    /// The title.
    pub title: Option<String>,
    /// The one-line summary.
    pub description: Option<String>,
    /// The text.
    pub body: Option<String>,
    /// The tag names (`Some(None)`: an explicit `null`).
    pub tag_list: Option<Option<Vec<String>>>,
}

/// A comment as the RealWorld API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadComment {
    /// The comment's id.
    pub id: i32,
    /// What it says.
    pub body: String,
    /// When it was written (and last changed: comments are not edited).
    pub created_at: chrono::DateTime<Utc>,
    /// Its author's username.
    pub author: String,
    /// The author's bio.
    pub author_bio: Option<String>,
    /// The author's picture.
    pub author_image: Option<String>,
    /// Whether the reader follows the author.
    pub following: bool,
}

impl From<comment::ThreadCommentRow> for ThreadComment {
    fn from(row: comment::ThreadCommentRow) -> Self {
        ThreadComment {
            id: row.id,
            body: row.content,
            created_at: row.created_at,
            author: row.author,
            author_bio: row.author_bio,
            author_image: row.author_image,
            following: row.following,
        }
    }
}

impl PostService {
    /// Publishes an article by `user`, filed under the configured category.
    pub async fn create_article(
        &self,
        user: &AuthUser,
        input: &ArticleInput,
    ) -> Result<Article, ServiceError> {
        let valid = self.validate_article(input, None).await?;
        let mut writer = Writer::begin(&self.db).await?;
        let title = valid.fields.title.clone();
        let slug = |id| slug_for(&title, id);
        let id = post_write::create(&mut writer, user.id, valid.fields.clone(), slug, Utc::now())
            .await?;
        let names = valid.tags.as_deref().unwrap_or_default();
        post_write::set_tag_names(&mut writer, id, names).await?;
        let written = written_article(&writer, id, user).await?;
        let domain = invalidated_by_post_write(id, user.id, &[valid.fields.category_id], names);
        self.commit(writer, domain).await?;
        self.analytics.new_post();
        Ok(written)
    }

    /// Edits the article `slug` names (its author only): absent fields stay.
    /// `updatedAt` always moves forward.
    pub async fn update_article(
        &self,
        user: &AuthUser,
        slug: &str,
        input: &ArticleInput,
    ) -> Result<Article, ServiceError> {
        let current = self.shared_article(slug).await?;
        let owner = self
            .owned_by(user, current.id)
            .await
            .map_err(|err| of_kind(err, "article"))?;
        let merged = ArticleInput {
            title: input.title.clone().or(Some(current.title.clone())),
            // Absent: kept as it is (a post written through the service's
            // own API has none, and an edit of its title must not need one).
            description: input.description.clone(),
            // The shared article carries its body: no second read.
            body: input.body.clone().or(current.body),
            tag_list: input.tag_list.clone(),
        };
        let valid = self
            .validate_article(&merged, Some(owner.category_id))
            .await?;
        let now = Utc::now().max(current.updated_at + TimeDelta::milliseconds(1));
        let mut writer = Writer::begin(&self.db).await?;
        post_write::update(&mut writer, current.id, valid.fields.clone(), now).await?;
        if let Some(names) = &valid.tags {
            post_write::set_tag_names(&mut writer, current.id, names).await?;
        }
        let written = written_article(&writer, current.id, user).await?;
        let names: Vec<String> = owner
            .tags
            .iter()
            .chain(valid.tags.iter().flatten())
            .cloned()
            .collect();
        let domain = invalidated_by_post_write(current.id, user.id, &[owner.category_id], &names);
        self.commit(writer, domain).await?;
        Ok(written)
    }

    /// Deletes the article `slug` names (its author only).
    pub async fn delete_article(&self, user: &AuthUser, slug: &str) -> Result<(), ServiceError> {
        let current = self.shared_article(slug).await?;
        self.delete(user, current.id)
            .await
            .map_err(|err| of_kind(err, "article"))
    }

    /// `user` likes (`liked`) or no longer likes the article `slug` names;
    /// returns it as they now see it.
    pub async fn favorite(
        &self,
        user: &AuthUser,
        slug: &str,
        liked: bool,
    ) -> Result<Article, ServiceError> {
        let current = self.shared_article(slug).await?;
        if liked {
            self.like(user, current.id).await?;
        } else {
            self.unlike(user, current.id).await?;
        }
        self.article(slug, Some(user)).await
    }

    /// The comments of the article `slug` names that `viewer` may see,
    /// oldest first: 1 statement once the article is known.
    pub async fn article_comments(
        &self,
        slug: &str,
        viewer: Option<&AuthUser>,
    ) -> Result<Vec<ThreadComment>, ServiceError> {
        let current = self.shared_article(slug).await?;
        let rows = comment::thread(
            &self.db,
            current.id,
            current.author.id,
            viewer.map(|v| v.id),
        )
        .await?;
        Ok(rows.into_iter().map(ThreadComment::from).collect())
    }

    /// Comments the article `slug` names as `user` (public at once on their
    /// own article); returns the comment as they see it.
    pub async fn add_article_comment(
        &self,
        user: &AuthUser,
        slug: &str,
        body: Option<&str>,
    ) -> Result<ThreadComment, ServiceError> {
        if body.is_none_or(|b| b.trim().is_empty()) {
            return Err(ServiceError::Invalid(BTreeMap::from([(
                "body",
                BLANK.to_owned(),
            )])));
        }
        let current = self.shared_article(slug).await?;
        let state = self
            .comment(user, current.id, body, None)
            .await
            .map_err(|err| rename_fields(err, &[("content", "body")]))?;
        comment::thread_comment(&self.db, state.id, user.id)
            .await?
            .map(ThreadComment::from)
            .ok_or(ServiceError::NoSuch("comment"))
    }

    /// Deletes comment `id` of the article `slug` names (its author only).
    pub async fn delete_article_comment(
        &self,
        user: &AuthUser,
        slug: &str,
        id: i32,
    ) -> Result<(), ServiceError> {
        let current = self.shared_article(slug).await?;
        self.delete_comment(user, current.id, id)
            .await
            .map_err(|err| of_kind(err, "comment"))
    }

    /// Every tag name, alphabetical (cached until a tag is added or removed).
    pub async fn tag_names(&self) -> Result<Vec<String>, ServiceError> {
        let key = CacheKey::new("tag_names");
        let tags = [crate::cache::Tag::table(tag::table())];
        self.cache
            .cached(&key, TAGS_TTL, &tags, || async {
                Ok::<_, ServiceError>(tag::all_names(&self.db).await?)
            })
            .await
    }

    /// `input` checked as an article: blank fields named in the RealWorld
    /// API's words, then the rules of every post (under `category`, or the
    /// configured one for a new article). A new article needs a description;
    /// an edit without one keeps the current.
    async fn validate_article(
        &self,
        input: &ArticleInput,
        category: Option<i32>,
    ) -> Result<ValidPost, ServiceError> {
        let mut problems = BTreeMap::new();
        let creating = category.is_none();
        for (field, value) in [
            ("title", &input.title),
            ("description", &input.description),
            ("body", &input.body),
        ] {
            let required = creating || field != "description" || value.is_some();
            if required && value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                problems.insert(field, BLANK.to_owned());
            }
        }
        let description = input.description.as_deref().unwrap_or_default().trim();
        if description.chars().count() > MAX_DESCRIPTION_CHARS || description.contains('\0') {
            problems.insert(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters, without NUL"),
            );
        }
        if matches!(input.tag_list, Some(None)) {
            problems.insert(
                "tagList",
                "must be a list (empty to remove every tag)".into(),
            );
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let post = PostInput {
            title: input.title.clone(),
            content: input.body.clone(),
            category_id: Some(i64::from(category.unwrap_or(self.articles_category))),
            tags: input.tag_list.clone().flatten(),
        };
        let mut valid = validate_post(&self.db, &post)
            .await
            .map_err(|err| rename_fields(err, &[("content", "body"), ("tags", "tagList")]))?;
        valid.fields.description = input.description.as_ref().map(|_| description.to_owned());
        Ok(valid)
    }
}

/// Article `id` as the writer's transaction sees it, as its author sees it.
async fn written_article(
    writer: &Writer<DbTransaction>,
    id: i32,
    user: &AuthUser,
) -> Result<Article, ServiceError> {
    let row = article::find_article(writer.reader(), id)
        .await?
        .ok_or(ServiceError::NoSuch("article"))?;
    let (liked, _) = article::viewer_state(writer.reader(), user.id, &[id], &[]).await?;
    let mut written = Article::from(row);
    written.favorited = liked.contains(&id);
    Ok(written)
}

/// `err` naming the kind of thing it is about: a missing one (404) or
/// someone else's (403).
fn of_kind(err: ServiceError, kind: &'static str) -> ServiceError {
    match err {
        ServiceError::NotFound(_) => ServiceError::NoSuch(kind),
        ServiceError::Forbidden(_) => ServiceError::NotYours(kind),
        other => other,
    }
}

/// `err` with the invalid fields renamed (`content` is an article's `body`).
fn rename_fields(err: ServiceError, names: &[(&'static str, &'static str)]) -> ServiceError {
    match err {
        ServiceError::Invalid(fields) => ServiceError::Invalid(
            fields
                .into_iter()
                .map(|(field, problem)| {
                    let renamed = names
                        .iter()
                        .find(|(from, _)| *from == field)
                        .map_or(field, |(_, to)| *to);
                    (renamed, problem)
                })
                .collect(),
        ),
        other => other,
    }
}
