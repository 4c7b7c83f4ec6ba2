//! The pages people land on, rendered on the server: minijinja templates and one
//! stylesheet, embedded in the binary (no CDN, no build step). Every page answers with
//! a strict Content-Security-Policy (nothing inline, nothing from elsewhere),
//! `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (pages carry tokens in
//! their URLs); every form carries a CSRF token ([`csrf`]).

mod access;
mod account;
mod admin;
mod assets;
pub mod csrf;
mod docs;
mod email_link;
pub(crate) mod flash;
mod form_values;
mod groups;
mod home;
mod join;
mod login;
mod login_link;
#[cfg(test)]
mod no_fixed_words;
mod oauth;
mod refusal;
mod register;
pub(crate) mod reveal;
mod share;
mod times;
mod verify_email;

use std::{collections::BTreeMap, sync::LazyLock};

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use minijinja::Environment;
use usher_domain::{
    device::{DeviceInfo, DeviceType},
    token::Token,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use usher_app::Reason;
use usher_i18n::Locale;

use crate::{AppState, auth::session, error::ApiError};
pub use form_values::{Preset, expiry_presets, form_lifetime, form_number, form_text, uses_presets};
pub use oauth::leads_to;
pub use refusal::{
    PageError, PageResult, What, csrf_refused, failure, gone, not_found, refusal, said, said_in, sentence,
};
pub use usher_http::{
    language::answering_in,
    next::{after_sign_in, sign_in_then},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home::show))
        .routes(routes!(home::to_home, home::sign_out))
        .routes(routes!(login_link::show, login_link::sign_in))
        .routes(routes!(login::show, login::sign_in))
        .routes(routes!(email_link::show, email_link::send))
        .routes(routes!(verify_email::show, verify_email::verify))
        .routes(routes!(register::show, register::sign_up))
        .routes(routes!(join::show, join::join))
        .routes(routes!(join::show_invitation, join::accept_invitation))
        .routes(routes!(oauth::authorize, oauth::authorize_form))
        .routes(routes!(oauth::consent))
        .routes(routes!(oauth::logout, oauth::logout_confirmed))
        .merge(account::router())
        .merge(admin::router())
        .merge(groups::router())
        .routes(routes!(assets::stylesheet))
        .routes(routes!(assets::register_script))
        .routes(routes!(assets::copy_script))
        .routes(routes!(assets::time_script))
        .routes(routes!(assets::brand_stylesheet))
}

/// The templates, parsed once. HTML escaping is on for `.html` names.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("../../templates/layout.html")),
        ("home.html", include_str!("../../templates/home.html")),
        ("login_link.html", include_str!("../../templates/login_link.html")),
        ("login.html", include_str!("../../templates/login.html")),
        ("email_link.html", include_str!("../../templates/email_link.html")),
        ("account.html", include_str!("../../templates/account.html")),
        ("verify_email.html", include_str!("../../templates/verify_email.html")),
        ("register.html", include_str!("../../templates/register.html")),
        ("join.html", include_str!("../../templates/join.html")),
        ("message.html", include_str!("../../templates/message.html")),
        ("confirm.html", include_str!("../../templates/confirm.html")),
        ("consent.html", include_str!("../../templates/consent.html")),
        ("macros.html", include_str!("../../templates/macros.html")),
        ("share.html", include_str!("../../templates/share.html")),
        ("admin/nav.html", include_str!("../../templates/admin/nav.html")),
        ("admin/invites.html", include_str!("../../templates/admin/invites.html")),
        ("admin/invite.html", include_str!("../../templates/admin/invite.html")),
        ("admin/users.html", include_str!("../../templates/admin/users.html")),
        ("admin/login_link.html", include_str!("../../templates/admin/login_link.html")),
        ("admin/new_login_link.html", include_str!("../../templates/admin/new_login_link.html")),
        ("admin/mail.html", include_str!("../../templates/admin/mail.html")),
        ("admin/mail_previews.html", include_str!("../../templates/admin/mail_previews.html")),
        ("admin/audit.html", include_str!("../../templates/admin/audit.html")),
        ("admin/apps.html", include_str!("../../templates/admin/apps.html")),
        ("admin/app.html", include_str!("../../templates/admin/app.html")),
        ("admin/api_keys.html", include_str!("../../templates/admin/api_keys.html")),
        ("group.html", include_str!("../../templates/group.html")),
        ("group_invite.html", include_str!("../../templates/group_invite.html")),
    ] {
        env.add_template(name, source).expect("shipped templates parse");
    }
    env.add_filter("time", times::time);
    env.add_function("t", usher_i18n::template_text);
    env.add_filter("day", times::day);
    env
});

