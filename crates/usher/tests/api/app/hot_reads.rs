//! Forward authentication's answers, which the store keeps until the next commit on
//! SQLite (`usher-storage/src/hot.rs`), are never served after a write that changes
//! them, of this store or another: each case reads once (kept), writes, and reads
//! again. On PostgreSQL nothing is kept, and the same answers are expected.

use std::time::Duration;

use chrono::Utc;
use usher_app::{
    Actor, App, Error, Reason,
    accounts::SignUp,
    error::Forbidden,
    fields::Fields,
    forward_auth::{Admitted, Requirement},
    group_invites::NewInvite,
    groups::GroupInput,
    links::RegistrationInviteSpec,
};
use usher_domain::{role::Role, token::Token};
use usher_storage::model::NewSession;
use uuid::Uuid;

use super::{IP, open};
use crate::harness::Backend;

on_both_backends!(backend:
    a_kept_session_follows_every_write,
    a_kept_session_ends_when_the_session_does,
    another_store_on_the_same_database_is_seen,
);

fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> Reason {
    match result {
        Err(Error::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Someone signed up with `code`: the actor and their session token as a browser
/// holds it.
async fn person(app: &App, name: &str, code: &str) -> (Actor, String) {
    let email = format!("{name}@example.com");
    let form = SignUp {
        username: name,
        email: &email,
        password: "correct horse battery",
        display_name: None,
        invite: Some(code),
    };
    let done = app.register(&Actor::anonymous(IP), form, Fields::default(), None).await.expect("signed up");
    let token = done.token.expose().to_owned();
    (Actor::signed_in(done.user, done.token.hash(), IP), token)
}

/// An unlimited registration code, an owner and their group (id, slug).
async fn owner_and_group(app: &App) -> (String, Actor, Uuid, String) {
    let invite = app.mint_registration_invite(&Actor::operator(), RegistrationInviteSpec::default()).await.unwrap();
    let code = invite.code.unwrap().as_str().to_owned();
    let (owner, _) = person(app, "owner", &code).await;
    let input = GroupInput { name: Some("Climbers".into()), ..GroupInput::default() };
    let group = app.create_group(&owner, input).await.expect("the group is created").group;
    (code, owner, group.id, group.slug)
}

async fn group_code(app: &App, owner: &Actor, group: Uuid, max_uses: i64) -> (Uuid, String) {
    let new = NewInvite { max_uses: Some(max_uses), ..NewInvite::default() };
    let minted = app.create_group_invite(owner, group, new).await.expect("the code is created").invite.invite;
    (minted.id, minted.code.expect("a group code has a code").as_str().to_owned())
}

async fn verify(app: &App, token: &str, slug: &str) -> Result<Admitted, Error> {
    app.verify_forward(Some(token), &Requirement { group: Some(slug.to_owned()), role: None }).await
}

async fn a_kept_session_follows_every_write(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let (registration, owner, group, slug) = owner_and_group(&app).await;
    let (guest, token) = person(&app, "guest", &registration).await;
    let not_in_group = |result| matches!(refusal(result), Reason::Forbidden(Forbidden::NotInGroup));
    assert!(not_in_group(verify(&app, &token, &slug).await));
    assert!(not_in_group(verify(&app, &token, &slug).await), "read again (kept on SQLite)");

    let (_, code) = group_code(&app, &owner, group, 1).await;
    app.accept_invite(&guest, &code, None).await.expect("the guest joins");
    let admitted = verify(&app, &token, &slug).await.expect("a member is let through at once");
    assert_eq!(admitted.role, Some(Role::from_stored("member".into())));

    app.change_role(&owner, group, guest.user().unwrap().id, "admin").await.expect("promoted");
    assert_eq!(verify(&app, &token, &slug).await.unwrap().role, Some(Role::from_stored("admin".into())));

    app.remove_member(&owner, group, guest.user().unwrap().id).await.expect("removed");
    assert!(not_in_group(verify(&app, &token, &slug).await), "a removed member is refused at once");

    let anywhere = Requirement::default();
    app.verify_forward(Some(&token), &anywhere).await.expect("still signed in");
    app.sign_out(&guest).await.expect("signed out");
    assert!(matches!(refusal(app.verify_forward(Some(&token), &anywhere).await), Reason::Unauthenticated));
}

async fn a_kept_session_ends_when_the_session_does(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let (_, owner, _, _) = owner_and_group(&app).await;
    let user = owner.user().unwrap().id;
    let token = Token::generate(&mut rand::thread_rng());
    let now = Utc::now();
    let session = NewSession {
        token_hash: token.hash(),
        device: None,
        expires_at: now + Duration::from_secs(2),
        by_mailed_link: false,
    };
    app.store.start_session(user, session, &Actor::operator().audit(), now).await.unwrap();

    let anywhere = Requirement::default();
    app.verify_forward(Some(token.expose()), &anywhere).await.expect("a live session");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let ended = app.verify_forward(Some(token.expose()), &anywhere).await;
    assert!(matches!(refusal(ended), Reason::Unauthenticated), "nothing was written: the clock ended it");
}

/// Another store on the same database (as the CLI is, or a second instance on
/// PostgreSQL): its commits reach this store's answers too, without any write here.
async fn another_store_on_the_same_database_is_seen(backend: Backend) {
    let Some((db, app)) = open(backend).await else { return };
    let other = usher::launch::open_app(&db.config).await.expect("a second store opens");
    let (registration, owner, group, slug) = owner_and_group(&app).await;
    let (guest, token) = person(&app, "guest", &registration).await;
    let (_, code) = group_code(&app, &owner, group, 3).await;
    app.accept_invite(&guest, &code, None).await.expect("the guest joins");
    verify(&app, &token, &slug).await.expect("a member");
    let (second, second_token) = person(&app, "second", &registration).await;
    let anywhere = Requirement::default();
    app.verify_forward(Some(&second_token), &anywhere).await.expect("signed in");

    other.remove_member(&owner, group, guest.user().unwrap().id).await.expect("removed by the other store");
    other.sign_out(&second).await.expect("signed out through the other store");
    // No deadline is asserted (the machines are shared): SQLite's commit counter is
    // polled every 100 ms; this only waits for it, up to far longer.
    let mut seen = false;
    for _ in 0..100 {
        let removed = verify(&app, &token, &slug).await.is_err();
        let signed_out = app.verify_forward(Some(&second_token), &anywhere).await.is_err();
        if removed && signed_out {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the other store's removal and sign-out are seen here");
}
