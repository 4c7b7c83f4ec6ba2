//! Rate limits (SPEC §8), with `governor`'s GCRA: per client IP for the public routes
//! (look-ups and acceptance; sign-in, sign-up and login-link redemption), per user for
//! invite creation and resends. A route takes its IP limit as an extractor placed
//! before its body, so a limited client costs no parsing and no database work.
//!
//! Limits are per process: with several instances, a client gets each instance's
//! allowance (documented in docs/DECISIONS.md).

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    num::NonZeroU32,
    sync::atomic::{AtomicU32, Ordering},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use ipnet::IpNet;
use uuid::Uuid;

use crate::{AppState, error::ApiError};

/// Requests per minute per key, each bucket bursting up to its whole minute; 0 turns a
/// limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Invite look-ups and acceptance, per client IP.
    pub invites_per_minute: u32,
    /// Sign-in, sign-up and login-link redemption, per client IP.
    pub auth_per_minute: u32,
    /// Invite creation and resends, per user.
    pub invite_writes_per_minute: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self { invites_per_minute: 120, auth_per_minute: 30, invite_writes_per_minute: 60 }
    }
}

impl RateLimitSettings {
    pub const OFF: Self = Self { invites_per_minute: 0, auth_per_minute: 0, invite_writes_per_minute: 0 };
}

/// The live limiters of one process.
#[derive(Debug)]
pub struct RateLimits {
    invites: Option<DefaultKeyedRateLimiter<IpAddr>>,
    auth: Option<DefaultKeyedRateLimiter<IpAddr>>,
    invite_writes: Option<DefaultKeyedRateLimiter<Uuid>>,
    /// Checks since the idle keys were last dropped.
    checks: AtomicU32,
}

/// How many checks pass between sweeps of keys that are back to a full allowance.
const SWEEP_EVERY: u32 = 4096;

impl RateLimits {
    pub fn new(settings: RateLimitSettings) -> Self {
        fn keyed<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> Option<DefaultKeyedRateLimiter<K>> {
            NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
        }
        Self {
            invites: keyed(settings.invites_per_minute),
            auth: keyed(settings.auth_per_minute),
            invite_writes: keyed(settings.invite_writes_per_minute),
            checks: AtomicU32::new(0),
        }
    }

    /// One invite creation or resend by `user`.
    pub fn invite_write(&self, user: Uuid) -> Result<(), ApiError> {
        self.check(self.invite_writes.as_ref(), &user)
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: Option<&DefaultKeyedRateLimiter<K>>,
        key: &K,
    ) -> Result<(), ApiError> {
        let Some(limiter) = limiter else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited { retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    /// Forgets keys whose allowance is full again, so memory follows active clients.
    fn sweep(&self) {
        if let Some(l) = &self.invites {
            l.retain_recent();
        }
        if let Some(l) = &self.auth {
            l.retain_recent();
        }
        if let Some(l) = &self.invite_writes {
            l.retain_recent();
        }
    }
}

/// The client's address: the socket's peer, or, when that peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not one of the trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn of(parts: &Parts, trusted_proxies: &[IpNet]) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
        let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
        if !trusted(&peer) {
            return Self(peer);
        }
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let hops: Vec<IpAddr> =
            forwarded.flat_map(|v| v.split(',')).filter_map(|hop| hop.trim().parse().ok()).collect();
        Self(hops.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer))
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, &state.settings.trusted_proxies))
    }
}

/// Extracting it spends one of the client IP's invite look-ups / acceptances.
#[derive(Debug)]
pub struct InviteRateLimit;

/// Extracting it spends one of the client IP's sign-ins / sign-ups / redemptions.
#[derive(Debug)]
pub struct AuthRateLimit;

impl FromRequestParts<AppState> for InviteRateLimit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::of(parts, &state.settings.trusted_proxies);
        state.limits.check(state.limits.invites.as_ref(), &ip).map(|()| Self)
    }
}

impl FromRequestParts<AppState> for AuthRateLimit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::of(parts, &state.settings.trusted_proxies);
        state.limits.check(state.limits.auth.as_ref(), &ip).map(|()| Self)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut request = Request::builder();
        if let Some(f) = forwarded {
            request = request.header("x-forwarded-for", f);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
        parts
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // No trusted proxies: the header is the client's to forge, so it is ignored.
        assert_eq!(ClientIp::of(&parts("203.0.113.9:1", Some("1.2.3.4")), &[]).0, ip("203.0.113.9"));
        // An untrusted peer sending the header is the client.
        assert_eq!(ClientIp::of(&parts("203.0.113.9:1", Some("1.2.3.4")), &trusted).0, ip("203.0.113.9"));
        // Behind trusted proxies: the nearest untrusted hop, not a forged first entry.
        let chain = Some("6.6.6.6, 198.51.100.7, 10.0.0.3");
        assert_eq!(ClientIp::of(&parts("10.0.0.2:1", chain), &trusted).0, ip("198.51.100.7"));
        // A trusted proxy with no header is the client as far as anyone knows.
        assert_eq!(ClientIp::of(&parts("10.0.0.2:1", None), &trusted).0, ip("10.0.0.2"));
    }

    #[test]
    fn a_limit_refuses_past_its_burst_with_a_wait_and_zero_means_off() {
        let limits = RateLimits::new(RateLimitSettings { invite_writes_per_minute: 3, ..RateLimitSettings::OFF });
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            limits.invite_write(alice).unwrap();
        }
        match limits.invite_write(alice) {
            Err(ApiError::RateLimited { retry_after_secs }) => assert!((1..=20).contains(&retry_after_secs)),
            other => panic!("{other:?}"),
        }
        limits.invite_write(bob).expect("another user has their own allowance");
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        for _ in 0..1000 {
            limits.check(limits.invites.as_ref(), &ip).expect("0 turns the limit off");
        }
    }
}
