//! Rate limits (SPEC §8), with `governor`'s GCRA: per client IP for the public routes
//! (look-ups and acceptance; sign-in, sign-up and login-link redemption), per user for
//! invite creation and resends. A route takes its IP limit as an extractor placed
//! before its body, so a limited client costs no parsing and no database work.
//!
//! Limits are per process: with several instances, a client gets each instance's
//! allowance (documented in docs/DECISIONS.md).

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::atomic::{AtomicU32, Ordering},
};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use uuid::Uuid;

use crate::error::{AppResult, Reason};

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
    /// Sign-ins to applications (OpenID Connect authorization codes issued), per user:
    /// each code is a row kept a day.
    pub app_sign_ins_per_minute: u32,
    /// Mail a person asks for themselves (a sign-in link by email, a verification
    /// link), per address and per hour: nobody can flood someone's inbox through Usher.
    pub emails_per_address_per_hour: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            invites_per_minute: 120,
            auth_per_minute: 30,
            invite_writes_per_minute: 60,
            app_sign_ins_per_minute: 60,
            emails_per_address_per_hour: 5,
        }
    }
}

impl RateLimitSettings {
    pub const OFF: Self = Self {
        invites_per_minute: 0,
        auth_per_minute: 0,
        invite_writes_per_minute: 0,
        app_sign_ins_per_minute: 0,
        emails_per_address_per_hour: 0,
    };
}

/// The live limiters of one process.
#[derive(Debug)]
pub struct RateLimits {
    invites: Option<DefaultKeyedRateLimiter<IpAddr>>,
    auth: Option<DefaultKeyedRateLimiter<IpAddr>>,
    invite_writes: Option<DefaultKeyedRateLimiter<Uuid>>,
    app_sign_ins: Option<DefaultKeyedRateLimiter<Uuid>>,
    /// Keyed by the normalized address.
    emails_to: Option<DefaultKeyedRateLimiter<String>>,
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
            app_sign_ins: keyed(settings.app_sign_ins_per_minute),
            emails_to: NonZeroU32::new(settings.emails_per_address_per_hour)
                .map(|n| RateLimiter::keyed(Quota::per_hour(n))),
            checks: AtomicU32::new(0),
        }
    }

    /// One invite creation or resend by `user`.
    /// Looking up or accepting invites, per client address.
    pub fn invite_lookup(&self, ip: Option<IpAddr>) -> AppResult<()> {
        ip.map_or(Ok(()), |ip| self.check(self.invites.as_ref(), &ip))
    }

    /// Signing in and signing up, per client address.
    pub fn auth(&self, ip: Option<IpAddr>) -> AppResult<()> {
        ip.map_or(Ok(()), |ip| self.check(self.auth.as_ref(), &ip))
    }

    pub fn invite_write(&self, user: Uuid) -> AppResult<()> {
        self.check(self.invite_writes.as_ref(), &user)
    }

    /// One sign-in to an application (a code issued) for `user`.
    pub fn app_sign_in(&self, user: Uuid) -> AppResult<()> {
        self.check(self.app_sign_ins.as_ref(), &user)
    }

    /// One mail a person asked for to `address` (normalized).
    pub fn email_to(&self, address: &str) -> AppResult<()> {
        self.check(self.emails_to.as_ref(), &address.to_owned())
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: Option<&DefaultKeyedRateLimiter<K>>,
        key: &K,
    ) -> AppResult<()> {
        let Some(limiter) = limiter else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Reason::TooManyRequests { retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }.into()
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
        if let Some(l) = &self.app_sign_ins {
            l.retain_recent();
        }
        if let Some(l) = &self.emails_to {
            l.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_refuses_past_its_burst_with_a_wait_and_zero_means_off() {
        let limits = RateLimits::new(RateLimitSettings { invite_writes_per_minute: 3, ..RateLimitSettings::OFF });
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            limits.invite_write(alice).unwrap();
        }
        match limits.invite_write(alice) {
            Err(crate::Error::Refused(Reason::TooManyRequests { retry_after_secs })) => {
                assert!((1..=20).contains(&retry_after_secs))
            }
            other => panic!("{other:?}"),
        }
        limits.invite_write(bob).expect("another user has their own allowance");
        let ip = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
        for _ in 0..1000 {
            limits.check(limits.invites.as_ref(), &ip).expect("0 turns the limit off");
        }
    }
}
