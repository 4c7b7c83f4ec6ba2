//! One-line confirmations after a form post (Post/Redirect/Get): the action's redirect
//! carries a `usher_flash` cookie naming one of the fixed messages of [`Flash`]; the
//! next page with a form shows it once and clears it. Only those names are read back,
//! so a cookie set from elsewhere (a sibling subdomain) cannot put words on Usher's
//! pages.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use cookie::{Cookie, SameSite, time::Duration};

use crate::auth::session::cookie;

const FLASH_COOKIE: &str = "usher_flash";

/// What a form post did, said on the page it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Joined,
    RoleChanged,
    MemberRemoved,
    LeftGroup,
    GroupCreated,
    InviteCreated,
    InvitationSent,
    InviteRevoked,
    InvitationResent,
    UserCreated,
    UserDisabled,
    UserEnabled,
    UserDeleted,
    LoginLinkRevoked,
    MailQueued,
    AppRegistered,
    AppSaved,
    SecretRotated,
    AppDeleted,
    ApiKeyMade,
    ApiKeyRevoked,
    EmailLinkSent,
    PasswordChanged,
    VerificationSent,
    EmailVerified,
    SignedOutElsewhere,
}

impl Flash {
    const ALL: [Self; 26] = [
        Self::Joined,
        Self::RoleChanged,
        Self::MemberRemoved,
        Self::LeftGroup,
        Self::GroupCreated,
        Self::InviteCreated,
        Self::InvitationSent,
        Self::InviteRevoked,
        Self::InvitationResent,
        Self::UserCreated,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserDeleted,
        Self::LoginLinkRevoked,
        Self::MailQueued,
        Self::AppRegistered,
        Self::AppSaved,
        Self::SecretRotated,
        Self::AppDeleted,
        Self::ApiKeyMade,
        Self::ApiKeyRevoked,
        Self::EmailLinkSent,
        Self::PasswordChanged,
        Self::VerificationSent,
        Self::EmailVerified,
        Self::SignedOutElsewhere,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Joined => "joined",
            Self::RoleChanged => "role_changed",
            Self::MemberRemoved => "member_removed",
            Self::LeftGroup => "left_group",
            Self::GroupCreated => "group_created",
            Self::InviteCreated => "invite_created",
            Self::InvitationSent => "invitation_sent",
            Self::InviteRevoked => "invite_revoked",
            Self::InvitationResent => "invitation_resent",
            Self::UserCreated => "user_created",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::UserDeleted => "user_deleted",
            Self::LoginLinkRevoked => "login_link_revoked",
            Self::MailQueued => "mail_queued",
            Self::AppRegistered => "app_registered",
            Self::AppSaved => "app_saved",
            Self::SecretRotated => "secret_rotated",
            Self::AppDeleted => "app_deleted",
            Self::ApiKeyMade => "api_key_made",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::EmailLinkSent => "email_link_sent",
            Self::PasswordChanged => "password_changed",
            Self::VerificationSent => "verification_sent",
            Self::EmailVerified => "email_verified",
            Self::SignedOutElsewhere => "signed_out_elsewhere",
        }
    }

    /// The message shown (`flash-<name>` in the translations).
    pub fn message_id(self) -> String {
        format!("flash-{}", self.name().replace('_', "-"))
    }
}

/// The 303 to `to` that says `flash` there.
pub fn redirect_with(to: &str, flash: Flash) -> Response {
    let mut response = super::redirect(to);
    if let Ok(set) = HeaderValue::from_str(&flash_cookie(flash.name(), Duration::minutes(1))) {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    response
}

/// The flash the browser brought, if it names one of ours, and the header that clears it.
pub(super) fn take(headers: &HeaderMap) -> Option<(Flash, HeaderValue)> {
    let name = cookie(headers, FLASH_COOKIE)?;
    let flash = Flash::ALL.into_iter().find(|flash| flash.name() == name)?;
    Some((flash, HeaderValue::from_str(&flash_cookie("", Duration::ZERO)).ok()?))
}

fn flash_cookie(value: &str, max_age: Duration) -> String {
    Cookie::build((FLASH_COOKIE, value)).path("/").http_only(true).same_site(SameSite::Lax).max_age(max_age).to_string()
}

#[cfg(test)]
mod tests {
    use usher_i18n::Locale;

    use super::Flash;

    #[test]
    fn every_flash_is_said_in_every_shipped_language() {
        for flash in Flash::ALL {
            for locale in Locale::ALL {
                let id = flash.message_id();
                assert_ne!(locale.text(&id, &[]), id, "{id} in {}", locale.tag());
            }
        }
    }
}
