//! The audit log: one row per action, written inside the action's own transaction (so
//! an event exists exactly when its action happened), read back with filters.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    Store, StoreError,
    model::Page,
    rows::{from_ms, parse_id, parse_json, parse_opt_id, to_ms},
    sql::Conn,
};

/// Who is acting and from where: handed by the caller to every write that is audited.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    /// The signed-in user; `None` for the system (jobs, the command line) or an
    /// anonymous caller (sign-up, sign-in).
    pub actor_id: Option<Uuid>,
    pub client_ip: Option<String>,
    /// The API key the actor acted with (recorded in the details as `api_key`).
    pub api_key_id: Option<Uuid>,
}

impl AuditContext {
    /// The server itself, or an operator at the command line.
    pub fn system() -> Self {
        Self::default()
    }

    /// This context with `user` as the actor when nobody was signed in (a sign-up or
    /// sign-in acts as the account it creates or opens).
    pub fn as_actor(&self, user: Uuid) -> Self {
        Self { actor_id: self.actor_id.or(Some(user)), ..self.clone() }
    }
}

/// What happened, to what. Details never carry a token, a hash or a password.
#[derive(Debug)]
pub(crate) struct Event {
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<String>,
    pub group_id: Option<Uuid>,
    pub details: Value,
}

impl Event {
    pub fn new(action: &'static str, target_kind: &'static str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_kind,
            target_id: Some(target_id.to_string()),
            group_id: None,
            details: Value::Object(Default::default()),
        }
    }

    pub fn in_group(mut self, group_id: Option<Uuid>) -> Self {
        self.group_id = group_id;
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

const INSERT_SQL: &str = "INSERT INTO audit_events \
     (id, at, actor_id, action, target_kind, target_id, group_id, client_ip, details) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Writes `event` in the caller's transaction.
pub(crate) async fn record(
    tx: &mut impl Conn,
    ctx: &AuditContext,
    event: Event,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut details = event.details;
    if let (Some(key), Some(details)) = (ctx.api_key_id, details.as_object_mut()) {
        details.insert("api_key".to_owned(), key.to_string().into());
    }
    let args = [
        Uuid::now_v7().into(),
        to_ms(now).into(),
        ctx.actor_id.into(),
        event.action.into(),
        event.target_kind.into(),
        event.target_id.into(),
        event.group_id.into(),
        ctx.client_ip.as_deref().into(),
        details.to_string().into(),
    ];
    tx.execute(INSERT_SQL, &args).await?;
    Ok(())
}

/// One audit entry as read back.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// The actor's username, while the account exists.
    pub actor_username: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub group_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub details: Value,
}

/// Which entries to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub target_id: Option<String>,
    pub group_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

type AuditRow = (
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

impl Store {
    /// An event outside any other write (a failed sign-in), in its own transaction.
    pub(crate) async fn record_alone(&self, ctx: &AuditContext, event: Event) -> Result<(), StoreError> {
        let ctx = ctx.clone();
        self.write(move |tx| Box::pin(async move { record(tx, &ctx, event, Utc::now()).await })).await
    }

    /// Newest first, keyset-paginated by id.
    pub async fn list_audit(&self, filter: &AuditFilter, page: Page) -> Result<Vec<AuditEntry>, StoreError> {
        const SQL: &str = "SELECT a.id, a.at, a.actor_id, u.username, a.action, a.target_kind, a.target_id, \
             a.group_id, a.client_ip, a.details FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id \
             WHERE ($1 IS NULL OR a.action = $1) AND ($2 IS NULL OR a.actor_id = $2) \
             AND ($3 IS NULL OR a.target_id = $3) AND ($4 IS NULL OR a.group_id = $4) \
             AND a.at >= $5 AND a.at <= $6 AND ($7 IS NULL OR a.id < $7) ORDER BY a.id DESC LIMIT $8";
        let args = [
            filter.action.as_deref().into(),
            filter.actor_id.into(),
            filter.target_id.as_deref().into(),
            filter.group_id.into(),
            filter.since.map_or(i64::MIN, to_ms).into(),
            filter.until.map_or(i64::MAX, to_ms).into(),
            page.after.into(),
            i64::from(page.limit).into(),
        ];
        let rows: Vec<AuditRow> = self.read()?.fetch_all(SQL, &args).await?;
        rows.into_iter()
            .map(|(id, at, actor_id, actor_username, action, target_kind, target_id, group_id, client_ip, details)| {
                Ok(AuditEntry {
                    id: parse_id(&id)?,
                    at: from_ms(at)?,
                    actor_id: parse_opt_id(actor_id.as_deref())?,
                    actor_username,
                    action,
                    target_kind,
                    target_id,
                    group_id: parse_opt_id(group_id.as_deref())?,
                    client_ip,
                    details: parse_json(&details)?,
                })
            })
            .collect()
    }
}
