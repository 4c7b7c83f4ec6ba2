//! `/`: a signed-in person's groups, or a welcome.

use axum::{extract::State, http::HeaderMap, http::StatusCode, response::Response};
use minijinja::context;

use crate::{AppState, auth::session, pages};

/// The signed-in person's groups, or a welcome.
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    security(()),
    responses(
        (status = 200, description = "The signed-in person's groups, or a welcome", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "text/html", body = String),
    ),
)]
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match session::signed_in(&headers, &state).await {
        Ok(found) => found.map(|(user, _)| user),
        Err(err) => return pages::failure(err),
    };
    let groups = match &user {
        Some(user) => match state.store.groups_of(user.id, None, None).await {
            Ok(groups) => groups.into_iter().map(|(g, role)| context! { name => g.name, role }).collect(),
            Err(err) => return pages::failure(err),
        },
        None => Vec::new(),
    };
    let user = user.map(|u| context! { display_name => u.display_name, username => u.username });
    pages::render(StatusCode::OK, "home.html", context! { user, groups })
}
