//! Applications in the console (SPEC §10.1): register one (its secret shown once, with
//! a copy button), list them, change one (URIs, home page, first-party, the groups it
//! is limited to), rotate a secret or delete behind a confirmation.

use axum::{extract::State, http::HeaderMap, response::Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use usher_app::apps::{AppSettings, Registered};

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    extract::{ApiQuery, Id},
    pages::{
        self, FormRefusal, OnPage, PageResult,
        access::AdminViewer,
        csrf::{self, ButtonForm, CheckedForm},
        reveal::{self, Reveal},
    },
    views::{Paginated, admin::AppView},
};

use super::Cursor;

const APPS: &str = "/admin/apps";

/// The apps, and a form for a new one.
#[utoipa::path(
    get,
    path = "/admin/apps",
    tag = "pages",
    params(Cursor),
    responses(
        (status = 200, description = "The apps and the new-app form", content_type = "text/html", body = String),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(cursor)): OnPage<ApiQuery<Cursor>>,
) -> PageResult {
    apps_page(&state, &headers, &viewer, cursor, FormRefusal::default(), None).await
}

async fn apps_page(
    state: &AppState,
    headers: &HeaderMap,
    viewer: &AdminViewer,
    cursor: Cursor,
    refused: FormRefusal,
    form: Option<&NewAppForm>,
) -> PageResult {
    let apps = state.list_apps(&viewer.actor(), cursor.list(None)).await?;
    let apps = Paginated::of(apps, |a| AppView::from(a));
    let context = context! { section => "apps", apps, form, errors => refused.errors, error => refused.error };
    Ok(pages::form_page(state, headers, refused.status, "admin/apps.html", context))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewAppForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    /// One URL a line.
    redirect_uris: String,
    #[serde(default)]
    home_url: String,
    /// Present (a checked box): a public app (no secret; PKCE).
    public: Option<String>,
    /// Present (a checked box): nobody is asked to consent.
    first_party: Option<String>,
}

/// Registers an app and shows its secret this once.
#[utoipa::path(
    post,
    path = "/admin/apps",
    tag = "pages",
    request_body(content = NewAppForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Registered: on to its page, which shows a confidential app's secret once"),
        docs::FieldRefused,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    CheckedForm(form): CheckedForm<NewAppForm>,
) -> PageResult {
    let settings = AppSettings {
        name: Some(form.name.clone()),
        redirect_uris: Some(lines(&form.redirect_uris)),
        public: Some(form.public.is_some()),
        first_party: Some(form.first_party.is_some()),
        home_url: Some(pages::form_text(&form.home_url)),
        ..AppSettings::default()
    };
    let refused = match state.create_app(&viewer.actor(), settings, None).await {
        Ok(registered) => return Ok(to_app_showing_secret(&state, registered, Flash::AppRegistered)),
        Err(err) => FormRefusal::again(err)?,
    };
    apps_page(&state, &headers, &viewer, Cursor::default(), refused, Some(&form)).await
}

/// One app's settings, to change.
#[utoipa::path(
    get,
    path = "/admin/apps/{id}",
    tag = "pages",
    params(docs::IdPath),
    responses(
        (status = 200, description = "The app's settings in a form", content_type = "text/html", body = String),
        (status = 404, description = "No such app"),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
) -> PageResult {
    let actor = viewer.actor();
    let app = state.app(&actor, id).await?;
    let form = AppForm {
        csrf: String::new(),
        name: app.name.clone(),
        redirect_uris: app.redirect_uris.join("\n"),
        post_logout_redirect_uris: app.post_logout_redirect_uris.join("\n"),
        home_url: app.home_url.clone().unwrap_or_default(),
        first_party: app.first_party.then(|| "on".to_owned()),
        allowed_groups: state.allowed_group_slugs(&actor, &app).await?.join(", "),
    };
    // A confidential app's secret, once, on the page its registration or rotation led to.
    let minted = reveal::take(&state, &headers, Reveal::ClientSecret, &app_path(id));
    let app = AppView { client_secret: minted.as_ref().map(|shown| shown.secret.clone()), ..AppView::from(&app) };
    Ok(reveal::finish(minted, app_page(&state, &headers, app, &form, FormRefusal::default())))
}

fn app_page(
    state: &AppState,
    headers: &HeaderMap,
    app: AppView,
    form: &AppForm,
    refused: FormRefusal,
) -> axum::response::Response {
    let context = context! { section => "apps", app, form, errors => refused.errors, error => refused.error };
    pages::form_page(state, headers, refused.status, "admin/app.html", context)
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AppForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    /// One URL a line.
    redirect_uris: String,
    /// One URL a line.
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    home_url: String,
    /// Present (a checked box): nobody is asked to consent.
    first_party: Option<String>,
    /// Group slugs, comma-separated; empty: everyone may sign in.
    #[serde(default)]
    allowed_groups: String,
}

