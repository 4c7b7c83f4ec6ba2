//! The application layer without HTTP: operations called the way a front calls them,
//! on both backends. What a front adds (statuses, problem+json, pages) is tested in
//! `api` and `web`; here, the rules and refusals themselves.

mod accounts;
mod hot_reads;
mod invites;
mod keys;
mod writes;

use std::net::{IpAddr, Ipv4Addr};

use usher_app::{Actor, App, accounts::SignUp, fields::Fields};
use usher_domain::account::{DisplayName, Email, Username};
use usher_storage::model::{NewUser, User};

use crate::harness::{Backend, TestDb};

/// The application over a fresh database of `backend` (`None`: not available here).
/// The database lives as long as the returned `TestDb`.
pub async fn open(backend: Backend) -> Option<(TestDb, App)> {
    let db = TestDb::new(backend).await?;
    let app = usher::launch::open_app(&db.config).await.expect("the application opens");
    Some((db, app))
}

pub const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A new account through `invite` (or open registration), signed in.
pub async fn sign_up(app: &App, name: &str, invite: Option<&str>) -> usher_app::AppResult<Actor> {
    let email = format!("{name}@example.com");
    let form = SignUp { username: name, email: &email, password: "correct horse battery", display_name: None, invite };
    let done = app.register(&Actor::anonymous(IP), form, Fields::default(), None).await?;
    Ok(Actor::signed_in(done.user, done.token.hash(), IP))
}

/// An instance admin, made by the operator (no password: signs in by login link).
pub async fn admin(app: &App) -> User {
    let username = Username::parse("admin").unwrap();
    let new = NewUser {
        display_name: DisplayName::from_username(&username),
        email: Email::parse("admin@example.com").unwrap(),
        username,
        password_hash: None,
        is_admin: true,
    };
    app.create_user(&Actor::operator(), new).await.expect("the operator creates an admin")
}
