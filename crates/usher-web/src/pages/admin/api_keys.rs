//! API keys in the console (SPEC §10.3): make one for an application's back-end (its
//! scopes ticked, a group it is limited to by slug, a lifetime) and see the key once,
//! with a copy button, on the page the form leads to; list them (never the key); revoke
//! one behind a confirmation.

use axum::{extract::State, http::HeaderMap};
use minijinja::context;
use serde::{Deserialize, Deserializer, Serialize};
use usher_app::api_keys::NewKey;
use usher_domain::api_key::Scope;
use usher_i18n::Locale;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    extract::Id,
    pages::{
        self, FormRefusal, OnPage, PageResult, Preset,
        access::AdminViewer,
        csrf::{self, ButtonForm, CheckedForm},
        reveal::{self, Reveal},
    },
    views::admin::ApiKeyView,
};

const API_KEYS: &str = "/admin/api-keys";

/// The lifetime offered first, in days.
const DEFAULT_DAYS: &str = "90";

/// The keys, and a form for a new one; a key just made, this once.
#[utoipa::path(
    get,
    path = "/admin/api-keys",
    tag = "pages",
    responses(
        (status = 200, description = "The keys (never the keys themselves), the new-key form; a key just made, once", content_type = "text/html", body = String),
    ),
)]
pub async fn list(State(state): State<AppState>, headers: HeaderMap, viewer: AdminViewer) -> PageResult {
    let made = reveal::take(&state, &headers, Reveal::ApiKey, API_KEYS);
    let new_key = made.as_ref().map(|shown| shown.secret.as_str());
    let page = keys_page(&state, &headers, &viewer, FormRefusal::default(), None, new_key).await?;
    Ok(reveal::finish(made, page))
}

async fn keys_page(
    state: &AppState,
    headers: &HeaderMap,
    viewer: &AdminViewer,
    refused: FormRefusal,
    form: Option<&NewKeyForm>,
    new_key: Option<&str>,
) -> PageResult {
    let keys: Vec<ApiKeyView> = state.api_keys(&viewer.actor()).await?.iter().map(ApiKeyView::from).collect();
    let locale = pages::answering_in();
    let ticked = |scope: &str| form.is_some_and(|form| form.scopes.iter().any(|s| s == scope));
    let scopes: Vec<_> = Scope::ALL
        .iter()
        .map(|scope| {
            let name = scope.as_str();
            let words = locale.text(&format!("admin-scope-{}", name.replace(':', "-")), &[]);
            context! { name, id => format!("scope-{}", name.replace(':', "-")), words, ticked => ticked(name) }
        })
        .collect();
    let days = form.map_or(DEFAULT_DAYS, |form| form.expires_in_days.trim());
    let context = context! {
        section => "api_keys",
        keys,
        new_key,
        form,
        scopes,
        lifetimes => lifetimes(days, locale),
        errors => refused.errors,
        error => refused.error,
    };
    Ok(pages::form_page(state, headers, refused.status, "admin/api_keys.html", context))
}

/// The lifetimes offered, in days (a week, a month, a quarter, a year, never), with
/// `chosen` selected.
fn lifetimes(chosen: &str, locale: Locale) -> Vec<Preset> {
    let mut presets: Vec<Preset> = [7, 30, 90, 365]
        .into_iter()
        .map(|days: i64| {
            let label = match days {
                365 => locale.text("admin-key-one-year", &[]),
                days => locale.text("preset-days", &[("n", days.to_string())]),
            };
            let value = days.to_string();
            Preset { selected: value == chosen, value, label }
        })
        .collect();
    presets.push(Preset { value: String::new(), label: locale.text("preset-never", &[]), selected: chosen.is_empty() });
    presets
}

/// The new-key form. Its boxes share one name, so the form is read pair by pair.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct NewKeyForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    /// One `scopes` field a ticked box: `groups:read`, `members:write`, …
    scopes: Vec<String>,
    /// A group's slug: the key acts on that group only. Empty: every group.
    #[serde(default)]
    group: String,
    /// Days, from 1 to 1826; empty: never expires.
    #[serde(default)]
    expires_in_days: String,
}

impl<'de> Deserialize<'de> for NewKeyForm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut form = Self::default();
        for (field, value) in Vec::<(String, String)>::deserialize(deserializer)? {
            match field.as_str() {
                "csrf" => form.csrf = value,
                "name" => form.name = value,
                "scopes" => form.scopes.push(value),
                "group" => form.group = value,
                "expires_in_days" => form.expires_in_days = value,
                _ => {}
            }
        }
        Ok(form)
    }
}

