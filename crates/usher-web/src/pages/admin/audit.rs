//! The audit log in the console, readable: who did what in words ("revoked an
//! invite"), a link to what it was done to, searched by action, person, target and
//! dates.

use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
};
use chrono::{NaiveDate, NaiveTime};
use minijinja::context;
use serde::{Deserialize, Serialize};
use usher_app::{audit::AuditQuery, lists::ListRequest};
use utoipa::IntoParams;

use crate::{
    AppState,
    error::ApiError,
    extract::ApiQuery,
    pages::{self, OnPage, PageResult, access::AdminViewer},
    views::admin::AuditView,
};

/// Each action in words, for the log and its filter; one not listed shows its code.
const ACTIONS: &[(&str, &str)] = &[
    ("invite.created", "created an invite"),
    ("invite.revoked", "revoked an invite"),
    ("invite.accepted", "joined through an invite"),
    ("invite.resent", "sent an invitation again"),
    ("invite.link_copied", "made a fresh invitation link"),
    ("login_link.created", "made a sign-in link"),
    ("login_link.redeemed", "signed in with a link"),
    ("login_link.revoked", "revoked a sign-in link"),
    ("user.registered", "signed up"),
    ("user.login", "signed in"),
    ("user.login_failed", "failed to sign in"),
    ("user.created", "created a user"),
    ("user.updated", "changed a user"),
    ("user.deleted", "deleted a user"),
    ("user.email_verified", "verified their email address"),
    ("user.signed_out_elsewhere", "signed out everywhere else"),
    ("group.created", "created a group"),
    ("group.updated", "changed a group"),
    ("group.deleted", "deleted a group"),
    ("member.role_changed", "changed a member's role"),
    ("member.removed", "removed a member"),
    ("app.created", "registered an app"),
    ("app.updated", "changed an app"),
    ("app.deleted", "deleted an app"),
    ("email.retried", "queued an email again"),
];

/// The search form, as a browser sends it (empty fields are no filter).
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditSearch {
    /// An action, e.g. `invite.revoked`.
    #[serde(default)]
    action: String,
    /// Who acted: a username.
    #[serde(default)]
    actor: String,
    /// What it was done to: an id.
    #[serde(default)]
    target: String,
    /// From this day (`YYYY-MM-DD`, UTC, inclusive).
    #[serde(default)]
    since: String,
    /// Up to this day (`YYYY-MM-DD`, UTC, inclusive).
    #[serde(default)]
    until: String,
    /// `next_cursor` of the page before.
    #[serde(default, skip_serializing)]
    #[param(value_type = Option<uuid::Uuid>)]
    cursor: Option<String>,
}

impl AuditSearch {
    fn query(&self) -> Result<AuditQuery, ApiError> {
        let day = |field: &str, text: &str, time: NaiveTime| match text.trim() {
            "" => Ok(None),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| Some(d.and_time(time).and_utc()))
                .map_err(|_| ApiError::field(field, usher_domain::Invalid::new("invalid-day"))),
        };
        Ok(AuditQuery {
            action: pages::form_text(&self.action),
            actor: pages::form_text(&self.actor),
            target: pages::form_text(&self.target),
            since: day("since", &self.since, NaiveTime::MIN)?,
            until: day("until", &self.until, NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap_or(NaiveTime::MIN))?,
            list: ListRequest { cursor: self.cursor.clone(), ..ListRequest::default() },
        })
    }
}

/// The instance's audit log, newest first, searched.
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "pages",
    params(AuditSearch),
    responses(
        (status = 200, description = "Audit events in words, newest first", content_type = "text/html", body = String),
        (status = 400, description = "A search field is refused"),
    ),
)]
pub async fn log(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(search)): OnPage<ApiQuery<AuditSearch>>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let listed = state.audit_log(&viewer.actor(), search.query()?).await?;
    let older = listed.next_cursor.as_ref().map(|cursor| next_page(raw.as_deref(), &cursor.to_string()));
    let events: Vec<_> = listed.items.iter().map(|e| described(&AuditView::from(e))).collect();
    let actions: Vec<_> = ACTIONS.iter().map(|(code, words)| context! { code, words }).collect();
    let context = context! { section => "audit", events, older, search, actions };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/audit.html", context))
}

/// An event as the log shows it: in words, with a link to its target.
fn described(event: &AuditView) -> minijinja::Value {
    let words = ACTIONS.iter().find(|(code, _)| *code == event.action).map_or(event.action.as_str(), |(_, w)| w);
    let (what, href) = target(event);
    context! {
        at => event.at.to_rfc3339(),
        who => event.actor_username.as_ref().map(|u| format!("@{u}")),
        deleted_actor => event.actor_id.is_some() && event.actor_username.is_none(),
        words,
        action => &event.action,
        what,
        href,
        client_ip => &event.client_ip,
    }
}

/// What an event was done to, in words, and where to see it.
fn target(event: &AuditView) -> (String, Option<String>) {
    let id = event.target_id.clone().unwrap_or_default();
    let history = Some(format!("/admin/audit?target={id}"));
    match (event.target_kind.as_str(), event.group_id) {
        ("group", _) => ("a group".into(), Some(format!("/groups/{id}"))),
        ("invite", Some(group)) => ("an invite".into(), Some(format!("/groups/{group}/invites/{id}"))),
        ("invite", None) if event.action.starts_with("login_link.") => {
            ("a sign-in link".into(), Some(format!("/admin/login-links/{id}")))
        }
        ("invite", None) => ("an invite".into(), history),
        ("member", Some(group)) => ("a member".into(), Some(format!("/groups/{group}"))),
        ("app", _) => ("an app".into(), Some(format!("/admin/apps/{id}"))),
        ("outbox", _) => ("an email".into(), Some("/admin/mail".into())),
        ("user", _) => (
            event.details.get("username").and_then(|u| u.as_str()).map_or("a user".into(), |u| format!("@{u}")),
            history,
        ),
        (kind, _) => (kind.replace('_', " "), history),
    }
}

/// The query of the next page: these filters, and `cursor`.
fn next_page(query: Option<&str>, cursor: &str) -> String {
    let kept = form_urlencoded::parse(query.unwrap_or_default().as_bytes()).filter(|(key, _)| key != "cursor");
    form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).append_pair("cursor", cursor).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filters() {
        assert_eq!(next_page(Some("action=invite.created&cursor=old"), "new"), "action=invite.created&cursor=new");
        assert_eq!(next_page(None, "c"), "cursor=c");
    }

    #[test]
    fn days_are_whole_days_in_utc() {
        let search = AuditSearch { since: "2026-12-01".into(), until: "2026-12-02".into(), ..AuditSearch::default() };
        let query = search.query().unwrap();
        assert_eq!(query.since.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(query.until.unwrap().to_rfc3339(), "2026-12-02T23:59:59.999+00:00");
        let bad = AuditSearch { since: "yesterday".into(), ..AuditSearch::default() };
        assert!(bad.query().is_err());
    }
}
