//! The accounts of the RealWorld API: registering, signing in by email, and
//! changing one's own account. Passwords are hashed like every other one
//! (argon2, a bounded number at once); sign-ins by email are throttled like
//! those by name. Every rule is checked at once, and each problem is named
//! by its field, in the words the RealWorld API's clients expect.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use blog_entities::user as user_row;
use blog_repositories::user::{self, AccountChanges};
use blog_repositories::{RepositoryError, Writer, comment};
use chrono::Utc;

use super::{AuthService, AuthUser};
use crate::{ServiceError, cache_tags};

/// A field's problem when it is missing or empty.
pub const BLANK: &str = "can't be blank";
/// The shortest password accepted (NIST 800-63B), in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password accepted, in characters (argon2 hashes what it is
/// given; this bounds the work to 4 KB).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// The longest username, in characters (the column's width).
pub const MAX_USERNAME_CHARS: usize = 150;
/// The longest email address, in characters (RFC 5321; addresses are ASCII
/// here, so characters are bytes).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest bio or picture URL, in characters once trimmed.
pub const MAX_PROFILE_CHARS: usize = 10_000;

/// An account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user's id.
    pub id: i32,
    /// Their username.
    pub username: String,
    /// Their address.
    pub email: String,
    /// What they say about themself.
    pub bio: Option<String>,
    /// Their picture's URL.
    pub image: Option<String>,
}

impl From<user_row::Model> for Account {
    fn from(row: user_row::Model) -> Self {
        Account {
            id: row.id,
            username: row.username,
            email: row.email,
            bio: row.bio,
            image: row.image,
        }
    }
}

/// What a visitor registers with, each field as sent (absent: `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registration {
    /// The username wanted.
    pub username: Option<String>,
    /// The address.
    pub email: Option<String>,
    /// The password.
    pub password: Option<String>,
}

/// What an account's owner changes: an absent field stays; `Some(None)` is
/// an explicit `null` (allowed for the bio and the picture only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountUpdate {
    /// A new username.
    pub username: Option<Option<String>>,
    /// A new address.
    pub email: Option<Option<String>>,
    /// A new password.
    pub password: Option<Option<String>>,
    /// A new bio; empty or `null` clears it.
    pub bio: Option<Option<String>>,
    /// A new picture URL; empty or `null` clears it.
    pub image: Option<Option<String>>,
}

impl AuthService {
    /// A new account and a token for it: 422 naming every invalid field,
    /// 409 naming a username or address already taken.
    pub async fn register(&self, form: &Registration) -> Result<(Account, String), ServiceError> {
        let mut problems = BTreeMap::new();
        let username = check_username(form.username.as_deref(), &mut problems);
        let email = check_email(form.email.as_deref(), &mut problems);
        let password = check_password(form.password.as_deref(), &mut problems);
        let (Some(username), Some(email), Some(password)) = (username, email, password) else {
            return Err(ServiceError::Invalid(problems));
        };
        self.refuse_taken(Some(username), Some(email), None).await?;
        let hash = self.hash_password(password).await?;
        let mut writer = Writer::begin(&self.db).await?;
        let created = user::create(&mut writer, username, email, &hash, Utc::now()).await;
        let created = match created {
            Err(RepositoryError::Duplicate { .. }) => {
                self.refuse_taken(Some(username), Some(email), None).await?;
                return Err(ServiceError::Taken("username"));
            }
            other => other?,
        };
        writer.commit().await?;
        let token = self.issue_token(created.id).await?;
        Ok((created.into(), token))
    }

