//! The permission matrix: every group and invite endpoint × (top role, manage role,
//! member, lowest role, non-member, anonymous) → the expected status, and on every
//! refusal the group, its members and its invites exactly as they were.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{PageClient, TestApp, assert_problem};

on_both_backends!(
    every_group_endpoint_answers_each_role_as_specified,
    a_group_admin_cannot_reach_another_groups_invites_by_id,
    a_manager_cannot_see_or_act_on_an_invite_above_their_role,
);

/// One endpoint: method, path (`{g}` group, `{c}` code invite, `{e}` email invitation,
/// `{t}` a member to act on), body, and the status when allowed.
struct Endpoint {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    allowed: StatusCode,
}

fn endpoints() -> Vec<Endpoint> {
    let e = |method: Method, path: &'static str, body: Option<Value>, allowed: StatusCode| Endpoint {
        method,
        path,
        body,
        allowed,
    };
    // Ordered so the destructive ones come last.
    vec![
        e(Method::GET, "/groups/{g}", None, StatusCode::OK),
        e(Method::GET, "/groups/{g}/members", None, StatusCode::OK),
        e(Method::PATCH, "/groups/{g}", Some(json!({"description": "changed"})), StatusCode::OK),
        e(Method::POST, "/groups/{g}/invites", Some(json!({"role": "member"})), StatusCode::CREATED),
        e(Method::GET, "/groups/{g}/invites", None, StatusCode::OK),
        e(Method::GET, "/groups/{g}/invites/{c}", None, StatusCode::OK),
        e(Method::GET, "/groups/{g}/invites/{c}/redemptions", None, StatusCode::OK),
        e(Method::GET, "/groups/{g}/audit", None, StatusCode::OK),
        e(Method::POST, "/groups/{g}/invites/{e}/resend", Some(json!({})), StatusCode::OK),
        e(Method::POST, "/groups/{g}/invites/{e}/link", Some(json!({})), StatusCode::OK),
        e(Method::DELETE, "/groups/{g}/invites/{c}", None, StatusCode::NO_CONTENT),
        e(Method::PATCH, "/groups/{g}/members/{t}", Some(json!({"role": "viewer"})), StatusCode::OK),
        e(Method::DELETE, "/groups/{g}/members/{t}", None, StatusCode::NO_CONTENT),
        e(Method::DELETE, "/groups/{g}", None, StatusCode::NO_CONTENT),
    ]
}

