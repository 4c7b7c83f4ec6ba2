//! The applications Usher signs people in to (SPEC §10.1), registered by instance
//! admins: through the API and console, the command line, or `[[apps]]` in the
//! configuration. A confidential app's secret is shown once and stored as its hash.

use chrono::Utc;
use rand::rngs::OsRng;
use usher_domain::Invalid;
use usher_domain::{
    oauth::{self, MAX_URIS},
    token::{Token, TokenHash},
};
use usher_storage::model::ClientApp;
use uuid::Uuid;

use crate::{
    Actor, App,
    error::{AppResult, Reason},
    fields::Fields,
    lists::{ListRequest, Listed},
};

/// Longest app name.
pub const MAX_NAME_LEN: usize = 100;
/// Most groups an app may be limited to.
pub const MAX_ALLOWED_GROUPS: usize = 100;

/// An app's settings as an admin sends them; `None` leaves a setting as it is (or at
/// its default, for a new app).
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    /// Only at registration: a public app (a SPA, a native app) has no secret and
    /// must use PKCE.
    pub public: Option<bool>,
    pub first_party: Option<bool>,
    /// `Some(None)`: everyone may sign in.
    pub allowed_groups: Option<Option<Vec<Uuid>>>,
    pub home_url: Option<Option<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
}

/// An app, with its secret when one was just made (registration or rotation): the
/// only time anyone sees it.
#[derive(Debug)]
pub struct Registered {
    pub app: ClientApp,
    pub client_secret: Option<Token>,
}

impl App {
    /// Registers an app (instance admins). `client_id` is its own: given (the
    /// configuration names it) or made up.
    pub async fn create_app(
        &self,
        actor: &Actor,
        settings: AppSettings,
        client_id: Option<String>,
    ) -> AppResult<Registered> {
        actor.require_admin()?;
        let mut fields = Fields::default();
        if settings.name.is_none() {
            fields.push("name", Invalid::new("invalid-required"));
        }
        if settings.redirect_uris.is_none() {
            fields.push("redirect_uris", Invalid::new("invalid-required"));
        }
        let client_id = match client_id {
            Some(id) if valid_client_id(&id) => id,
            Some(_) => {
                fields.push("client_id", Invalid::new("invalid-client-id"));
                String::new()
            }
            None => Uuid::now_v7().simple().to_string(),
        };
        let now = Utc::now();
        let public = settings.public.unwrap_or(false);
        let mut app = ClientApp {
            id: Uuid::now_v7(),
            client_id,
            name: String::new(),
            secret_hash: None,
            public,
            first_party: false,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            allowed_groups: None,
            home_url: None,
            created_at: now,
            updated_at: now,
        };
        self.apply(&mut app, settings, &mut fields).await?;
        fields.finish()?;
        let secret = (!public).then(|| Token::generate(&mut OsRng));
        app.secret_hash = secret.as_ref().map(Token::hash);
        if self.store.app_by_client_id(&app.client_id).await?.is_some() {
            return Err(crate::Error::field("client_id", Invalid::new("invalid-client-id-taken")));
        }
        let app = self.store.create_app(app, &actor.audit()).await?;
        Ok(Registered { app, client_secret: secret })
    }

    /// Apps by id (instance admins).
    pub async fn list_apps(&self, actor: &Actor, request: ListRequest) -> AppResult<Listed<ClientApp>> {
        actor.require_admin()?;
        let page = request.page()?;
        Ok(Listed::new(self.store.apps(Some(page)).await?, page, |a| a.id))
    }

    /// One app (instance admins).
    pub async fn app(&self, actor: &Actor, id: Uuid) -> AppResult<ClientApp> {
        actor.require_admin()?;
        Ok(self.store.app(id).await?.ok_or(Reason::NotFound)?)
    }

    /// Changes an app's settings (instance admins). Whether it is public is fixed at
    /// registration: its clients were written one way or the other.
    pub async fn update_app(&self, actor: &Actor, id: Uuid, settings: AppSettings) -> AppResult<ClientApp> {
        let mut app = self.app(actor, id).await?;
        let mut fields = Fields::default();
        if settings.public.is_some_and(|public| public != app.public) {
            fields.push("public", Invalid::new("invalid-public-fixed"));
        }
        self.apply(&mut app, settings, &mut fields).await?;
        fields.finish()?;
        app.updated_at = Utc::now();
        self.store.update_app(app.clone(), &actor.audit()).await?;
        Ok(app)
    }

