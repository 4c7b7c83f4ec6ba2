//! Forward authentication (SPEC §10.2): a reverse proxy asks, for each request an
//! application receives, who the visitor is and whether a route's group and role
//! requirement admits them.

use std::sync::Arc;
use usher_domain::Invalid;

use chrono::Utc;
use usher_domain::{role::Role, token::TokenHash};
use usher_storage::model::SessionHolder;

use crate::{
    App,
    error::{AppResult, Forbidden, Reason},
};

/// What a route behind the proxy needs: membership of a group (by slug) and, with
/// it, a role at least.
#[derive(Debug, Clone, Default)]
pub struct Requirement {
    pub group: Option<String>,
    pub role: Option<Role>,
}

impl App {
    /// The requirement a proxy sends: a role only beside a group, and one of the
    /// configured roles (a typo in a proxy's configuration is refused, not ignored).
    pub fn forward_requirement(&self, group: Option<&str>, role: Option<&str>) -> AppResult<Requirement> {
        let group = group.map(str::trim).filter(|g| !g.is_empty());
        let role = match (group, role.map(str::trim).filter(|r| !r.is_empty())) {
            (_, None) => None,
            (None, Some(_)) => return Err(crate::Error::field("role", Invalid::new("invalid-role-needs-group"))),
            (Some(_), Some(role)) => Some(self.settings.roles.parse(role).map_err(|e| crate::Error::field("role", e))?),
        };
        Ok(Requirement { group: group.map(str::to_owned), role })
    }
}

/// A visitor forward authentication lets through: who, and every group they are in
/// with their role, by slug.
#[derive(Debug)]
pub struct Admitted {
    pub holder: Arc<SessionHolder>,
    /// Their role in the required group, when the route names one.
    pub role: Option<Role>,
}

impl App {
    /// Whether the session `token` (the cookie the proxy passed on) signs in someone
    /// who may reach a route that needs `requirement`. One read (the session, its
    /// user and their groups), kept by the store until the next write. Not
    /// rate-limited: it answers every request an application receives, and a session
    /// token cannot be guessed.
    pub async fn verify_forward(&self, token: Option<&str>, requirement: &Requirement) -> AppResult<Admitted> {
        let token = token.ok_or(Reason::Unauthenticated)?;
        let found = self.store.session_holder(&TokenHash::of(token), Utc::now()).await?;
        let holder = found.ok_or(Reason::Unauthenticated)?;
        let role = match &requirement.group {
            None => None,
            Some(slug) => {
                let held = holder.groups().find(|(s, _)| s == slug).map(|(_, role)| Role::from_stored(role.into()));
                let Some(held) = held else { return Err(Forbidden::NotInGroup.into()) };
                if requirement.role.as_ref().is_some_and(|needed| !self.settings.roles.at_least(&held, needed)) {
                    return Err(Forbidden::NotInGroup.into());
                }
                Some(held)
            }
        };
        Ok(Admitted { holder, role })
    }
}
