//! `[[apps]]`: applications declared in the configuration, for deployments configured
//! as code. Each is created at start, or brought in line with the file when it
//! exists (by `client_id`); a confidential app's secret comes from the environment
//! variable `client_secret_env` names, never from the file.

use serde::Deserialize;

use super::ConfigError;

/// Shortest secret accepted from the environment: 256 bits as base64 are 43.
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredApp {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub first_party: bool,
    pub home_url: Option<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// The environment variable that holds a confidential app's secret.
    pub client_secret_env: Option<String>,
}

impl DeclaredApp {
    /// The secret from the environment: required for a confidential app, refused for a
    /// public one.
    pub fn secret(&self) -> Result<Option<String>, ConfigError> {
        let key = format!("apps.{}.client_secret_env", self.client_id);
        match (&self.client_secret_env, self.public) {
            (None, true) => Ok(None),
            (Some(_), true) => Err(ConfigError::new(&key, "a public app has no secret")),
            (None, false) => Err(ConfigError::new(&key, "a confidential app needs its secret's variable")),
            (Some(var), false) => match std::env::var(var) {
                Ok(secret) if secret.len() >= MIN_SECRET_LEN && secret.bytes().all(|b| b.is_ascii_graphic()) => {
                    Ok(Some(secret))
                }
                Ok(_) => Err(ConfigError::new(
                    &key,
                    format!("`{var}` must hold at least {MIN_SECRET_LEN} visible ASCII characters"),
                )),
                Err(_) => Err(ConfigError::new(&key, format!("`{var}` is not set"))),
            },
        }
    }
}

/// Every declared app's secret is there, and no `client_id` is declared twice.
pub(super) fn check(apps: &[DeclaredApp]) -> Result<(), ConfigError> {
    for (i, app) in apps.iter().enumerate() {
        app.secret()?;
        if apps[..i].iter().any(|other| other.client_id == app.client_id) {
            return Err(ConfigError::new("apps", format!("`{}` is declared twice", app.client_id)));
        }
    }
    Ok(())
}
