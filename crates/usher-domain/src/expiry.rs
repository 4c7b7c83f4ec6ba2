//! "Expires in N hours", bounded per kind of secret.

use chrono::{DateTime, Duration, Utc};

use crate::Invalid;

/// A whole number of hours within the bounds a route allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiresIn(u32);

impl ExpiresIn {
    /// `hours` must lie in `1..=max_hours`.
    pub fn hours(hours: i64, max_hours: u32) -> Result<Self, Invalid> {
        match u32::try_from(hours) {
            Ok(h) if (1..=max_hours).contains(&h) => Ok(Self(h)),
            _ => Err(Invalid::new(format!("must be a whole number of hours from 1 to {max_hours}"))),
        }
    }

    pub fn after(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::hours(i64::from(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert!(ExpiresIn::hours(1, 168).is_ok());
        assert!(ExpiresIn::hours(168, 168).is_ok());
        assert!(ExpiresIn::hours(0, 168).is_err());
        assert!(ExpiresIn::hours(169, 168).is_err());
        assert!(ExpiresIn::hours(-1, 168).is_err());
        assert!(ExpiresIn::hours(i64::MAX, 168).is_err());
    }
}
