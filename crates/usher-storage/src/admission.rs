//! Redemption: using one slot of an invite, atomically, together with what it grants.
//!
//! The slot is taken by one conditional `UPDATE … RETURNING` per redemption, never by
//! a read followed by a write: on SQLite the write transaction holds the database
//! lock, and on PostgreSQL the `UPDATE` re-checks its `WHERE` after waiting for the
//! row lock, so `max_uses = N` admits exactly N however many clients race.
//!
//! These are the hot write transactions: each is written once against [`Conn`] and
//! runs through `Store::write`, like every other.

use chrono::{DateTime, Utc};
use usher_domain::{
    invite::{InviteKind, InviteStatus},
    role::Role,
    secret::Secret,
};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    groups::insert_membership,
    invites::{active_sql, invite_by_secret_in, is_superseded_in},
    model::{NewSession, NewUser, User},
    rows::{parse_id, parse_opt_id, to_ms},
    sessions::insert_session,
    sql::Conn,
    users::{insert_user, user_by_id_in},
};

/// One slot taken: which invite, whom it signs in (login links), what it grants
/// (group invitations) and to which address (email invitations).
struct Slot {
    invite_id: Uuid,
    kind: InviteKind,
    user_id: Option<Uuid>,
    group: Option<(Uuid, Role)>,
    email_normalized: Option<String>,
    /// The token used went out by email to `email_normalized`.
    token_mailed: bool,
    return_to: Option<String>,
}

impl Slot {
    /// Whether using this slot proves `user` holds their address: its token was mailed
    /// there (an email invitation, a mailed login link) and it is still theirs.
    fn proves_address_of(&self, user: &User) -> bool {
        self.token_mailed
            && self.email_normalized.as_deref() == Some(usher_domain::account::normalize_email(&user.email).as_str())
    }

    /// Marks `user`'s address verified, inside the transaction, if this slot proves it.
    async fn verify_address(&self, tx: &mut impl Conn, user: &mut User, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.proves_address_of(user) && user.email_verified_at.is_none() {
            user.email_verified_at = Some(crate::verification::mark_verified(tx, user.id, now).await?);
        }
        Ok(())
    }

    /// Email invitations admit only the account with the invited address.
    fn check_email(&self, user_email: &str) -> Result<(), StoreError> {
        match &self.email_normalized {
            Some(invited) if *invited != usher_domain::account::normalize_email(user_email) => {
                Err(StoreError::EmailMismatch)
            }
            _ => Ok(()),
        }
    }
}

/// An invite accepted: which one, of what kind, and the membership it made.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub invite_id: Uuid,
    pub kind: InviteKind,
    pub group_id: Uuid,
    pub role: Role,
    /// Where the invite sends whoever used it.
    pub return_to: Option<String>,
}

/// The kinds that let someone register.
const REGISTERING: &[InviteKind] = &[InviteKind::Registration, InviteKind::GroupCode, InviteKind::EmailInvitation];
/// The kinds that join a group.
pub const JOINING: &[InviteKind] = &[InviteKind::GroupCode, InviteKind::EmailInvitation];

impl Store {
    /// Registers a new account, optionally through an invite, and starts its session:
    /// all or nothing. A group code or email invitation also makes the account a
    /// member. A refusal for any reason (username taken, invite used up, another email
    /// than the invited one) rolls the whole transaction back, so it consumes no slot.
    pub async fn register(
        &self,
        new: NewUser,
        invite: Option<&Secret>,
        session: NewSession,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let (invite, audit) = (invite.cloned(), audit.clone());
        self.write(move |tx| Box::pin(async move { register_in(tx, new, invite.as_ref(), session, &audit, now).await }))
            .await
    }

    /// Joins `user` to a group through an invite of one of `kinds` (group codes,
    /// email invitations), with the invite's role. The one place that decides why
    /// not: unknown, superseded, revoked / used up / expired, another kind
    /// ([`StoreError::WrongKind`]), already a member, another email than the invited
    /// one — refused, and nothing consumed.
    pub async fn accept_invite(
        &self,
        secret: &Secret,
        kinds: &[InviteKind],
        user: &User,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let (secret, kinds, user, audit) = (secret.clone(), kinds.to_vec(), user.clone(), audit.clone());
        self.write(move |tx| Box::pin(async move { accept_invite_in(tx, &secret, &kinds, &user, &audit, now).await }))
            .await
    }

