//! The invite table: create, find, list, revoke. Taking a slot is in `admission.rs`;
//! what only group invitations do (checks, resends, mail) is in `group_invites.rs`.

use chrono::{DateTime, Utc};
use usher_domain::{invite::InviteKind, secret::Secret, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    groups::lock_group,
    model::{Group, GroupGrant, Invite, InviteScope, NewInvite, OutgoingEmail, Page},
    outbox::queue_email,
    rows::{
        INVITE_SELECT, INVITE_WITH_GROUP_BY_CODE, INVITE_WITH_GROUP_BY_TOKEN, InviteRow, InviteWithGroupRow, decode,
        decode_all, parse_opt_id, to_ms,
    },
    sql::{Arg, Conn},
};

/// The status rule's `active`, in SQL; `$now` is the bound current time.
macro_rules! active_sql {
    ($now:literal) => {
        concat!(
            "(i.revoked_at IS NULL AND (i.max_uses IS NULL OR i.uses < i.max_uses) \
             AND (i.expires_at IS NULL OR i.expires_at > ",
            $now,
            "))"
        )
    };
}
pub(crate) use active_sql;

/// The scope's conditions on `i`, binding `$1` kind, `$2` user, `$3` group.
const SCOPE_SQL: &str =
    "($1 IS NULL OR i.kind = $1) AND ($2 IS NULL OR i.user_id = $2) AND ($3 IS NULL OR i.group_id = $3)";

