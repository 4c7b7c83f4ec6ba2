//! Instance admins' operations on accounts.

use chrono::Utc;
use usher_storage::model::{NewUser, User};

use crate::{Actor, App, AppResult};

impl App {
    /// Creates an account as an admin (or the operator): no invite, no session.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> AppResult<User> {
        actor.require_admin()?;
        Ok(self.store.create_user(new, &actor.audit(), Utc::now()).await?)
    }

    /// The account named `username`, for an admin, or `not_found`.
    pub async fn user_named(&self, actor: &Actor, username: &str) -> AppResult<User> {
        actor.require_admin()?;
        Ok(self.store.user_by_username(username).await?.ok_or(crate::Reason::NotFound)?)
    }
}
