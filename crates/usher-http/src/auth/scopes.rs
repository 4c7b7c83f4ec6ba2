//! Which scope each route asks of an API key: read once from the OpenAPI document,
//! where every route declares it (`security(…, ("api_key" = ["groups:read"]))`), so
//! what is enforced and what is documented cannot differ. A route that declares none
//! is closed to keys, but for the public ones (`security(())`), where a key is no
//! more than a visitor's.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::MatchedPath,
    http::{Method, request::Parts},
};
use usher_app::{Forbidden, KeyGrant, Reason};
use usher_domain::api_key::Scope;

use crate::error::ApiError;

/// The name of the API keys' security scheme in the OpenAPI document.
pub const API_KEY_SCHEME: &str = "api_key";

/// What a route asks of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyNeed {
    /// Open to everyone: a key changes nothing.
    Public,
    Scope(Scope),
}

/// Every documented route's [`KeyNeed`], by method and path template; a route not in
/// it takes no key.
#[derive(Debug, Clone, Default)]
pub struct RouteScopes(Arc<HashMap<(Method, String), KeyNeed>>);

impl RouteScopes {
    /// The table of the OpenAPI document `doc` (as routed: paths are the ones axum
    /// matches).
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let doc = serde_json::to_value(doc).unwrap_or_default();
        let mut table = HashMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else { continue };
                let security = operation["security"].as_array().cloned().unwrap_or_default();
                let public = security.iter().any(|requirement| requirement.as_object().is_some_and(|r| r.is_empty()));
                let scope = security
                    .iter()
                    .find_map(|requirement| requirement[API_KEY_SCHEME][0].as_str().and_then(Scope::parse));
                let need = match (public, scope) {
                    (_, Some(scope)) => KeyNeed::Scope(scope),
                    (true, None) => KeyNeed::Public,
                    (false, None) => continue,
                };
                table.insert((method, path.clone()), need);
            }
        }
        Self(Arc::new(table))
    }

    pub fn of(&self, method: &Method, path: &str) -> Option<KeyNeed> {
        self.0.get(&(method.clone(), path.to_owned())).copied()
    }
}

/// `forbidden` unless the route of `parts` lets `key` in: it declares a scope the key
/// holds, or it is public.
pub fn require(parts: &Parts, key: &KeyGrant) -> Result<(), ApiError> {
    let route = parts.extensions.get::<MatchedPath>().map(MatchedPath::as_str);
    let table = parts.extensions.get::<RouteScopes>();
    let need = route.zip(table).and_then(|(route, table)| table.of(&parts.method, route));
    match need {
        Some(KeyNeed::Public) => Ok(()),
        Some(KeyNeed::Scope(scope)) if key.scopes.contains(scope) => Ok(()),
        _ => Err(ApiError::Refused(Reason::Forbidden(Forbidden::KeyScope))),
    }
}
