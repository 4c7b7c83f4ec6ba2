//! The landing pages of group invites: `/join/{code}` (a shareable group code) and
//! `/invite/{token}` (an email invitation). Each says what it is for, who invited, the
//! role, uses left and expiry, with "Join" for a signed-in person and "Create account" /
//! "Sign in" for a visitor. Invites that no longer work get a page saying why, with 410.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use minijinja::context;
use serde::Deserialize;
use usher_app::{Actor, Error, Reason, error::NotApplicable, invites::Found};
use usher_domain::{account::mask_email, invite::InviteKind};
use utoipa::ToSchema;

use usher_i18n::Locale;

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::pages::{PageError, PageResult, What};
use crate::{
    AppState,
    auth::session::Caller,
    extract::ApiPath,
    pages::{
        self, OnPage,
        csrf::{self, CheckedForm},
    },
};

/// The page for a group code.
#[utoipa::path(
    get,
    path = "/join/{code}",
    tag = "pages",
    security(()),
    params(("code" = String, Path, description = "A group code")),
    responses(
        (status = 200, description = "What the code is for, and how to join", content_type = "text/html", body = String),
        (status = 303, description = "A sign-up code: on to `/register?invite=`"),
        (status = 404, description = "No such code"),
        (status = 410, description = "Expired, revoked or used up: the page says which"),
        (status = 429, description = "Too many look-ups from this address"),
        docs::Unavailable,
    ),
)]
pub async fn show(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    ApiPath(code): ApiPath,
    headers: HeaderMap,
) -> PageResult {
    landing(&state, &headers, &actor, Landing::Code, code.trim()).await
}

/// The page for an email invitation.
#[utoipa::path(
    get,
    path = "/invite/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "An email invitation's token")),
    responses(
        (status = 200, description = "What the invitation is for, and how to accept it", content_type = "text/html", body = String),
        (status = 404, description = "No such invitation"),
        (status = 410, description = "Expired, revoked, used, or replaced by a newer link: the page says which"),
        (status = 429, description = "Too many look-ups from this address"),
        docs::Unavailable,
    ),
)]
pub async fn show_invitation(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    ApiPath(token): ApiPath,
    headers: HeaderMap,
) -> PageResult {
    landing(&state, &headers, &actor, Landing::Invitation, token.trim()).await
}

/// Which landing page: a code or an email invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landing {
    Code,
    Invitation,
}

impl Landing {
    const fn kind(self) -> InviteKind {
        match self {
            Self::Code => InviteKind::GroupCode,
            Self::Invitation => InviteKind::EmailInvitation,
        }
    }

    /// The page's own path.
    fn path(self, secret: &str) -> String {
        match self {
            Self::Code => format!("/join/{secret}"),
            Self::Invitation => format!("/invite/{secret}"),
        }
    }
}

/// Why `secret` does not lead anywhere on `landing`'s page, as a page.
fn refused(landing: Landing, secret: &str, err: Error, locale: Locale) -> PageError {
    match err {
        Error::Refused(Reason::NotApplicable(NotApplicable::AcceptRegistrationInvite)) if landing == Landing::Code => {
            pages::redirect(&format!("/register?invite={secret}")).into()
        }
        Error::Refused(Reason::InviteNotFound) => pages::not_found(What::Invite, locale).into(),
        Error::Refused(Reason::InviteGone(status)) => pages::gone(status, What::Invite, locale).into(),
        Error::Refused(Reason::InviteSuperseded) => {
            pages::said_in(locale, StatusCode::GONE, "superseded", "superseded-text", &[], &[("sign-in", "/login")])
                .into()
        }
        err => err.into(),
    }
}

