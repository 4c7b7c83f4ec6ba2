//! Every email, previewed with sample data in the console: its subject, its text part,
//! and its HTML part as a page of its own (the email's inline styles need a CSP of
//! their own: no script, nothing loaded but images).

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::IntoResponse,
};
use minijinja::context;
use serde::Deserialize;
use usher_app::mail_previews::TEMPLATES;
use usher_i18n::Locale;
use utoipa::IntoParams;

use crate::{
    AppState,
    extract::{ApiPath, ApiQuery},
    pages::{self, OnPage, PageResult, access::AdminViewer},
};

/// `?locale=`: the language to preview in (default the instance's `default_locale`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewLocale {
    /// `en` or `vi`.
    locale: Option<String>,
}

impl PreviewLocale {
    fn locale(&self, state: &AppState) -> Locale {
        self.locale.as_deref().and_then(Locale::parse).unwrap_or(state.mail_templates.look().default_locale)
    }
}

/// Each email in each language, with sample data.
#[utoipa::path(
    get,
    path = "/admin/mail/previews",
    tag = "pages",
    params(PreviewLocale),
    responses((status = 200, description = "Each email's subject and text, and a link to its HTML", content_type = "text/html", body = String)),
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(query)): OnPage<ApiQuery<PreviewLocale>>,
) -> PageResult {
    let locale = query.locale(&state);
    let mut mails = Vec::new();
    for template in TEMPLATES {
        let rendered = state.preview_mail(&viewer.actor(), template, locale)?;
        mails.push(context! { template, subject => rendered.subject, text => rendered.text });
    }
    let locales: Vec<_> = Locale::ALL.iter().map(|l| l.tag()).collect();
    // The emails' language is `preview`: the page around them is in the admin's own.
    let context = context! { section => "mail", mails, preview => locale.tag(), locales };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/mail_previews.html", context))
}

/// One email's HTML part, as a mail client shows it.
#[utoipa::path(
    get,
    path = "/admin/mail/previews/{template}",
    tag = "pages",
    params(("template" = String, Path, description = "`invitation`, `invitation_resent`, `login_link` or `email_verification`"), PreviewLocale),
    responses(
        (status = 200, description = "The HTML part, with sample data", content_type = "text/html", body = String),
        (status = 404, description = "No such email"),
    ),
)]
pub async fn html(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(ApiPath(template)): OnPage<ApiPath>,
    OnPage(ApiQuery(query)): OnPage<ApiQuery<PreviewLocale>>,
) -> PageResult {
    let rendered = state.preview_mail(&viewer.actor(), &template, query.locale(&state))?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        // An email's HTML: inline styles, images from anywhere (a logo), nothing else.
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            ),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, rendered.html).into_response())
}
