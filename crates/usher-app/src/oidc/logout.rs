//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): where a person may be
//! sent once signed out — only a `post_logout_redirect_uri` the app registered, the
//! app named by `client_id` or by the audience of an ID token Usher signed.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::App;

use super::{ID_TOKEN_TTL, authorize::Unanswerable, carries_nul};

/// A logout request's parameters, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

impl App {
    /// Where to send the person once signed out: `None` for Usher's own page (no
    /// redirect asked for). A redirect URI the app did not register, or an ID token
    /// Usher did not sign, is a page at Usher.
    pub async fn logout_target(&self, params: &LogoutParams) -> Result<Option<String>, Unanswerable> {
        let LogoutParams { id_token_hint, client_id, post_logout_redirect_uri, state } = params;
        if carries_nul([id_token_hint, client_id, post_logout_redirect_uri, state]) {
            return Err(Unanswerable::Page("The sign-out request is malformed: it carries a NUL character.".into()));
        }
        let Some(uri) = params.post_logout_redirect_uri.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let hinted = match params.id_token_hint.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => Some(self.audience_of(token).await?.ok_or_else(|| {
                Unanswerable::Page("The sign-out request carries an ID token Usher did not issue.".into())
            })?),
            None => None,
        };
        let client_id = match (hinted, params.client_id.as_deref()) {
            (Some(aud), Some(id)) if aud != id => {
                return Err(Unanswerable::Page("The sign-out request names two different applications.".into()));
            }
            (Some(aud), _) => aud,
            (None, Some(id)) => id.to_owned(),
            (None, None) => {
                return Err(Unanswerable::Page("The sign-out request does not say which application sent it.".into()));
            }
        };
        let app = self.store.app_by_client_id(&client_id).await?;
        if !app.is_some_and(|app| app.post_logout_redirect_uris.iter().any(|u| u == uri)) {
            return Err(Unanswerable::Page(
                "The application asked to send you to an address it has not registered.".into(),
            ));
        }
        let mut url = url::Url::parse(uri).map_err(crate::Error::internal)?;
        if let Some(state) = params.state.as_deref().filter(|s| !s.is_empty()) {
            url.query_pairs_mut().append_pair("state", state);
        }
        Ok(Some(url.to_string()))
    }

    /// The `aud` of an ID token this instance signed (expired ones too: logging out
    /// with an old token is normal); `None` for anything else.
    async fn audience_of(&self, token: &str) -> Result<Option<String>, crate::Error> {
        let Ok(header) = jsonwebtoken::decode_header(token) else { return Ok(None) };
        let keys = self.store.signing_keys(Utc::now() - ID_TOKEN_TTL).await?;
        let Some(key) = keys.iter().find(|k| header.kid.as_deref() == Some(k.kid.as_str())) else { return Ok(None) };
        let Ok(decoding) = DecodingKey::from_rsa_components(&key.n, &key.e) else { return Ok(None) };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[&self.settings.public_url]);
        let Ok(data) = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding, &validation) else {
            return Ok(None);
        };
        Ok(data.claims.get("aud").and_then(Value::as_str).map(str::to_owned))
    }
}
