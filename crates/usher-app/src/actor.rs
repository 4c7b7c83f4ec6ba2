//! Who is acting, and from where: what every operation is given instead of a request.

use std::net::IpAddr;

use usher_domain::token::TokenHash;
use usher_storage::{AuditContext, model::User};

use crate::error::{AppResult, Forbidden, Reason};

/// The caller of an operation: a visitor (signed in, with the session they used, or
/// not) from an address — behind trusted proxies, the client's — or the operator at
/// the command line, who holds the instance's powers and has no address.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: Option<User>,
    /// The session the request came with: spared when the caller ends "all" sessions.
    pub session: Option<TokenHash>,
    /// `None` for the operator.
    pub ip: Option<IpAddr>,
    operator: bool,
}

impl Actor {
    pub fn anonymous(ip: IpAddr) -> Self {
        Self { user: None, session: None, ip: Some(ip), operator: false }
    }

    pub fn signed_in(user: User, session: TokenHash, ip: IpAddr) -> Self {
        Self { user: Some(user), session: Some(session), ip: Some(ip), operator: false }
    }

    /// The operator at the command line (`usher invite create`, first start).
    pub fn operator() -> Self {
        Self { user: None, session: None, ip: None, operator: true }
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
        if self.user()?.is_admin { Ok(()) } else { Err(Forbidden::AdminOnly.into()) }
    }

    /// The signed-in instance admin, or `unauthenticated` / `forbidden`.
    pub fn admin(&self) -> AppResult<&User> {
        let user = self.user()?;
        if user.is_admin { Ok(user) } else { Err(Forbidden::AdminOnly.into()) }
    }

    /// For the audit log: who, from where.
    pub fn audit(&self) -> AuditContext {
        AuditContext { actor_id: self.user.as_ref().map(|u| u.id), client_ip: self.ip.map(|ip| ip.to_string()) }
    }
}
