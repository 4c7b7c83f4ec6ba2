//! Users: create, find, list, change, delete.

use chrono::{DateTime, Utc};
use usher_domain::{role::Role, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    groups::release_groups_of,
    model::{NewUser, Page, User, UserFilter, UserPatch},
    rows::{USER_COLUMNS, UserRow, decode, decode_all, to_ms},
    sessions::end_sessions_of,
    sql::{self, Conn},
};

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        sql::count(&mut self.read()?, "SELECT COUNT(*) FROM users", &[]).await
    }

    /// Creates a user outside any invite (admin-created users, the first admin).
    pub async fn create_user(
        &self,
        new: NewUser,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                let user = insert_user(tx, new, now).await?;
                let details = serde_json::json!({"username": user.username, "is_admin": user.is_admin});
                audit::record(tx, &audit, Event::new("user.created", "user", user.id).details(details), now).await?;
                Ok(user)
            })
        })
        .await
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        user_by_id_in(&mut self.read()?, id).await
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1");
        let row: Option<UserRow> = self.read()?.fetch_optional(&sql, &[username.into()]).await?;
        decode(row)
    }

    /// Finds the account a sign-in names: a username, or an email compared
    /// case-insensitively (`email_normalized` holds the lowercased address).
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1 OR u.email_normalized = $2");
        // Usernames are lowercase by rule, so `Alice` signs in as `alice`.
        let (username, normalized) = (login.to_lowercase(), usher_domain::account::normalize_email(login));
        let row: Option<UserRow> = self.read()?.fetch_optional(&sql, &[username.into(), normalized.into()]).await?;
        decode(row)
    }

    /// Users newest first, narrowed by `filter`.
    pub async fn list_users(&self, page: Page, filter: &UserFilter) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE ($1 IS NULL OR u.id < $1) \
             AND ($3 IS NULL OR LOWER(u.username) LIKE $3 ESCAPE '\\' OR u.email_normalized LIKE $3 ESCAPE '\\' \
                  OR LOWER(u.display_name) LIKE $3 ESCAPE '\\') \
             AND ($4 IS NULL OR (u.disabled_at IS NOT NULL) = $4) AND ($5 IS NULL OR u.is_admin = $5) \
             ORDER BY u.id DESC LIMIT $2"
        );
        let pattern = filter.text.as_deref().map(sql::like_pattern);
        let args = [
            page.after.into(),
            i64::from(page.limit).into(),
            pattern.into(),
            filter.disabled.into(),
            filter.admin.into(),
        ];
        let rows: Vec<UserRow> = self.read()?.fetch_all(&sql, &args).await?;
        decode_all(rows)
    }

    /// Applies a patch; `NotFound` when the user does not exist. Disabling a group's
    /// only enabled `top_role` member is refused ([`StoreError::LastTopMemberOf`]).
    /// Disabling or a new password ends the user's sessions, all but `caller_session`
    /// (an admin setting their own password stays signed in on the device they used,
    /// as `PUT /me/password` keeps the caller's).
    pub async fn update_user(
        &self,
        id: Uuid,
        patch: UserPatch,
        caller_session: Option<&TokenHash>,
        top_role: &Role,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let (caller_session, top_role, audit) = (caller_session.cloned(), top_role.to_owned(), audit.clone());
        self.write(move |tx| {
            Box::pin(
                async move { update_user_in(tx, id, &patch, caller_session.as_ref(), &top_role, &audit, now).await },
            )
        })
        .await?;
        self.user_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    /// Deletes a user with their sessions, devices, memberships and login links (by
    /// cascade), and the groups they alone belong to; refused while they are a group's
    /// only enabled `top_role` member ([`StoreError::LastTopMemberOf`]). Invite slots
    /// they used stay used. Returns whether the user existed.
    pub async fn delete_user(&self, id: Uuid, top_role: &Role, audit: &AuditContext) -> Result<bool, StoreError> {
        let (top_role, audit, now) = (top_role.clone(), audit.clone(), Utc::now());
        self.write(move |tx| {
            Box::pin(async move {
                release_groups_of(tx, id, &top_role, true, &audit, now).await?;
                let deleted = tx.execute("DELETE FROM users WHERE id = $1", &[id.into()]).await?;
                if deleted > 0 {
                    audit::record(tx, &audit, Event::new("user.deleted", "user", id), now).await?;
                }
                Ok(deleted > 0)
            })
        })
        .await
    }
}

