//! The invite engine's shared vocabulary: what kind of invite, and whether it still admits.
//!
//! Status is derived, never stored: `revoked` if revoked, else `used_up` if a limit is
//! set and reached, else `expired` once `expires_at <= now`, else `active`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The four secrets the one invite table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteKind {
    /// Instance invite: gates sign-up. Carries a code.
    Registration,
    /// Shareable group link with a preset role. Carries a code.
    GroupCode,
    /// Invitation sent to one email address. Carries a token.
    EmailInvitation,
    /// One-time sign-in for an existing user. Carries a token.
    LoginLink,
}

impl InviteKind {
    pub const ALL: [Self; 4] = [Self::Registration, Self::GroupCode, Self::EmailInvitation, Self::LoginLink];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::GroupCode => "group_code",
            Self::EmailInvitation => "email_invitation",
            Self::LoginLink => "login_link",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == stored)
    }

    /// Codes are shared out loud; tokens are secrets.
    pub const fn uses_code(self) -> bool {
        matches!(self, Self::Registration | Self::GroupCode)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    Active,
    Revoked,
    UsedUp,
    Expired,
}

impl InviteStatus {
    pub const ALL: [Self; 4] = [Self::Active, Self::Revoked, Self::UsedUp, Self::Expired];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Revoked => "revoked",
            Self::UsedUp => "used_up",
            Self::Expired => "expired",
        }
    }
}

/// The parts of an invite the status rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub revoked_at: Option<DateTime<Utc>>,
    /// `None` is unlimited.
    pub max_uses: Option<u32>,
    pub uses: u32,
    /// `None` never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Usage {
    /// The one status rule (SPEC §1).
    pub fn status(&self, now: DateTime<Utc>) -> InviteStatus {
        if self.revoked_at.is_some() {
            InviteStatus::Revoked
        } else if self.max_uses.is_some_and(|max| self.uses >= max) {
            InviteStatus::UsedUp
        } else if self.expires_at.is_some_and(|at| at <= now) {
            InviteStatus::Expired
        } else {
            InviteStatus::Active
        }
    }

    /// Slots left; `None` when unlimited.
    pub fn uses_remaining(&self) -> Option<u32> {
        self.max_uses.map(|max| max.saturating_sub(self.uses))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn usage(
        revoked: bool,
        max_uses: Option<u32>,
        uses: u32,
        expires_in_secs: Option<i64>,
        now: DateTime<Utc>,
    ) -> Usage {
        Usage {
            revoked_at: revoked.then_some(now),
            max_uses,
            uses,
            expires_at: expires_in_secs.map(|s| now + Duration::seconds(s)),
        }
    }

    #[test]
    fn kinds_round_trip_through_storage() {
        for kind in InviteKind::ALL {
            assert_eq!(InviteKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(InviteKind::parse("nope"), None);
    }

    /// `as_str` (storage, metrics, the OpenAPI enums) and serde (JSON) spell alike.
    #[test]
    fn names_match_their_json() {
        for kind in InviteKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for status in InviteStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for device in crate::device::DeviceType::ALL {
            assert_eq!(serde_json::to_value(device).unwrap(), device.as_str());
        }
    }

    #[test]
    fn expiry_is_inclusive_of_now() {
        let now = Utc::now();
        assert_eq!(usage(false, None, 0, Some(0), now).status(now), InviteStatus::Expired);
        assert_eq!(usage(false, None, 0, Some(1), now).status(now), InviteStatus::Active);
    }

    #[test]
    fn unlimited_never_runs_out() {
        let now = Utc::now();
        assert_eq!(usage(false, None, u32::MAX, None, now).status(now), InviteStatus::Active);
        assert_eq!(usage(false, None, 5, None, now).uses_remaining(), None);
    }

    proptest! {
        #[test]
        fn status_follows_precedence(revoked: bool, max in proptest::option::of(1u32..50), uses in 0u32..60, exp in proptest::option::of(-5i64..5)) {
            let now = Utc::now();
            let u = usage(revoked, max, uses, exp, now);
            let expected = if revoked {
                InviteStatus::Revoked
            } else if max.is_some_and(|m| uses >= m) {
                InviteStatus::UsedUp
            } else if exp.is_some_and(|s| s <= 0) {
                InviteStatus::Expired
            } else {
                InviteStatus::Active
            };
            prop_assert_eq!(u.status(now), expected);
            if let (Some(m), Some(left)) = (max, u.uses_remaining()) {
                prop_assert_eq!(left, m.saturating_sub(uses));
            }
        }
    }
}
