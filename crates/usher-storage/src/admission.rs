//! Redemption: using one slot of an invite, atomically, together with what it grants.
//!
//! The slot is taken by one conditional `UPDATE … RETURNING` per redemption, never by
//! a read followed by a write: on SQLite the write transaction holds the database
//! lock, and on PostgreSQL the `UPDATE` re-checks its `WHERE` after waiting for the
//! row lock, so `max_uses = N` admits exactly N however many clients race.

use chrono::{DateTime, Utc};
use usher_domain::invite::{InviteKind, InviteStatus};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    backend::Tx,
    invites::{active_sql, invite_in_tx},
    model::{NewSession, NewUser, Secret, User},
    rows::{parse_id, to_ms},
    sessions::insert_session,
    users::{insert_user, user_in_tx},
};

/// One slot taken: which invite, and (login links) whom it signs in.
struct Slot {
    invite_id: Uuid,
    user_id: Option<Uuid>,
}

impl Store {
    /// Registers a new account, optionally through an invite, and starts its session:
    /// all or nothing. A refusal for any reason (username taken, invite used up) rolls
    /// the whole transaction back, so it consumes no slot.
    pub async fn register(
        &self,
        new: NewUser,
        invite: Option<&Secret>,
        session: NewSession,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let slot = match invite {
            Some(secret) => Some(take_slot(&mut tx, secret, &[InviteKind::Registration], now).await?),
            None => None,
        };
        let user = insert_user(&mut tx, new, now).await?;
        if let Some(slot) = slot {
            insert_redemption(&mut tx, slot.invite_id, user.id, now).await?;
        }
        insert_session(&mut tx, user.id, session, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Uses a login link: one slot, one session on the given device, one redemption.
    pub async fn redeem_login_link(
        &self,
        secret: &Secret,
        session: NewSession,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let slot = take_slot(&mut tx, secret, &[InviteKind::LoginLink], now).await?;
        let user_id = slot.user_id.ok_or(StoreError::InviteNotFound)?;
        let user = user_in_tx(&mut tx, user_id).await?.ok_or(StoreError::InviteNotFound)?;
        if user.disabled_at.is_some() {
            return Err(StoreError::UserDisabled);
        }
        insert_session(&mut tx, user_id, session, now).await?;
        insert_redemption(&mut tx, slot.invite_id, user_id, now).await?;
        tx.commit().await?;
        Ok(user)
    }
}

/// Takes one slot of an active invite of one of `kinds`, or says why not. The
/// caller's transaction rolls the slot back if anything after it fails.
async fn take_slot(tx: &mut Tx, secret: &Secret, kinds: &[InviteKind], now: DateTime<Utc>) -> Result<Slot, StoreError> {
    let (column, value) = match secret {
        Secret::Code(code) => ("code", code.as_str()),
        Secret::Token(hash) => ("token_hash", hash.as_str()),
    };
    let sql = format!(
        "UPDATE invites AS i SET uses = i.uses + 1 WHERE i.{column} = $1 AND {} RETURNING id, kind, user_id",
        active_sql!("$2")
    );
    let taken: Option<(String, String, Option<String>)> = dispatch!(tx, Tx, tx =>
        sqlx::query_as(&sql).bind(value).bind(to_ms(now)).fetch_optional(&mut **tx).await?);
    match taken {
        Some((id, kind, user_id)) if InviteKind::parse(&kind).is_some_and(|k| kinds.contains(&k)) => {
            Ok(Slot { invite_id: parse_id(&id), user_id: user_id.as_deref().map(parse_id) })
        }
        // Another kind's secret: not this route's to honour. Dropping the
        // transaction gives the slot back.
        Some(_) => Err(StoreError::InviteNotFound),
        None => Err(why_unusable(tx, secret, kinds, now).await?),
    }
}

/// Explains a failed slot: unknown, or revoked / used up / expired. Reads inside the
/// transaction: a second connection could wait on the pool the transaction holds.
async fn why_unusable(
    tx: &mut Tx,
    secret: &Secret,
    kinds: &[InviteKind],
    now: DateTime<Utc>,
) -> Result<StoreError, StoreError> {
    Ok(match invite_in_tx(tx, secret).await? {
        Some(invite) if kinds.contains(&invite.kind) => match invite.usage.status(now) {
            // Only reachable if the invite changed between the two statements.
            InviteStatus::Active => StoreError::InviteUnusable(InviteStatus::UsedUp),
            status => StoreError::InviteUnusable(status),
        },
        _ => StoreError::InviteNotFound,
    })
}

async fn insert_redemption(tx: &mut Tx, invite_id: Uuid, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO redemptions (id, invite_id, user_id, created_at) VALUES ($1, $2, $3, $4)";
    dispatch!(tx, Tx, tx => sqlx::query(sql)
        .bind(Uuid::now_v7().to_string())
        .bind(invite_id.to_string())
        .bind(user_id.to_string())
        .bind(to_ms(now))
        .execute(&mut **tx)
        .await?.rows_affected());
    Ok(())
}
