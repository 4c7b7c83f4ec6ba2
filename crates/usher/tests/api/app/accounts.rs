//! Accounts through the application: sign-up with a registration code (exactly its
//! uses, under a race), login links shown without being used, then used once.

use chrono::{Duration, Utc};
use futures::future::join_all;
use usher_app::{Actor, Error, Reason, links::RegistrationInviteSpec};
use usher_domain::invite::{InviteKind, InviteStatus};

use super::{open, sign_up};
use crate::harness::Backend;

on_both_backends!(backend: a_registration_code_admits_exactly_its_uses_under_a_race, a_login_link_is_shown_freely_and_used_once);

fn refusal(result: Result<impl std::fmt::Debug, Error>) -> Reason {
    match result {
        Err(Error::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_registration_code_admits_exactly_its_uses_under_a_race(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let spec = RegistrationInviteSpec { max_uses: Some(3), ..RegistrationInviteSpec::default() };
    let invite = app.mint_registration_invite(&Actor::operator(), spec).await.expect("minted");
    let code = invite.code.clone().expect("a registration invite has a code").as_str().to_owned();

    let names: Vec<String> = (0..8).map(|i| format!("racer{i}")).collect();
    let attempts = join_all(names.iter().map(|name| sign_up(&app, name, Some(&code)))).await;
    let admitted = attempts.iter().filter(|a| a.is_ok()).count();
    assert_eq!(admitted, 3, "max_uses = 3 admits exactly 3: {attempts:?}");
    for refused in attempts.into_iter().filter(Result::is_err) {
        assert!(matches!(refusal(refused), Reason::InviteGone(InviteStatus::UsedUp)));
    }
    let after = app.store.invite_by_secret(&usher_domain::secret::Secret::parse(&code)).await.unwrap().unwrap();
    assert_eq!(after.usage.uses, 3, "refused sign-ups consumed nothing");
    assert_eq!(app.store.count_users().await.unwrap(), 3, "only the admitted have accounts");
}

async fn a_login_link_is_shown_freely_and_used_once(backend: Backend) {
    let Some((_db, app)) = open(backend).await else { return };
    let operator = Actor::operator();
    let admin = super::admin(&app).await;
    let minted = app.mint_login_link(&operator, &admin, Utc::now() + Duration::hours(1), false).await.expect("minted");
    let token = minted.token.expose();

    for _ in 0..3 {
        let shown = app.preview_login_link(token).await.expect("an active link is shown");
        assert_eq!((shown.id, shown.kind), (minted.link.id, InviteKind::LoginLink));
    }
    let visitor = Actor::anonymous(super::IP);
    let signed_in = app.redeem_login_link(&visitor, token, None).await.expect("the first use signs in");
    assert_eq!(signed_in.user.id, admin.id);
    assert!(matches!(
        refusal(app.redeem_login_link(&visitor, token, None).await),
        Reason::InviteGone(InviteStatus::UsedUp)
    ));
    assert!(matches!(refusal(app.preview_login_link(token).await), Reason::InviteGone(InviteStatus::UsedUp)));

    // A registration code is not a login link, and a login link is not an invite.
    let invite = app.mint_registration_invite(&operator, RegistrationInviteSpec::default()).await.unwrap();
    let code = invite.code.unwrap().as_str().to_owned();
    assert!(matches!(refusal(app.preview_login_link(&code).await), Reason::InviteNotFound));
    let fresh = app.mint_login_link(&operator, &admin, Utc::now() + Duration::hours(1), false).await.unwrap();
    let member = super::sign_up(&app, "someone", Some(&code)).await.expect("signed up");
    assert!(matches!(refusal(app.accept_invite(&member, fresh.token.expose(), None).await), Reason::InviteNotFound));
    app.preview_login_link(fresh.token.expose()).await.expect("refused elsewhere, the link is still unused");
}