    /// The account whose address is `email` (any case) and a new token, for
    /// the right password: like [`AuthService::login`], by address.
    pub async fn login_by_email(
        &self,
        email: Option<&str>,
        password: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<(Account, String), ServiceError> {
        let mut problems = BTreeMap::new();
        for (field, value) in [("email", email), ("password", password)] {
            if value.is_none_or(str::is_empty) {
                problems.insert(field, BLANK.to_owned());
            } else if value.is_some_and(|v| v.contains('\0')) {
                problems.insert(field, "is invalid".to_owned());
            }
        }
        let (Some(email), Some(password)) = (email, password) else {
            return Err(ServiceError::Invalid(problems));
        };
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let key = format!("email:{}", email.to_lowercase());
        let found = user::find_by_email(&self.db, email);
        let account = self
            .check_credentials(&key, found, password, client)
            .await?;
        let token = self.issue_token(account.id).await?;
        Ok((account.into(), token))
    }

    /// `user`'s own account.
    pub async fn account(&self, user: &AuthUser) -> Result<Account, ServiceError> {
        user::find(&self.db, user.id)
            .await?
            .map(Account::from)
            .ok_or_else(|| ServiceError::Unauthorized("the account no longer exists".into()))
    }

    /// Changes `user`'s own account: 422 naming every invalid field, 409 a
    /// username or address someone else has. A new username is shown
    /// everywhere at once (every cached page is made stale, and the posts'
    /// kept lists of newest comments are rebuilt); a new bio or picture on
    /// every article.
    pub async fn update_account(
        &self,
        user: &AuthUser,
        update: &AccountUpdate,
    ) -> Result<Account, ServiceError> {
        let changes = self.account_changes(update).await?;
        self.refuse_taken(
            changes.username.as_deref(),
            changes.email.as_deref(),
            Some(user.id),
        )
        .await?;
        let renamed = changes.username.is_some();
        let profile_changed = renamed || changes.bio.is_some() || changes.image.is_some();
        let mut writer = Writer::begin(&self.db).await?;
        let updated = match user::update(&mut writer, user.id, changes).await {
            Err(RepositoryError::Duplicate { .. }) => return Err(ServiceError::Taken("username")),
            other => other?,
        }
        .ok_or_else(|| ServiceError::Unauthorized("the account no longer exists".into()))?;
        let mut domain = Vec::new();
        if renamed {
            comment::refresh_lists_commented_by(&mut writer, user.id).await?;
            domain.push(crate::cache::Tag::all());
        }
        if profile_changed {
            domain.push(cache_tags::profiles());
        }
        self.outbox.commit(writer, domain).await?;
        Ok(updated.into())
    }

    /// The repository's changes for `update`, validated (422 naming every
    /// problem), the new password hashed.
    async fn account_changes(
        &self,
        update: &AccountUpdate,
    ) -> Result<AccountChanges, ServiceError> {
        let mut problems = BTreeMap::new();
        let username = update
            .username
            .as_ref()
            .map(|name| check_username(name.as_deref(), &mut problems).map(str::to_owned));
        let email = update
            .email
            .as_ref()
            .map(|email| check_email(email.as_deref(), &mut problems).map(str::to_owned));
        let password = update
            .password
            .as_ref()
            .map(|password| check_password(password.as_deref(), &mut problems).map(str::to_owned));
        let bio = update
            .bio
            .as_ref()
            .map(|bio| optional_text("bio", bio, &mut problems));
        let image = update
            .image
            .as_ref()
            .map(|url| optional_text("image", url, &mut problems));
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let password_hash = match password.flatten() {
            Some(password) => Some(self.hash_password(&password).await?),
            None => None,
        };
        Ok(AccountChanges {
            username: username.flatten(),
            email: email.flatten(),
            password_hash,
            bio,
            image,
        })
    }

    /// 409 if another account than `except` has `username` or `email`.
    async fn refuse_taken(
        &self,
        username: Option<&str>,
        email: Option<&str>,
        except: Option<i32>,
    ) -> Result<(), ServiceError> {
        match user::taken(&self.db, username, email, except).await? {
            (true, _) => Err(ServiceError::Taken("username")),
            (_, true) => Err(ServiceError::Taken("email")),
            _ => Ok(()),
        }
    }

    /// `password` hashed off the async workers, within the bound on
    /// concurrent password work.
    async fn hash_password(&self, password: &str) -> Result<String, ServiceError> {
        let permit = self.password_permit().await?;
        let hasher = self.hasher.clone();
        let password: Arc<str> = password.into();
        let hash = tokio::task::spawn_blocking(move || {
            let hash = hasher.hash(&password);
            drop(permit);
            hash
        })
        .await
        .map_err(|_| ServiceError::Overloaded {
            retry_after: std::time::Duration::from_secs(1),
        })?;
        Ok(hash)
    }
}

/// A username: present, not blank, at most [`MAX_USERNAME_CHARS`], no NUL.
fn check_username<'a>(
    value: Option<&'a str>,
    problems: &mut BTreeMap<&'static str, String>,
) -> Option<&'a str> {
    let name = value.map(str::trim).filter(|name| !name.is_empty());
    let Some(name) = name else {
        problems.insert("username", BLANK.to_owned());
        return None;
    };
    if name.chars().count() > MAX_USERNAME_CHARS || name.contains('\0') {
        problems.insert(
            "username",
            format!("is invalid (at most {MAX_USERNAME_CHARS} characters)"),
        );
        return None;
    }
    Some(name)
}

/// An address: present, not empty, `local@domain`, each part one or more
/// visible ASCII characters other than `@`, at most [`MAX_EMAIL_CHARS`]
/// (the published schema's pattern says the same). Nothing is trimmed: an
/// address with a space is refused, not silently changed.
fn check_email<'a>(
    value: Option<&'a str>,
    problems: &mut BTreeMap<&'static str, String>,
) -> Option<&'a str> {
    let Some(email) = value.filter(|email| !email.is_empty()) else {
        problems.insert("email", BLANK.to_owned());
        return None;
    };
    let part =
        |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic() && b != b'@');
    let shaped = email
        .split_once('@')
        .is_some_and(|(local, domain)| part(local) && part(domain));
    if !shaped || email.len() > MAX_EMAIL_CHARS {
        problems.insert("email", "is invalid".to_owned());
        return None;
    }
    Some(email)
}

/// A password: present, at least [`MIN_PASSWORD_CHARS`], at most
/// [`MAX_PASSWORD_CHARS`], no NUL (compositions and lists of common
/// passwords are not checked, as NIST 800-63B advises for the first).
fn check_password<'a>(
    value: Option<&'a str>,
    problems: &mut BTreeMap<&'static str, String>,
) -> Option<&'a str> {
    let Some(password) = value.filter(|p| !p.is_empty()) else {
        problems.insert("password", BLANK.to_owned());
        return None;
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        problems.insert(
            "password",
            format!("is too short (minimum is {MIN_PASSWORD_CHARS} characters)"),
        );
        return None;
    }
    if password.chars().count() > MAX_PASSWORD_CHARS || password.contains('\0') {
        problems.insert("password", "is invalid".to_owned());
        return None;
    }
    Some(password)
}

/// A bio or a picture URL: empty or `null` is none; at most
/// [`MAX_PROFILE_CHARS`] once trimmed, no NUL.
fn optional_text(
    field: &'static str,
    value: &Option<String>,
    problems: &mut BTreeMap<&'static str, String>,
) -> Option<String> {
    let text = value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())?;
    if text.chars().count() > MAX_PROFILE_CHARS || text.contains('\0') {
        problems.insert(
            field,
            format!("is invalid (at most {MAX_PROFILE_CHARS} characters, no NUL)"),
        );
        return None;
    }
    Some(text.to_owned())
}
