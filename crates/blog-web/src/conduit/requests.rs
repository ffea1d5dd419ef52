//! What the RealWorld API's clients send: bodies (each wrapped in `user`,
//! `article` or `comment`, as its specification names them) and query
//! strings, each field with the schema of what the services accept
//! ([`super::schemas`]).

use blog_services::auth::accounts::{AccountUpdate, Registration};
use blog_services::posts::ArticleInput;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::schemas;

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An envelope's content: a JSON object only (serde would also build a
/// struct from an array of its fields in order, which no client means).
fn object<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    if !value.is_object() {
        return Err(D::Error::custom("expected a JSON object"));
    }
    T::deserialize(value).map_err(D::Error::custom)
}

/// `POST /users`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"user": {"username": "reader", "email": "reader@example.com", "password": "a long secret"}}))]
pub struct NewUserRequest {
    /// The account wanted.
    #[serde(deserialize_with = "object")]
    pub user: NewUser,
}

/// Registering.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    /// The username wanted.
    #[schema(schema_with = schemas::username, required = true)]
    pub username: Option<String>,
    /// The address.
    #[schema(schema_with = schemas::email, required = true)]
    pub email: Option<String>,
    /// The password.
    #[schema(schema_with = schemas::password, required = true)]
    pub password: Option<String>,
}

impl From<NewUser> for Registration {
    fn from(user: NewUser) -> Self {
        Registration {
            username: user.username,
            email: user.email,
            password: user.password,
        }
    }
}

/// `POST /users/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"user": {"email": "testuser@example.com", "password": "testpass123"}}))]
pub struct LoginRequest {
    /// The credentials.
    #[serde(deserialize_with = "object")]
    pub user: LoginUser,
}

/// Signing in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginUser {
    /// The address (any case).
    #[schema(schema_with = schemas::credential, required = true)]
    pub email: Option<String>,
    /// The password.
    #[schema(schema_with = schemas::credential, required = true)]
    pub password: Option<String>,
}

/// `PUT /user`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"user": {"bio": "I write about caches."}}))]
pub struct UpdateUserRequest {
    /// The changes.
    #[serde(deserialize_with = "object")]
    pub user: UpdateUser,
}

/// Changing one's account: an absent field stays; `null` clears the bio or
/// the picture (and is refused for the others).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateUser {
    /// A new username.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::username)]
    pub username: Option<Option<String>>,
    /// A new address.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::email)]
    pub email: Option<Option<String>>,
    /// A new password.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::password)]
    pub password: Option<Option<String>>,
    /// A new bio; empty or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::profile_text)]
    pub bio: Option<Option<String>>,
    /// A new picture URL; empty or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::profile_text)]
    pub image: Option<Option<String>>,
}

impl From<UpdateUser> for AccountUpdate {
    fn from(user: UpdateUser) -> Self {
        AccountUpdate {
            username: user.username,
            email: user.email,
            password: user.password,
            bio: user.bio,
            image: user.image,
        }
    }
}

/// `POST /articles`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"article": {"title": "Fewer queries", "description": "One statement a page", "body": "Every page costs a fixed number of statements.", "tagList": ["performance"]}}))]
pub struct NewArticleRequest {
    /// The article.
    #[serde(deserialize_with = "object")]
    pub article: NewArticle,
}

/// An article to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewArticle {
    /// The title.
    #[schema(schema_with = schemas::title, required = true)]
    pub title: Option<String>,
    /// The one-line summary.
    #[schema(schema_with = schemas::description, required = true)]
    pub description: Option<String>,
    /// The text.
    #[schema(schema_with = schemas::body, required = true)]
    pub body: Option<String>,
    /// The tags (`null` is refused).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::tag_list)]
    pub tag_list: Option<Option<Vec<String>>>,
}

impl From<NewArticle> for ArticleInput {
    fn from(article: NewArticle) -> Self {
        ArticleInput {
            title: article.title,
            description: article.description,
            body: article.body,
            tag_list: article.tag_list,
        }
    }
}

/// `PUT /articles/{slug}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"article": {"title": "Fewer queries, measured"}}))]
pub struct ArticleEditRequest {
    /// The changes.
    #[serde(deserialize_with = "object")]
    pub article: ArticleEdit,
}

/// Editing an article: an absent or `null` field stays as it is, but for
/// the tags, where `null` is refused and `[]` removes them all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleEdit {
    /// A new title.
    #[schema(schema_with = schemas::title_or_null)]
    pub title: Option<String>,
    /// A new summary.
    #[schema(schema_with = schemas::description_or_null)]
    pub description: Option<String>,
    /// A new text.
    #[schema(schema_with = schemas::body_or_null)]
    pub body: Option<String>,
    /// New tags.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schemas::tag_list)]
    pub tag_list: Option<Option<Vec<String>>>,
}

impl From<ArticleEdit> for ArticleInput {
    fn from(article: ArticleEdit) -> Self {
        ArticleInput {
            title: article.title,
            description: article.description,
            body: article.body,
            tag_list: article.tag_list,
        }
    }
}

/// `POST /articles/{slug}/comments`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"comment": {"body": "Thanks, this helped."}}))]
pub struct CommentRequest {
    /// The comment.
    #[serde(deserialize_with = "object")]
    pub comment: NewComment,
}

/// A comment to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    /// What it says.
    #[schema(schema_with = schemas::comment, required = true)]
    pub body: Option<String>,
}

/// The query of a list of articles.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only articles with this tag.
    #[param(schema_with = schemas::tag_filter)]
    pub tag: Option<String>,
    /// Only articles by this username.
    #[param(schema_with = schemas::username_filter)]
    pub author: Option<String>,
    /// Only articles this username likes.
    #[param(schema_with = schemas::username_filter)]
    pub favorited: Option<String>,
    /// How many.
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    /// How many to skip.
    #[param(schema_with = schemas::offset)]
    pub offset: Option<u64>,
}

/// The query of a feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// How many.
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    /// How many to skip.
    #[param(schema_with = schemas::offset)]
    pub offset: Option<u64>,
}
