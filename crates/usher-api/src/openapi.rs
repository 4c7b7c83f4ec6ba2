//! The OpenAPI document, generated from the code: each handler's `#[utoipa::path]`
//! annotation is registered together with the handler (`utoipa_axum::routes!`), so a
//! route cannot exist without its entry. Served at `GET /api/openapi.json`.
//!
//! Handlers list their success answers and the refusals particular to them (403, 404,
//! 409, 410, 429); [`Conventions`] adds what follows from the route's shape — 401 where
//! a session is needed, 403 on the `admin` routes, 400/413/415 where a body is read, 400
//! where a query is read, 503 where the database is — and makes every 4xx/5xx answer
//! problem+json. Pages (tag `pages`) get their own: 400 and 403 (CSRF) on form posts,
//! and every refusal an HTML page.

use axum::{
    Extension,
    body::Bytes,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use usher_domain::device::DeviceType;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, HeaderBuilder, Object, ObjectBuilder, RefOr, ResponseBuilder, Type,
        path::{Operation, ParameterIn},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
    },
};

use usher_http::{
    auth::scopes::API_KEY_SCHEME,
    error::{FieldErrorSchema, Problem},
    views::schema::one_of,
};

/// The session cookie's name (SPEC §3).
const COOKIE: &str = "usher_session";
const PROBLEM_JSON: &str = "application/problem+json";
/// Routes that never touch the database (so never answer 503).
const NO_DATABASE: &[&str] = &["/healthz", "/metrics", "/api/openapi.json", "/.well-known/openid-configuration"];

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Usher",
        description = "Invitations and membership: registration invites, group codes, email \
                       invitations and login links. Errors are RFC 9457 problem+json with a \
                       stable `code`.",
    ),
    components(schemas(Problem, FieldErrorSchema)),
    security(("session_token" = []), ("session_cookie" = [])),
)]
pub struct ApiDoc;

/// The rendered document, shared by every request for it.
#[derive(Debug, Clone)]
pub struct Document(Bytes);

impl Document {
    /// `doc` as routed, with [`Conventions`] applied.
    pub fn new(mut doc: utoipa::openapi::OpenApi) -> Self {
        Conventions.modify(&mut doc);
        Self(Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()))
    }
}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "ops",
    security(()),
    responses((status = 200, description = "The OpenAPI document of this server", body = Object)),
)]
pub async fn serve(Extension(doc): Extension<Document>) -> Response {
    let content_type = HeaderValue::from_static("application/json");
    // `Bytes` shares the rendered document; no copy per request.
    ([(header::CONTENT_TYPE, content_type)], doc.0).into_response()
}

/// The conventions every route follows, written into its entry.
#[derive(Debug)]
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("session_cookie", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(COOKIE))));
        let key = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("usk_…").description(Some(
            "An API key (`Authorization: Bearer usk_…`, SPEC §10.3), made by an instance admin: it calls the \
             routes whose requirement names one of its scopes, acting for that admin (and on its one group, if \
             it names one); any other route answers it 403 `forbidden`.",
        ));
        components.add_security_scheme(API_KEY_SCHEME, SecurityScheme::Http(key.build()));
        for (path, item) in &mut doc.paths.paths {
            let database = !NO_DATABASE.contains(&path.as_str());
            let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                if operation.tags.iter().flatten().any(|t| t == "pages") {
                    page_conventions(path, operation);
                    continue;
                }
                if operation.tags.iter().flatten().any(|t| t == "oidc") {
                    oauth_conventions(operation, database);
                    continue;
                }
                add_implied_refusals(operation, database);
                // A refusal is problem+json; a redirect (forward authentication's 302 to
                // sign in) has no body to describe.
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response
                        && !status.starts_with(['2', '3'])
                    {
                        *response = problem_response(status, &response.description);
                    }
                }
            }
        }
    }
}

