//! Applications (OpenID Connect relying parties) and the consents people gave them.

use chrono::{DateTime, Utc};
use usher_domain::token::TokenHash;
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    groups::page_bounds,
    model::{ClientApp, Page},
    rows::{from_ms, parse_id, parse_json, to_ms},
    sql::{Arg, Conn, record},
};

const APP_COLUMNS: &str = "id, client_id, name, secret_hash, public, first_party, redirect_uris, \
     post_logout_redirect_uris, allowed_groups, home_url, created_at, updated_at";

record! {
    pub(crate) struct AppRow {
        id: String,
        client_id: String,
        name: String,
        secret_hash: Option<String>,
        public: bool,
        first_party: bool,
        redirect_uris: String,
        post_logout_redirect_uris: String,
        allowed_groups: Option<String>,
        home_url: Option<String>,
        created_at: i64,
        updated_at: i64,
    }
}

impl TryFrom<AppRow> for ClientApp {
    type Error = StoreError;

    fn try_from(row: AppRow) -> Result<Self, StoreError> {
        let list = |text: &str| -> Result<Vec<String>, StoreError> {
            serde_json::from_value(parse_json(text)?).map_err(|e| StoreError::corrupt("URL list", e))
        };
        let groups = |text: &str| -> Result<Vec<Uuid>, StoreError> {
            serde_json::from_value(parse_json(text)?).map_err(|e| StoreError::corrupt("group list", e))
        };
        Ok(Self {
            id: parse_id(&row.id)?,
            client_id: row.client_id,
            name: row.name,
            secret_hash: row.secret_hash.map(TokenHash::from_stored),
            public: row.public,
            first_party: row.first_party,
            redirect_uris: list(&row.redirect_uris)?,
            post_logout_redirect_uris: list(&row.post_logout_redirect_uris)?,
            allowed_groups: row.allowed_groups.as_deref().map(groups).transpose()?,
            home_url: row.home_url,
            created_at: from_ms(row.created_at)?,
            updated_at: from_ms(row.updated_at)?,
        })
    }
}

/// A list column's JSON text.
fn json_text(list: serde_json::Value) -> String {
    list.to_string()
}

/// The columns an app is written with, after `id`, in [`APP_COLUMNS`]' order.
fn app_args(app: &ClientApp) -> Vec<Arg<'static>> {
    vec![
        app.id.into(),
        app.client_id.clone().into(),
        app.name.clone().into(),
        app.secret_hash.as_ref().map(|h| h.as_str().to_owned()).into(),
        app.public.into(),
        app.first_party.into(),
        json_text(serde_json::json!(app.redirect_uris)).into(),
        json_text(serde_json::json!(app.post_logout_redirect_uris)).into(),
        app.allowed_groups.as_ref().map(|g| json_text(serde_json::json!(g))).into(),
        app.home_url.clone().into(),
        to_ms(app.created_at).into(),
        to_ms(app.updated_at).into(),
    ]
}

impl Store {
    /// Registers an app.
    pub async fn create_app(&self, app: ClientApp, audit: &AuditContext) -> Result<ClientApp, StoreError> {
        let audit = audit.clone();
        let stored = app.clone();
        self.write(move |tx| {
            Box::pin(async move {
                let sql = format!(
                    "INSERT INTO apps ({APP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                );
                tx.execute(&sql, &app_args(&app)).await?;
                let event = Event::new("app.created", "app", app.id)
                    .details(serde_json::json!({"name": app.name, "client_id": app.client_id}));
                audit::record(tx, &audit, event, app.created_at).await
            })
        })
        .await?;
        Ok(stored)
    }

    /// Writes an app's settings (everything but its id, client id and creation time).
    pub async fn update_app(&self, app: ClientApp, audit: &AuditContext) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                let sql = "UPDATE apps SET name = $3, secret_hash = $4, public = $5, first_party = $6, \
                           redirect_uris = $7, post_logout_redirect_uris = $8, allowed_groups = $9, home_url = $10, \
                           updated_at = $12 WHERE id = $1";
                if tx.execute(sql, &app_args(&app)).await? == 0 {
                    return Err(StoreError::NotFound);
                }
                audit::record(tx, &audit, Event::new("app.updated", "app", app.id), app.updated_at).await
            })
        })
        .await
    }

    /// Deletes an app with its codes, tokens and consents; groups that named it no
    /// longer do.
    pub async fn delete_app(&self, id: Uuid, audit: &AuditContext) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                if tx.execute("DELETE FROM apps WHERE id = $1", &[id.into()]).await? == 0 {
                    return Err(StoreError::NotFound);
                }
                audit::record(tx, &audit, Event::new("app.deleted", "app", id), Utc::now()).await
            })
        })
        .await
    }

    pub async fn app(&self, id: Uuid) -> Result<Option<ClientApp>, StoreError> {
        self.app_where("id", &id.to_string()).await
    }

    /// The app a `client_id` names.
    pub async fn app_by_client_id(&self, client_id: &str) -> Result<Option<ClientApp>, StoreError> {
        self.app_where("client_id", client_id).await
    }

    async fn app_where(&self, column: &'static str, value: &str) -> Result<Option<ClientApp>, StoreError> {
        let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE {column} = $1");
        let row: Option<AppRow> = self.read()?.fetch_optional(&sql, &[value.into()]).await?;
        row.map(ClientApp::try_from).transpose()
    }

    /// Apps by id (oldest first). `None`: all.
    pub async fn apps(&self, page: Option<Page>) -> Result<Vec<ClientApp>, StoreError> {
        let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2");
        let (after, limit) = page_bounds(page);
        let rows: Vec<AppRow> = self.read()?.fetch_all(&sql, &[after.into(), limit.into()]).await?;
        rows.into_iter().map(ClientApp::try_from).collect()
    }

    /// The scopes (space-separated, sorted) a person last agreed to give an app.
    pub async fn consent(&self, user_id: Uuid, app_id: Uuid) -> Result<Option<String>, StoreError> {
        let sql = "SELECT scope FROM oauth_consents WHERE user_id = $1 AND app_id = $2";
        let row: Option<(String,)> = self.read()?.fetch_optional(sql, &[user_id.into(), app_id.into()]).await?;
        Ok(row.map(|(scope,)| scope))
    }

    /// Records that a person agreed to give an app `scope`.
    pub async fn grant_consent(
        &self,
        user_id: Uuid,
        app_id: Uuid,
        scope: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO oauth_consents (user_id, app_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (user_id, app_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at";
        self.write_one(sql, vec![user_id.into(), app_id.into(), scope.into(), to_ms(now).into()]).await?;
        Ok(())
    }
}
