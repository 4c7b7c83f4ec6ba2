//! OpenID Connect's secrets: the keys that sign ID tokens (private halves sealed with
//! the instance's secret key), authorization codes, and access and refresh tokens
//! (their hashes). A code or refresh token is exchanged in one transaction: it is
//! marked used and its successors stored together, so a second use always finds the
//! first's tokens and revokes them.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    oauth::{Scope, Scopes},
    token::TokenHash,
};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    model::{Exchanged, Grant, LiveToken, NewCode, NewTokens, SigningKey, User},
    rows::{USER_COLUMNS, UserRow, from_ms, parse_id, to_ms},
    sql::{Arg, Conn, Record, next_field, record},
};

record! {
    struct KeyRow {
        kid: String,
        private_key: String,
        public_n: String,
        public_e: String,
        created_at: i64,
        retired_at: Option<i64>,
    }
}

record! {
    struct GrantRow {
        grant_id: String,
        app_id: String,
        user_id: String,
        scope: String,
        nonce: Option<String>,
        auth_time: i64,
    }
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;

    fn try_from(row: GrantRow) -> Result<Self, StoreError> {
        Ok(Self {
            grant_id: parse_id(&row.grant_id)?,
            app_id: parse_id(&row.app_id)?,
            user_id: parse_id(&row.user_id)?,
            scope: row.scope,
            nonce: row.nonce,
            auth_time: from_ms(row.auth_time)?,
        })
    }
}

/// A token with its user: the token's columns, then [`USER_COLUMNS`].
#[derive(sqlx::FromRow)]
struct LiveTokenRow {
    kind: String,
    app_id: String,
    client_id: String,
    scope: String,
    created_at: i64,
    expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

impl Record for LiveTokenRow {
    fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self> {
        // Struct fields are evaluated in the order written: the columns' order.
        Ok(Self {
            kind: next_field(row, column, "kind")?,
            app_id: next_field(row, column, "app_id")?,
            client_id: next_field(row, column, "client_id")?,
            scope: next_field(row, column, "scope")?,
            created_at: next_field(row, column, "created_at")?,
            expires_at: next_field(row, column, "expires_at")?,
            user: UserRow::from_rusqlite_at(row, column)?,
        })
    }
}

/// A token's hash and the time, the binds of every look-up by token.
fn by_token(hash: &TokenHash, now: DateTime<Utc>) -> [crate::sql::Arg<'_>; 2] {
    [hash.as_str().into(), to_ms(now).into()]
}

impl Store {
    /// Stores a new signing key (its private half, PKCS#1 DER, sealed for its `kid`)
    /// and retires the others: they stay published until `retired_at` plus the ID
    /// tokens' lifetime, and sign nothing more.
    pub async fn add_signing_key(
        &self,
        kid: String,
        private_der: &[u8],
        n: String,
        e: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = self.secret_key.as_ref().ok_or_else(|| StoreError::Database("no secret key to seal with".into()))?;
        let sealed = key.seal(&mut OsRng, &kid, private_der);
        self.write(move |tx| {
            Box::pin(async move {
                let now = to_ms(now);
                tx.execute("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL", &[now.into()]).await?;
                let sql = "INSERT INTO signing_keys (kid, private_key, public_n, public_e, created_at) \
                           VALUES ($1, $2, $3, $4, $5)";
                tx.execute(sql, &[kid.into(), sealed.into(), n.into(), e.into(), now.into()]).await?;
                Ok(())
            })
        })
        .await
    }

    /// The signing keys retired after `since` or not at all, newest first (the first,
    /// when not retired, signs). A key sealed under another secret key (a lost
    /// `usher.key`) comes without its private half: it is still published, and signs
    /// nothing.
    pub async fn signing_keys(&self, since: DateTime<Utc>) -> Result<Vec<SigningKey>, StoreError> {
        let sql = "SELECT kid, private_key, public_n, public_e, created_at, retired_at FROM signing_keys \
                   WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC, kid";
        let rows: Vec<KeyRow> = self.read()?.fetch_all(sql, &[to_ms(since).into()]).await?;
        let key = self.secret_key.as_ref().ok_or_else(|| StoreError::Database("no secret key to open keys".into()))?;
        rows.into_iter()
            .map(|row| {
                let private_der = key.open(&row.kid, &row.private_key).ok();
                if private_der.is_none() {
                    tracing::warn!(kid = row.kid, "a signing key does not open with this secret key: it signs nothing");
                }
                Ok(SigningKey {
                    kid: row.kid,
                    private_der,
                    n: row.public_n,
                    e: row.public_e,
                    created_at: from_ms(row.created_at)?,
                    retired_at: row.retired_at.map(from_ms).transpose()?,
                })
            })
            .collect()
    }