/// The transaction of [`Store::update_user`].
async fn update_user_in(
    tx: &mut impl Conn,
    id: Uuid,
    patch: &UserPatch,
    caller_session: Option<&TokenHash>,
    top_role: &Role,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Every right-hand side reads the row as it was: a new address loses the old one's proof.
    let sql = "UPDATE users SET \
         email_verified_at = CASE WHEN $3 IS NOT NULL AND $3 <> email_normalized THEN NULL ELSE email_verified_at END, \
         email = COALESCE($2, email), \
         email_normalized = COALESCE($3, email_normalized), \
         display_name = COALESCE($4, display_name), \
         password_hash = COALESCE($5, password_hash), \
         is_admin = COALESCE($6, is_admin), \
         disabled_at = CASE WHEN $7 IS NULL THEN disabled_at WHEN $7 THEN COALESCE(disabled_at, $8) ELSE NULL END \
         WHERE id = $1";
    let args = [
        id.into(),
        patch.email.as_ref().map(|e| e.as_str()).into(),
        patch.email.as_ref().map(|e| e.normalized()).into(),
        patch.display_name.as_ref().map(|d| d.as_str()).into(),
        patch.password_hash.as_deref().into(),
        patch.is_admin.into(),
        patch.disabled.into(),
        to_ms(now).into(),
    ];
    if patch.disabled == Some(true) {
        release_groups_of(tx, id, top_role, false, audit, now).await?;
    }
    if tx.execute(sql, &args).await? == 0 {
        return Err(StoreError::NotFound);
    }
    // Disabling or a new password ends every session for good (deleted, not hidden:
    // re-enabling brings none back).
    let sessions_ended = if patch.disabled == Some(true) || patch.password_hash.is_some() {
        end_sessions_of(tx, id, caller_session).await?
    } else {
        0
    };
    // Which fields changed, never their secret values.
    let details = serde_json::json!({
        "email": patch.email.as_ref().map(|e| e.as_str()),
        "display_name_changed": patch.display_name.is_some(),
        "password_changed": patch.password_hash.is_some(),
        "is_admin": patch.is_admin,
        "disabled": patch.disabled,
        "sessions_ended": sessions_ended,
    });
    audit::record(tx, audit, Event::new("user.updated", "user", id).details(details), now).await
}

/// Inserts a user inside a write transaction; a taken username or email comes back as
/// [`StoreError::UsernameTaken`] / [`StoreError::EmailTaken`].
pub(crate) async fn insert_user(tx: &mut impl Conn, new: NewUser, now: DateTime<Utc>) -> Result<User, StoreError> {
    let user = User {
        id: Uuid::now_v7(),
        username: new.username.into_inner(),
        email: new.email.as_str().to_owned(),
        display_name: new.display_name.as_str().to_owned(),
        password_hash: new.password_hash,
        is_admin: new.is_admin,
        created_at: crate::rows::from_ms(to_ms(now))?,
        disabled_at: None,
        email_verified_at: None,
    };
    let sql = "INSERT INTO users (id, username, email, email_normalized, display_name, password_hash, is_admin, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let normalized = new.email.normalized();
    let args = [
        user.id.into(),
        (&user.username).into(),
        (&user.email).into(),
        (&normalized).into(),
        (&user.display_name).into(),
        user.password_hash.as_deref().into(),
        user.is_admin.into(),
        to_ms(now).into(),
    ];
    tx.execute(sql, &args).await?;
    Ok(user)
}

/// The user with this id (see [`Store::user_by_id`]).
pub(crate) async fn user_by_id_in(conn: &mut impl Conn, id: Uuid) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row: Option<UserRow> = conn.fetch_optional(&sql, &[id.into()]).await?;
    decode(row)
}
