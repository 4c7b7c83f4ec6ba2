//! Sessions and the devices they are tied to.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use usher_domain::{device::DeviceInfo, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    hot::HotReads,
    model::{NewSession, SessionHolder, SessionSummary, User},
    rows::{USER_COLUMNS, UserRow, decode, from_ms, parse_id, to_ms},
    sql::{self, Conn, record},
};

/// The user (`u`) of a live session: the token's hash `$1`, not expired at `$2`, the
/// account enabled. What signs a request in, and forward authentication, both read.
const LIVE_SESSION_USER: &str = "sessions s JOIN users u ON u.id = s.user_id \
     AND s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL";

record! {
    /// A live session's user (what forward authentication tells an application) with
    /// one of the user's groups (slug and role) joined in: `NULL` both for a user in
    /// no group.
    struct SessionGroupRow {
        user_id: String,
        username: String,
        email: String,
        session_expires_at: i64,
        group_slug: Option<String>,
        group_role: Option<String>,
    }
}

/// [`Store::session_holder`]'s statement: the user of a live session with each of
/// their groups.
static SESSION_HOLDER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT u.id AS user_id, u.username, u.email, s.expires_at AS session_expires_at, \
         g.slug AS group_slug, m.role AS group_role FROM {LIVE_SESSION_USER} \
         LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id ORDER BY g.slug"
    )
});

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

    /// Who the session `token_hash` signs in, with the slug of every group they are in
    /// and their role there, in one statement: forward authentication asks it on every
    /// request an application receives, so on SQLite the answer is kept until the next
    /// commit (`hot.rs`).
    pub async fn session_holder(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<Arc<SessionHolder>>, StoreError> {
        let hot = self.hot();
        if let Some(kept) = hot.and_then(|hot| hot.session(token_hash)) {
            // A kept session may have ended since it was read.
            return Ok(Some(kept).filter(|holder| holder.expires_at > now));
        }
        let stamp = hot.map(HotReads::stamp);
        let rows: Vec<SessionGroupRow> =
            self.read()?.fetch_all(&SESSION_HOLDER, &[token_hash.as_str().into(), to_ms(now).into()]).await?;
        let Some(holder) = session_holder(rows)?.map(Arc::new) else { return Ok(None) };
        if let (Some(hot), Some(stamp)) = (hot, stamp) {
            hot.keep_session(token_hash.clone(), stamp, holder.clone());
        }
        Ok(Some(holder))
    }

    /// When a session began: the time its user last proved who they are (OpenID
    /// Connect's `auth_time`).
    pub async fn session_started(&self, token_hash: &TokenHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT created_at FROM sessions WHERE token_hash = $1";
        let row: Option<(i64,)> = self.read()?.fetch_optional(sql, &[token_hash.as_str().into()]).await?;
        row.map(|(ms,)| from_ms(ms)).transpose()
    }

    /// Whether this session was opened by a login link mailed to its account's address
    /// after `since` (a "Forgot password?" sign-in, still fresh).
    pub async fn opened_by_mailed_link_since(
        &self,
        token_hash: &TokenHash,
        since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT CAST(1 AS BIGINT) FROM sessions WHERE token_hash = $1 AND by_mailed_link AND created_at > $2";
        let row: Option<(i64,)> =
            self.read()?.fetch_optional(sql, &[token_hash.as_str().into(), to_ms(since).into()]).await?;
        Ok(row.is_some())
    }

    /// Ends a session; ending one that is already gone is not an error.
    pub async fn end_session(&self, token_hash: &TokenHash) -> Result<(), StoreError> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        self.write_one(sql, vec![token_hash.as_str().to_owned().into()]).await?;
        Ok(())
    }

    /// A user's live sessions, newest first (at most 100: the account page's list), each
    /// with its device and whether it is `current`'s. Never a token or its hash.
    pub async fn sessions_of(
        &self,
        user_id: Uuid,
        current: Option<&TokenHash>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let sql = "SELECT s.created_at, s.expires_at, d.name, d.type, d.os_info, d.last_seen_at, \
                   CAST(CASE WHEN s.token_hash = $3 THEN 1 ELSE 0 END AS BIGINT) \
                   FROM sessions s LEFT JOIN devices d ON d.id = s.device_id \
                   WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.created_at DESC LIMIT 100";
        let current = current.map_or("", TokenHash::as_str);
        let args = [user_id.into(), to_ms(now).into(), current.into()];
        type Row = (i64, i64, Option<String>, Option<String>, Option<String>, Option<i64>, i64);
        let rows: Vec<Row> = self.read()?.fetch_all(sql, &args).await?;
        rows.into_iter()
            .map(|(created_at, expires_at, device, device_type, os_info, last_seen_at, current)| {
                Ok(SessionSummary {
                    created_at: from_ms(created_at)?,
                    expires_at: from_ms(expires_at)?,
                    device,
                    device_type,
                    os_info,
                    last_seen_at: last_seen_at.map(from_ms).transpose()?,
                    current: current == 1,
                })
            })
            .collect()
    }

    /// Ends every session of `user_id` but `keep` ("sign out everywhere else"); answers
    /// how many ended.
    pub async fn end_other_sessions(
        &self,
        user_id: Uuid,
        keep: Option<&TokenHash>,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (keep, audit) = (keep.cloned(), audit.clone());
        self.write(move |tx| {
            Box::pin(async move {
                let ended = end_sessions_of(tx, user_id, keep.as_ref()).await?;
                let event = Event::new("user.signed_out_elsewhere", "user", user_id)
                    .details(serde_json::json!({"sessions_ended": ended}));
                audit::record(tx, &audit, event, now).await?;
                Ok(ended)
            })
        })
        .await
    }

    /// How many sessions a user has open (for tests and the admin view).
    pub async fn count_sessions(&self, user_id: Uuid) -> Result<i64, StoreError> {
        sql::count(&mut self.read()?, "SELECT COUNT(*) FROM sessions WHERE user_id = $1", &[user_id.into()]).await
    }
}

/// The holder the rows of [`Store::session_holder`]'s statement describe (none: no
/// live session).
fn session_holder(rows: Vec<SessionGroupRow>) -> Result<Option<SessionHolder>, StoreError> {
    let Some(first) = rows.first() else { return Ok(None) };
    let (user_id, expires_at) = (parse_id(&first.user_id)?, from_ms(first.session_expires_at)?);
    let (username, email) = (first.username.clone(), first.email.clone());
    let groups: Vec<(String, String)> = rows.into_iter().filter_map(|row| row.group_slug.zip(row.group_role)).collect();
    let holder = SessionHolder::new(user_id, username, email, &groups, expires_at);
    holder.map(Some).ok_or_else(|| StoreError::corrupt("group slug or role of user", user_id))
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
    let sql = "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at, by_mailed_link) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    let args = [
        session.token_hash.as_str().into(),
        user_id.into(),
        device_id.into(),
        to_ms(now).into(),
        to_ms(session.expires_at).into(),
        session.by_mailed_link.into(),
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
