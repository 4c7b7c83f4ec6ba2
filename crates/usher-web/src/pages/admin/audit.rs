//! The audit log in the console, readable: who did what in words ("revoked an
//! invite", in the admin's language), a link to what it was done to, searched by
//! action, person, target and dates.

use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
};
use chrono::{NaiveDate, NaiveTime};
use minijinja::context;
use serde::{Deserialize, Serialize};
use usher_app::{audit::AuditQuery, lists::ListRequest};
use usher_i18n::Locale;
use utoipa::IntoParams;

use crate::{
    AppState,
    error::ApiError,
    extract::ApiQuery,
    pages::{self, OnPage, PageResult, access::AdminViewer},
    views::admin::AuditView,
};

/// Each action, and the message that says it in words ("revoked an invite"), for the log
/// and its filter; one not listed shows its code.
const ACTIONS: &[(&str, &str)] = &[
    ("invite.created", "admin-did-invite-created"),
    ("invite.revoked", "admin-did-invite-revoked"),
    ("invite.accepted", "admin-did-invite-accepted"),
    ("invite.resent", "admin-did-invite-resent"),
    ("invite.link_copied", "admin-did-invite-link-copied"),
    ("login_link.created", "admin-did-login-link-created"),
    ("login_link.redeemed", "admin-did-login-link-redeemed"),
    ("login_link.revoked", "admin-did-login-link-revoked"),
    ("user.registered", "admin-did-user-registered"),
    ("user.login", "admin-did-user-login"),
    ("user.login_failed", "admin-did-user-login-failed"),
    ("user.created", "admin-did-user-created"),
    ("user.updated", "admin-did-user-updated"),
    ("user.deleted", "admin-did-user-deleted"),
    ("user.email_verified", "admin-did-user-email-verified"),
    ("user.signed_out_elsewhere", "admin-did-user-signed-out-elsewhere"),
    ("group.created", "admin-did-group-created"),
    ("group.updated", "admin-did-group-updated"),
    ("group.deleted", "admin-did-group-deleted"),
    ("member.role_changed", "admin-did-member-role-changed"),
    ("member.removed", "admin-did-member-removed"),
    ("app.created", "admin-did-app-created"),
    ("app.updated", "admin-did-app-updated"),
    ("app.deleted", "admin-did-app-deleted"),
    ("api_key.created", "admin-did-api-key-created"),
    ("api_key.revoked", "admin-did-api-key-revoked"),
    ("email.retried", "admin-did-email-retried"),
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
    let locale = pages::answering_in();
    let events: Vec<_> = listed.items.iter().map(|e| described(&AuditView::from(e), locale)).collect();
    let actions: Vec<_> = ACTIONS.iter().map(|(code, id)| context! { code, words => locale.text(id, &[]) }).collect();
    let context = context! { section => "audit", events, older, search, actions };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/audit.html", context))
}

/// An event as the log shows it: in words, with a link to its target.
fn described(event: &AuditView, locale: Locale) -> minijinja::Value {
    let action = ACTIONS.iter().find(|(code, _)| *code == event.action);
    let words = action.map_or_else(|| event.action.clone(), |(_, id)| locale.text(id, &[]));
    let (what, href) = target(event, locale);
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
fn target(event: &AuditView, locale: Locale) -> (String, Option<String>) {
    let said = |id: &str| locale.text(id, &[]);
    let id = event.target_id.clone().unwrap_or_default();
    let history = Some(format!("/admin/audit?target={id}"));
    match (event.target_kind.as_str(), event.group_id) {
        ("group", _) => (said("admin-target-group"), Some(format!("/groups/{id}"))),
        ("invite", Some(group)) => (said("admin-target-invite"), Some(format!("/groups/{group}/invites/{id}"))),
        ("invite", None) if event.action.starts_with("login_link.") => {
            (said("admin-target-sign-in-link"), Some(format!("/admin/login-links/{id}")))
        }
        ("invite", None) => (said("admin-target-invite"), history),
        ("member", Some(group)) => (said("admin-target-member"), Some(format!("/groups/{group}"))),
        ("app", _) => (said("admin-target-app"), Some(format!("/admin/apps/{id}"))),
        // By its name when the event kept it (its making); its history either way.
        ("api_key", _) => (
            event.details.get("name").and_then(|n| n.as_str()).map_or_else(
                || said("admin-target-api-key"),
                |name| locale.text("admin-target-api-key-named", &[("name", name.to_owned())]),
            ),
            history,
        ),
        ("outbox", _) => (said("admin-target-email"), Some("/admin/mail".into())),
        ("user", _) => (
            event
                .details
                .get("username")
                .and_then(|u| u.as_str())
                .map_or_else(|| said("admin-target-user"), |u| format!("@{u}")),
            history,
        ),
        // A kind of thing this log does not know yet: its code.
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
    fn every_action_is_said_in_every_shipped_language() {
        for locale in Locale::ALL {
            for (code, id) in ACTIONS {
                assert_ne!(locale.text(id, &[]), *id, "{code} has no words in {}", locale.tag());
            }
        }
        assert_eq!(Locale::En.text("admin-did-invite-revoked", &[]), "revoked an invite");
    }

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