/// Pages: a form post may be malformed (400) or lack its CSRF pair (403); a page for
/// signed-in people sends others to `/login` (303) and reads the database (503); the
/// console (`/admin…`) refuses non-admins (403). Every refusal is an HTML page.
fn page_conventions(path: &str, operation: &mut Operation) {
    let posts_form = operation.request_body.is_some();
    let mut implied = Vec::new();
    if reads_query(operation) {
        implied.push(("400", "A query parameter is invalid"));
    }
    if path.starts_with("/admin") {
        implied
            .push(("403", if posts_form { "Not an instance admin, or no CSRF pair" } else { "Not an instance admin" }));
    }
    if posts_form {
        implied.push(("400", "Not the page's form"));
        implied.push(("403", "No or a wrong CSRF token, or a post from another site"));
    }
    if !is_public(operation) {
        implied.push(("303", "Not signed in: on to `/login`, which brings the person back"));
        implied.push(("503", "The database is unavailable"));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in implied {
        responses.entry(status.to_owned()).or_insert_with(|| ResponseBuilder::new().description(description).into());
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && !status.starts_with(['2', '3'])
            && response.content.is_empty()
        {
            let html = ObjectBuilder::new().schema_type(Type::String).build();
            response.content.insert("text/html".to_owned(), ContentBuilder::new().schema(Some(html)).build().into());
        }
    }
}

/// OpenID Connect's machine endpoints (tag `oidc`) refuse in OAuth's JSON
/// (`{"error", "error_description"}`, RFC 6749 §5.2), which client libraries read;
/// only an unavailable database is problem+json, as everywhere.
fn oauth_conventions(operation: &mut Operation, database: bool) {
    let responses = &mut operation.responses.responses;
    if database {
        let description = "The database is unavailable (`unavailable`); retry after `Retry-After`";
        responses.entry("503".to_owned()).or_insert_with(|| ResponseBuilder::new().description(description).into());
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && !status.starts_with(['2', '3'])
        {
            if status == "503" {
                *response = problem_response(status, &response.description);
            } else if response.content.is_empty() {
                let text = || ObjectBuilder::new().schema_type(Type::String).build();
                let error = ObjectBuilder::new()
                    .property("error", text())
                    .property("error_description", text())
                    .required("error")
                    .build();
                response
                    .content
                    .insert("application/json".to_owned(), ContentBuilder::new().schema(Some(error)).build().into());
            }
        }
    }
}

/// Whether an operation reads query parameters.
fn reads_query(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query))
}

/// Whether an operation is open to everyone (`security(())`).
fn is_public(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|s| s.contains(&SecurityRequirement::default()))
}

/// The refusals a route gives by its shape.
fn add_implied_refusals(operation: &mut Operation, database: bool) {
    let public = is_public(operation);
    let mut implied = Vec::new();
    if operation.tags.iter().flatten().any(|tag| tag == "admin") {
        implied.push(("403", "Instance admins only, or an API key without this route's scope (`forbidden`)"));
    }
    if !public {
        implied.push(("401", "No valid session or API key (`unauthenticated`)"));
        implied.push((
            "403",
            "An API key whose scopes do not include this route, or on a route no key may call (`forbidden`)",
        ));
    }
    if operation.request_body.is_some() {
        implied.push(("400", "A field is missing or invalid (`invalid_request`, with `errors`)"));
        implied.push(("413", "The body is larger than 64 KiB (`payload_too_large`)"));
        implied.push(("415", "The body is not JSON (`invalid_request`)"));
    } else if reads_query(operation) {
        implied.push(("400", "A query parameter is invalid (`invalid_request`, with `errors`)"));
    }
    if database {
        implied.push(("503", "The database is unavailable (`unavailable`); retry after `Retry-After`"));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in implied {
        responses.entry(status.to_owned()).or_insert_with(|| ResponseBuilder::new().description(description).into());
    }
}

/// A problem+json answer; 429 and 503 say when to come back.
fn problem_response(status: &str, description: &str) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(RefOr::Ref(problem_ref()))).build());
    if matches!(status, "429" | "503") {
        let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).build();
        let header = HeaderBuilder::new().schema(Some(seconds)).description(Some("Seconds to wait before retrying"));
        response = response.header("Retry-After", header.build());
    }
    response.build()
}

fn problem_ref() -> utoipa::openapi::Ref {
    utoipa::openapi::Ref::from_schema_name("Problem")
}

pub fn device_type() -> Object {
    one_of(DeviceType::ALL.map(DeviceType::as_str))
}
