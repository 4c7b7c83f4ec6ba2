//! Opening sessions, and finding the actor behind a session token.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    device::DeviceInfo,
    token::{Token, TokenHash},
};
use usher_storage::model::NewSession;

use crate::{Actor, App, AppResult};

impl App {
    /// A new session token and the row that stores its hash, valid for `session_ttl`.
    pub(crate) fn mint_session(&self, device: Option<DeviceInfo>, now: DateTime<Utc>) -> (Token, NewSession) {
        let token = Token::generate(&mut OsRng);
        let session = NewSession {
            token_hash: token.hash(),
            device,
            expires_at: now + self.settings.session_ttl,
            by_mailed_link: false,
        };
        (token, session)
    }

    /// The actor presenting `token` (a session token, from a cookie or a bearer
    /// header) from `ip`: signed in if the session is live, anonymous otherwise.
    pub async fn actor(&self, token: Option<&str>, ip: IpAddr) -> AppResult<Actor> {
        let Some(token) = token else { return Ok(Actor::anonymous(ip)) };
        let hash = TokenHash::of(token);
        Ok(match self.store.session_user(&hash, Utc::now()).await? {
            Some(user) => Actor::signed_in(user, hash, ip),
            None => Actor::anonymous(ip),
        })
    }
}
