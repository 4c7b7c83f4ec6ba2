//! API keys (SPEC §10.3): kept as their hash, found by it, listed for the console.

use chrono::{DateTime, Utc};
use usher_domain::{api_key::Scopes, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    model::{ApiKeyInfo, LiveApiKey, NewApiKey, UserSummary},
    rows::{USER_COLUMNS, UserRow, from_ms, parse_id, to_ms},
    sql::{Conn, Record, next_field, record},
};

const KEY_COLUMNS: &str = "k.id, k.name, k.scopes, k.group_id, g.slug AS group_slug, k.created_at, k.expires_at, \
     k.last_used_at, c.id AS creator_id, c.username AS creator_username, c.display_name AS creator_display_name";

/// A key with its admin (`c`) and its group (`g`, if it names one).
const KEYS: &str = "api_keys k JOIN users c ON c.id = k.created_by LEFT JOIN groups g ON g.id = k.group_id";

record! {
    pub(crate) struct ApiKeyRow {
        id: String,
        name: String,
        scopes: String,
        group_id: Option<String>,
        group_slug: Option<String>,
        created_at: i64,
        expires_at: Option<i64>,
        last_used_at: Option<i64>,
        creator_id: String,
        creator_username: String,
        creator_display_name: String,
    }
}

impl TryFrom<ApiKeyRow> for ApiKeyInfo {
    type Error = StoreError;

    fn try_from(row: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_id(&row.id)?,
            name: row.name,
            scopes: Scopes::from_stored(&row.scopes).map_err(|_| StoreError::corrupt("api key scopes", &row.scopes))?,
            group_id: row.group_id.as_deref().map(parse_id).transpose()?,
            group_slug: row.group_slug,
            created_by: UserSummary {
                id: parse_id(&row.creator_id)?,
                username: row.creator_username,
                display_name: row.creator_display_name,
            },
            created_at: from_ms(row.created_at)?,
            expires_at: row.expires_at.map(from_ms).transpose()?,
            last_used_at: row.last_used_at.map(from_ms).transpose()?,
        })
    }
}

/// A live key with the whole user it acts for (`u`), read in one statement: every
/// request made with a key reads it.
#[derive(sqlx::FromRow)]
struct LiveApiKeyRow {
    #[sqlx(flatten)]
    user: UserRow,
    key_id: String,
    key_scopes: String,
    key_group_id: Option<String>,
    key_last_used_at: Option<i64>,
}

impl Record for LiveApiKeyRow {
    fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self> {
        Ok(Self {
            user: UserRow::from_rusqlite_at(row, column)?,
            key_id: next_field(row, column, "key_id")?,
            key_scopes: next_field(row, column, "key_scopes")?,
            key_group_id: next_field(row, column, "key_group_id")?,
            key_last_used_at: next_field(row, column, "key_last_used_at")?,
        })
    }
}

impl TryFrom<LiveApiKeyRow> for LiveApiKey {
    type Error = StoreError;

    fn try_from(row: LiveApiKeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_id(&row.key_id)?,
            scopes: Scopes::from_stored(&row.key_scopes)
                .map_err(|_| StoreError::corrupt("api key scopes", &row.key_scopes))?,
            group_id: row.key_group_id.as_deref().map(parse_id).transpose()?,
            last_used_at: row.key_last_used_at.map(from_ms).transpose()?,
            admin: row.user.try_into()?,
        })
    }
}

impl Store {
    /// Keeps a new key (its hash).
    pub async fn create_api_key(&self, key: NewApiKey, audit: &AuditContext) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                let sql = "INSERT INTO api_keys (id, name, key_hash, scopes, group_id, created_by, created_at, \
                           expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
                let args = vec![
                    key.id.into(),
                    key.name.clone().into(),
                    key.key_hash.as_str().to_owned().into(),
                    key.scopes.to_stored().into(),
                    key.group_id.into(),
                    key.created_by.into(),
                    to_ms(key.created_at).into(),
                    key.expires_at.map(to_ms).into(),
                ];
                tx.execute(sql, &args).await?;
                let details = serde_json::json!({
                    "name": key.name, "scopes": key.scopes.names(), "group_id": key.group_id,
                });
                let event = Event::new("api_key.created", "api_key", key.id).details(details);
                audit::record(tx, &audit, event, key.created_at).await
            })
        })
        .await
    }

    /// Every key, newest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyInfo>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM {KEYS} ORDER BY k.created_at DESC, k.id");
        let rows: Vec<ApiKeyRow> = self.read()?.fetch_all(&sql, &[]).await?;
        rows.into_iter().map(ApiKeyInfo::try_from).collect()
    }

    pub async fn api_key(&self, id: Uuid) -> Result<Option<ApiKeyInfo>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM {KEYS} WHERE k.id = $1");
        let row: Option<ApiKeyRow> = self.read()?.fetch_optional(&sql, &[id.into()]).await?;
        row.map(ApiKeyInfo::try_from).transpose()
    }

    /// The live key a presented key's hash names, with the admin it acts for: not
    /// expired at `now`, made by an admin who is still an enabled admin.
    pub async fn live_api_key(
        &self,
        key_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<LiveApiKey>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, k.id AS key_id, k.scopes AS key_scopes, k.group_id AS key_group_id, \
             k.last_used_at AS key_last_used_at FROM api_keys k JOIN users u ON u.id = k.created_by \
             AND u.is_admin AND u.disabled_at IS NULL \
             WHERE k.key_hash = $1 AND (k.expires_at IS NULL OR k.expires_at > $2)"
        );
        let row: Option<LiveApiKeyRow> =
            self.read()?.fetch_optional(&sql, &[key_hash.as_str().into(), to_ms(now).into()]).await?;
        row.map(LiveApiKey::try_from).transpose()
    }

    /// Deletes (revokes) a key: it signs nothing in from now on.
    pub async fn delete_api_key(&self, id: Uuid, audit: &AuditContext) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                if tx.execute("DELETE FROM api_keys WHERE id = $1", &[id.into()]).await? == 0 {
                    return Err(StoreError::NotFound);
                }
                audit::record(tx, &audit, Event::new("api_key.revoked", "api_key", id), Utc::now()).await
            })
        })
        .await
    }

    /// Notes that a key was used at `now`, unless that was noted since `since`: of keys
    /// used at once, one write changes the row (at most once per interval).
    pub async fn touch_api_key(&self, id: Uuid, now: DateTime<Utc>, since: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)";
        self.write_one(sql, vec![id.into(), to_ms(now).into(), to_ms(since).into()]).await?;
        Ok(())
    }
}