    /// Uses a login link: one slot, one session on the given device, one redemption.
    pub async fn redeem_login_link(
        &self,
        secret: &Secret,
        session: NewSession,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let (secret, audit) = (secret.clone(), audit.clone());
        self.write(move |tx| Box::pin(async move { redeem_login_link_in(tx, &secret, session, &audit, now).await }))
            .await
    }
}

async fn register_in(
    tx: &mut impl Conn,
    new: NewUser,
    invite: Option<&Secret>,
    session: NewSession,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let slot = match invite {
        Some(secret) => Some(take_slot(tx, secret, REGISTERING, now).await?),
        None => None,
    };
    let mut user = insert_user(tx, new, now).await?;
    let audit = audit.as_actor(user.id);
    let details = serde_json::json!({"username": user.username, "invite_id": slot.as_ref().map(|s| s.invite_id)});
    audit::record(tx, &audit, Event::new("user.registered", "user", user.id).details(details), now).await?;
    if let Some(slot) = slot {
        slot.check_email(&user.email)?;
        slot.verify_address(tx, &mut user, now).await?;
        if let Some((group_id, role)) = &slot.group {
            insert_membership(tx, *group_id, user.id, role, Some(slot.invite_id), now).await?;
            record_accepted(tx, &audit, &slot, user.id, now).await?;
        }
        insert_redemption(tx, slot.invite_id, user.id, now).await?;
    }
    insert_session(tx, user.id, session, now).await?;
    Ok(user)
}

