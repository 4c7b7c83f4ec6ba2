//! OpenID Connect's machine endpoints (SPEC §10.1): discovery, the JWKS, the token
//! endpoint, userinfo, revocation (RFC 7009) and introspection (RFC 7662). They
//! answer applications' back-ends, so errors are OAuth's JSON (`{"error",
//! "error_description"}`, RFC 6749 §5.2), which every client library reads, rather
//! than problem+json. The person-facing endpoints (authorize, consent, logout) are
//! pages, in `usher-web`.

use axum::{
    Form, Json,
    extract::{State, rejection::FormRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use serde_json::json;
use usher_app::oidc::{
    OAuthError, Refusal,
    tokens::{ClientAuth, TokenParams},
};
use usher_domain::oauth::Scope;
use usher_http::{AppState, auth::session::bearer, error::ApiError};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(discovery))
        .routes(routes!(jwks))
        .routes(routes!(token))
        .routes(routes!(userinfo, userinfo_post))
        .routes(routes!(revoke))
        .routes(routes!(introspect))
}

/// OpenID Connect Discovery 1.0: what this provider does, and where.
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "oidc", security(()),
    responses((status = 200, description = "The provider's metadata (issuer = `public_url`)")))]
async fn discovery(State(state): State<AppState>) -> Response {
    let issuer = &state.settings.public_url;
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    let document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userinfo"),
        "jwks_uri": format!("{issuer}/oauth2/jwks"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "introspection_endpoint": format!("{issuer}/oauth2/introspect"),
        "end_session_endpoint": format!("{issuer}/oauth2/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": scopes,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "preferred_username",
            "name", "email", "email_verified", "groups", "roles"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": true,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    });
    Json(document).into_response()
}

/// The public keys that check ID tokens (RFC 7517).
#[utoipa::path(get, path = "/oauth2/jwks", tag = "oidc", security(()),
    responses((status = 200, description = "`{\"keys\": [...]}`: RSA keys, `kid`, `alg` RS256")))]
async fn jwks(State(state): State<AppState>) -> Response {
    match state.jwks().await {
        Ok(jwks) => Json(jwks).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// The token endpoint's form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    grant_type: Option<String>,
    /// `authorization_code`: the code, the redirect URI it was issued for, and (PKCE)
    /// the verifier.
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    /// `refresh_token`: the refresh token.
    refresh_token: Option<String>,
    /// Ignored on a refresh: the grant keeps its scopes.
    scope: Option<String>,
    /// The client, unless it authenticates with HTTP Basic (`client_secret_basic`).
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// A code or a refresh token exchanged for tokens.
#[utoipa::path(post, path = "/oauth2/token", tag = "oidc", security(()),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded",
        description = "The client by HTTP Basic or `client_id`/`client_secret` (a public app: `client_id` only)"),
    responses(
        (status = 200, description = "`access_token`, `token_type`, `expires_in`, `id_token`, `scope` and, with \
            `offline_access`, `refresh_token`"),
        (status = 400, description = "OAuth error: `invalid_request`, `invalid_grant`, `unsupported_grant_type`"),
        (status = 401, description = "OAuth error `invalid_client`"),
    ))]
async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else { return malformed() };
    let params = TokenParams {
        grant_type: form.grant_type,
        code: form.code,
        redirect_uri: form.redirect_uri,
        code_verifier: form.code_verifier,
        refresh_token: form.refresh_token,
        scope: form.scope,
    };
    as_client(&headers, form.client_id, form.client_secret, async |auth| {
        state.token(auth, params).await.map(|tokens| Json(tokens).into_response())
    })
    .await
}

/// The signed-in person's claims, for an access token.
#[utoipa::path(get, path = "/oauth2/userinfo", tag = "oidc", security(("bearer" = [])),
    responses(
        (status = 200, description = "The claims the token's scopes allow (`sub` always)"),
        (status = 401, description = "`WWW-Authenticate: Bearer error=\"invalid_token\"`"),
    ))]
async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        let error = OAuthError::invalid_request("send the access token as `Authorization: Bearer`");
        return bearer_refusal(&error, HeaderValue::from_static("Bearer"));
    };
    match state.userinfo(&token).await {
        Ok(Some(claims)) => no_store(Json(claims).into_response()),
        Ok(None) => {
            let error = OAuthError::new("invalid_token", "unknown, expired or revoked, or not an access token");
            bearer_refusal(&error, HeaderValue::from_static("Bearer error=\"invalid_token\""))
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// 401 with the Bearer challenge (RFC 6750 §3) and the error as JSON too.
fn bearer_refusal(error: &OAuthError, challenge: HeaderValue) -> Response {
    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)], oauth_body(error)).into_response()
}