async fn landing(state: &AppState, headers: &HeaderMap, actor: &Actor, landing: Landing, secret: &str) -> PageResult {
    let locale = pages::answering_in();
    let found = state.look_up_invite(actor, secret).await.map_err(|err| refused(landing, secret, err, locale))?;
    if found.invite.kind == InviteKind::Registration && landing == Landing::Code {
        return Ok(pages::redirect(&format!("/register?invite={secret}")));
    }
    let Found { invite, group: Some(group), member, addressed_elsewhere } = found else {
        return Err(pages::not_found(What::Invite, locale).into());
    };
    if invite.kind != landing.kind() {
        return Err(pages::not_found(What::Invite, locale).into());
    }
    // Joining may lead to an application (the invite's `return_to`, the group's app);
    // a member is offered the way in: there, or the group's page.
    let after = state.after_invite(invite.return_to.as_deref(), invite.group_id).await?;
    let open = pages::after_joining(after.as_deref(), Some(group.id));
    // To someone signed in as another person, the address is not theirs to read.
    let email = invite.email.map(|email| if addressed_elsewhere { mask_email(&email) } else { email });
    let context = context! {
        path => landing.path(secret),
        secret,
        group => context! { name => group.name, description => group.description },
        inviter => invite.created_by.map(|c| c.display_name),
        role => invite.role,
        message => invite.message,
        email,
        uses_remaining => if landing == Landing::Code { invite.usage.uses_remaining() } else { None },
        expires_at => invite.usage.expires_at.map(|at| at.to_rfc3339()),
        // An email invitation's language is its page's too.
        locale => invite.locale,
        user => actor.user.as_ref().map(|u| u.display_name.clone()),
        member,
        open,
        addressed_elsewhere,
    };
    let page = pages::form_page(state, headers, StatusCode::OK, "join.html", context);
    match after {
        Some(after) => Ok(pages::with_form_action_to(page, &after)),
        None => Ok(page),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JoinForm {
    csrf: String,
}

/// Joins the group as the signed-in person (with the code's role), then on to `/`.
#[utoipa::path(
    post,
    path = "/join/{code}",
    tag = "pages",
    security(()),
    params(("code" = String, Path, description = "A group code")),
    request_body(content = JoinForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Joined: on to `/`; not signed in: on to `/login`"),
        (status = 404, description = "No such code"),
        (status = 409, description = "Already a member"),
        (status = 410, description = "Expired, revoked or used up"),
        docs::TooManyAttempts,
        docs::Unavailable,
    ),
)]
pub async fn join(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    ApiPath(code): ApiPath,
    _: CheckedForm<JoinForm>,
) -> PageResult {
    accept(&state, &actor, Landing::Code, code.trim()).await
}

/// Accepts the invitation as the signed-in person (its address must be theirs).
#[utoipa::path(
    post,
    path = "/invite/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "An email invitation's token")),
    request_body(content = JoinForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Joined: on to `/`; not signed in: on to `/login`"),
        (status = 403, description = "No or a wrong CSRF token, or the invitation is for another email"),
        (status = 404, description = "No such invitation"),
        (status = 409, description = "Already a member"),
        (status = 410, description = "Expired, revoked, used or replaced"),
        docs::TooManyAttempts,
        docs::Unavailable,
    ),
)]
pub async fn accept_invitation(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    ApiPath(token): ApiPath,
    _: CheckedForm<JoinForm>,
) -> PageResult {
    accept(&state, &actor, Landing::Invitation, token.trim()).await
}

async fn accept(state: &AppState, actor: &Actor, landing: Landing, secret: &str) -> PageResult {
    if actor.user.is_none() {
        return Ok(pages::redirect(&pages::sign_in_then(&landing.path(secret))));
    }
    let locale = pages::answering_in();
    let joined = state
        .accept_invite(actor, secret, Some(landing.kind()))
        .await
        .map_err(|err| refused(landing, secret, err, locale))?;
    Ok(flash::redirect_with(&pages::after_joining(joined.after.as_deref(), Some(joined.group_id)), Flash::Joined))
}

csrf::protected!(JoinForm);
