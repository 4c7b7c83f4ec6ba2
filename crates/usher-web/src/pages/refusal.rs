//! Refusals as pages: the status and a sentence people read, never problem+json.
//! [`PageError`] lets a page handler use `?` on an application operation; a page
//! that words a refusal its own way maps it to a [`Response`] first.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use usher_app::Reason;
use usher_domain::invite::InviteStatus;
use usher_storage::StoreError;

use usher_http::language::answering_in;
use usher_i18n::Locale;

use super::render;
use crate::error::ApiError;

/// Why a page could not be shown or a form not done: a refusal rendered as the
/// generic page, or a page of its own.
#[derive(Debug)]
pub enum PageError {
    Refused(ApiError),
    Page(Response),
}

/// What a page handler answers.
pub type PageResult = Result<Response, PageError>;

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::Refused(err) => refusal(&err),
            Self::Page(page) => page,
        }
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        Self::Refused(err)
    }
}

impl From<usher_app::Error> for PageError {
    fn from(err: usher_app::Error) -> Self {
        Self::Refused(err.into())
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        Self::Refused(err.into())
    }
}

impl From<Reason> for PageError {
    fn from(reason: Reason) -> Self {
        Self::Refused(reason.into())
    }
}

impl From<Response> for PageError {
    fn from(page: Response) -> Self {
        Self::Page(page)
    }
}

/// A refusal as a page, in the language of the request being answered: a heading
/// for its status, its sentence, and the way home.
pub fn refusal(err: &ApiError) -> Response {
    match err {
        ApiError::Unavailable => return unavailable(),
        ApiError::Internal(cause) => {
            tracing::error!(error = %cause, "page failed");
            return broken();
        }
        _ => {}
    }
    let locale = answering_in();
    let (status, _) = err.status_and_code();
    let heading = match status {
        StatusCode::FORBIDDEN => "refusal-heading-forbidden",
        StatusCode::NOT_FOUND => "refusal-heading-not-found",
        StatusCode::GONE => "refusal-heading-gone",
        StatusCode::TOO_MANY_REQUESTS => "refusal-heading-too-many",
        _ => "refusal-heading-other",
    };
    let text = match err {
        ApiError::Refused(Reason::Invalid(fields)) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field.replace('_', " "), f.message_in(locale)))
            .collect::<Vec<_>>()
            .join("; "),
        other => sentence(other, locale),
    };
    let mut page = page_saying(locale, status, &locale.text(heading, &[]), &text, HOME);
    if let ApiError::Refused(Reason::TooManyRequests { retry_after_secs }) = err {
        page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    page
}

/// A refusal's sentence in `locale` (the API's `detail` in English).
pub fn sentence(err: &ApiError, locale: Locale) -> String {
    match err {
        ApiError::Refused(reason) => reason.detail_in(locale),
        ApiError::PayloadTooLarge => locale.text("refused-too-large", &[]),
        other => other.detail(),
    }
}

/// The 403 page of a form post without its CSRF pair.
pub fn csrf_refused() -> Response {
    said(StatusCode::FORBIDDEN, "refusal-csrf-heading", "refusal-csrf", &[], HOME)
}

/// The way on from a page that has nothing else to offer: Usher's home (one's groups,
/// or a welcome with "Sign in").
const HOME: &[(&str, &str)] = &[("home", "/")];

/// A page that only says something: `heading` and `text` (words in `locale`), and
/// ways on as buttons, `(message id, path)`.
fn page_saying(locale: Locale, status: StatusCode, heading: &str, text: &str, ways: &[(&str, &str)]) -> Response {
    let ways: Vec<(String, &str)> = ways.iter().map(|(label, path)| (locale.text(label, &[]), *path)).collect();
    render(status, "message.html", minijinja::context! { heading, text, ways, locale => locale.tag() })
}

/// What an invite-like link is, in a refusal's words (`what-*` in the translations).
#[derive(Debug, Clone, Copy)]
pub enum What {
    Invite,
    SignInLink,
}

impl What {
    fn words(self, locale: Locale) -> String {
        locale.text(
            match self {
                Self::Invite => "what-invite",
                Self::SignInLink => "what-sign-in-link",
            },
            &[],
        )
    }
}

/// A page that only says something, in `locale`: the heading and sentence are
/// message ids (`text` with `args`), the ways on `(message id, path)`.
pub fn said_in(
    locale: Locale,
    status: StatusCode,
    heading: &str,
    text: &str,
    args: &[(&str, String)],
    ways: &[(&str, &str)],
) -> Response {
    page_saying(locale, status, &locale.text(heading, &[]), &locale.text(text, args), ways)
}

/// [`said_in`] the language of the request being answered.
pub fn said(status: StatusCode, heading: &str, text: &str, args: &[(&str, String)], ways: &[(&str, &str)]) -> Response {
    said_in(answering_in(), status, heading, text, args, ways)
}

/// Why an invite or link no longer works, in words and in `locale`, with 410, and the
/// way on for someone who already has an account.
pub fn gone(status: InviteStatus, what: What, locale: Locale) -> Response {
    let (heading, text) = match status {
        InviteStatus::Expired => ("gone-expired", "gone-expired-text"),
        InviteStatus::Revoked => ("gone-revoked", "gone-revoked-text"),
        InviteStatus::UsedUp | InviteStatus::Active => ("gone-used", "gone-used-text"),
    };
    let what = [("what", what.words(locale))];
    said_in(locale, StatusCode::GONE, heading, text, &what, &[("sign-in", "/login")])
}

/// An invite or link that does not exist, in `locale`, with the way home.
pub fn not_found(what: What, locale: Locale) -> Response {
    let what = [("what", what.words(locale))];
    said_in(locale, StatusCode::NOT_FOUND, "not-found", "not-found-text", &what, HOME)
}

/// A storage failure as a page: 503 when it will pass, 500 otherwise (cause logged).
pub fn failure(err: StoreError) -> Response {
    match err {
        StoreError::Unavailable(cause) => {
            tracing::warn!(error = %cause, "database unavailable");
            unavailable()
        }
        other => {
            tracing::error!(error = %other, "page failed");
            broken()
        }
    }
}

/// 503 with `Retry-After`: the database is down or busy, and it will pass.
fn unavailable() -> Response {
    let mut page = said(StatusCode::SERVICE_UNAVAILABLE, "refusal-busy-heading", "refusal-busy", &[], &[]);
    page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    page
}

/// 500: a bug or an unexpected failure (the cause is in the log, not on the page).
fn broken() -> Response {
    said(StatusCode::INTERNAL_SERVER_ERROR, "refusal-broken-heading", "refusal-broken", &[], HOME)
}