/// Userinfo by POST (OpenID Connect Core §5.3.1), the token in the header.
#[utoipa::path(post, path = "/oauth2/userinfo", tag = "oidc", security(("bearer" = [])),
    responses((status = 200, description = "As GET"), (status = 401, description = "As GET")))]
async fn userinfo_post(state: State<AppState>, headers: HeaderMap) -> Response {
    userinfo(state, headers).await
}

/// A request about one of the client's tokens (revocation, introspection).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    token: Option<String>,
    /// `access_token` or `refresh_token`; not needed (the token is found either way).
    #[serde(rename = "token_type_hint")]
    _hint: Option<String>,
    /// The client, unless it authenticates with HTTP Basic.
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Revokes one of the client's tokens (RFC 7009): a refresh token with its grant.
#[utoipa::path(post, path = "/oauth2/revoke", tag = "oidc", security(()),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded",
        description = "The token; the client as at the token endpoint"),
    responses(
        (status = 200, description = "Revoked, or there was nothing to revoke"),
        (status = 400, description = "OAuth error `invalid_request`: not a form, or no `token`"),
        (status = 401, description = "OAuth error `invalid_client`"),
    ))]
async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    about_a_token(&headers, form, async |auth, token| {
        state.revoke(auth, &token).await.map(|()| StatusCode::OK.into_response())
    })
    .await
}

/// Whether one of the client's tokens is live, and what it stands for (RFC 7662).
#[utoipa::path(post, path = "/oauth2/introspect", tag = "oidc", security(()),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded",
        description = "The token; the client as at the token endpoint (only its own tokens are active to it)"),
    responses(
        (status = 200, description = "`{\"active\": false}`, or `active` with `scope`, `client_id`, `username`, \
            `token_type`, `exp`, `iat`, `sub`, `aud`, `iss`"),
        (status = 400, description = "OAuth error `invalid_request`: not a form, or no `token`"),
        (status = 401, description = "OAuth error `invalid_client`"),
    ))]
async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    about_a_token(&headers, form, async |auth, token| {
        state.introspect(auth, &token).await.map(|answer| Json(answer).into_response())
    })
    .await
}

/// A client's request about one of its tokens (revocation, introspection): the form
/// and the client's credentials read, `answer` called, its refusal worded.
async fn about_a_token(
    headers: &HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
    answer: impl AsyncFnOnce(ClientAuth, String) -> Result<Response, Refusal>,
) -> Response {
    let Ok(Form(form)) = form else { return malformed() };
    let token = form.token;
    as_client(headers, form.client_id, form.client_secret, async |auth| {
        let token = token.ok_or_else(|| OAuthError::invalid_request("`token` is required"))?;
        answer(auth, token).await
    })
    .await
}

/// `answer` for the client the request's credentials name (HTTP Basic or the form's
/// `client_id`/`client_secret`): its answer never cached, its refusal in OAuth's form.
async fn as_client(
    headers: &HeaderMap,
    client_id: Option<String>,
    client_secret: Option<String>,
    answer: impl AsyncFnOnce(ClientAuth) -> Result<Response, Refusal>,
) -> Response {
    let auth = client_auth(headers, client_id, client_secret);
    let basic = auth.basic.is_some();
    match answer(auth).await {
        Ok(response) => no_store(response),
        Err(refusal) => refused(refusal, basic),
    }
}

/// How the client authenticated: `Authorization: Basic` (its id and secret each
/// form-urlencoded, RFC 6749 §2.3.1) and/or form fields.
fn client_auth(headers: &HeaderMap, client_id: Option<String>, client_secret: Option<String>) -> ClientAuth {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| STANDARD.decode(encoded.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, secret)| (form_decode(id), form_decode(secret))));
    ClientAuth { basic, client_id, client_secret }
}

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("v={text}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

fn malformed() -> Response {
    oauth_error(
        &OAuthError::invalid_request(
            "the body must be a form (application/x-www-form-urlencoded), each \
        parameter once",
        ),
        false,
    )
}

fn refused(refusal: Refusal, basic: bool) -> Response {
    match refusal {
        Refusal::OAuth(error) => oauth_error(&error, basic),
        Refusal::Failed(err) => ApiError::from(err).into_response(),
    }
}

/// An OAuth error: 401 for `invalid_client` (with a Basic challenge when the client
/// tried Basic, RFC 6749 §5.2), else 400.
fn oauth_error(error: &OAuthError, basic: bool) -> Response {
    let body = oauth_body(error);
    let mut response = if error.error == "invalid_client" {
        let mut response = (StatusCode::UNAUTHORIZED, body).into_response();
        if basic {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"usher\""));
        }
        response
    } else {
        (StatusCode::BAD_REQUEST, body).into_response()
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// OAuth's error body (RFC 6749 §5.2).
fn oauth_body(error: &OAuthError) -> Json<serde_json::Value> {
    Json(json!({"error": error.error, "error_description": error.description}))
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
