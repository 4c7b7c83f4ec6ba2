//! Who is acting, and from where: what every operation is given instead of a request.

use std::net::IpAddr;

use usher_domain::{api_key::Scopes, token::TokenHash};
use usher_storage::{AuditContext, model::User};
use uuid::Uuid;

use crate::error::{AppResult, Forbidden, Reason};

/// The caller of an operation: a visitor (signed in, with the session they used, or
/// not) from an address — behind trusted proxies, the client's — an application's
/// back-end with an API key (acting for the admin who made it), or the operator at
/// the command line, who holds the instance's powers and has no address.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: Option<User>,
    /// The session the request came with: spared when the caller ends "all" sessions.
    pub session: Option<TokenHash>,
    /// The API key the request came with, instead of a session.
    pub key: Option<KeyGrant>,
    /// `None` for the operator.
    pub ip: Option<IpAddr>,
    operator: bool,
}

/// What an API key lets its holder do: its scopes (which routes, checked at the HTTP
/// edge) and, when it names one, the one group it acts on. In a group it may reach, a
/// key acts with the top role (its scopes narrow what it may do there).
#[derive(Debug, Clone)]
pub struct KeyGrant {
    pub id: Uuid,
    pub scopes: Scopes,
    pub group_id: Option<Uuid>,
}

impl Actor {
    pub fn anonymous(ip: IpAddr) -> Self {
        Self { user: None, session: None, key: None, ip: Some(ip), operator: false }
    }

    pub fn signed_in(user: User, session: TokenHash, ip: IpAddr) -> Self {
        Self { user: Some(user), session: Some(session), key: None, ip: Some(ip), operator: false }
    }

    /// An application's back-end with an API key made by `admin`.
    pub fn by_key(admin: User, key: KeyGrant, ip: IpAddr) -> Self {
        Self { user: Some(admin), session: None, key: Some(key), ip: Some(ip), operator: false }
    }

    /// The operator at the command line (`usher invite create`, first start).
    pub fn operator() -> Self {
        Self { user: None, session: None, key: None, ip: None, operator: true }
    }

    /// Whether the actor may reach `group_id` at all: a key limited to another group
    /// may not (and learns nothing of it: `not_found`).
    pub fn may_reach(&self, group_id: Uuid) -> bool {
        self.key.as_ref().and_then(|key| key.group_id).is_none_or(|only| only == group_id)
    }

    /// A key limited to one group acts on that group only: nothing of the instance's
    /// (its users, its log, new groups).
    pub fn instance_wide(&self) -> AppResult<()> {
        match self.key.as_ref().and_then(|key| key.group_id) {
            Some(_) => Err(Forbidden::KeyScope.into()),
            None => Ok(()),
        }
    }

    /// The signed-in user, or `unauthenticated`.
    pub fn user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or(Reason::Unauthenticated.into())
    }

    /// An instance admin or the operator, or `unauthenticated` / `forbidden`.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.operator {
            return Ok(());
        }
        self.admin().map(|_| ())
    }

    /// The signed-in instance admin (or a key of one, not limited to a group), or
    /// `unauthenticated` / `forbidden`.
    pub fn admin(&self) -> AppResult<&User> {
        let user = self.user()?;
        self.instance_wide()?;
        if user.is_admin { Ok(user) } else { Err(Forbidden::AdminOnly.into()) }
    }

    /// For the audit log: who, from where.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            actor_id: self.user.as_ref().map(|u| u.id),
            client_ip: self.ip.map(|ip| ip.to_string()),
            api_key_id: self.key.as_ref().map(|key| key.id),
        }
    }
}
