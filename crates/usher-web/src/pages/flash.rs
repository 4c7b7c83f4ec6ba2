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
    InviteRevoked,
    InvitationResent,
}

impl Flash {
    const ALL: [Self; 6] = [
        Self::Joined,
        Self::RoleChanged,
        Self::MemberRemoved,
        Self::LeftGroup,
        Self::InviteRevoked,
        Self::InvitationResent,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Joined => "joined",
            Self::RoleChanged => "role_changed",
            Self::MemberRemoved => "member_removed",
            Self::LeftGroup => "left_group",
            Self::InviteRevoked => "invite_revoked",
            Self::InvitationResent => "invitation_resent",
        }
    }

    /// The sentence shown.
    pub fn text(self) -> &'static str {
        match self {
            Self::Joined => "You joined the group.",
            Self::RoleChanged => "The role was changed.",
            Self::MemberRemoved => "The member was removed.",
            Self::LeftGroup => "You left the group.",
            Self::InviteRevoked => "The invite was revoked: it no longer works.",
            Self::InvitationResent => "The invitation was sent again.",
        }
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
