//! The audit log in the console: who did what, newest first, filtered like the API.

use std::collections::BTreeMap;

use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
};
use minijinja::context;

use crate::{
    AppState,
    extract::ApiQuery,
    pages::{self, OnPage, PageResult, access::AdminViewer},
    views::{
        Paginated,
        admin::{AuditQuery, AuditView},
    },
};

/// The instance's audit log (the API's filters: action, actor, target, since, until).
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "pages",
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit events, newest first", content_type = "text/html", body = String),
        (status = 400, description = "A filter is refused"),
    ),
)]
pub async fn log(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(query)): OnPage<ApiQuery<AuditQuery>>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let events = Paginated::of(state.audit_log(&viewer.actor(), query.into()).await?, |r| AuditView::from(r));
    let older = events.next_cursor.as_deref().map(|cursor| next_page(raw.as_deref(), cursor));
    // The filters as typed, to show them in the form again.
    let filters: BTreeMap<String, String> =
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
    let context = context! { section => "audit", events, older, filters };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/audit.html", context))
}

/// The query of the next page: these filters, and `cursor`.
fn next_page(query: Option<&str>, cursor: &str) -> String {
    let kept = form_urlencoded::parse(query.unwrap_or_default().as_bytes()).filter(|(key, _)| key != "cursor");
    form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).append_pair("cursor", cursor).finish()
}

#[cfg(test)]
mod tests {
    use super::next_page;

    #[test]
    fn the_next_page_keeps_the_filters() {
        assert_eq!(next_page(Some("action=invite.created&cursor=old"), "new"), "action=invite.created&cursor=new");
        assert_eq!(next_page(None, "c"), "cursor=c");
    }
}
