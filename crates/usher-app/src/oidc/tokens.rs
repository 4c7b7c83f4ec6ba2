//! The token endpoint (a code or a refresh token exchanged for tokens), the claims
//! of ID tokens and userinfo, introspection (RFC 7662), revocation (RFC 7009) and
//! the check of an RP-initiated logout.

use chrono::Utc;
use rand::rngs::OsRng;
use serde::Serialize;
use serde_json::{Map, Value, json};
use usher_domain::{
    oauth::{Scope, Scopes, s256_challenge},
    token::{Token, TokenHash},
};
use usher_storage::model::{ClientApp, Exchanged, Grant, NewTokens, User};

use crate::{App, AppResult};

use super::{ACCESS_TOKEN_TTL, ID_TOKEN_TTL, OAuthError, REFRESH_TOKEN_TTL, Refusal, carries_nul};

/// How a client proved who it is: HTTP Basic (`client_secret_basic`) or form fields
/// (`client_secret_post`; a public app sends only `client_id`). Decoded by the front.
#[derive(Debug, Default, Clone)]
pub struct ClientAuth {
    pub basic: Option<(String, String)>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The token endpoint's parameters (the client's credentials apart, in [`ClientAuth`]).
#[derive(Debug, Default, Clone)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

/// The token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub id_token: String,
    pub scope: String,
}

impl App {
    /// The app behind a request to the token, introspection or revocation endpoint:
    /// one way of proving it, and the right secret for a confidential app.
    pub async fn client(&self, auth: ClientAuth) -> Result<ClientApp, Refusal> {
        let (client_id, secret) = match (auth.basic, auth.client_id, auth.client_secret) {
            (Some(_), _, Some(_)) => {
                return Err(OAuthError::invalid_request("use one way to authenticate the client, not two").into());
            }
            (Some((id, secret)), form_id, None) => {
                if form_id.is_some_and(|form_id| form_id != id) {
                    return Err(OAuthError::invalid_request("two different client ids").into());
                }
                (id, Some(secret))
            }
            (None, Some(id), secret) => (id, secret),
            (None, None, _) => return Err(OAuthError::invalid_client().into()),
        };
        self.authenticate_client(&client_id, secret.as_deref()).await?.ok_or(OAuthError::invalid_client().into())
    }

