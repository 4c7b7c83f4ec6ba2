//! What the store hands out and takes in. Plain data; validation happened at the edge.

use chrono::{DateTime, Utc};
use usher_domain::{
    account::{DisplayName, Email, Username},
    code::InviteCode,
    device::DeviceInfo,
    invite::{InviteKind, Usage},
    mail::Mail,
    role::Role,
    secret::Secret,
    token::TokenHash,
};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    /// PHC string (argon2id); `None` for accounts that sign in by login link only.
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// When the account's current address was proven (a verification link, or a
    /// mailed invitation or login link used); `None`: not proven. A new address clears it.
    pub email_verified_at: Option<DateTime<Utc>>,
}

/// Who a live session signs in, as forward authentication tells an application, with
/// every group they are in and their role there. Kept in memory between writes
/// (`hot.rs`), so it holds only what it answers (no password hash) and packs the
/// groups into one string.
#[derive(Debug)]
pub struct SessionHolder {
    pub user_id: Uuid,
    pub username: Box<str>,
    pub email: Box<str>,
    /// `slug\trole\n` per group, by slug (neither holds a tab or a line break: a slug
    /// is a-z, 0-9 and `-`, a role a-z and `_`; a row that breaks this is corrupt).
    memberships: Box<str>,
    /// When the session ends: a kept answer is checked against the clock at each use.
    pub expires_at: DateTime<Utc>,
}

impl SessionHolder {
    /// `groups`: (slug, role) in slug order; `None` if a slug or role could not be
    /// told apart from the next.
    pub(crate) fn new(
        user_id: Uuid,
        username: String,
        email: String,
        groups: &[(String, String)],
        expires_at: DateTime<Utc>,
    ) -> Option<Self> {
        let mut memberships = String::with_capacity(groups.iter().map(|(s, r)| s.len() + r.len() + 2).sum());
        for (slug, role) in groups {
            if [slug, role].iter().any(|text| text.contains(['\t', '\n'])) {
                return None;
            }
            memberships.extend([slug.as_str(), "\t", role.as_str(), "\n"]);
        }
        let (username, email, memberships) = (username.into(), email.into(), memberships.into());
        Some(Self { user_id, username, email, memberships, expires_at })
    }

    /// Every group the holder is in, by slug, with their role there.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &str)> {
        self.memberships.lines().filter_map(|line| line.split_once('\t'))
    }

    /// The bytes of text it holds (for the memory the kept sessions take).
    pub(crate) fn text_len(&self) -> usize {
        self.username.len() + self.email.len() + self.memberships.len()
    }
}

/// The public face of a user inside other objects (`created_by`, a link's `user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
}

/// A group named in an answer: which one, in words a person knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub email: Email,
    pub display_name: DisplayName,
    pub password_hash: Option<String>,
    pub is_admin: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub email: Option<Email>,
    pub display_name: Option<DisplayName>,
    pub password_hash: Option<String>,
    pub is_admin: Option<bool>,
    /// `Some(true)` disables (keeping the first time), `Some(false)` re-enables.
    pub disabled: Option<bool>,
}

/// One of a user's live sessions, as the account page lists it.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The device's name, type and system, if the session was opened on one.
    pub device: Option<String>,
    pub device_type: Option<String>,
    pub os_info: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The session the list was asked from.
    pub current: bool,
}

/// A session about to start: the token's hash, and the device it is for, if any.
#[derive(Debug)]
pub struct NewSession {
    pub token_hash: TokenHash,
    pub device: Option<DeviceInfo>,
    pub expires_at: DateTime<Utc>,
    /// Opened by a login link mailed to the account's address (set by the store when
    /// it redeems one).
    pub by_mailed_link: bool,
}

/// One row of the invite table, of any kind.
#[derive(Debug, Clone)]
pub struct Invite {
    pub id: Uuid,
    pub kind: InviteKind,
    pub code: Option<InviteCode>,
    pub description: Option<String>,
    pub usage: Usage,
    pub created_by: Option<UserSummary>,
    pub created_at: DateTime<Utc>,
    /// Login links: the user the link signs in.
    pub user: Option<UserSummary>,
    /// Group codes and email invitations: the group, and the role joining grants.
    pub group_id: Option<Uuid>,
    pub role: Option<Role>,
    /// Email invitations: who is invited, and the inviter's message.
    pub email: Option<String>,
    pub message: Option<String>,
    pub resend_count: u32,
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Where whoever uses the invite is sent afterwards (an app's URL).
    pub return_to: Option<String>,
    /// An email invitation's language (its mail is written in it).
    pub locale: Option<String>,
    /// An email invitation's `Reply-To`: the inviter's address, when they chose so.
    pub reply_to: Option<String>,
}

#[derive(Debug)]
pub struct NewInvite {
    pub kind: InviteKind,
    pub secret: Secret,
    pub user_id: Option<Uuid>,
    pub description: Option<String>,
    pub max_uses: Option<u32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    /// Group invitations only; `None` elsewhere.
    pub group: Option<GroupGrant>,
    /// Where whoever uses it is sent afterwards (checked: an app's URL).
    pub return_to: Option<String>,
}

/// What a group invitation grants, and (email invitations) to whom.
#[derive(Debug, Clone)]
pub struct GroupGrant {
    pub group_id: Uuid,
    pub role: Role,
    pub email: Option<Email>,
    pub message: Option<String>,
    /// Email invitations: the mail's language, and the inviter's address for replies.
    pub locale: Option<String>,
    pub reply_to: Option<String>,
}

/// An email to queue in the outbox with the change that causes it.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub recipient: String,
    pub mail: Mail,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// The app whoever joins is sent on to (its `home_url`).
    pub app_id: Option<Uuid>,
}

