//! Extractors both fronts use, whose rejections are problem+json (a page wraps them
//! in `OnPage` to answer with a page instead): query strings, path segments, ids.

use axum::{
    extract::{FromRequestParts, Path, Query},
    http::request::Parts,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use usher_domain::Invalid;

use crate::error::ApiError;

/// Largest request body accepted (SPEC §4: 413 `payload_too_large` beyond).
pub const MAX_BODY: usize = 64 * 1024;

/// Why text with a NUL character is refused: no field can hold one, and PostgreSQL
/// cannot store or even compare it.
pub const NUL_REFUSED: Invalid = Invalid::new("invalid-nul");

/// Whether percent-encoded text (a query string or a form body) carries a NUL (`%00`).
pub fn has_encoded_nul(text: &[u8]) -> bool {
    text.windows(3).any(|w| w == b"%00") || text.contains(&0)
}

/// A query string; a bad parameter → 400 `invalid_request`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if has_encoded_nul(parts.uri.query().unwrap_or_default().as_bytes()) {
            return Err(ApiError::field("query", NUL_REFUSED));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e| ApiError::field("query", Invalid::new("invalid-as-read").with("detail", e.body_text())))
    }
}

/// Path segments as text (`String`, or a tuple for several); a segment that is not
/// valid UTF-8 → 404.
#[derive(Debug)]
pub struct ApiPath<T = String>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Nothing addressed by a path has a NUL in its name.
        if has_encoded_nul(parts.uri.path().as_bytes()) {
            return Err(ApiError::NOT_FOUND);
        }
        Path::<T>::from_request_parts(parts, state).await.map(|Path(p)| Self(p)).map_err(|_| ApiError::NOT_FOUND)
    }
}

/// Ids in a path: one [`Uuid`], or a tuple of them for a nested resource
/// (`/groups/{group_id}/invites/{invite_id}` → `Id<(Uuid, Uuid)>`). A segment that is
/// not a UUID names nothing here: 404 `not_found`, before any handler runs.
#[derive(Debug)]
pub struct Id<T = Uuid>(pub T);

/// What [`Id`] reads: UUIDs only.
pub trait PathIds: DeserializeOwned + Send {}
impl PathIds for Uuid {}
impl PathIds for (Uuid, Uuid) {}

impl<S: Send + Sync, T: PathIds> FromRequestParts<S> for Id<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        ApiPath::<T>::from_request_parts(parts, state).await.map(|ApiPath(ids)| Self(ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_nul_is_found_and_an_encoded_percent_is_not() {
        assert!(has_encoded_nul(b"a=b%00c") && !has_encoded_nul(b"a=b%2500"));
    }
}