/// A group with one member of every role, a member to act on, a code and an email
/// invitation. Answers the tokens by role name and the path substitutions.
struct Fixture {
    tokens: Vec<(&'static str, Option<String>)>,
    owner: String,
    ids: [(&'static str, String); 4],
}

async fn fixture(app: &TestApp, n: usize) -> Fixture {
    let (owner, _) = app.signed_in(&format!("owner{n}")).await;
    let group = app.create_group(&owner, &format!("matrix {n}")).await;
    let mut tokens = vec![("owner", Some(owner.clone()))];
    for role in ["admin", "member", "viewer"] {
        let (token, _) = app.signed_in(&format!("{role}{n}")).await;
        let code = app.group(&owner, &group).invite(json!({"role": role})).await;
        assert_eq!(app.accept(&token, code.code()).await.0, StatusCode::CREATED);
        tokens.push((role, Some(token)));
    }
    let (outsider, _) = app.signed_in(&format!("outsider{n}")).await;
    tokens.push(("outsider", Some(outsider)));
    tokens.push(("anonymous", None));
    let (target, target_id) = app.signed_in(&format!("target{n}")).await;
    let code = app.group(&owner, &group).invite(json!({"role": "member"})).await;
    assert_eq!(app.accept(&target, code.code()).await.0, StatusCode::CREATED);
    let code_id = code.id.as_str().to_owned();
    let invitation = app.group(&owner, &group).invite(json!({"email": format!("invitee{n}@example.com")})).await;
    let ids = [("{g}", group), ("{c}", code_id), ("{e}", invitation.id.as_str().to_owned()), ("{t}", target_id)];
    Fixture { tokens, owner, ids }
}

fn fill(path: &str, ids: &[(&'static str, String); 4]) -> String {
    ids.iter().fold(path.to_owned(), |p, (key, value)| p.replace(key, value))
}

/// Everything a refusal must leave as it was, read by the owner.
async fn snapshot(app: &TestApp, f: &Fixture) -> Value {
    let group = &f.ids[0].1;
    let (_, read) = app.get(&format!("/groups/{group}"), Some(&f.owner)).await;
    let (_, mut invites) = app.get(&format!("/groups/{group}/invites?status=all"), Some(&f.owner)).await;
    // Delivery moves on by itself (the mailer runs beside the test); what a refusal must
    // not change is the invitations and the queue.
    for invite in invites["items"].as_array_mut().into_iter().flatten() {
        invite.as_object_mut().map(|i| i.remove("delivery"));
    }
    let email_id = f.ids[2].1.parse().unwrap();
    let queued = app.store.queued_emails(email_id).await.unwrap().len();
    json!({"group": read, "invites": invites, "queued": queued})
}

/// What `role` gets from `endpoint`: the allowed status, or the refusal.
fn expected(role: &str, endpoint: &Endpoint) -> StatusCode {
    let managers_only = endpoint.path.contains("/invites") || endpoint.path.ends_with("/audit");
    let reads_group = endpoint.method == Method::GET && !managers_only;
    match role {
        "anonymous" => StatusCode::UNAUTHORIZED,
        "outsider" => StatusCode::NOT_FOUND,
        "member" | "viewer" if reads_group => endpoint.allowed,
        "member" | "viewer" => StatusCode::FORBIDDEN,
        "admin" if endpoint.method == Method::DELETE && endpoint.path == "/groups/{g}" => StatusCode::FORBIDDEN,
        _ => endpoint.allowed,
    }
}

async fn every_group_endpoint_answers_each_role_as_specified(app: TestApp) {
    // Refusals: one fixture, checked unchanged after every request.
    let f = fixture(&app, 0).await;
    let before = snapshot(&app, &f).await;
    for (role, token) in &f.tokens {
        for endpoint in endpoints() {
            let want = expected(role, &endpoint);
            if want.is_success() {
                continue;
            }
            let path = fill(endpoint.path, &f.ids);
            let (status, body) =
                app.request(endpoint.method.clone(), &path, token.as_deref(), endpoint.body.as_ref()).await;
            assert_eq!(status, want, "{role} {} {path}: {body}", endpoint.method);
            assert_eq!(snapshot(&app, &f).await, before, "{role} {} {path} changed something", endpoint.method);
        }
    }
    // Successes: a fresh fixture per role, endpoints in order, destructive ones last.
    for (n, role) in ["owner", "admin", "member", "viewer"].into_iter().enumerate() {
        let f = fixture(&app, n + 1).await;
        let token = f.tokens.iter().find(|(r, _)| *r == role).and_then(|(_, t)| t.clone());
        for endpoint in endpoints() {
            let want = expected(role, &endpoint);
            if !want.is_success() {
                continue;
            }
            let path = fill(endpoint.path, &f.ids);
            let (status, body) =
                app.request(endpoint.method.clone(), &path, token.as_deref(), endpoint.body.as_ref()).await;
            assert_eq!(status, want, "{role} {} {path}: {body}", endpoint.method);
        }
    }
}

/// The admin of group B names group A's invites through B's own paths: every answer is
/// 404, as for an id that does not exist, and A's invites stay as they were.
async fn a_group_admin_cannot_reach_another_groups_invites_by_id(app: TestApp) {
    let (alice, _) = app.signed_in("alice").await;
    let (bob, _) = app.signed_in("bob").await;
    let group_a = app.create_group(&alice, "A").await;
    let group_b = app.create_group(&bob, "B").await;
    let code = app.group(&alice, &group_a).invite(json!({"role": "member"})).await;
    let invitation = app.group(&alice, &group_a).invite(json!({"email": "carol@example.com"})).await;
    let (code_id, invitation_id) = (code.id.as_str(), invitation.id.as_str());
    // Delivery moves on by itself (the mailer sends the invitation meanwhile).
    let read_a = async || {
        let code = app.group(&alice, &group_a).invite_state(code_id).await;
        let mut invitation = app.group(&alice, &group_a).invite_state(invitation_id).await;
        invitation.delivery = None;
        (code, invitation)
    };
    let before = read_a().await;

    for id in [code_id, invitation_id] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::GET, "/redemptions"),
            (Method::POST, "/resend"),
            (Method::POST, "/link"),
            (Method::DELETE, ""),
        ] {
            let path = format!("/groups/{group_b}/invites/{id}{suffix}");
            let (status, body) = app.request(method.clone(), &path, Some(&bob), Some(&json!({}))).await;
            assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
        }
    }
    assert_eq!(read_a().await, before, "group A's invites are untouched");
    assert_eq!(app.store.queued_emails(invitation_id.parse().unwrap()).await.unwrap().len(), 1, "no resend queued");
}

/// The owner invites a co-owner by email and shares an owner code. The group's admin may
/// not create such invites, so neither may they read, renew, resend, revoke or list them
/// (a fresh token would let them register as an owner): every route and page answers
/// 403 and the invites stay as they were.
async fn a_manager_cannot_see_or_act_on_an_invite_above_their_role(app: TestApp) {
    let (owner, _) = app.signed_in("olive").await;
    let (admin, _) = app.signed_in("adam").await;
    let group = app.create_group(&owner, "Ranks").await;
    let code = app.group(&owner, &group).invite(json!({"role": "admin"})).await;
    assert_eq!(app.accept(&admin, code.code()).await.0, StatusCode::CREATED);
    let invitation = app.group(&owner, &group).invite(json!({"email": "co-owner@example.com", "role": "owner"})).await;
    let owner_code = app.group(&owner, &group).invite(json!({"role": "owner"})).await;
    let ids = [invitation.id.as_str(), owner_code.id.as_str()];
    let read = async || {
        let (_, list) = app.get(&format!("/groups/{group}/invites?status=all"), Some(&owner)).await;
        let queued = app.store.queued_emails(ids[0].parse().unwrap()).await.unwrap().len();
        let items = list["items"].as_array().unwrap().iter();
        (items.map(|i| (i["id"].clone(), i["status"].clone())).collect::<Vec<_>>(), queued)
    };
    let before = read().await;

    for id in ids {
        for (method, suffix) in [
            (Method::POST, "/link"),
            (Method::POST, "/resend"),
            (Method::GET, ""),
            (Method::GET, "/redemptions"),
            (Method::DELETE, ""),
        ] {
            let path = format!("/groups/{group}/invites/{id}{suffix}");
            let (status, body) = app.request(method.clone(), &path, Some(&admin), Some(&json!({}))).await;
            assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
        }
    }
    let list = app.group(&admin, &group).invites("?status=all").await;
    let listed: Vec<&str> = list.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(listed, [code.id.as_str()], "only the invite at the admin's own rank is listed");

    // The pages go through the same operations.
    let pages = PageClient::signed_in(&app, &admin).await;
    let invite_page = format!("/groups/{group}/invites/{}", ids[0]);
    assert_eq!(pages.post(&format!("{invite_page}/link"), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(pages.get(&invite_page).await.status, StatusCode::FORBIDDEN);
    assert!(!pages.get(&format!("/groups/{group}")).await.html.contains(ids[1]), "the owner code is not shown");

    assert_eq!(read().await, before, "the invites and their mail are untouched");
    let (status, _) = app.get(&format!("/invites/{}", invitation.token()), None).await;
    assert_eq!(status, StatusCode::OK, "the invitation's link was not replaced");
}