impl Store {
    /// Inserts an invite and queues `email`, if any, in one transaction. A group
    /// invitation (`new.group`) is checked first: an email invitation refuses an
    /// address that belongs to a member or already has an active invitation to the
    /// group. A code that collides with an existing one comes back as
    /// [`StoreError::CodeTaken`] so the caller can draw another. Answers the invite
    /// as stored.
    pub async fn create_invite(
        &self,
        new: NewInvite,
        email: Option<OutgoingEmail>,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<Invite, StoreError> {
        let audit = audit.clone();
        let queues_mail = email.is_some();
        // Where the token goes by email: using it will prove that address.
        let mailed_to = email.as_ref().map(|email| usher_domain::account::normalize_email(&email.recipient));
        let email = email.map(|email| self.seal_email(email)).transpose()?;
        let id = self
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(grant) = &new.group {
                        check_invitation(tx, grant, now).await?;
                    }
                    let id = insert_invite(tx, &new, mailed_to.as_deref(), &audit, now).await?;
                    if let Some(email) = email {
                        queue_email(tx, Some(id), &email, now).await?;
                    }
                    Ok(id)
                })
            })
            .await?;
        if queues_mail {
            self.mail_queued();
        }
        self.invite_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn invite_by_id(&self, id: Uuid) -> Result<Option<Invite>, StoreError> {
        invite_where(&mut self.read()?, "i.id = $1", &id.to_string()).await
    }

    /// The invite a code or a token's hash names, of any kind and status.
    pub async fn invite_by_secret(&self, secret: &Secret) -> Result<Option<Invite>, StoreError> {
        invite_by_secret_in(&mut self.read()?, secret).await
    }

    /// [`Store::invite_by_secret`] with the group the invite joins, in one statement
    /// (the public look-up: one read, one round trip).
    pub async fn invite_with_group_by_secret(
        &self,
        secret: &Secret,
    ) -> Result<Option<(Invite, Option<Group>)>, StoreError> {
        let (sql, value) = match secret {
            Secret::Code(code) => (INVITE_WITH_GROUP_BY_CODE, code.as_str()),
            Secret::Token(hash) => (INVITE_WITH_GROUP_BY_TOKEN, hash.as_str()),
        };
        let row: Option<InviteWithGroupRow> = self.read()?.fetch_optional(sql, &[value.into()]).await?;
        decode(row)
    }

    /// Whether a token was an invitation's before a resend or a copied link replaced it.
    pub async fn is_superseded(&self, hash: &TokenHash) -> Result<bool, StoreError> {
        is_superseded_in(&mut self.read()?, hash).await
    }

    /// Invites in scope, newest first; `active_only` leaves out revoked, used-up and
    /// expired ones.
    /// Invites in `scope`, newest first; with `text`, those whose code, description or
    /// invited address holds it (any case, ASCII letters).
    pub async fn list_invites(
        &self,
        scope: InviteScope,
        active_only: bool,
        text: Option<&str>,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invite>, StoreError> {
        let sql = format!(
            "{INVITE_SELECT} WHERE {SCOPE_SQL} AND ($4 IS NULL OR i.id < $4) \
             AND ($5 = FALSE OR {}) \
             AND ($8 IS NULL OR LOWER(COALESCE(i.code, '')) LIKE $9 ESCAPE '\\' \
                  OR LOWER(COALESCE(i.description, '')) LIKE $8 ESCAPE '\\' \
                  OR COALESCE(i.email_normalized, '') LIKE $8 ESCAPE '\\') \
             ORDER BY i.id DESC LIMIT $7",
            active_sql!("$6")
        );
        let [kind, user, group] = scope_args(&scope);
        let pattern = text.map(crate::sql::like_pattern);
        // Codes are kept without their dashes (`C93K7MXQ2`): a code typed as shown matches.
        let code_pattern = text.map(|t| crate::sql::like_pattern(&t.replace(['-', ' '], "")));
        let args = [
            kind,
            user,
            group,
            page.after.into(),
            active_only.into(),
            to_ms(now).into(),
            i64::from(page.limit).into(),
            pattern.into(),
            code_pattern.into(),
        ];
        let rows: Vec<InviteRow> = self.read()?.fetch_all(&sql, &args).await?;
        decode_all(rows)
    }

    /// The invite with this id, if it is in scope (an id from elsewhere is `None`).
    pub async fn invite_in_scope(&self, scope: InviteScope, id: Uuid) -> Result<Option<Invite>, StoreError> {
        let sql = format!("{INVITE_SELECT} WHERE {SCOPE_SQL} AND i.id = $4");
        let [kind, user, group] = scope_args(&scope);
        let row: Option<InviteRow> = self.read()?.fetch_optional(&sql, &[kind, user, group, id.into()]).await?;
        decode(row)
    }

    /// Revokes an invite in scope. Revoking twice is not an error (the first time is
    /// kept); an invite outside the scope is `NotFound` and stays untouched.
    pub async fn revoke_invite(
        &self,
        scope: InviteScope,
        id: Uuid,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // (SQLite's RETURNING cannot name the table's alias.)
        let sql = format!(
            "UPDATE invites AS i SET revoked_at = COALESCE(i.revoked_at, $5) WHERE {SCOPE_SQL} AND i.id = $4 \
             RETURNING kind, group_id"
        );
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                let [kind, user, group] = scope_args(&scope);
                let revoked: Option<(String, Option<String>)> =
                    tx.fetch_optional(&sql, &[kind, user, group, id.into(), to_ms(now).into()]).await?;
                let (kind, group_id) = revoked.ok_or(StoreError::NotFound)?;
                let action =
                    if kind == InviteKind::LoginLink.as_str() { "login_link.revoked" } else { "invite.revoked" };
                let event = Event::new(action, "invite", id).in_group(parse_opt_id(group_id.as_deref())?);
                audit::record(tx, &audit, event, now).await
            })
        })
        .await
    }
}

