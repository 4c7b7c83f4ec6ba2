//! Keyset pagination for every list: what a front asks for ([`ListRequest`]) and
//! one page of rows with the cursor of the next ([`Listed`]).

use usher_domain::Invalid;
use usher_storage::model::Page;
use uuid::Uuid;

use crate::{AppResult, Error};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// `status`, `limit` and `cursor` as the client sent them, checked by the operation.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// `active` or `all` for invites and login links; an outbox status for the outbox.
    pub status: Option<String>,
    /// Rows per page, 1 to [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]).
    pub limit: Option<i64>,
    /// The last id of the previous page.
    pub cursor: Option<String>,
}

impl ListRequest {
    /// The first page of `status` (a form's "show all", a console's first screen).
    pub fn first(status: Option<&str>) -> Self {
        Self { status: status.map(str::to_owned), ..Self::default() }
    }

    /// Whether to leave out invites that are no longer active.
    pub fn active_only(&self, default_active: bool) -> AppResult<bool> {
        match self.status.as_deref() {
            None => Ok(default_active),
            Some("active") => Ok(true),
            Some("all") => Ok(false),
            Some(_) => Err(Error::field("status", Invalid::new("invalid-list-status"))),
        }
    }

    /// The page to read: one row more than asked, which tells whether there is a next.
    pub fn page(&self) -> AppResult<Page> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| Error::field("limit", Invalid::new("invalid-limit").with("max", MAX_LIMIT)))?,
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(Uuid::parse_str(c).map_err(|_| Error::field("cursor", Invalid::new("invalid-cursor")))?),
        };
        Ok(Page { limit: limit + 1, after })
    }
}

/// One page of a list, and the cursor of the next (`None` on the last).
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Uuid>,
}

impl<T> Listed<T> {
    /// `rows` read with `page` (one extra); `id` names each row's cursor.
    pub fn new(mut rows: Vec<T>, page: Page, id: impl Fn(&T) -> Uuid) -> Self {
        let limit = page.limit as usize - 1;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(id)
        } else {
            None
        };
        Self { items: rows, next_cursor }
    }

    /// Keeps only the rows `keep` allows (the cursor still follows the page read).
    pub fn retain(mut self, keep: impl FnMut(&T) -> bool) -> Self {
        self.items.retain(keep);
        self
    }
}