/// Changes an app's settings.
#[utoipa::path(
    post,
    path = "/admin/apps/{id}",
    tag = "pages",
    params(docs::IdPath),
    request_body(content = AppForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Changed: back to the apps"),
        docs::FieldRefused,
        (status = 404, description = "No such app"),
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
    CheckedForm(form): CheckedForm<AppForm>,
) -> PageResult {
    let actor = viewer.actor();
    let refused = match state.groups_by_slug(&actor, &form.allowed_groups).await? {
        Err(invalid) => FormRefusal::again(usher_app::Error::field("allowed_groups", invalid))?,
        Ok(allowed_groups) => {
            let settings = AppSettings {
                name: Some(form.name.clone()),
                redirect_uris: Some(lines(&form.redirect_uris)),
                post_logout_redirect_uris: Some(lines(&form.post_logout_redirect_uris)),
                first_party: Some(form.first_party.is_some()),
                home_url: Some(pages::form_text(&form.home_url)),
                allowed_groups: Some(allowed_groups),
                public: None,
            };
            match state.update_app(&actor, id, settings).await {
                Ok(_) => return Ok(flash::redirect_with(APPS, Flash::AppSaved)),
                Err(err) => FormRefusal::again(err)?,
            }
        }
    };
    let app = state.app(&actor, id).await?;
    Ok(app_page(&state, &headers, AppView::from(&app), &form, refused))
}

/// A textarea's URLs, one a line.
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn app_path(id: Uuid) -> String {
    format!("{APPS}/{id}")
}

/// On to the app's page, which shows its new secret (if it has one) once.
fn to_app_showing_secret(state: &AppState, registered: Registered, flash: Flash) -> Response {
    let to = app_path(registered.app.id);
    let redirect = flash::redirect_with(&to, flash);
    match &registered.client_secret {
        Some(secret) => reveal::with_secret(state, redirect, &to, Reveal::ClientSecret, secret.expose()),
        None => redirect,
    }
}

/// Asks before giving an app a new secret.
#[utoipa::path(
    get,
    path = "/admin/apps/{id}/secret",
    tag = "pages",
    params(docs::IdPath),
    responses(
        (status = 200, description = "Are you sure? A button that rotates", content_type = "text/html", body = String),
        (status = 404, description = "No such app"),
    ),
)]
pub async fn confirm_rotate(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
) -> PageResult {
    let app = state.app(&viewer.actor(), id).await?;
    let locale = pages::answering_in();
    let text = locale.text("admin-confirm-new-secret-text", &[("app", app.name)]);
    let (heading, button) = (locale.text("admin-confirm-new-secret", &[]), locale.text("admin-new-secret", &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, APPS))
}

/// Rotates an app's secret and shows the new one this once.
#[utoipa::path(
    post,
    path = "/admin/apps/{id}/secret",
    tag = "pages",
    params(docs::IdPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "On to the app's page, which shows the new secret once"),
        (status = 400, description = "A public app has no secret"),
        (status = 404, description = "No such app"),
    ),
)]
pub async fn rotate(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    let registered = state.rotate_app_secret(&viewer.actor(), id).await?;
    Ok(to_app_showing_secret(&state, registered, Flash::SecretRotated))
}

/// Asks before deleting an app.
#[utoipa::path(
    get,
    path = "/admin/apps/{id}/delete",
    tag = "pages",
    params(docs::IdPath),
    responses(
        (status = 200, description = "Are you sure? A button that deletes", content_type = "text/html", body = String),
        (status = 404, description = "No such app"),
    ),
)]
pub async fn confirm_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
) -> PageResult {
    let app = state.app(&viewer.actor(), id).await?;
    let locale = pages::answering_in();
    let text = locale.text("admin-confirm-delete-app-text", &[("app", app.name)]);
    let (heading, button) = (locale.text("admin-confirm-delete-app", &[]), locale.text("admin-delete", &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, APPS))
}

/// Deletes an app.
#[utoipa::path(
    post,
    path = "/admin/apps/{id}/delete",
    tag = "pages",
    params(docs::IdPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Deleted: back to the apps"),
        (status = 404, description = "No such app"),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.delete_app(&viewer.actor(), id).await?;
    Ok(flash::redirect_with(APPS, Flash::AppDeleted))
}

csrf::protected!(NewAppForm);
csrf::protected!(AppForm);
