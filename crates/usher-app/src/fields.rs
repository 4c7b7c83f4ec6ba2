//! Collecting every field error of a request before answering, so a client learns all
//! that is wrong at once.

use usher_domain::Invalid;

use crate::error::{AppResult, FieldError, Reason};

#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keeps the value, or records why `field` was refused.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        result.map_err(|invalid| self.0.push(FieldError::new(field, invalid))).ok()
    }

    pub fn push(&mut self, field: &str, why: Invalid) {
        self.0.push(FieldError::new(field, why));
    }

    /// `Ok` when nothing was refused.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(Reason::Invalid(self.0).into()) }
    }
}

/// Optional free text: trimmed, empty means none, at most `max` characters, no control
/// characters but line breaks.
pub fn optional_text(input: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid::new("invalid-text").with("max", max));
    }
    Ok(Some(text.to_owned()))
}

/// How long something lasts, as a front asked for it: whole hours (the API), or
/// minutes (the pages' presets, from half an hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Hours(i64),
    Minutes(i64),
}

impl Lifetime {
    /// This lifetime within `max_hours`, or its refusal among `fields` (named after the
    /// field it came in).
    pub(crate) fn check(self, fields: &mut Fields, max_hours: u32) -> Option<usher_domain::expiry::ExpiresIn> {
        use usher_domain::expiry::ExpiresIn;
        match self {
            Self::Hours(hours) => fields.check("expires_in_hours", ExpiresIn::hours(hours, max_hours)),
            Self::Minutes(minutes) => fields.check("expires_in_minutes", ExpiresIn::minutes(minutes, max_hours)),
        }
    }
}

/// The longest text a list search takes.
pub const MAX_SEARCH: usize = 100;

/// A list search's text (`q`), refused past [`MAX_SEARCH`] characters.
pub(crate) fn check_search(text: Option<&str>) -> crate::AppResult<()> {
    match text {
        Some(text) if text.chars().count() > MAX_SEARCH => {
            Err(crate::Error::field("q", Invalid::new("invalid-search").with("max", MAX_SEARCH)))
        }
        _ => Ok(()),
    }
}