#[derive(Debug)]
pub struct NewGroup {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: serde_json::Value,
    pub app_id: Option<Uuid>,
}

/// Changes to a group; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: Option<serde_json::Value>,
    /// `Some(None)`: no app any more.
    pub app_id: Option<Option<Uuid>>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user: UserSummary,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub invite_id: Option<Uuid>,
}

/// Who came in through an invite, and when.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub id: Uuid,
    pub user: Option<UserSummary>,
    pub redeemed_at: DateTime<Utc>,
}

/// Which invites a list or a revocation may touch.
#[derive(Debug, Clone, Copy, Default)]
pub struct InviteScope {
    /// One kind only.
    pub kind: Option<InviteKind>,
    /// Login links of one user only.
    pub user_id: Option<Uuid>,
    /// One group's invitations only.
    pub group_id: Option<Uuid>,
}

impl InviteScope {
    pub const fn kind(kind: InviteKind) -> Self {
        Self { kind: Some(kind), user_id: None, group_id: None }
    }

    pub const fn group(group_id: Uuid) -> Self {
        Self { kind: None, user_id: None, group_id: Some(group_id) }
    }
}

/// Keyset pagination: newest first, `after` is the last id of the previous page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: u32,
    pub after: Option<Uuid>,
}

/// Which users to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// In the username, the address or the name, any case (ASCII letters; SQLite's
    /// `LOWER` folds no others).
    pub text: Option<String>,
    pub disabled: Option<bool>,
    pub admin: Option<bool>,
}

/// An API key as it is listed (never the key itself).
#[derive(Debug, Clone)]
pub struct ApiKeyInfo {
    pub id: Uuid,
    pub name: String,
    pub scopes: usher_domain::api_key::Scopes,
    /// The one group it acts on, if it is limited to one, and its slug.
    pub group_id: Option<Uuid>,
    pub group_slug: Option<String>,
    /// The admin it acts for.
    pub created_by: UserSummary,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key that signs a request in, with the admin it acts for.
#[derive(Debug, Clone)]
pub struct LiveApiKey {
    pub id: Uuid,
    pub scopes: usher_domain::api_key::Scopes,
    pub group_id: Option<Uuid>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub admin: User,
}

/// A key to keep: its hash, never the key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: Uuid,
    pub name: String,
    pub key_hash: usher_domain::token::TokenHash,
    pub scopes: usher_domain::api_key::Scopes,
    pub group_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An application Usher signs people in to: an OpenID Connect relying party.
#[derive(Debug, Clone)]
pub struct ClientApp {
    pub id: Uuid,
    /// What the app sends as `client_id`.
    pub client_id: String,
    pub name: String,
    /// A confidential app's secret, as its hash; `None` for a public app.
    pub secret_hash: Option<TokenHash>,
    pub public: bool,
    /// Trusted by the instance: nobody is asked to consent.
    pub first_party: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Only members of these groups may sign in to it; `None`: everyone.
    pub allowed_groups: Option<Vec<Uuid>>,
    pub home_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A key that signs ID tokens: its private half opened (PKCS#1 DER; `None` when it
/// was sealed with another secret key), its public half as the JWKS publishes it.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub private_der: Option<Vec<u8>>,
    /// Modulus and exponent, base64url.
    pub n: String,
    pub e: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// An authorization code about to be handed out (only its hash is stored).
#[derive(Debug, Clone)]
pub struct NewCode {
    pub code_hash: TokenHash,
    pub app_id: Uuid,
    pub user_id: Uuid,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// PKCE's S256 challenge, when the app sent one.
    pub code_challenge: Option<String>,
    pub auth_time: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a code (or a refresh token) was granted for: the chain every token issued
/// from it belongs to.
#[derive(Debug, Clone)]
pub struct Grant {
    pub grant_id: Uuid,
    pub app_id: Uuid,
    pub user_id: Uuid,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: DateTime<Utc>,
}

/// Access and refresh tokens about to be handed out, as their hashes and expiries.
/// The refresh token is kept only when the grant has `offline_access`.
#[derive(Debug, Clone)]
pub struct NewTokens {
    pub access: (TokenHash, DateTime<Utc>),
    pub refresh: Option<(TokenHash, DateTime<Utc>)>,
}

/// A code or refresh token presented at the token endpoint, and what came of it.
#[derive(Debug)]
pub enum Exchanged {
    /// Used for the first time: the tokens were stored for this grant.
    Issued(Grant),
    /// Used before: every token of its grant is now revoked.
    Replayed,
    /// Unknown, expired, or not this app's (or not this redirect URI's or verifier's).
    Refused,
}

/// What an access or refresh token stands for, while it is live.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub kind: String,
    pub app_id: Uuid,
    pub client_id: String,
    pub user: User,
    pub scope: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::SessionHolder;

    fn holder(groups: &[(&str, &str)]) -> Option<SessionHolder> {
        let groups: Vec<(String, String)> = groups.iter().map(|(s, r)| (s.to_string(), r.to_string())).collect();
        SessionHolder::new(Uuid::nil(), "ann".into(), "ann@example.com".into(), &groups, Utc::now())
    }

    #[test]
    fn a_session_holder_gives_back_its_groups_in_order() {
        let groups = [("climbers", "owner"), ("the-smiths", "member")];
        assert_eq!(holder(&groups).unwrap().groups().collect::<Vec<_>>(), groups);
        assert_eq!(holder(&[]).unwrap().groups().count(), 0);
    }

    #[test]
    fn a_slug_or_role_that_would_run_into_the_next_is_refused() {
        assert!(holder(&[("a\tb", "member")]).is_none());
        assert!(holder(&[("climbers", "member\nadmin")]).is_none());
    }
}
