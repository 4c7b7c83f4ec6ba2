//! Failed mail in the console: what could not be delivered and why; send it again.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use minijinja::context;

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    extract::{ApiQuery, Id},
    pages::{
        self, OnPage, PageResult,
        access::AdminViewer,
        csrf::{ButtonForm, CheckedForm},
    },
    views::{Paginated, admin::OutboxView},
};

use super::Cursor;

const MAIL: &str = "/admin/mail";

/// The mail that failed for good, with the last error.
#[utoipa::path(
    get,
    path = "/admin/mail",
    tag = "pages",
    params(Cursor),
    responses(
        (status = 200, description = "Failed mail, each with a retry button", content_type = "text/html", body = String),
    ),
)]
pub async fn failed(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(cursor)): OnPage<ApiQuery<Cursor>>,
) -> PageResult {
    let mail = state.list_outbox(&viewer.actor(), cursor.list(Some("failed"))).await?;
    let mail = Paginated::of(mail, |r| OutboxView::from(r));
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/mail.html", context! { section => "mail", mail }))
}

/// Only the failed mail page's buttons post here.
#[utoipa::path(get, path = "/admin/mail/{id}/retry", tag = "pages", params(docs::IdPath), responses(docs::ToItsPage))]
pub async fn to_failed() -> PageResult {
    Ok(pages::redirect(MAIL))
}

/// Queues a failed message again.
#[utoipa::path(
    post,
    path = "/admin/mail/{id}/retry",
    tag = "pages",
    params(docs::IdPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Queued again: back to the failed mail"),
        (status = 400, description = "Only failed messages are retried"),
        (status = 404, description = "No such message"),
    ),
)]
pub async fn retry(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.retry_mail(&viewer.actor(), id).await?;
    Ok(flash::redirect_with(MAIL, Flash::MailQueued))
}
