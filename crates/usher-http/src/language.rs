//! The language a request asks for: its `Accept-Language`, among the shipped ones;
//! and the language of the page being answered, for the pages rendered where the
//! request is out of reach (a refusal turned into a page by `IntoResponse`, the
//! answer to an address that matches nothing).

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use axum::{
    extract::{FromRequestParts, Request},
    http::{HeaderMap, header, request::Parts},
};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use usher_i18n::Locale;

/// The shipped language the caller's `Accept-Language` prefers; `None`: none of
/// them (the instance's default applies).
#[derive(Debug, Clone, Copy)]
pub struct Language(pub Option<Locale>);

impl Language {
    pub fn of(headers: &HeaderMap) -> Self {
        let header = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Self(header.and_then(Locale::from_accept_language))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self::of(&parts.headers))
    }
}

tokio::task_local! {
    /// The language of the request being answered on this task.
    static ANSWERING_IN: Locale;
}

/// The language of the request being answered: the one its `Accept-Language`
/// prefers among the shipped ones, else the instance's default (as [`InTheirLanguage`]
/// set it); English outside a request.
pub fn answering_in() -> Locale {
    ANSWERING_IN.try_with(|locale| *locale).unwrap_or_default()
}

/// Answers each request with [`answering_in`] set to its language. A task-local and not
/// a parameter: a refusal becomes a page in `IntoResponse`, which is given no request.
#[derive(Debug, Clone, Copy)]
pub struct InTheirLanguage {
    /// When the browser asks for no shipped language.
    pub default: Locale,
}

impl<S> Layer<S> for InTheirLanguage {
    type Service = AnsweredInTheirLanguage<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AnsweredInTheirLanguage { inner, default: self.default }
    }
}

#[derive(Debug, Clone)]
pub struct AnsweredInTheirLanguage<S> {
    inner: S,
    default: Locale,
}

impl<S: Service<Request>> Service<Request> for AnsweredInTheirLanguage<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<Locale, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let locale = Language::of(request.headers()).0.unwrap_or(self.default);
        ANSWERING_IN.scope(locale, self.inner.call(request))
    }
}
