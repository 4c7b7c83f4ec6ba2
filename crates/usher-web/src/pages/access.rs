//! Who may see a page: signed-in people ([`Viewer`]) and instance admins
//! ([`AdminViewer`]). Without a session the answer is the sign-in page, which brings
//! the person back here afterwards; a signed-in non-admin gets a 403 page.

use axum::{extract::FromRequestParts, http::request::Parts, response::Response};

use usher_app::{Actor, Reason, error::Forbidden};

use crate::{AppState, auth::Authed, error::ApiError, pages};

/// A signed-in person looking at a page.
#[derive(Debug)]
pub struct Viewer(pub Authed);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Authed::from_request_parts(parts, state).await {
            Ok(authed) => Ok(Self(authed)),
            Err(ApiError::Refused(Reason::Unauthenticated)) => Err(to_sign_in(parts)),
            Err(err) => Err(pages::refusal(&err)),
        }
    }
}

/// A signed-in instance admin looking at the console.
#[derive(Debug)]
pub struct AdminViewer(pub Authed);

impl AdminViewer {
    /// The admin, as the application's operations take them.
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl FromRequestParts<AppState> for AdminViewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Viewer(authed) = Viewer::from_request_parts(parts, state).await?;
        if authed.user.is_admin {
            Ok(Self(authed))
        } else {
            Err(pages::refusal(&Reason::Forbidden(Forbidden::AdminOnly).into()))
        }
    }
}

/// The sign-in page, coming back to this page (a GET) or to `/` (after a form post).
fn to_sign_in(parts: &Parts) -> Response {
    let back = match parts.method {
        axum::http::Method::GET | axum::http::Method::HEAD => {
            parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned()
        }
        _ => "/".to_owned(),
    };
    pages::redirect(&pages::sign_in_then(&back))
}