    /// Deletes an app with its tokens and consents (instance admins).
    pub async fn delete_app(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        actor.require_admin()?;
        Ok(self.store.delete_app(id, &actor.audit()).await?)
    }

    /// A new secret for a confidential app; the old one stops working at once.
    pub async fn rotate_app_secret(&self, actor: &Actor, id: Uuid) -> AppResult<Registered> {
        let mut app = self.app(actor, id).await?;
        if app.public {
            return Err(crate::error::NotApplicable::PublicAppSecret.into());
        }
        let secret = Token::generate(&mut OsRng);
        app.secret_hash = Some(secret.hash());
        app.updated_at = Utc::now();
        self.store.update_app(app.clone(), &actor.audit()).await?;
        Ok(Registered { app, client_secret: Some(secret) })
    }

    /// An app the configuration declares (`[[apps]]`, the operator's): registered when
    /// its `client_id` is new, else brought in line with the declaration; a
    /// confidential app's secret is the one given (from the environment).
    pub async fn declare_app(
        &self,
        actor: &Actor,
        client_id: &str,
        settings: AppSettings,
        secret: Option<&str>,
    ) -> AppResult<ClientApp> {
        actor.require_admin()?;
        let mut app = match self.store.app_by_client_id(client_id).await? {
            None => self.create_app(actor, settings, Some(client_id.to_owned())).await?.app,
            Some(app) => self.update_app(actor, app.id, AppSettings { public: None, ..settings }).await?,
        };
        let hash = secret.map(TokenHash::of);
        if app.secret_hash != hash {
            app.secret_hash = hash;
            app.updated_at = Utc::now();
            self.store.update_app(app.clone(), &actor.audit()).await?;
        }
        Ok(app)
    }

    /// The groups an admin names by slug (the console's "allowed groups": comma- or
    /// space-separated; none: everyone), as ids; the refusal names the unknown ones.
    pub async fn groups_by_slug(
        &self,
        actor: &Actor,
        slugs: &str,
    ) -> AppResult<Result<Option<Vec<Uuid>>, usher_domain::Invalid>> {
        actor.require_admin()?;
        let slugs: Vec<&str> = slugs.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect();
        if slugs.is_empty() {
            return Ok(Ok(None));
        }
        if slugs.len() > MAX_ALLOWED_GROUPS {
            return Ok(Err(Invalid::new("invalid-at-most-groups").with("max", MAX_ALLOWED_GROUPS)));
        }
        let (mut ids, mut unknown) = (Vec::new(), Vec::new());
        for slug in slugs {
            match self.store.group_by_slug(slug).await? {
                Some(group) => ids.push(group.id),
                None => unknown.push(slug),
            }
        }
        Ok(if unknown.is_empty() {
            Ok(Some(ids))
        } else {
            Err(Invalid::new("invalid-no-group-slug").with("list", unknown.join(", ")))
        })
    }

    /// The slugs of an app's allowed groups (for the console), in its order.
    pub async fn allowed_group_slugs(&self, actor: &Actor, app: &ClientApp) -> AppResult<Vec<String>> {
        actor.require_admin()?;
        let mut slugs = Vec::new();
        for id in app.allowed_groups.iter().flatten() {
            slugs.extend(self.store.group(*id).await?.map(|g| g.slug));
        }
        Ok(slugs)
    }

    /// `url` when it lies under a registered app's home page or one of its redirect
    /// URIs (where an invite may send people); the refusal otherwise.
    pub async fn app_url(&self, url: &str) -> AppResult<Result<String, usher_domain::Invalid>> {
        let url = url.trim();
        let checked = oauth::web_url(url).or_else(|_| oauth::redirect_uri(url));
        if let Err(invalid) = checked {
            return Ok(Err(invalid));
        }
        let apps = self.store.apps(None).await?;
        let under =
            apps.iter().any(|app| app.home_url.iter().chain(&app.redirect_uris).any(|base| oauth::is_under(url, base)));
        Ok(if under { Ok(url.to_owned()) } else { Err(Invalid::new("invalid-app-url")) })
    }

