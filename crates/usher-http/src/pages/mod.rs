//! The pages people land on, rendered on the server: minijinja templates and one
//! stylesheet, embedded in the binary (no CDN, no build step). Every page answers with
//! a strict Content-Security-Policy (nothing inline, nothing from elsewhere),
//! `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (pages carry tokens in
//! their URLs); every form carries a CSRF token ([`csrf`]).

pub mod csrf;
mod home;
mod login_link;

use std::sync::LazyLock;

use axum::{
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use minijinja::Environment;
use usher_domain::invite::InviteStatus;
use usher_storage::StoreError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home::show))
        .routes(routes!(login_link::show, login_link::sign_in))
        .routes(routes!(stylesheet))
}

/// The templates, parsed once. HTML escaping is on for `.html` names.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("../../templates/layout.html")),
        ("home.html", include_str!("../../templates/home.html")),
        ("login_link.html", include_str!("../../templates/login_link.html")),
        ("message.html", include_str!("../../templates/message.html")),
    ] {
        env.add_template(name, source).expect("shipped templates parse");
    }
    env
});

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// A rendered page: `template` with `context`, answered with `status` and the page headers.
pub fn render(status: StatusCode, template: &str, context: minijinja::Value) -> Response {
    let html = TEMPLATES.get_template(template).and_then(|t| t.render(context));
    match html {
        Ok(html) => (status, page_headers(), html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, template, "page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, page_headers(), "Something went wrong.").into_response()
        }
    }
}

fn page_headers() -> [(HeaderName, HeaderValue); 6] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

/// A page that only says something: a heading and a sentence.
pub fn message(status: StatusCode, heading: &str, text: &str) -> Response {
    render(status, "message.html", minijinja::context! { heading, text })
}

/// Why an invite or link no longer works, in words, with 410.
pub fn gone(status: InviteStatus, what: &str) -> Response {
    let (heading, text) = match status {
        InviteStatus::Expired => ("This link has expired", format!("This {what} has expired. Ask for a new one.")),
        InviteStatus::Revoked => ("This link was revoked", format!("This {what} was revoked. Ask for a new one.")),
        InviteStatus::UsedUp | InviteStatus::Active => {
            ("This link was already used", format!("This {what} has already been used. Ask for a new one."))
        }
    };
    message(StatusCode::GONE, heading, &text)
}

pub fn not_found(what: &str) -> Response {
    message(StatusCode::NOT_FOUND, "Not found", &format!("This {what} does not exist. Check the link you were sent."))
}

/// A storage failure as a page: 503 when it will pass, 500 otherwise (cause logged).
pub fn failure(err: StoreError) -> Response {
    match err {
        StoreError::Unavailable(cause) => {
            tracing::warn!(error = %cause, "database unavailable");
            let mut page = message(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "Usher is busy right now.");
            page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            page
        }
        other => {
            tracing::error!(error = %other, "page failed");
            message(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "Please try again.")
        }
    }
}

/// The stylesheet.
#[utoipa::path(
    get,
    path = "/static/usher.css",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The pages' stylesheet", content_type = "text/css", body = String)),
)]
async fn stylesheet() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    ];
    (headers, include_str!("../../static/usher.css")).into_response()
}
