//! The JSON of the admin console's own objects — a login link just minted, outgoing
//! mail, audit events — and the audit query; for the API and the console pages alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use usher_app::{
    audit,
    links::MintedLink,
    lists::{ListRequest, Listed},
};
use usher_storage::{AuditEntry, OutboxMessage, model::Invite};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{LoginLinkView, Paginated, UserSummaryView};

/// A minted login link: the token and URL are shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct MintedLoginLink {
    pub id: Uuid,
    pub token: String,
    pub url: String,
    pub user: UserSummaryView,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<MintedLink> for MintedLoginLink {
    fn from(minted: MintedLink) -> Self {
        let user = minted.user;
        Self {
            id: minted.link.id,
            token: minted.token.expose().to_owned(),
            url: minted.url,
            user: UserSummaryView { id: user.id, username: user.username, display_name: user.display_name },
            expires_at: minted.link.usage.expires_at,
        }
    }
}

/// A page of login links as listed (never a token).
pub fn login_links(links: Listed<Invite>) -> Paginated<LoginLinkView> {
    let now = Utc::now();
    Paginated::of(links, |l| LoginLinkView::new(l, now))
}

/// An outbox row as admins see it: never the template data (it may carry a token).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    id: Uuid,
    recipient: String,
    /// `invitation`, `invitation_resent` or `login_link`.
    template: String,
    invite_id: Option<Uuid>,
    /// `queued`, `sending`, `sent` or `failed`.
    status: String,
    attempts: u32,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl From<&OutboxMessage> for OutboxView {
    fn from(m: &OutboxMessage) -> Self {
        Self {
            id: m.id,
            recipient: m.recipient.clone(),
            template: m.template.clone(),
            invite_id: m.invite_id,
            status: m.status.clone(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error.clone(),
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

/// `?action=&actor=&target=&since=&until=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An action name, e.g. `invite.created`.
    action: Option<String>,
    /// A user id or a username.
    actor: Option<String>,
    /// The target's id (an invite, user or group id).
    target: Option<String>,
    /// From this time (RFC 3339, inclusive).
    since: Option<DateTime<Utc>>,
    /// Up to this time (RFC 3339, inclusive).
    until: Option<DateTime<Utc>>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<Uuid>)]
    cursor: Option<String>,
}

impl From<AuditQuery> for audit::AuditQuery {
    fn from(q: AuditQuery) -> Self {
        Self {
            action: q.action,
            actor: q.actor,
            target: q.target,
            since: q.since,
            until: q.until,
            list: ListRequest { status: None, limit: q.limit, cursor: q.cursor },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The user who acted; `null`: the system or an anonymous caller.
    pub actor_id: Option<Uuid>,
    /// The actor's username; `null` for the system, an anonymous caller or a deleted account.
    pub actor_username: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub group_id: Option<Uuid>,
    pub client_ip: Option<String>,
    /// What the action changed; never a token or password.
    #[schema(value_type = Object)]
    pub details: Value,
}

impl From<&AuditEntry> for AuditView {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor_username: e.actor_username.clone(),
            action: e.action.clone(),
            target_kind: e.target_kind.clone(),
            target_id: e.target_id.clone(),
            group_id: e.group_id,
            client_ip: e.client_ip.clone(),
            details: e.details.clone(),
        }
    }
}

/// An application Usher signs people in to. `client_secret` only in the answer that
/// made it (registration, rotation): it is stored as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppView {
    pub id: Uuid,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub name: String,
    pub public: bool,
    pub first_party: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Only members of these groups may sign in; `null`: everyone.
    pub allowed_groups: Option<Vec<Uuid>>,
    pub home_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&usher_storage::model::ClientApp> for AppView {
    fn from(app: &usher_storage::model::ClientApp) -> Self {
        Self {
            id: app.id,
            client_id: app.client_id.clone(),
            client_secret: None,
            name: app.name.clone(),
            public: app.public,
            first_party: app.first_party,
            redirect_uris: app.redirect_uris.clone(),
            post_logout_redirect_uris: app.post_logout_redirect_uris.clone(),
            allowed_groups: app.allowed_groups.clone(),
            home_url: app.home_url.clone(),
            created_at: app.created_at,
            updated_at: app.updated_at,
        }
    }
}

impl From<usher_app::apps::Registered> for AppView {
    fn from(registered: usher_app::apps::Registered) -> Self {
        Self { client_secret: registered.client_secret.map(|s| s.expose().to_owned()), ..Self::from(&registered.app) }
    }
}

/// An API key (SPEC §10.3). `key` only in the answer that made it: it is stored as a
/// hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    /// `usk_…`: shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub name: String,
    #[schema(example = json!(["groups:read", "members:write"]))]
    pub scopes: Vec<&'static str>,
    /// The one group the key acts on; `null`: every group.
    pub group_id: Option<Uuid>,
    /// That group's slug.
    pub group_slug: Option<String>,
    /// The admin the key acts for.
    pub created_by: UserSummaryView,
    pub created_at: DateTime<Utc>,
    /// `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Kept to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&usher_storage::model::ApiKeyInfo> for ApiKeyView {
    fn from(info: &usher_storage::model::ApiKeyInfo) -> Self {
        Self {
            id: info.id,
            key: None,
            name: info.name.clone(),
            scopes: info.scopes.names(),
            group_id: info.group_id,
            group_slug: info.group_slug.clone(),
            created_by: UserSummaryView::from(&info.created_by),
            created_at: info.created_at,
            expires_at: info.expires_at,
            last_used_at: info.last_used_at,
        }
    }
}

impl From<usher_app::api_keys::MadeKey> for ApiKeyView {
    fn from(made: usher_app::api_keys::MadeKey) -> Self {
        Self { key: Some(made.key), ..Self::from(&made.info) }
    }
}
