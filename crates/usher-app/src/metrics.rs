//! The application's own counters (the HTTP fronts count requests themselves).

use usher_domain::invite::InviteKind;

/// One invite of `kind` used (a sign-up, an accept, a login-link redemption).
pub(crate) fn redeemed(kind: InviteKind) {
    metrics::counter!("usher_redemptions_total", "kind" => kind.as_str()).increment(1);
}