    /// Exchanges a code (`authorization_code`) or a refresh token (`refresh_token`)
    /// for an access token, an ID token and, with `offline_access`, a refresh token.
    pub async fn token(&self, auth: ClientAuth, params: TokenParams) -> Result<TokenResponse, Refusal> {
        let app = self.client(auth).await?;
        let TokenParams { grant_type, code, redirect_uri, code_verifier, refresh_token, scope } = &params;
        if carries_nul([grant_type, code, redirect_uri, code_verifier, refresh_token, scope]) {
            return Err(OAuthError::invalid_request("a parameter carries a NUL character").into());
        }
        let (access, refresh) = (Token::generate(&mut OsRng), Token::generate(&mut OsRng));
        let now = Utc::now();
        // The store keeps the refresh token only for a grant with `offline_access`.
        let tokens = NewTokens {
            access: (access.hash(), now + ACCESS_TOKEN_TTL),
            refresh: Some((refresh.hash(), now + REFRESH_TOKEN_TTL)),
        };
        let required = |value: Option<String>, name: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| OAuthError::invalid_request(format!("`{name}` is required")))
        };
        let exchanged = match params.grant_type.as_deref() {
            Some("authorization_code") => {
                let code = required(params.code, "code")?;
                let redirect_uri = required(params.redirect_uri, "redirect_uri")?;
                let challenge = match params.code_verifier.as_deref() {
                    None => None,
                    Some(verifier) => Some(
                        s256_challenge(verifier)
                            .ok_or_else(|| OAuthError::invalid_grant("`code_verifier` is not a PKCE verifier"))?,
                    ),
                };
                if app.public && challenge.is_none() {
                    return Err(OAuthError::invalid_grant("a public app must send its PKCE `code_verifier`").into());
                }
                let code = TokenHash::of(&code);
                self.store.exchange_code(code, app.id, redirect_uri, challenge, tokens, now).await?
            }
            Some("refresh_token") => {
                let token = required(params.refresh_token, "refresh_token")?;
                self.store.rotate_refresh_token(TokenHash::of(&token), app.id, tokens, now).await?
            }
            Some(_) => {
                return Err(OAuthError::new("unsupported_grant_type", "authorization_code or refresh_token").into());
            }
            None => return Err(OAuthError::invalid_request("`grant_type` is required").into()),
        };
        let grant = match exchanged {
            Exchanged::Issued(grant) => grant,
            Exchanged::Replayed => {
                return Err(OAuthError::invalid_grant("used before: every token issued from it is now revoked").into());
            }
            Exchanged::Refused => {
                return Err(OAuthError::invalid_grant(
                    "unknown, expired, or issued to another client, redirect URI or PKCE verifier",
                )
                .into());
            }
        };
        let scopes = Scopes::from_stored(&grant.scope);
        let offline = scopes.contains(Scope::OfflineAccess);
        let Some(user) = self.store.user_by_id(grant.user_id).await?.filter(|u| u.disabled_at.is_none()) else {
            return Err(OAuthError::invalid_grant("the account is disabled").into());
        };
        // Membership is checked at every exchange: someone who left the app's groups
        // gets no new tokens from an old refresh token.
        if !self.may_use(&app, &user).await? {
            self.store.revoke_token(refresh.hash(), app.id).await?;
            return Err(OAuthError::invalid_grant("the account is no longer in a group allowed to use the app").into());
        }
        let id_token = self.id_token(&app, &user, &grant, &scopes).await?;
        Ok(TokenResponse {
            access_token: access.expose().to_owned(),
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_TTL.num_seconds(),
            refresh_token: offline.then(|| refresh.expose().to_owned()),
            id_token,
            scope: grant.scope,
        })
    }

    /// An ID token for `user` at `app`, signed with the current key.
    async fn id_token(&self, app: &ClientApp, user: &User, grant: &Grant, scopes: &Scopes) -> AppResult<String> {
        let now = Utc::now();
        let mut claims = self.claims(app, user, scopes).await?;
        claims.insert("iss".into(), json!(self.settings.public_url));
        claims.insert("aud".into(), json!(app.client_id));
        claims.insert("iat".into(), json!(now.timestamp()));
        claims.insert("exp".into(), json!((now + ID_TOKEN_TTL).timestamp()));
        claims.insert("auth_time".into(), json!(grant.auth_time.timestamp()));
        if let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        self.sign(&claims).await
    }

    /// What `scopes` let `app` know about `user` (ID token and userinfo alike).
    pub async fn claims(&self, app: &ClientApp, user: &User, scopes: &Scopes) -> AppResult<Map<String, Value>> {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(user.id));
        if scopes.contains(Scope::Profile) {
            claims.insert("preferred_username".into(), json!(user.username));
            claims.insert("name".into(), json!(user.display_name));
        }
        if scopes.contains(Scope::Email) {
            claims.insert("email".into(), json!(user.email));
            claims.insert("email_verified".into(), json!(user.email_verified_at.is_some()));
        }
        if scopes.contains(Scope::Groups) {
            let groups = self.store.groups_of(user.id, None, None).await?;
            let visible = groups
                .iter()
                .filter(|(group, _)| app.allowed_groups.as_ref().is_none_or(|allowed| allowed.contains(&group.id)));
            let mut slugs: Vec<&str> = Vec::new();
            let mut roles = Map::new();
            for (group, role) in visible {
                slugs.push(&group.slug);
                roles.insert(group.slug.clone(), json!(role.to_string()));
            }
            slugs.sort_unstable();
            claims.insert("groups".into(), json!(slugs));
            claims.insert("roles".into(), Value::Object(roles));
        }
        Ok(claims)
    }

    /// Userinfo: the claims a live access token's scopes allow; `None` for a token
    /// that is not one (unknown, expired, revoked, a refresh token).
    pub async fn userinfo(&self, access_token: &str) -> AppResult<Option<Map<String, Value>>> {
        let Some(token) = self.store.live_token(&TokenHash::of(access_token), Utc::now()).await? else {
            return Ok(None);
        };
        if token.kind != "access" {
            return Ok(None);
        }
        let Some(app) = self.store.app(token.app_id).await? else { return Ok(None) };
        Ok(Some(self.claims(&app, &token.user, &Scopes::from_stored(&token.scope)).await?))
    }

    /// Introspection (RFC 7662), for the confidential app the token was issued to:
    /// whether it is live, and what it stands for. Anyone else's token is inactive to
    /// it; a public app (whose client id anyone may know) may not ask.
    pub async fn introspect(&self, auth: ClientAuth, token: &str) -> Result<Value, Refusal> {
        let app = self.client(auth).await?;
        if app.public {
            return Err(OAuthError::invalid_client().into());
        }
        let live = self.store.live_token(&TokenHash::of(token), Utc::now()).await?;
        Ok(match live.filter(|t| t.app_id == app.id) {
            None => json!({"active": false}),
            Some(t) => json!({
                "active": true,
                "scope": t.scope,
                "client_id": t.client_id,
                "username": t.user.username,
                "token_type": if t.kind == "access" { "Bearer" } else { "refresh_token" },
                "exp": t.expires_at.timestamp(),
                "iat": t.created_at.timestamp(),
                "sub": t.user.id,
                "aud": t.client_id,
                "iss": self.settings.public_url,
            }),
        })
    }

    /// Revocation (RFC 7009): an app's own access token, or its refresh token with
    /// every token of that grant. An unknown token is not an error.
    pub async fn revoke(&self, auth: ClientAuth, token: &str) -> Result<(), Refusal> {
        let app = self.client(auth).await?;
        self.store.revoke_token(TokenHash::of(token), app.id).await?;
        Ok(())
    }
}
