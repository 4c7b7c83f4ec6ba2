//! Who is calling: the client's IP address (behind trusted proxies, the one they
//! forwarded), for rate limits and the audit log.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use ipnet::IpNet;
use usher_storage::{AuditContext, model::User};

use crate::AppState;

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

impl ClientIp {
    /// An anonymous caller from this address, for the application.
    pub fn actor(self) -> usher_app::Actor {
        usher_app::Actor::anonymous(self.0)
    }

    /// The audit context of a request by `actor` (`None`: anonymous) from this address.
    pub fn audit(self, actor: Option<&User>) -> AuditContext {
        AuditContext { actor_id: actor.map(|u| u.id), client_ip: Some(self.0.to_string()), api_key_id: None }
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
}