async fn accept_invite_in(
    tx: &mut impl Conn,
    secret: &Secret,
    kinds: &[InviteKind],
    user: &User,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<Accepted, StoreError> {
    debug_assert!(kinds.iter().all(|k| JOINING.contains(k)), "only group invites join a group");
    let slot = take_slot(tx, secret, kinds, now).await?;
    slot.check_email(&user.email)?;
    let (group_id, role) = slot.group.clone().ok_or(StoreError::InviteNotFound)?;
    let sql = "SELECT CAST(1 AS BIGINT) FROM memberships WHERE group_id = $1 AND user_id = $2";
    let member: Option<(i64,)> = tx.fetch_optional(sql, &[group_id.into(), user.id.into()]).await?;
    if member.is_some() {
        return Err(StoreError::AlreadyMember);
    }
    insert_membership(tx, group_id, user.id, &role, Some(slot.invite_id), now).await?;
    insert_redemption(tx, slot.invite_id, user.id, now).await?;
    slot.verify_address(tx, &mut user.clone(), now).await?;
    record_accepted(tx, audit, &slot, user.id, now).await?;
    Ok(Accepted { invite_id: slot.invite_id, kind: slot.kind, group_id, role, return_to: slot.return_to })
}

async fn redeem_login_link_in(
    tx: &mut impl Conn,
    secret: &Secret,
    mut session: NewSession,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let slot = take_slot(tx, secret, &[InviteKind::LoginLink], now).await?;
    let user_id = slot.user_id.ok_or(StoreError::InviteNotFound)?;
    let mut user = user_by_id_in(tx, user_id).await?.ok_or(StoreError::InviteNotFound)?;
    if user.disabled_at.is_some() {
        return Err(StoreError::UserDisabled);
    }
    session.by_mailed_link = slot.proves_address_of(&user);
    insert_session(tx, user_id, session, now).await?;
    insert_redemption(tx, slot.invite_id, user_id, now).await?;
    slot.verify_address(tx, &mut user, now).await?;
    let event =
        Event::new("login_link.redeemed", "invite", slot.invite_id).details(serde_json::json!({"user_id": user_id}));
    audit::record(tx, &audit.as_actor(user_id), event, now).await?;
    Ok(user)
}

/// `invite.accepted`: `user` joined the slot's group through it.
async fn record_accepted(
    tx: &mut impl Conn,
    audit: &AuditContext,
    slot: &Slot,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (group_id, role) = slot.group.clone().unzip();
    let event = Event::new("invite.accepted", "invite", slot.invite_id)
        .in_group(group_id)
        .details(serde_json::json!({"user_id": user, "role": role}));
    audit::record(tx, audit, event, now).await
}

/// Takes one slot of an active invite of one of `kinds`, or says why not. The
/// caller's transaction rolls the slot back if anything after it fails.
async fn take_slot(
    tx: &mut impl Conn,
    secret: &Secret,
    kinds: &[InviteKind],
    now: DateTime<Utc>,
) -> Result<Slot, StoreError> {
    let (column, value) = match secret {
        Secret::Code(code) => ("code", code.as_str()),
        Secret::Token(hash) => ("token_hash", hash.as_str()),
    };
    let sql = format!(
        "UPDATE invites AS i SET uses = i.uses + 1 WHERE i.{column} = $1 AND {} \
         RETURNING id, kind, user_id, group_id, role, email_normalized, token_mailed, return_to",
        active_sql!("$2")
    );
    type Returned =
        (String, String, Option<String>, Option<String>, Option<String>, Option<String>, bool, Option<String>);
    let taken: Option<Returned> = tx.fetch_optional(&sql, &[value.into(), to_ms(now).into()]).await?;
    let Some((id, kind, user_id, group_id, role, email_normalized, token_mailed, return_to)) = taken else {
        return Err(why_unusable(tx, secret, kinds, now).await?);
    };
    let kind = InviteKind::parse(&kind).ok_or_else(|| StoreError::corrupt("invite kind", &kind))?;
    if !kinds.contains(&kind) {
        // Another kind's secret: not this operation's to honour. Dropping the
        // transaction gives the slot back.
        return Err(other_kind(kinds, kind));
    }
    Ok(Slot {
        invite_id: parse_id(&id)?,
        kind,
        user_id: parse_opt_id(user_id.as_deref())?,
        group: parse_opt_id(group_id.as_deref())?.zip(role.map(Role::from_stored)),
        email_normalized,
        token_mailed,
        return_to,
    })
}

/// The refusal for a secret of a kind the operation does not take. Login links and
/// invites are two worlds: one given for the other is not found. Another invite kind
/// is named, for the caller to word (a registration code given to "join a group").
fn other_kind(kinds: &[InviteKind], kind: InviteKind) -> StoreError {
    if (kind == InviteKind::LoginLink) != kinds.contains(&InviteKind::LoginLink) {
        StoreError::InviteNotFound
    } else {
        StoreError::WrongKind(kind)
    }
}

/// Explains a failed slot: unknown, or revoked / used up / expired. Reads inside the
/// transaction: a second connection could wait on the pool the transaction holds.
async fn why_unusable(
    tx: &mut impl Conn,
    secret: &Secret,
    kinds: &[InviteKind],
    now: DateTime<Utc>,
) -> Result<StoreError, StoreError> {
    Ok(match invite_by_secret_in(tx, secret).await? {
        // A login link for an invite (or the reverse) is not found, whatever its state;
        // another invite kind's state comes first: an expired registration code is gone.
        Some(invite) if !kinds.contains(&invite.kind) => {
            match (other_kind(kinds, invite.kind), invite.usage.status(now)) {
                (StoreError::WrongKind(_), status) if status != InviteStatus::Active => {
                    StoreError::InviteUnusable(status)
                }
                (refusal, _) => refusal,
            }
        }
        Some(invite) => match invite.usage.status(now) {
            // Only reachable if the invite changed between the two statements.
            InviteStatus::Active => StoreError::InviteUnusable(InviteStatus::UsedUp),
            status => StoreError::InviteUnusable(status),
        },
        None => match secret {
            Secret::Token(hash) if is_superseded_in(tx, hash).await? => StoreError::InviteSuperseded,
            _ => StoreError::InviteNotFound,
        },
    })
}

async fn insert_redemption(
    tx: &mut impl Conn,
    invite_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO redemptions (id, invite_id, user_id, created_at) VALUES ($1, $2, $3, $4)";
    tx.execute(sql, &[Uuid::now_v7().into(), invite_id.into(), user_id.into(), to_ms(now).into()]).await?;
    Ok(())
}
