//! `/admin`: the instance admins' console — registration invites, users and their
//! login links, applications (OpenID Connect), API keys, failed mail, the audit log.
//! Each page reads and writes through the application's operations, the very ones the
//! API calls, so the console and the API cannot disagree on a rule; the pages only
//! turn forms into those calls and answers into HTML.

mod api_keys;
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
        .routes(routes!(api_keys::list, api_keys::create))
        .routes(routes!(api_keys::confirm_revoke, api_keys::revoke))
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

    /// The ids the console puts together (the ids it names whole are checked with
    /// everyone else's, in `usher-i18n`'s tests): an invite's status, an email's kind.
    #[test]
    fn every_status_and_kind_of_mail_has_its_words_in_every_language() {
        let mut ids: Vec<String> =
            InviteStatus::ALL.map(|s| format!("admin-status-{}", s.as_str().replace('_', "-"))).into();
        ids.extend(TEMPLATES.map(|t| format!("admin-mail-{}", t.replace('_', "-"))));
        for locale in Locale::ALL {
            let shipped = usher_i18n::message_ids(locale);
            for id in &ids {
                assert!(shipped.contains(id), "{id} is not a message in {}", locale.tag());
            }
        }
    }
}
