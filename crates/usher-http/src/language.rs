//! The language a request asks for: its `Accept-Language`, among the shipped ones.

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use usher_i18n::Locale;

/// The shipped language the caller's `Accept-Language` prefers; `None`: none of
/// them (the instance's default applies).
#[derive(Debug, Clone, Copy)]
pub struct Language(pub Option<Locale>);

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let header = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Ok(Self(header.and_then(Locale::from_accept_language)))
    }
}
