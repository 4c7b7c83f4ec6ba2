//! Group invites through the application: a group code admits exactly its uses under a
//! race, and accepting decides its refusal once, consuming nothing when it refuses.

use futures::future::join_all;
use usher_app::{
    Actor, App, Error, Reason, error::NotApplicable, group_invites::NewInvite, groups::GroupInput,
    links::RegistrationInviteSpec,
};
use usher_domain::{
    invite::{InviteKind, InviteStatus},
    secret::Secret,
};
use uuid::Uuid;

use super::{open, sign_up};
use crate::harness::Backend;

on_both_backends!(backend: a_group_code_admits_exactly_its_uses_under_a_race, accepting_refuses_once_and_consumes_nothing);

fn refusal(result: Result<impl std::fmt::Debug, Error>) -> Reason {
    match result {
        Err(Error::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// An owner (signed up with an unlimited registration code, which is also returned)
/// and their group.
async fn owner_and_group(app: &App) -> (Actor, Uuid, String) {
    let invite = app.mint_registration_invite(&Actor::operator(), RegistrationInviteSpec::default()).await.unwrap();
    let code = invite.code.unwrap().as_str().to_owned();
    let owner = sign_up(app, "owner", Some(&code)).await.expect("the owner signs up");
    let input = GroupInput { name: Some("Climbers".into()), ..GroupInput::default() };
    let group = app.create_group(&owner, input).await.expect("the group is created");
    (owner, group.group.id, code)
}

async fn uses(app: &App, secret: &str) -> u32 {
    app.store.invite_by_secret(&Secret::parse(secret)).await.unwrap().expect("the invite exists").usage.uses
}

async fn a_group_code_admits_exactly_its_uses_under_a_race(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let (owner, group, registration) = owner_and_group(&app).await;
    let new = NewInvite { max_uses: Some(5), ..NewInvite::default() };
    let minted = app.create_group_invite(&owner, group, new).await.expect("the code is created");
    let code = minted.invite.invite.code.clone().expect("a group code has a code").as_str().to_owned();

    let mut people = Vec::new();
    for i in 0..20 {
        people.push(sign_up(&app, &format!("climber{i}"), Some(&registration)).await.expect("signed up"));
    }
    let attempts = join_all(people.iter().map(|person| app.accept_invite(person, &code, None))).await;
    let joined = attempts.iter().filter(|a| a.is_ok()).count();
    assert_eq!(joined, 5, "max_uses = 5 admits exactly 5: {attempts:?}");
    for refused in attempts.into_iter().filter(Result::is_err) {
        assert!(matches!(refusal(refused), Reason::InviteGone(InviteStatus::UsedUp)));
    }
    assert_eq!(uses(&app, &code).await, 5);
    let members = app.members(&owner, group, Default::default()).await.expect("the owner lists members");
    assert_eq!(members.items.len(), 1 + 5, "the owner and the five who got in");
}

async fn accepting_refuses_once_and_consumes_nothing(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let (owner, group, registration) = owner_and_group(&app).await;
    let guest = sign_up(&app, "guest", Some(&registration)).await.unwrap();
    let code = |minted: usher_app::group_invites::Minted| minted.invite.invite.code.unwrap().as_str().to_owned();

    // A registration code is for signing up, not for joining: named, not "not found".
    let before = uses(&app, &registration).await;
    assert!(matches!(
        refusal(app.accept_invite(&guest, &registration, None).await),
        Reason::NotApplicable(NotApplicable::AcceptRegistrationInvite)
    ));
    assert_eq!(uses(&app, &registration).await, before, "the refused accept gave its slot back");

    // An email invitation's token on a page that serves group codes only: not found.
    let invitation = NewInvite { email: Some("guest@example.com".into()), ..NewInvite::default() };
    let token = app.create_group_invite(&owner, group, invitation).await.unwrap().token.expect("a token, shown once");
    assert!(matches!(
        refusal(app.accept_invite(&guest, token.expose(), Some(InviteKind::GroupCode)).await),
        Reason::InviteNotFound
    ));
    assert_eq!(uses(&app, token.expose()).await, 0);

    // Revoked, then: gone, and still not consumed.
    let revoked = app.create_group_invite(&owner, group, NewInvite::default()).await.unwrap();
    app.revoke_group_invite(&owner, group, revoked.invite.invite.id).await.unwrap();
    let revoked = code(revoked);
    assert!(matches!(
        refusal(app.accept_invite(&guest, &revoked, None).await),
        Reason::InviteGone(InviteStatus::Revoked)
    ));
    assert_eq!(uses(&app, &revoked).await, 0);

    // Already a member: the slot taken for the attempt is given back.
    let open_code = code(
        app.create_group_invite(&owner, group, NewInvite { max_uses: Some(3), ..NewInvite::default() }).await.unwrap(),
    );
    app.accept_invite(&guest, &open_code, None).await.expect("the guest joins");
    assert!(matches!(refusal(app.accept_invite(&guest, &open_code, None).await), Reason::Conflict(_)));
    assert_eq!(uses(&app, &open_code).await, 1);

    // Unknown, and not signed in.
    assert!(matches!(refusal(app.accept_invite(&guest, "AAA-AAA-AAA", None).await), Reason::InviteNotFound));
    let visitor = Actor::anonymous(super::IP);
    assert!(matches!(refusal(app.accept_invite(&visitor, &open_code, None).await), Reason::Unauthenticated));
    assert_eq!(uses(&app, &open_code).await, 1);
}