    /// Where someone who just used an invite goes: the invite's `return_to`, else the
    /// home page of the app its group names; `None`: Usher's own pages.
    pub async fn after_invite(&self, return_to: Option<&str>, group_id: Option<Uuid>) -> AppResult<Option<String>> {
        if let Some(url) = return_to {
            return Ok(Some(url.to_owned()));
        }
        let Some(group_id) = group_id else { return Ok(None) };
        let Some(app_id) = self.store.group(group_id).await?.and_then(|g| g.app_id) else { return Ok(None) };
        Ok(self.store.app(app_id).await?.and_then(|app| app.home_url))
    }

    /// The app whose `client_id` this is, when the secret (for a confidential app)
    /// proves it; `None` for an unknown app or a wrong secret (told apart by nobody).
    pub async fn authenticate_client(&self, client_id: &str, secret: Option<&str>) -> AppResult<Option<ClientApp>> {
        // No stored text holds a NUL (PostgreSQL refuses one): no such app.
        if client_id.contains('\0') {
            return Ok(None);
        }
        let Some(app) = self.store.app_by_client_id(client_id).await? else { return Ok(None) };
        let proven = match (&app.secret_hash, secret) {
            (None, None) => true,
            (Some(hash), Some(secret)) => constant_time_eq(hash, &TokenHash::of(secret)),
            _ => false,
        };
        Ok(proven.then_some(app))
    }

    /// Checks `settings` into `app`, each refusal into `fields`.
    async fn apply(&self, app: &mut ClientApp, settings: AppSettings, fields: &mut Fields) -> AppResult<()> {
        if let Some(name) = settings.name {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
                fields.push("name", Invalid::new("invalid-characters").with("max", MAX_NAME_LEN));
            }
            app.name = name.to_owned();
        }
        if let Some(uris) = settings.redirect_uris {
            if uris.is_empty() {
                fields.push("redirect_uris", Invalid::new("invalid-at-least-one"));
            }
            app.redirect_uris = checked_uris(fields, "redirect_uris", uris, oauth::redirect_uri);
        }
        if let Some(uris) = settings.post_logout_redirect_uris {
            app.post_logout_redirect_uris =
                checked_uris(fields, "post_logout_redirect_uris", uris, oauth::redirect_uri);
        }
        if let Some(first_party) = settings.first_party {
            app.first_party = first_party;
        }
        if let Some(home_url) = settings.home_url {
            app.home_url = home_url.and_then(|url| match oauth::web_url(&url) {
                Ok(url) => Some(url),
                Err(e) => {
                    fields.push("home_url", e);
                    None
                }
            });
        }
        if let Some(groups) = settings.allowed_groups {
            if groups.as_ref().is_some_and(|ids| ids.len() > MAX_ALLOWED_GROUPS) {
                fields.push("allowed_groups", Invalid::new("invalid-at-most-groups").with("max", MAX_ALLOWED_GROUPS));
            } else if let Some(ids) = &groups {
                for id in ids {
                    if self.store.group(*id).await?.is_none() {
                        fields.push("allowed_groups", Invalid::new("invalid-no-group").with("id", id));
                    }
                }
            }
            app.allowed_groups = groups;
        }
        Ok(())
    }
}

fn checked_uris(
    fields: &mut Fields,
    field: &str,
    uris: Vec<String>,
    check: fn(&str) -> Result<String, usher_domain::Invalid>,
) -> Vec<String> {
    if uris.len() > MAX_URIS {
        fields.push(field, Invalid::new("invalid-at-most").with("max", MAX_URIS));
    }
    uris.iter()
        .filter_map(|uri| match check(uri) {
            Ok(uri) => Some(uri),
            Err(e) => {
                fields.push(field, e);
                None
            }
        })
        .collect()
}

/// A `client_id` an operator chose: short, and safe in a URL and a header.
fn valid_client_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Compares two hashes in time that does not depend on where they differ.
fn constant_time_eq(a: &TokenHash, b: &TokenHash) -> bool {
    let (a, b) = (a.as_str().as_bytes(), b.as_str().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