    /// Stores an authorization code (its hash), a grant of its own.
    pub async fn add_code(&self, code: NewCode) -> Result<(), StoreError> {
        let sql = "INSERT INTO oauth_codes (code_hash, grant_id, app_id, user_id, redirect_uri, scope, nonce, \
                   code_challenge, auth_time, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let args = vec![
            code.code_hash.as_str().to_owned().into(),
            Uuid::now_v7().into(),
            code.app_id.into(),
            code.user_id.into(),
            code.redirect_uri.into(),
            code.scope.into(),
            code.nonce.into(),
            code.code_challenge.into(),
            to_ms(code.auth_time).into(),
            to_ms(code.expires_at).into(),
        ];
        self.write_one(sql, args).await?;
        Ok(())
    }

    /// Exchanges a code for `tokens`: only a live code, of `app_id`, sent back with
    /// the redirect URI it was issued for and the PKCE challenge the verifier hashes
    /// to (`None`: no verifier, which a code with a challenge refuses). A code used
    /// before revokes every token issued from it.
    pub async fn exchange_code(
        &self,
        code_hash: TokenHash,
        app_id: Uuid,
        redirect_uri: String,
        verifier_challenge: Option<String>,
        tokens: NewTokens,
        now: DateTime<Utc>,
    ) -> Result<Exchanged, StoreError> {
        self.write(move |tx| {
            Box::pin(async move {
                let at = to_ms(now);
                let sql = "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL \
                           AND expires_at > $2 AND app_id = $3 AND redirect_uri = $4 \
                           AND ((code_challenge IS NULL AND $5 IS NULL) OR code_challenge = $5) \
                           RETURNING grant_id, app_id, user_id, scope, nonce, auth_time";
                let args = [
                    code_hash.as_str().into(),
                    at.into(),
                    app_id.into(),
                    redirect_uri.as_str().into(),
                    verifier_challenge.as_deref().into(),
                ];
                let used = "UPDATE oauth_codes SET revoked_at = $2 WHERE code_hash = $1 AND used_at IS NOT NULL \
                            RETURNING grant_id";
                let used_args = [code_hash.as_str().into(), at.into()];
                exchange_in(tx, (sql, &args), (used, &used_args), &tokens, now).await
            })
        })
        .await
    }

    /// Exchanges a live refresh token of `app_id` for `tokens` in the same grant. A
    /// refresh token used before revokes its whole grant (RFC 9700 §4.14.2).
    pub async fn rotate_refresh_token(
        &self,
        token_hash: TokenHash,
        app_id: Uuid,
        tokens: NewTokens,
        now: DateTime<Utc>,
    ) -> Result<Exchanged, StoreError> {
        self.write(move |tx| {
            Box::pin(async move {
                let at = to_ms(now);
                let sql = "UPDATE oauth_tokens SET used_at = $2 WHERE token_hash = $1 AND kind = 'refresh' \
                           AND used_at IS NULL AND expires_at > $2 AND app_id = $3 \
                           RETURNING grant_id, app_id, user_id, scope, NULL AS nonce, auth_time";
                let args = [token_hash.as_str().into(), at.into(), app_id.into()];
                let used = "SELECT grant_id FROM oauth_tokens WHERE token_hash = $1 AND kind = 'refresh' \
                            AND used_at IS NOT NULL";
                exchange_in(tx, (sql, &args), (used, &[token_hash.as_str().into()]), &tokens, now).await
            })
        })
        .await
    }