/// Makes a key and shows it this once, on the list.
#[utoipa::path(
    post,
    path = "/admin/api-keys",
    tag = "pages",
    request_body(content = NewKeyForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Made: back to the keys, which show the new key once"),
        docs::FieldRefused,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    CheckedForm(form): CheckedForm<NewKeyForm>,
) -> PageResult {
    let made = async {
        let expires_in_days = pages::form_number("expires_in_days", &form.expires_in_days)?;
        let new = NewKey {
            name: form.name.clone(),
            scopes: form.scopes.clone(),
            group_id: None,
            group_slug: Some(form.group.clone()),
            expires_in_days,
        };
        Ok::<_, crate::error::ApiError>(state.create_api_key(&viewer.actor(), new).await?)
    };
    let refused = match made.await {
        Ok(made) => {
            let redirect = flash::redirect_with(API_KEYS, Flash::ApiKeyMade);
            return Ok(reveal::with_secret(&state, redirect, API_KEYS, Reveal::ApiKey, &made.key));
        }
        Err(err) => FormRefusal::again(err)?,
    };
    keys_page(&state, &headers, &viewer, refused, Some(&form), None).await
}

/// Asks before revoking a key.
#[utoipa::path(
    get,
    path = "/admin/api-keys/{id}/revoke",
    tag = "pages",
    params(docs::IdPath),
    responses(
        docs::ConfirmRevoke,
        (status = 404, description = "No such key"),
    ),
)]
pub async fn confirm_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
) -> PageResult {
    let keys = state.api_keys(&viewer.actor()).await?;
    let key = keys.into_iter().find(|key| key.id == id).ok_or(usher_app::Reason::NotFound)?;
    let locale = pages::answering_in();
    let text = locale.text("admin-confirm-revoke-key-text", &[("name", key.name)]);
    let (heading, button) = (locale.text("admin-confirm-revoke-key", &[]), locale.text("confirm-revoke-button", &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, API_KEYS))
}

/// Revokes a key: whatever uses it is refused from now on.
#[utoipa::path(
    post,
    path = "/admin/api-keys/{id}/revoke",
    tag = "pages",
    params(docs::IdPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Revoked: back to the keys"),
        (status = 404, description = "No such key"),
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.revoke_api_key(&viewer.actor(), id).await?;
    Ok(flash::redirect_with(API_KEYS, Flash::ApiKeyRevoked))
}

csrf::protected!(NewKeyForm);

#[cfg(test)]
mod tests {
    use axum::extract::FromRequest;

    use super::*;

    #[test]
    fn every_scope_is_described_in_every_language() {
        for locale in Locale::ALL {
            for scope in Scope::ALL {
                let id = format!("admin-scope-{}", scope.as_str().replace(':', "-"));
                assert_ne!(locale.text(&id, &[]), id, "{} in {}", scope.as_str(), locale.tag());
            }
        }
    }

    #[tokio::test]
    async fn the_form_reads_every_ticked_box() {
        let body = "csrf=t&name=Billing&scopes=groups%3Aread&scopes=members%3Awrite&expires_in_days=30&other=x";
        let request = axum::http::Request::builder()
            .method("POST")
            .header("content-type", docs::FORM)
            .body(axum::body::Body::from(body))
            .unwrap();
        let axum::Form(form) = axum::Form::<NewKeyForm>::from_request(request, &()).await.unwrap();
        assert_eq!((form.csrf.as_str(), form.name.as_str()), ("t", "Billing"));
        assert_eq!(form.scopes, ["groups:read", "members:write"]);
        assert_eq!((form.group.as_str(), form.expires_in_days.as_str()), ("", "30"));
    }

    #[test]
    fn the_lifetime_chosen_stays_selected() {
        let selected = |chosen| {
            lifetimes(chosen, Locale::En).into_iter().filter(|p| p.selected).map(|p| p.label).collect::<Vec<_>>()
        };
        assert_eq!(selected("90"), ["90 days"]);
        assert_eq!(selected("365"), ["1 year"]);
        assert_eq!(selected(""), ["Never"]);
        assert!(selected("12").is_empty(), "a value not offered selects nothing");
    }
}