const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; \
                   img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

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

/// One of the API's extractors on a page: its refusal answered as a page instead of
/// problem+json (a rate limit as the 429 page with `Retry-After`, a bad path as 404).
#[derive(Debug)]
pub struct OnPage<E>(pub E);

impl<E> FromRequestParts<AppState> for OnPage<E>
where
    E: FromRequestParts<AppState, Rejection = ApiError> + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        E::from_request_parts(parts, state).await.map(Self).map_err(|err| refusal(&err))
    }
}

/// A rate limit on a page, checked before the body is read.
pub type PageLimit<L> = OnPage<L>;

/// A refused form post, to show the form again: each refusal beside its field
/// (`errors`), or one sentence (`error`).
#[derive(Debug, Default, serde::Serialize)]
pub struct FormRefusal {
    #[serde(skip)]
    pub status: StatusCode,
    pub errors: BTreeMap<String, String>,
    pub error: Option<String>,
    /// Over a rate limit: the seconds until the form may be sent again.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl FormRefusal {
    /// `None` for refusals that are pages of their own (unavailable, internal): the
    /// form cannot help with those. Over a rate limit the form comes back (what was
    /// typed kept) with 429 and when to try again.
    pub fn of(err: &ApiError) -> Option<Self> {
        let (status, _) = err.status_and_code();
        let locale = answering_in();
        let refusal = |error| Self { status, errors: BTreeMap::new(), error, retry_after: None };
        match err {
            ApiError::Unavailable | ApiError::Internal(_) => None,
            ApiError::Refused(Reason::TooManyRequests { retry_after_secs }) => {
                let seconds = [("seconds", retry_after_secs.to_string())];
                let error = locale.text("refusal-too-many-attempts", &seconds);
                Some(Self { retry_after: Some(*retry_after_secs), ..refusal(Some(error)) })
            }
            ApiError::Refused(Reason::Invalid(fields)) => {
                let errors = fields.iter().map(|f| (f.field.clone(), f.message_in(locale))).collect();
                Some(Self { errors, ..refusal(None) })
            }
            other => Some(refusal(Some(sentence(other, locale)))),
        }
    }

    /// The refusal to show beside the form again; those [`Self::of`] leaves out, and
    /// rate limits (the console's forms have none of their own to keep), come back as
    /// the error, for the handler's `?` to answer as a page of their own.
    pub fn again(err: impl Into<ApiError>) -> Result<Self, ApiError> {
        let err = err.into();
        Self::of(&err).filter(|refusal| refusal.retry_after.is_none()).ok_or(err)
    }

