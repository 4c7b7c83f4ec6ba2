//! Writes that arrive together — on SQLite they share one transaction, each in a
//! savepoint of its own (group commit) — each keep their own outcome: a refused one
//! leaves nothing behind, and takes nothing from the others.

use futures::future::join_all;
use usher_app::{Actor, App, Error, Reason, error::Conflict, group_invites::NewInvite, groups::GroupInput};
use usher_domain::{
    account::{DisplayName, Email, Username},
    secret::Secret,
    token::TokenHash,
};
use usher_storage::{
    AuditFilter,
    model::{NewUser, Page, User},
};

use super::{IP, open};
use crate::harness::Backend;

on_both_backends!(backend: refused_writes_among_others_leave_nothing_behind, a_write_refused_after_writing_takes_no_slot_from_the_others);

fn new_user(username: &str, email: &str) -> NewUser {
    let username = Username::parse(username).unwrap();
    NewUser {
        display_name: DisplayName::from_username(&username),
        email: Email::parse(email).unwrap(),
        username,
        password_hash: None,
        is_admin: false,
    }
}

/// A signed-in actor for a user the operator made (the session is not looked up below
/// the fronts).
fn as_actor(user: User) -> Actor {
    Actor::signed_in(user, TokenHash::of("a session"), IP)
}

async fn people(app: &App, prefix: &str, n: usize) -> Vec<Actor> {
    let operator = Actor::operator();
    let made = join_all((0..n).map(|i| {
        let name = format!("{prefix}{i}");
        let email = format!("{name}@example.com");
        let operator = &operator;
        async move { app.create_user(operator, new_user(&name, &email)).await.expect("made") }
    }))
    .await;
    made.into_iter().map(as_actor).collect()
}

async fn refused_writes_among_others_leave_nothing_behind(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    // 60 accounts asked for at once: 30 usernames, each twice (with different emails).
    let operator = Actor::operator();
    let attempts = join_all(
        (0..60)
            .map(|i| app.create_user(&operator, new_user(&format!("twin{}", i / 2), &format!("twin{i}@example.com")))),
    )
    .await;
    for (pair, twins) in attempts.chunks(2).enumerate() {
        let made: Vec<_> = twins.iter().filter_map(|a| a.as_ref().ok()).collect();
        assert_eq!(made.len(), 1, "exactly one twin{pair} is created: {twins:?}");
        assert_eq!(made[0].username.as_str(), format!("twin{pair}"));
        let refused = twins.iter().find_map(|a| a.as_ref().err()).expect("the other is refused");
        assert!(matches!(refused, Error::Refused(Reason::Conflict(Conflict::UsernameTaken))), "{refused:?}");
    }
    assert_eq!(app.store.count_users().await.unwrap(), 30, "the refused creations left no account");
    let filter = AuditFilter { action: Some("user.created".into()), ..AuditFilter::default() };
    let audited = app.store.list_audit(&filter, Page { limit: 100, after: None }).await.unwrap();
    assert_eq!(audited.len(), 30, "one event per account made, none for the refused");
}

/// An accept by someone already in the group takes the code's slot, then is refused:
/// among others at once, its slot must go back, or the newcomers would find the code
/// used up.
async fn a_write_refused_after_writing_takes_no_slot_from_the_others(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let owner = people(&app, "owner", 1).await.remove(0);
    let input = GroupInput { name: Some("Climbers".into()), ..GroupInput::default() };
    let group = app.create_group(&owner, input).await.expect("the group is created").group.id;
    let new = NewInvite { max_uses: Some(20), ..NewInvite::default() };
    let minted = app.create_group_invite(&owner, group, new).await.expect("the code is created");
    let code = minted.invite.invite.code.expect("a group code has a code").as_str().to_owned();
    let members = people(&app, "member", 10).await;
    for member in &members {
        app.accept_invite(member, &code, None).await.expect("the first ten join");
    }

    let newcomers = people(&app, "newcomer", 10).await;
    let everyone: Vec<&Actor> = members.iter().chain(&newcomers).collect();
    let attempts = join_all(everyone.iter().map(|person| app.accept_invite(person, &code, None))).await;
    let (again, fresh) = attempts.split_at(members.len());
    for refused in again {
        // Already in; or, when the newcomers got there first, the code is used up.
        let why = match refused {
            Err(Error::Refused(reason)) => reason,
            other => panic!("a member's second accept is refused: {other:?}"),
        };
        assert!(matches!(why, Reason::Conflict(Conflict::AlreadyMember) | Reason::InviteGone(_)), "{why:?}");
    }
    assert!(fresh.iter().all(Result::is_ok), "every newcomer gets one of the ten slots left: {fresh:?}");
    let invite = app.store.invite_by_secret(&Secret::parse(&code)).await.unwrap().expect("the code exists");
    assert_eq!(invite.usage.uses, 20, "ten members and ten newcomers; the refused took nothing");
}
