//! API keys for application back-ends (SPEC §10.3): made, listed and revoked by
//! instance admins; presented as `Authorization: Bearer usk_…`, a key acts for the
//! admin who made it — while they are an enabled admin — within its scopes and, when
//! it names one, its group. The key is shown once; only its hash is kept.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    Invalid,
    api_key::{self, Scopes},
    token::TokenHash,
};
use usher_storage::model::{ApiKeyInfo, NewApiKey, User};
use uuid::Uuid;

use crate::{
    Actor, App,
    actor::KeyGrant,
    error::{AppResult, Forbidden, Reason},
    fields::Fields,
};

/// How often a key's `last_used_at` is written at most: not a write per request.
pub const LAST_USED_EVERY: Duration = Duration::minutes(1);

/// A key an admin asks for.
#[derive(Debug, Clone, Default)]
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<String>,
    pub group_id: Option<Uuid>,
    /// The group by its slug instead (the console, the command line): refused as
    /// `group` when no group has it.
    pub group_slug: Option<String>,
    pub expires_in_days: Option<i64>,
}

/// A key just made: the key itself (the only time anyone sees it) and what it is.
#[derive(Debug)]
pub struct MadeKey {
    pub key: String,
    pub info: ApiKeyInfo,
}

impl App {
    /// Makes a key acting for the signed-in admin (a key cannot make keys).
    pub async fn create_api_key(&self, actor: &Actor, new: NewKey) -> AppResult<MadeKey> {
        key_keeper(actor)?;
        let admin = actor.admin()?.clone();
        self.make_key(actor, &admin, new).await
    }

    /// Makes a key acting for the admin `username` (the operator at the command line,
    /// or an admin).
    pub async fn create_api_key_for(&self, actor: &Actor, username: &str, new: NewKey) -> AppResult<MadeKey> {
        key_keeper(actor)?;
        let admin = self.store.user_by_username(username).await?;
        let Some(admin) = admin.filter(|user| user.is_admin && user.disabled_at.is_none()) else {
            return Err(crate::Error::field("admin", Invalid::new("invalid-not-an-admin")));
        };
        self.make_key(actor, &admin, new).await
    }

    async fn make_key(&self, actor: &Actor, admin: &User, new: NewKey) -> AppResult<MadeKey> {
        let mut fields = Fields::default();
        let name = fields.check("name", api_key::name(&new.name));
        let scopes = fields.check("scopes", Scopes::parse(&new.scopes));
        let lifetime =
            new.expires_in_days.and_then(|days| fields.check("expires_in_days", api_key::lifetime_days(days)));
        let slug = new.group_slug.as_deref().map(str::trim).filter(|slug| !slug.is_empty());
        let group_id = match (new.group_id, slug) {
            (Some(id), _) if self.store.group(id).await?.is_none() => {
                fields.push("group_id", Invalid::new("invalid-no-group").with("id", id));
                None
            }
            (Some(id), _) => Some(id),
            (None, Some(slug)) => match self.store.group_by_slug(slug).await? {
                Some(group) => Some(group.id),
                None => {
                    fields.push("group", Invalid::new("invalid-no-group-slug").with("list", slug));
                    None
                }
            },
            (None, None) => None,
        };
        fields.finish()?;
        let (Some(name), Some(scopes)) = (name, scopes) else { unreachable!("refused above") };
        let (key, key_hash) = api_key::generate(&mut OsRng);
        let now = Utc::now();
        let id = Uuid::now_v7();
        let new = NewApiKey {
            id,
            name,
            key_hash,
            scopes,
            group_id,
            created_by: admin.id,
            created_at: now,
            expires_at: lifetime.map(|lifetime| now + lifetime),
        };
        self.store.create_api_key(new, &actor.audit()).await?;
        let info = self.store.api_key(id).await?.ok_or(Reason::NotFound)?;
        Ok(MadeKey { key, info })
    }

    /// Every key, newest first (instance admins).
    pub async fn api_keys(&self, actor: &Actor) -> AppResult<Vec<ApiKeyInfo>> {
        key_keeper(actor)?;
        Ok(self.store.api_keys().await?)
    }

    /// Revokes a key (instance admins): it signs nothing in from now on.
    pub async fn revoke_api_key(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        key_keeper(actor)?;
        Ok(self.store.delete_api_key(id, &actor.audit()).await?)
    }

    /// The actor presenting API key `key` from `ip`: acting for the key's admin when
    /// the key is live, anonymous otherwise (so a revoked or expired key is 401 where
    /// signing in is needed). Its use is noted off the request, at most once a minute.
    pub async fn key_actor(&self, key: &str, ip: IpAddr) -> AppResult<Actor> {
        let now = Utc::now();
        let Some(live) = self.store.live_api_key(&TokenHash::of(key), now).await? else {
            return Ok(Actor::anonymous(ip));
        };
        self.note_use(live.id, live.last_used_at, now);
        Ok(Actor::by_key(live.admin, KeyGrant { id: live.id, scopes: live.scopes, group_id: live.group_id }, ip))
    }

    fn note_use(&self, id: Uuid, last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        let since = now - LAST_USED_EVERY;
        if last_used_at.is_some_and(|at| at >= since) {
            return;
        }
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(err) = store.touch_api_key(id, now, since).await {
                tracing::warn!(error = %err, "could not note an API key's use");
            }
        });
    }
}

/// Who keeps keys: an instance admin signed in, or the operator; never a key (a key
/// that made keys could outlive every limit put on it).
fn key_keeper(actor: &Actor) -> AppResult<()> {
    if actor.key.is_some() {
        return Err(Forbidden::KeyScope.into());
    }
    actor.require_admin()
}
