//! "Expires in N hours" (or minutes, for the pages' presets: 30 minutes), bounded per
//! kind of secret.

use chrono::{DateTime, Duration, Utc};

use crate::Invalid;

/// A lifetime within the bounds a route allows, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiresIn(i64);

impl ExpiresIn {
    /// `hours` must lie in `1..=max_hours`.
    pub fn hours(hours: i64, max_hours: u32) -> Result<Self, Invalid> {
        match hours {
            h if (1..=i64::from(max_hours)).contains(&h) => Ok(Self(h * 60)),
            _ => Err(Invalid::new("invalid-hours").with("max", max_hours)),
        }
    }

    /// `minutes` must lie in `30..=max_hours × 60` (half an hour is the shortest preset).
    pub fn minutes(minutes: i64, max_hours: u32) -> Result<Self, Invalid> {
        match minutes {
            m if (30..=i64::from(max_hours) * 60).contains(&m) => Ok(Self(m)),
            _ => Err(Invalid::new("invalid-minutes").with("max", max_hours)),
        }
    }

    pub fn after(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::minutes(self.0)
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
        assert!(ExpiresIn::minutes(30, 168).is_ok());
        assert!(ExpiresIn::minutes(29, 168).is_err());
        assert!(ExpiresIn::minutes(168 * 60, 168).is_ok());
        assert!(ExpiresIn::minutes(168 * 60 + 1, 168).is_err());
        assert!(ExpiresIn::minutes(i64::MAX, 168).is_err());
    }
}