    /// `page`, the form shown again, with `Retry-After` when the refusal was a rate
    /// limit.
    pub fn answer(&self, mut page: Response) -> Response {
        if let Some(secs) = self.retry_after {
            page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        page
    }
}

/// `page` with its forms also allowed to lead to `next`'s origin when `next` is a URL
/// (not a path of this site): a browser holds the redirect that answers a form to the
/// page's `form-action` list, so the sign-in page could not send a person back to an
/// application behind forward authentication. `next` was checked (`after_sign_in`).
pub fn with_form_action_to(mut page: Response, next: &str) -> Response {
    if let Ok(url) = url::Url::parse(next) {
        // A native app's private-use scheme has no origin: the scheme is the source.
        let source = match url.scheme() {
            "http" | "https" => url.origin().ascii_serialization(),
            scheme => format!("{scheme}:"),
        };
        let csp = CSP.replace("form-action 'self'", &format!("form-action 'self' {source}"));
        if let Ok(csp) = HeaderValue::from_str(&csp) {
            page.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    page
}

/// The language of a page: the one its handler chose (an invitation's `locale`), else
/// the request's ([`answering_in`]: its `Accept-Language` among the shipped ones, else
/// the instance's `default_locale`).
fn page_locale(context: &minijinja::Value) -> Locale {
    let chosen = context.get_attr("locale").ok().and_then(|v| v.as_str().and_then(Locale::parse));
    chosen.unwrap_or_else(answering_in)
}

/// `page` allowed to show the configured logo (its origin added to `img-src`).
fn with_logo_from(mut page: Response, logo_url: Option<&str>) -> Response {
    let Some(origin) = logo_url.and_then(|u| url::Url::parse(u).ok()).map(|u| u.origin().ascii_serialization()) else {
        return page;
    };
    let Some(csp) = page.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()) else {
        return page;
    };
    let csp = csp.replace("img-src 'self' data:", &format!("img-src 'self' data: {origin}"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        page.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    page
}

/// A page with a form: `template` with `context` and the form's `csrf` token; sets the
/// CSRF cookie when the browser has none yet, and shows (once) what the post that led
/// here did (`flash`).
pub fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    template: &str,
    context: minijinja::Value,
) -> Response {
    let token = csrf::FormToken::for_form(headers, state.settings.public_url.starts_with("https://"));
    let flash = flash::take(headers);
    let brand = state.mail_templates.look();
    let locale = page_locale(&context);
    let said = flash.as_ref().map(|(flash, _)| locale.text(&flash.message_id(), &[]));
    let context = minijinja::context! { csrf => token.value, flash => said, brand, locale => locale.tag(), ..context };
    let mut page = with_logo_from(render(status, template, context), brand.logo_url.as_deref());
    if let Some(cookie) = token.set_cookie {
        page.headers_mut().append(header::SET_COOKIE, cookie);
    }
    if let Some((_, cleared)) = flash {
        page.headers_mut().append(header::SET_COOKIE, cleared);
    }
    page
}

/// "Are you sure?": `text`, a `button` that posts back to this page's address, and
/// a way `back`.
pub fn confirm(state: &AppState, headers: &HeaderMap, heading: &str, text: &str, button: &str, back: &str) -> Response {
    let context = minijinja::context! { heading, text, button, back };
    form_page(state, headers, StatusCode::OK, "confirm.html", context)
}

/// The answer to a form post that opened a session: the cookie, and on to `to`.
pub fn signed_in_redirect(state: &AppState, token: &Token, to: &str) -> Response {
    let mut response = redirect(to);
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(state, token));
    response
}

/// Where someone lands once an invite let them in: where the invite leads (an
/// application), else the group they joined, else their groups.
pub fn after_joining(after: Option<&str>, group: Option<uuid::Uuid>) -> String {
    match (after, group) {
        (Some(after), _) => after.to_owned(),
        (None, Some(group)) => format!("/groups/{group}"),
        (None, None) => "/".to_owned(),
    }
}

/// 303 See Other to a path of this site (or, after sign-in, a URL `after_sign_in` allowed).
pub fn redirect(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
    let headers = [
        (header::LOCATION, location),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// A new device for a browser sign-in (pages do not ask which device it is).
pub fn web_device() -> Option<DeviceInfo> {
    DeviceInfo::parse(&Uuid::new_v4().to_string(), DeviceType::Web, "Web browser", None).ok()
}
