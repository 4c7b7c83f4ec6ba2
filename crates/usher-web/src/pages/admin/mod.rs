//! `/admin`: the instance admins' console — registration invites, users and their
//! login links, applications (OpenID Connect), failed mail, the audit log. Each page reads and writes through the
//! application's operations, the very ones the API calls, so the console and the API
//! cannot disagree on a rule; the pages only turn forms into those calls and answers
//! into HTML.

mod apps;
mod audit;
mod invites;
mod mail;
mod mail_previews;
mod users;

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::lists::ListRequest;

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invites::console))
        .routes(routes!(invites::to_console, invites::create))
        .routes(routes!(invites::show))
        .routes(routes!(invites::confirm_revoke, invites::revoke))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::to_users_from_disabled, users::set_disabled))
        .routes(routes!(users::confirm_delete, users::delete))
        .routes(routes!(users::new_login_link, users::create_login_link))
        .routes(routes!(users::show_login_link))
        .routes(routes!(users::confirm_revoke_link, users::revoke_link))
        .routes(routes!(mail::failed))
        .routes(routes!(mail::to_failed, mail::retry))
        .routes(routes!(mail_previews::list))
        .routes(routes!(mail_previews::html))
        .routes(routes!(audit::log))
        .routes(routes!(apps::list, apps::create))
        .routes(routes!(apps::show, apps::update))
        .routes(routes!(apps::confirm_rotate, apps::rotate))
        .routes(routes!(apps::confirm_delete, apps::delete))
}

/// `?q=&show=&cursor=`: a console list's search — text to find, which of the list to
/// show (each list names its choices), and the page after the one shown.
#[derive(Debug, Default, Deserialize, serde::Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Search {
    /// Text to find (at most 100 characters).
    #[serde(default)]
    q: String,
    /// Which of the list: users `enabled`, `disabled` or `admins`; invites `active`.
    /// Empty: all of it.
    #[serde(default)]
    show: String,
    /// `next_cursor` of the page before.
    #[serde(default, skip_serializing)]
    #[param(value_type = Option<uuid::Uuid>)]
    cursor: Option<String>,
}

impl Search {
    /// The text to find, if any.
    fn text(&self) -> Option<String> {
        crate::pages::form_text(&self.q)
    }

    /// The query of the next page: this search, from `cursor`.
    fn next(&self, cursor: &str) -> String {
        let pairs = [("q", self.q.as_str()), ("show", self.show.as_str()), ("cursor", cursor)];
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
            .finish()
    }
}

/// `?cursor=`: the page of a list after the one shown.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Cursor {
    /// `next_cursor` of the page before.
    #[param(value_type = Option<uuid::Uuid>)]
    cursor: Option<String>,
}

impl Cursor {
    /// The list request for this page, with `status`.
    fn list(self, status: Option<&str>) -> ListRequest {
        ListRequest { cursor: self.cursor, ..ListRequest::first(status) }
    }
}

#[cfg(test)]
mod tests {
    use usher_app::mail_previews::TEMPLATES;
    use usher_domain::invite::InviteStatus;
    use usher_i18n::Locale;

    /// The console's templates and handlers, for the messages they name.
    const SOURCES: &[(&str, &str)] = &[
        ("app.html", include_str!("../../../templates/admin/app.html")),
        ("apps.html", include_str!("../../../templates/admin/apps.html")),
        ("audit.html", include_str!("../../../templates/admin/audit.html")),
        ("invite.html", include_str!("../../../templates/admin/invite.html")),
        ("invites.html", include_str!("../../../templates/admin/invites.html")),
        ("login_link.html", include_str!("../../../templates/admin/login_link.html")),
        ("mail.html", include_str!("../../../templates/admin/mail.html")),
        ("mail_previews.html", include_str!("../../../templates/admin/mail_previews.html")),
        ("nav.html", include_str!("../../../templates/admin/nav.html")),
        ("new_login_link.html", include_str!("../../../templates/admin/new_login_link.html")),
        ("users.html", include_str!("../../../templates/admin/users.html")),
        ("apps.rs", include_str!("apps.rs")),
        ("audit.rs", include_str!("audit.rs")),
        ("invites.rs", include_str!("invites.rs")),
        ("users.rs", include_str!("users.rs")),
    ];

    /// The message ids `source` names whole: `t("id")` or `t("id", …)` in a template,
    /// `text("id", …)` or `said("id")` in a handler (not an id put together, such as
    /// `"admin-status-" ~ status`).
    fn named(source: &str) -> Vec<&str> {
        let mut ids = Vec::new();
        for call in ["t(\"", "text(\"", "said(\""] {
            for (at, _) in source.match_indices(call) {
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &source[at + call.len()..];
                let Some(end) = rest.find('"') else { continue };
                if rest[end + 1..].starts_with([')', ',']) {
                    ids.push(&rest[..end]);
                }
            }
        }
        ids
    }

    #[test]
    fn every_message_the_console_names_is_shipped_in_every_language() {
        let mut ids: Vec<String> = Vec::new();
        for (file, source) in SOURCES {
            let found = named(source);
            assert!(!found.is_empty(), "{file} names no message");
            ids.extend(found.into_iter().map(str::to_owned));
        }
        // The ones put together: an invite's status, an email's kind.
        ids.extend(InviteStatus::ALL.map(|s| format!("admin-status-{}", s.as_str().replace('_', "-"))));
        ids.extend(TEMPLATES.map(|t| format!("admin-mail-{}", t.replace('_', "-"))));
        assert!(ids.len() > 100, "{ids:?}");
        for locale in Locale::ALL {
            let shipped = usher_i18n::message_ids(locale);
            for id in &ids {
                assert!(shipped.contains(id), "{id} is not a message in {}", locale.tag());
            }
        }
    }
}
