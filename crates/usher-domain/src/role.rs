//! Roles: an ordered list configured per deployment, highest first.

use std::fmt;

use serde::Serialize;

use crate::Invalid;

/// A role name: one of the configured roles when [`Roles::parse`] made it.
///
/// A role read back from a row ([`Role::from_stored`]) may no longer be configured
/// (the list changed since): it stays readable and shown as it was, ranks nowhere, and
/// so grants and manages nothing until someone gives that member a configured role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Role(String);

impl Role {
    /// A role as a row stored it, configured or not. For storage only: everything a
    /// person or a config sends in goes through [`Roles::parse`].
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The configured role list and the lowest role that manages invites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    ordered: Vec<Role>,
    manage: usize,
}

impl Roles {
    /// `names` highest first; `manage_role` must be one of them.
    pub fn new(names: Vec<String>, manage_role: &str) -> Result<Self, Invalid> {
        if names.is_empty() {
            return Err(Invalid::new("invalid-roles-empty"));
        }
        for (i, name) in names.iter().enumerate() {
            let valid = (1..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !valid {
                return Err(Invalid::new("invalid-role-name").with("name", name));
            }
            if names[..i].contains(name) {
                return Err(Invalid::new("invalid-role-twice").with("name", name));
            }
        }
        let manage = names
            .iter()
            .position(|n| n == manage_role)
            .ok_or_else(|| Invalid::new("invalid-manage-role").with("name", manage_role))?;
        Ok(Self { ordered: names.into_iter().map(Role).collect(), manage })
    }

    /// `name` as a role, if it is one of the configured roles.
    pub fn parse(&self, name: &str) -> Result<Role, Invalid> {
        self.ordered.iter().find(|r| r.0 == name).cloned().ok_or_else(|| {
            let names: Vec<&str> = self.ordered.iter().map(Role::as_str).collect();
            Invalid::new("invalid-one-of").with("list", names.join(", "))
        })
    }

    pub fn top(&self) -> &Role {
        &self.ordered[0]
    }

    /// Every configured role, highest first.
    pub fn all(&self) -> &[Role] {
        &self.ordered
    }

    /// Rank of a role, 0 being the highest; `None` for a role not configured.
    pub fn rank(&self, role: &Role) -> Option<usize> {
        self.ordered.iter().position(|r| r == role)
    }

    /// Whether someone holding `actor` may grant `role`: never above their own.
    pub fn may_grant(&self, actor: &Role, role: &Role) -> bool {
        matches!((self.rank(actor), self.rank(role)), (Some(a), Some(r)) if r >= a)
    }

    /// Whether `held` is `required` or above (a configured role both).
    pub fn at_least(&self, held: &Role, required: &Role) -> bool {
        self.may_grant(held, required)
    }

    /// The role a group invitation grants when none is named: `member` where the
    /// deployment has one, else its lowest role.
    pub fn default_invite_role(&self) -> &Role {
        self.ordered.iter().find(|r| r.0 == "member").unwrap_or_else(|| self.ordered.last().expect("never empty"))
    }

    /// Whether `role` is `manage_role` or above.
    pub fn can_manage(&self, role: &Role) -> bool {
        self.rank(role).is_some_and(|r| r <= self.manage)
    }
}

impl Default for Roles {
    fn default() -> Self {
        Self::new(["owner", "admin", "member", "viewer"].map(String::from).to_vec(), "admin")
            .expect("default roles are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_family_tree() {
        let roles = Roles::default();
        let role = |name: &str| roles.parse(name).unwrap();
        assert_eq!(roles.top().as_str(), "owner");
        assert!(roles.can_manage(&role("admin")) && !roles.can_manage(&role("member")));
        let family =
            Roles::new(["custodian", "contributor", "viewer"].map(String::from).to_vec(), "custodian").unwrap();
        let kin = |name: &str| family.parse(name).unwrap();
        assert!(family.can_manage(&kin("custodian")) && !family.can_manage(&kin("contributor")));
        assert_eq!(roles.default_invite_role(), &role("member"));
        assert_eq!(family.default_invite_role(), &kin("viewer"));
        assert!(roles.may_grant(&role("admin"), &role("admin")) && roles.may_grant(&role("admin"), &role("viewer")));
        assert!(!roles.may_grant(&role("admin"), &role("owner")));
    }

    #[test]
    fn only_configured_names_parse() {
        let roles = Roles::default();
        assert_eq!(roles.parse("admin").unwrap().as_str(), "admin");
        let refused = roles.parse("nobody").unwrap_err();
        assert_eq!(refused, Invalid::new("invalid-one-of").with("list", "owner, admin, member, viewer"));
        assert!(roles.parse("Admin").is_err() && roles.parse("").is_err());
        assert_eq!(roles.all().len(), 4);
    }

    /// A row written under another role list stays readable but grants nothing.
    #[test]
    fn a_stored_role_no_longer_configured_ranks_nowhere() {
        let roles = Roles::default();
        let gone = Role::from_stored("custodian".into());
        assert_eq!(gone.to_string(), "custodian");
        assert_eq!(roles.rank(&gone), None);
        assert!(!roles.can_manage(&gone));
        assert!(!roles.may_grant(&gone, roles.default_invite_role()));
        assert!(!roles.may_grant(roles.top(), &gone), "nobody grants a role that is not configured");
        assert_eq!(roles.rank(&Role::from_stored("admin".into())), Some(1), "a configured one ranks as parsed");
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(Roles::new(vec![], "admin").is_err());
        assert!(Roles::new(vec!["a".into(), "a".into()], "a").is_err());
        assert!(Roles::new(vec!["Owner".into()], "Owner").is_err());
        assert!(Roles::new(vec!["owner".into()], "admin").is_err());
    }
}
