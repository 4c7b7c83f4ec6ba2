//! Roles: an ordered list configured per deployment, highest first.

use crate::Invalid;

/// The configured role list and the lowest role that manages invites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    ordered: Vec<String>,
    manage: usize,
}

impl Roles {
    /// `names` highest first; `manage_role` must be one of them.
    pub fn new(names: Vec<String>, manage_role: &str) -> Result<Self, Invalid> {
        if names.is_empty() {
            return Err(Invalid::new("at least one role is needed"));
        }
        for (i, name) in names.iter().enumerate() {
            let valid = (1..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !valid {
                return Err(Invalid::new(format!("role {name:?} must be 1 to 32 characters of a-z and _")));
            }
            if names[..i].contains(name) {
                return Err(Invalid::new(format!("role {name:?} is listed twice")));
            }
        }
        let manage = names
            .iter()
            .position(|n| n == manage_role)
            .ok_or_else(|| Invalid::new(format!("manage_role {manage_role:?} is not one of the roles")))?;
        Ok(Self { ordered: names, manage })
    }

    pub fn top(&self) -> &str {
        &self.ordered[0]
    }

    pub fn names(&self) -> &[String] {
        &self.ordered
    }

    /// Rank of a role, 0 being the highest; `None` for a role not configured.
    pub fn rank(&self, role: &str) -> Option<usize> {
        self.ordered.iter().position(|r| r == role)
    }

    /// Whether someone holding `actor` may grant `role`: never above their own.
    pub fn may_grant(&self, actor: &str, role: &str) -> bool {
        matches!((self.rank(actor), self.rank(role)), (Some(a), Some(r)) if r >= a)
    }

    /// The role a group invitation grants when none is named: `member` where the
    /// deployment has one, else its lowest role.
    pub fn default_invite_role(&self) -> &str {
        self.ordered.iter().find(|r| *r == "member").unwrap_or_else(|| self.ordered.last().expect("never empty"))
    }

    /// Whether `role` is `manage_role` or above.
    pub fn can_manage(&self, role: &str) -> bool {
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
        assert_eq!(roles.top(), "owner");
        assert!(roles.can_manage("admin") && !roles.can_manage("member"));
        let family =
            Roles::new(["custodian", "contributor", "viewer"].map(String::from).to_vec(), "custodian").unwrap();
        assert!(family.can_manage("custodian") && !family.can_manage("contributor"));
        assert_eq!(roles.default_invite_role(), "member");
        assert_eq!(family.default_invite_role(), "viewer");
        assert!(roles.may_grant("admin", "admin") && roles.may_grant("admin", "viewer"));
        assert!(!roles.may_grant("admin", "owner") && !roles.may_grant("member", "nobody"));
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(Roles::new(vec![], "admin").is_err());
        assert!(Roles::new(vec!["a".into(), "a".into()], "a").is_err());
        assert!(Roles::new(vec!["Owner".into()], "Owner").is_err());
        assert!(Roles::new(vec!["owner".into()], "admin").is_err());
    }
}
