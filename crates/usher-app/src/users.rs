//! Instance admins' operations on accounts: list, create, read, change, delete.

use chrono::Utc;
use usher_domain::Invalid;
use usher_domain::account::{DisplayName, Email, Password, Username};
use usher_storage::model::{NewUser, User, UserFilter, UserPatch};

use crate::{
    Actor, App, AppResult, Error, Reason,
    fields::Fields,
    lists::{ListRequest, Listed},
    password,
};

/// A new account as an admin types it (the API's JSON, the console's form).
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    /// Defaults to the username.
    pub display_name: Option<String>,
    /// Optional: without one, login links are the way in.
    pub password: Option<String>,
    pub is_admin: bool,
}

/// The changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// A new password; ends the user's sessions.
    pub password: Option<String>,
    pub is_admin: Option<bool>,
    /// `true` disables and ends the user's sessions; `false` enables (no session returns).
    pub disabled: Option<bool>,
}

impl App {
    /// Creates an account as an admin (or the operator) from checked values: no
    /// invite, no session.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> AppResult<User> {
        actor.require_admin()?;
        Ok(self.store.create_user(new, &actor.audit(), Utc::now()).await?)
    }

    /// Creates an account as typed: every field checked (all refusals at once), the
    /// password (if any) hashed.
    pub async fn add_user(&self, actor: &Actor, input: NewAccount) -> AppResult<User> {
        actor.require_admin()?;
        let mut fields = Fields::default();
        let username = fields.check("username", Username::parse(&input.username));
        let email = fields.check("email", Email::parse(&input.email));
        let password = input.password.as_deref().and_then(|p| fields.check("password", Password::parse(p)));
        let display_name = match input.display_name.as_deref() {
            Some(name) => fields.check("display_name", DisplayName::parse(name)),
            None => username.as_ref().map(DisplayName::from_username),
        };
        fields.finish()?;
        let (Some(username), Some(email), Some(display_name)) = (username, email, display_name) else {
            unreachable!("every field was checked above");
        };
        let password_hash = match password {
            Some(p) => Some(password::hash(p).await?),
            None => None,
        };
        let new = NewUser { username, email, display_name, password_hash, is_admin: input.is_admin };
        let user = self.create_user(actor, new).await?;
        tracing::info!(user_id = %user.id, "user created by an admin");
        Ok(user)
    }

    /// Every account, newest first.
    pub async fn list_users(
        &self,
        actor: &Actor,
        request: ListRequest,
        filter: &UserFilter,
    ) -> AppResult<Listed<User>> {
        actor.require_admin()?;
        let page = request.page()?;
        crate::fields::check_search(filter.text.as_deref())?;
        let rows = self.store.list_users(page, filter).await?;
        Ok(Listed::new(rows, page, |u| u.id))
    }

    /// The account named `username`, for an admin, or `not_found`.
    pub async fn user_named(&self, actor: &Actor, username: &str) -> AppResult<User> {
        actor.require_admin()?;
        Ok(self.store.user_by_username(username).await?.ok_or(Reason::NotFound)?)
    }

    /// Changes an account. Disabling, or setting a password, ends every session of the
    /// user (but the one the actor came with); re-enabling brings none back. An admin
    /// cannot demote or disable themselves; another admin (or `usher login-link`) can.
    pub async fn update_user(&self, actor: &Actor, username: &str, changes: AccountChanges) -> AppResult<User> {
        let admin = actor.admin()?;
        let user = self.user_named(actor, username).await?;
        let mut fields = Fields::default();
        let email = changes.email.as_deref().and_then(|e| fields.check("email", Email::parse(e)));
        let display_name =
            changes.display_name.as_deref().and_then(|d| fields.check("display_name", DisplayName::parse(d)));
        let password = changes.password.as_deref().and_then(|p| fields.check("password", Password::parse(p)));
        if user.id == admin.id && (changes.is_admin == Some(false) || changes.disabled == Some(true)) {
            fields.push("is_admin", Invalid::new("invalid-demote-self"));
        }
        fields.finish()?;
        let password_hash = match password {
            Some(p) => Some(password::hash(p).await?),
            None => None,
        };
        let patch =
            UserPatch { email, display_name, password_hash, is_admin: changes.is_admin, disabled: changes.disabled };
        let top = self.settings.roles.top();
        let session = actor.session.as_ref();
        Ok(self.store.update_user(user.id, patch, session, top, &actor.audit(), Utc::now()).await?)
    }

    /// Deletes an account, its sessions and memberships, and the groups it alone
    /// belongs to. An admin cannot delete themselves.
    pub async fn delete_user(&self, actor: &Actor, username: &str) -> AppResult<()> {
        let admin = actor.admin()?;
        let user = self.user_named(actor, username).await?;
        if user.id == admin.id {
            return Err(Error::field("username", Invalid::new("invalid-delete-self")));
        }
        self.store.delete_user(user.id, self.settings.roles.top(), &actor.audit()).await?;
        tracing::info!(user_id = %user.id, "user deleted");
        Ok(())
    }
}