    /// A live access or refresh token (not expired, not used up, its user enabled),
    /// with its user.
    pub async fn live_token(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<LiveToken>, StoreError> {
        let sql = format!(
            "SELECT t.kind, t.app_id, a.client_id, t.scope, t.created_at, t.expires_at, {USER_COLUMNS} \
             FROM oauth_tokens t JOIN apps a ON a.id = t.app_id JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND t.used_at IS NULL AND u.disabled_at IS NULL"
        );
        let row: Option<LiveTokenRow> = self.read()?.fetch_optional(&sql, &by_token(token_hash, now)).await?;
        let Some(token) = row else { return Ok(None) };
        Ok(Some(LiveToken {
            kind: token.kind,
            app_id: parse_id(&token.app_id)?,
            client_id: token.client_id,
            user: User::try_from(token.user)?,
            scope: token.scope,
            created_at: from_ms(token.created_at)?,
            expires_at: from_ms(token.expires_at)?,
        }))
    }

    /// Revokes a token of `app_id` (RFC 7009): an access token alone, a refresh token
    /// with every token of its grant. Answers whether there was one to revoke.
    pub async fn revoke_token(&self, token_hash: TokenHash, app_id: Uuid) -> Result<bool, StoreError> {
        self.write(move |tx| {
            Box::pin(async move {
                let sql = "SELECT grant_id, kind FROM oauth_tokens WHERE token_hash = $1 AND app_id = $2";
                let found: Option<(String, String)> =
                    tx.fetch_optional(sql, &[token_hash.as_str().into(), app_id.into()]).await?;
                match found {
                    None => Ok(false),
                    Some((grant_id, kind)) if kind == "refresh" => revoke_grant(tx, &grant_id).await.map(|_| true),
                    Some(_) => {
                        tx.execute("DELETE FROM oauth_tokens WHERE token_hash = $1", &[token_hash.as_str().into()])
                            .await?;
                        Ok(true)
                    }
                }
            })
        })
        .await
    }

    /// Ends every token a user holds for any app (sign-out everywhere, RP-initiated
    /// logout ends only the session).
    pub async fn revoke_user_tokens(&self, user_id: Uuid) -> Result<u64, StoreError> {
        self.write_one("DELETE FROM oauth_tokens WHERE user_id = $1", vec![user_id.into()]).await
    }
}

/// One exchange, inside its transaction: `take` marks a code or refresh token used and
/// answers its grant, whose new tokens are stored beside; when it takes nothing,
/// `used` finds the grant of one used before — a replay, which revokes the grant.
async fn exchange_in(
    tx: &mut impl Conn,
    take: (&str, &[Arg<'_>]),
    used: (&str, &[Arg<'_>]),
    tokens: &NewTokens,
    now: DateTime<Utc>,
) -> Result<Exchanged, StoreError> {
    if let Some(row) = tx.fetch_optional::<GrantRow>(take.0, take.1).await? {
        let grant = Grant::try_from(row)?;
        insert_tokens(tx, &grant, tokens, now).await?;
        return Ok(Exchanged::Issued(grant));
    }
    match tx.fetch_optional::<(String,)>(used.0, used.1).await? {
        Some((grant_id,)) => {
            revoke_grant(tx, &grant_id).await?;
            Ok(Exchanged::Replayed)
        }
        None => Ok(Exchanged::Refused),
    }
}

/// Stores a grant's new access token (and refresh token), inside its exchange.
async fn insert_tokens(
    tx: &mut impl Conn,
    grant: &Grant,
    tokens: &NewTokens,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO oauth_tokens (token_hash, kind, grant_id, app_id, user_id, scope, auth_time, created_at, \
               expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    // A refresh token only for a grant with `offline_access`.
    let offline = Scopes::from_stored(&grant.scope).contains(Scope::OfflineAccess);
    let refresh = tokens.refresh.as_ref().filter(|_| offline);
    let issued = std::iter::once(("access", &tokens.access)).chain(refresh.map(|r| ("refresh", r)));
    for (kind, (hash, expires_at)) in issued {
        let args = [
            hash.as_str().into(),
            kind.into(),
            grant.grant_id.into(),
            grant.app_id.into(),
            grant.user_id.into(),
            grant.scope.as_str().into(),
            to_ms(grant.auth_time).into(),
            to_ms(now).into(),
            to_ms(*expires_at).into(),
        ];
        tx.execute(sql, &args).await?;
    }
    Ok(())
}

/// Revokes every token of a grant (a replayed code or refresh token).
async fn revoke_grant(tx: &mut impl Conn, grant_id: &str) -> Result<u64, StoreError> {
    tracing::warn!(grant_id, "a used code or refresh token was presented again: its grant is revoked");
    tx.execute("DELETE FROM oauth_tokens WHERE grant_id = $1", &[grant_id.into()]).await
}