/// Inserts an invite of any kind inside the caller's transaction; returns its id.
pub(crate) async fn insert_invite(
    tx: &mut impl Conn,
    new: &NewInvite,
    mailed_to: Option<&str>,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let action = if new.kind == InviteKind::LoginLink { "login_link.created" } else { "invite.created" };
    let grant = new.group.as_ref();
    let details = serde_json::json!({
        "kind": new.kind.as_str(),
        "user_id": new.user_id,
        "max_uses": new.max_uses,
        "expires_at": new.expires_at,
        "role": grant.map(|g| &g.role),
        "email": grant.and_then(|g| g.email.as_ref()).map(|e| e.as_str()),
    });
    let event = Event::new(action, "invite", id).in_group(grant.map(|g| g.group_id)).details(details);
    audit::record(tx, audit, event, now).await?;
    let (code, token_hash) = match &new.secret {
        Secret::Code(code) => (Some(code.as_str()), None),
        Secret::Token(hash) => (None, Some(hash.as_str())),
    };
    let group = new.group.as_ref();
    let email = group.and_then(|g| g.email.as_ref());
    // A login link keeps only the normalized address it was mailed to, to be proven.
    let email_normalized = email.map(|e| e.normalized()).or(mailed_to.map(str::to_owned));
    let sql = "INSERT INTO invites (id, kind, code, token_hash, user_id, description, max_uses, uses, expires_at, \
               created_by, created_at, group_id, role, email, email_normalized, message, return_to, token_mailed, \
               locale, reply_to) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
    let args = [
        id.into(),
        new.kind.as_str().into(),
        code.into(),
        token_hash.into(),
        new.user_id.into(),
        new.description.as_deref().into(),
        new.max_uses.map(i64::from).into(),
        new.expires_at.map(to_ms).into(),
        new.created_by.into(),
        to_ms(now).into(),
        group.map(|g| g.group_id).into(),
        group.map(|g| g.role.as_str()).into(),
        email.map(|e| e.as_str()).into(),
        email_normalized.into(),
        group.and_then(|g| g.message.as_deref()).into(),
        new.return_to.as_deref().into(),
        mailed_to.is_some().into(),
        group.and_then(|g| g.locale.as_deref()).into(),
        group.and_then(|g| g.reply_to.as_deref()).into(),
    ];
    tx.execute(sql, &args).await?;
    Ok(id)
}

/// The values of [`SCOPE_SQL`]'s `$1`, `$2`, `$3`.
fn scope_args(scope: &InviteScope) -> [Arg<'static>; 3] {
    [scope.kind.map(|k| k.as_str()).into(), scope.user_id.into(), scope.group_id.into()]
}

/// The `WHERE` clause and value that find an invite by its secret.
fn secret_condition(secret: &Secret) -> (&'static str, &str) {
    match secret {
        Secret::Code(code) => ("i.code = $1", code.as_str()),
        Secret::Token(hash) => ("i.token_hash = $1", hash.as_str()),
    }
}

/// The invite a code or a token's hash names (see [`Store::invite_by_secret`]).
pub(crate) async fn invite_by_secret_in(conn: &mut impl Conn, secret: &Secret) -> Result<Option<Invite>, StoreError> {
    let (condition, value) = secret_condition(secret);
    invite_where(conn, condition, value).await
}

async fn invite_where(conn: &mut impl Conn, condition: &str, value: &str) -> Result<Option<Invite>, StoreError> {
    let sql = format!("{INVITE_SELECT} WHERE {condition}");
    let row: Option<InviteRow> = conn.fetch_optional(&sql, &[value.into()]).await?;
    decode(row)
}

/// Whether a token was an invitation's before a resend or a copied link replaced it.
pub(crate) async fn is_superseded_in(conn: &mut impl Conn, hash: &TokenHash) -> Result<bool, StoreError> {
    let sql = "SELECT CAST(1 AS BIGINT) FROM superseded_tokens WHERE token_hash = $1";
    let found: Option<(i64,)> = conn.fetch_optional(sql, &[hash.as_str().into()]).await?;
    Ok(found.is_some())
}

/// For an email invitation (see [`Store::create_invite`]): refuses an address
/// that belongs to a member or already has an active invitation to the group.
pub(crate) async fn check_invitation(
    tx: &mut impl Conn,
    grant: &GroupGrant,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    lock_group(tx, grant.group_id).await?;
    let Some(address) = &grant.email else { return Ok(()) };
    let normalized = address.normalized();
    let sql = "SELECT CAST(1 AS BIGINT) FROM memberships m JOIN users u ON u.id = m.user_id \
               WHERE m.group_id = $1 AND u.email_normalized = $2";
    let member: Option<(i64,)> = tx.fetch_optional(sql, &[grant.group_id.into(), (&normalized).into()]).await?;
    if member.is_some() {
        return Err(StoreError::AlreadyMember);
    }
    let sql = format!(
        "SELECT CAST(1 AS BIGINT) FROM invites i WHERE i.group_id = $1 AND i.email_normalized = $2 AND {}",
        active_sql!("$3")
    );
    let pending: Option<(i64,)> =
        tx.fetch_optional(&sql, &[grant.group_id.into(), normalized.into(), to_ms(now).into()]).await?;
    if pending.is_some() {
        return Err(StoreError::DuplicateInvite);
    }
    Ok(())
}
