//! Sessions and the devices they are tied to.

use chrono::{DateTime, Utc};
use usher_domain::{device::DeviceInfo, role::Role, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    model::{NewSession, User},
    rows::{USER_COLUMNS, UserRow, UserWithGroupRow, decode, to_ms},
    sql::{self, Conn},
};

/// The user (`u`) of a live session: the token's hash `$1`, not expired at `$2`, the
/// account enabled. What signs a request in, and forward authentication, both read.
const LIVE_SESSION_USER: &str = "sessions s JOIN users u ON u.id = s.user_id \
     AND s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL";

impl Store {
    /// Starts a session for a user who proved who they are (password sign-in).
    pub async fn start_session(
        &self,
        user_id: Uuid,
        session: NewSession,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let audit = audit.as_actor(user_id);
        self.write(move |tx| {
            Box::pin(async move {
                let device =
                    session.device.as_ref().map(|d| serde_json::json!({"type": d.kind.as_str(), "name": d.name}));
                insert_session(tx, user_id, session, now).await?;
                let event = Event::new("user.login", "user", user_id).details(serde_json::json!({"device": device}));
                audit::record(tx, &audit, event, now).await
            })
        })
        .await
    }

    /// A refused sign-in: the login that was tried (never the password) and the
    /// account it named, if any.
    pub async fn record_login_failed(
        &self,
        login: &str,
        user_id: Option<Uuid>,
        audit: &AuditContext,
    ) -> Result<(), StoreError> {
        let event = Event {
            target_id: user_id.map(|id| id.to_string()),
            ..Event::new("user.login_failed", "user", "").details(serde_json::json!({"login": login}))
        };
        self.record_alone(audit, event).await
    }

    /// The enabled user a live session token belongs to.
    pub async fn session_user(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM {LIVE_SESSION_USER}");
        let row: Option<UserRow> =
            self.read()?.fetch_optional(&sql, &[token_hash.as_str().into(), to_ms(now).into()]).await?;
        decode(row)
    }

    /// [`Store::session_user`] with the slug of every group the user is in and their
    /// role there, by slug, in one statement: forward authentication asks it on every
    /// request an application receives.
    pub async fn session_user_with_groups(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, Vec<(String, Role)>)>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, g.slug AS group_slug, m.role AS group_role FROM {LIVE_SESSION_USER} \
             LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id ORDER BY g.slug"
        );
        let rows: Vec<UserWithGroupRow> =
            self.read()?.fetch_all(&sql, &[token_hash.as_str().into(), to_ms(now).into()]).await?;
        let (mut user, mut groups) = (None, Vec::new());
        for row in rows {
            if user.is_none() {
                user = Some(User::try_from(row.user)?);
            }
            if let (Some(slug), Some(role)) = (row.group_slug, row.group_role) {
                groups.push((slug, Role::from_stored(role)));
            }
        }
        Ok(user.map(|user| (user, groups)))
    }

    /// When a session began: the time its user last proved who they are (OpenID
    /// Connect's `auth_time`).
    pub async fn session_started(&self, token_hash: &TokenHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT created_at FROM sessions WHERE token_hash = $1";
        let row: Option<(i64,)> = self.read()?.fetch_optional(sql, &[token_hash.as_str().into()]).await?;
        row.map(|(ms,)| crate::rows::from_ms(ms)).transpose()
    }

    /// Ends a session; ending one that is already gone is not an error.
    pub async fn end_session(&self, token_hash: &TokenHash) -> Result<(), StoreError> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        self.write_one(sql, vec![token_hash.as_str().to_owned().into()]).await?;
        Ok(())
    }

    /// How many sessions a user has open (for tests and the admin view).
    pub async fn count_sessions(&self, user_id: Uuid) -> Result<i64, StoreError> {
        sql::count(&mut self.read()?, "SELECT COUNT(*) FROM sessions WHERE user_id = $1", &[user_id.into()]).await
    }
}

/// Ends every session of a user but `spare` (the session asking, when it is theirs),
/// inside the caller's transaction; answers how many.
pub(crate) async fn end_sessions_of(
    tx: &mut impl Conn,
    user_id: Uuid,
    spare: Option<&TokenHash>,
) -> Result<u64, StoreError> {
    // A token hash is never empty, so "" spares nothing.
    let spare = spare.map_or("", TokenHash::as_str);
    tx.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", &[user_id.into(), spare.into()]).await
}

/// Records the device (or refreshes it: a device is known by the client's own uuid)
/// and inserts the session, inside the caller's transaction.
pub(crate) async fn insert_session(
    tx: &mut impl Conn,
    user_id: Uuid,
    session: NewSession,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let device_id = match &session.device {
        Some(device) => Some(upsert_device(tx, user_id, device, now).await?),
        None => None,
    };
    let sql =
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    let args = [
        session.token_hash.as_str().into(),
        user_id.into(),
        device_id.into(),
        to_ms(now).into(),
        to_ms(session.expires_at).into(),
    ];
    tx.execute(sql, &args).await?;
    Ok(())
}

async fn upsert_device(
    tx: &mut impl Conn,
    user_id: Uuid,
    device: &DeviceInfo,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let sql = "INSERT INTO devices (id, user_id, uuid, type, name, os_info, created_at, last_seen_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
               ON CONFLICT (user_id, uuid) DO UPDATE SET type = excluded.type, name = excluded.name, \
               os_info = excluded.os_info, last_seen_at = excluded.last_seen_at \
               RETURNING id";
    let args = [
        Uuid::now_v7().into(),
        user_id.into(),
        (&device.uuid).into(),
        device.kind.as_str().into(),
        (&device.name).into(),
        device.os_info.as_deref().into(),
        to_ms(now).into(),
    ];
    let (id,): (String,) = tx.fetch_optional(sql, &args).await?.ok_or(StoreError::NotFound)?;
    Ok(id)
}
