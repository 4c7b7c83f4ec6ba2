//! Groups and members: creation, roles and their limits, leaving, and a deployment
//! with its own role list.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Backend, GroupView, MyGroup, Page, TestApp, assert_problem};

on_both_backends!(backend: family_tree_roles);

on_both_backends!(
    a_group_code_admits_its_holder_with_the_preset_role,
    roles_never_rise_above_their_grantor_and_a_top_member_stays,
    groups_are_found_by_external_id_and_validated,
    group_and_member_lists_are_paginated,
    deleting_or_disabling_a_groups_last_owner_is_refused,
    a_generated_slug_that_is_taken_is_retried_not_refused,
);

async fn a_group_code_admits_its_holder_with_the_preset_role(app: TestApp) {
    let (owner, _) = app.signed_in("olive").await;
    let (guest, guest_id) = app.signed_in("gus").await;
    let body =
        json!({"name": "Olive's Tree", "description": "Family", "external_id": "tree-1", "metadata": {"plan": "pro"}});
    let group = app.new_group(&owner, body).await;
    assert_eq!(group.role.as_deref(), Some("owner"));
    let tree = app.group(&owner, &group.id);
    let code = tree.invite(json!({})).await;
    assert_eq!((code.kind.as_str(), code.role.as_deref(), code.max_uses), ("group_code", Some("member"), Some(1)));
    let expires = code.expires_at.expect("a code expires");
    assert!((expires - chrono::Utc::now()).num_minutes() > 23 * 60, "default 24 h");
    let code_text = code.code();
    assert_eq!(code.url, Some(format!("{}/join/{code_text}", app.config.public_url())));

    let (status, public) = app.get(&format!("/invites/{code_text}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["group"], json!({"name": "Olive's Tree", "description": "Family"}));
    assert_eq!((public["role"].as_str(), public["inviter"]["display_name"].as_str()), (Some("member"), Some("olive")));
    assert_eq!(public["uses_remaining"], 1);
    let text = public.to_string();
    for secret in [group.id.as_str(), "tree-1", "pro", code.id.as_str(), "@"] {
        assert!(!text.contains(secret), "the public look-up leaks {secret}: {text}");
    }

    // The client cannot choose its role: a `role` field is ignored.
    let (status, joined) =
        app.post(&format!("/invites/{code_text}/accept"), Some(&guest), json!({"role": "owner"})).await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["membership"]["role"], "member");
    assert_eq!(tree.roles().await.get(&guest_id).map(String::as_str), Some("member"));
    let me = app.me(&guest).await;
    assert_eq!(me.groups, [MyGroup { id: group.id.clone(), name: "Olive's Tree".into(), role: "member".into() }]);
    let members = app.group(&guest, &group.id).members("").await;
    let guest_row = members.items.iter().find(|m| m.user.id == guest_id).expect("the guest is listed");
    assert_eq!(guest_row.invite_id.as_ref(), Some(&code.id));

    // Already a member: 409 and nothing consumed.
    let another = tree.invite(json!({"max_uses": 3})).await;
    let (status, body) = app.accept(&guest, another.code()).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "already_member");
    assert_eq!(tree.invite_state(&another.id).await.uses, 0);
    // A registration invite is not accepted, it is registered with.
    let registration = app.create_invite(json!({})).await;
    let (status, body) = app.accept(&guest, registration.code()).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "not_applicable");

    let redeemed: Page<Value> = app.read(&tree.path(&format!("/invites/{}/redemptions", code.id)), Some(&owner)).await;
    assert_eq!(redeemed.items.len(), 1);
    assert_eq!(redeemed.items[0]["user"]["username"], "gus");

    // Register and join in one step with a group code.
    let fresh = tree.invite(json!({"role": "viewer"})).await;
    let registered = app.registered("newbie", fresh.code()).await;
    assert_eq!(tree.roles().await.get(&registered.user.id).map(String::as_str), Some("viewer"));
}

async fn roles_never_rise_above_their_grantor_and_a_top_member_stays(app: TestApp) {
    let (owner, owner_id) = app.signed_in("otto").await;
    let (admin, admin_id) = app.signed_in("ada").await;
    let (member, member_id) = app.signed_in("mel").await;
    let group_id = app.create_group(&owner, "Roles").await;
    for (token, role) in [(&admin, "admin"), (&member, "member")] {
        app.group(&owner, &group_id).admit(token, role).await;
    }
    let path = |user: &str| format!("/groups/{group_id}/members/{user}");
    // An admin may not grant owner, nor invite as owner, nor touch the owner.
    let (status, body) = app.group(&admin, &group_id).set_role(&member_id, "owner").await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.post(&format!("/groups/{group_id}/invites"), Some(&admin), json!({"role": "owner"})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.group(&admin, &group_id).set_role(&owner_id, "viewer").await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.group(&admin, &group_id).set_role(&member_id, "boss").await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(app.group(&admin, &group_id).set_role(&member_id, "viewer").await.0, StatusCode::OK);
    // The last owner can neither step down nor leave...
    let (status, body) = app.group(&owner, &group_id).set_role(&owner_id, "admin").await;
    assert_problem(status, &body, StatusCode::CONFLICT, "last_owner");
    let (status, body) = app.delete(&path(&owner_id), Some(&owner)).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "last_owner");
    // ...until there is another.
    assert_eq!(app.group(&owner, &group_id).set_role(&admin_id, "owner").await.0, StatusCode::OK);
    assert_eq!(app.delete(&path(&owner_id), Some(&owner)).await.0, StatusCode::NO_CONTENT);
    // Anyone may leave.
    assert_eq!(app.delete(&path(&member_id), Some(&member)).await.0, StatusCode::NO_CONTENT);
    let roles = app.group(&admin, &group_id).roles().await;
    assert_eq!(roles.into_iter().collect::<Vec<_>>(), vec![(admin_id, "owner".to_owned())]);
    let (status, body) = app.get(&format!("/groups/{group_id}"), Some(&owner)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

async fn groups_are_found_by_external_id_and_validated(app: TestApp) {
    let (owner, _) = app.signed_in("erik").await;
    let a = app.new_group(&owner, json!({"name": "A", "external_id": "ext-a", "slug": "group-a"})).await;
    let (status, body) = app.post("/groups", Some(&owner), json!({"name": "B", "external_id": "ext-a"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "external_id_taken");
    let (status, body) = app.post("/groups", Some(&owner), json!({"name": "C", "slug": "group-a"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "slug_taken");
    let found: Page<GroupView> = app.read("/groups?external_id=ext-a", Some(&owner)).await;
    assert_eq!(found.items.iter().map(|g| &g.id).collect::<Vec<_>>(), [&a.id]);
    let refused = [
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "ok", "slug": "Not A Slug"}),
        json!({"name": "ok", "metadata": [1, 2]}),
        json!({"name": "ok", "metadata": {"big": "x".repeat(17 * 1024)}}),
    ];
    for body in refused {
        let (status, problem) = app.post("/groups", Some(&owner), body.clone()).await;
        assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let mine: Page<GroupView> = app.read("/groups", Some(&owner)).await;
    assert_eq!(mine.items.len(), 1, "refusals created nothing");
    let path = format!("/groups/{}", a.id);
    let patched: GroupView = app
        .expect(StatusCode::OK, Method::PATCH, &path, Some(&owner), Some(json!({"name": "A2", "metadata": {"k": 1}})))
        .await;
    assert_eq!((patched.name.as_str(), &patched.metadata), ("A2", &json!({"k": 1})));
}

/// A family-tree deployment: `custodian, contributor, viewer`, managed by custodians.
async fn family_tree_roles(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.roles = vec!["custodian".into(), "contributor".into(), "viewer".into()];
        c.manage_role = "custodian".into();
    })
    .await
    else {
        return;
    };
    let (custodian, _) = app.signed_in("carla").await;
    let (contributor, contributor_id) = app.signed_in("cody").await;
    let (viewer, _) = app.signed_in("vera").await;
    let tree = app.new_group(&custodian, json!({"name": "Tree", "external_id": "9f1c-tree"})).await;
    assert_eq!(tree.role.as_deref(), Some("custodian"));
    let tree = tree.id.as_str();
    let code = app.group(&custodian, tree).invite(json!({})).await;
    assert_eq!(code.role.as_deref(), Some("viewer"), "no `member` role: the lowest role is the default");
    assert_eq!(app.join(&viewer, code.code()).await.role, "viewer");
    let invitation =
        app.group(&custodian, tree).invite(json!({"role": "contributor", "email": "cody@example.com"})).await;
    assert_eq!(app.join(&contributor, invitation.token()).await.role, "contributor");
    assert_eq!(app.group(&custodian, tree).roles().await.get(&contributor_id).map(String::as_str), Some("contributor"));
    let (status, body) = app.post(&format!("/groups/{tree}/invites"), Some(&contributor), json!({})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) =
        app.post(&format!("/groups/{tree}/invites"), Some(&custodian), json!({"role": "member"})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
}

async fn group_and_member_lists_are_paginated(app: TestApp) {
    let (owner, _) = app.signed_in("paula").await;
    let mut groups = Vec::new();
    for n in 0..3 {
        groups.push(app.create_group(&owner, &format!("Page {n}")).await);
    }
    let first: Page<GroupView> = app.read("/groups?limit=2", Some(&owner)).await;
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.expect("a second page");
    let second: Page<GroupView> = app.read(&format!("/groups?limit=2&cursor={cursor}"), Some(&owner)).await;
    assert_eq!((second.items.len(), second.next_cursor), (1, None));
    assert_eq!(second.items[0].id, groups[0], "newest first");
    assert_eq!(app.me(&owner).await.groups.len(), 3, "/me lists them all");

    let group = &groups[0];
    for name in ["pm1", "pm2"] {
        let (token, _) = app.signed_in(name).await;
        app.group(&owner, group).admit(&token, "member").await;
    }
    let members = app.group(&owner, group);
    let page = members.members("?limit=2").await;
    let cursor = page.next_cursor.expect("more members");
    let rest = members.members(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!((page.items.len(), rest.items.len(), rest.next_cursor), (2, 1, None));
    let read: Value = app.read(&format!("/groups/{group}"), Some(&owner)).await;
    assert_eq!(read["members"].as_array().unwrap().len(), 3, "reading the group embeds every member");
    let (status, problem) = app.get("/groups?limit=201", Some(&owner)).await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
}

/// Deleting or disabling a user who is a group's only (enabled) owner is refused with
/// 409 `last_owner` naming that group, until another member holds the role; a group
/// whose only member is deleted goes with them; two owners deleted at once leave one.
async fn deleting_or_disabling_a_groups_last_owner_is_refused(app: TestApp) {
    let admin = Some(app.admin_token.as_str());
    let disable = async |name: &str, disabled: bool| {
        let path = format!("/admin/users/{name}");
        app.request(Method::PATCH, &path, admin, Some(&json!({"disabled": disabled}))).await
    };
    let owners = async |group: &str| {
        app.count(&format!("SELECT COUNT(*) FROM memberships WHERE group_id = '{group}' AND role = 'owner'")).await
    };
    let (olga, _) = app.signed_in("olga").await;
    let (bea, bea_id) = app.signed_in("bea").await;
    let (cleo, _) = app.signed_in("cleo").await;
    let shared = app.create_group(&olga, "Shared").await;
    app.group(&olga, &shared).admit(&bea, "member").await;
    let co_owned = app.create_group(&olga, "Co-owned").await;
    app.group(&olga, &co_owned).admit(&cleo, "owner").await;
    let (_, detail) = app.get(&format!("/groups/{shared}"), Some(&olga)).await;
    let named = json!([{"id": shared, "name": "Shared", "slug": detail["slug"]}]);

    let (status, body) = app.delete("/admin/users/olga", admin).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "last_owner");
    assert_eq!(body["groups"], named, "only the group that would be left without an owner");
    let (status, body) = disable("olga", true).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "last_owner");
    assert_eq!(body["groups"], named);
    assert_eq!(app.get("/me", Some(&olga)).await.0, StatusCode::OK, "olga is untouched");

    // A disabled owner cannot act, so does not count; an enabled one does.
    assert_eq!(app.group(&olga, &shared).set_role(&bea_id, "owner").await.0, StatusCode::OK);
    assert_eq!(disable("bea", true).await.0, StatusCode::OK);
    let (status, body) = app.delete("/admin/users/olga", admin).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "last_owner");
    assert_eq!(disable("bea", false).await.0, StatusCode::OK);
    assert_eq!(app.delete("/admin/users/olga", admin).await.0, StatusCode::NO_CONTENT);
    assert_eq!((owners(&shared).await, owners(&co_owned).await), (1, 1));

    // Alone in a group: it is deleted with them.
    let (solo, _) = app.signed_in("solo").await;
    let alone = app.create_group(&solo, "Alone").await;
    assert_eq!(app.delete("/admin/users/solo", admin).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM groups WHERE id = '{alone}'")).await, 0);

    // Both owners deleted at once: one is refused.
    let (xena, _) = app.signed_in("xena").await;
    let (yuri, _) = app.signed_in("yuri").await;
    let pair = app.create_group(&xena, "Pair").await;
    app.group(&xena, &pair).admit(&yuri, "owner").await;
    app.group(&xena, &pair).admit(&cleo, "member").await;
    let (x, y) = tokio::join!(app.delete("/admin/users/xena", admin), app.delete("/admin/users/yuri", admin));
    let mut statuses = [x.0, y.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::CONFLICT], "{x:?} {y:?}");
    assert_eq!(owners(&pair).await, 1);
}

/// A group made from a name alone gets a generated slug; when that one is taken Usher
/// tries a longer one, never a 409 the caller did not cause. Here every four-character
/// suffix of `book-club-` is taken first, so the first try always collides.
async fn a_generated_slug_that_is_taken_is_retried_not_refused(app: TestApp) {
    let (owner, _) = app.signed_in("olive").await;
    let chars = "abcdefghjkmnpqrstuvwxyz23456789"; // the alphabet of `Slug::suffix`
    let values = chars.chars().map(|c| format!("('{c}')")).collect::<Vec<_>>().join(", ");
    let suffix = "a.ch || b.ch || c.ch || d.ch";
    app.execute_sql(&format!(
        "WITH s(ch) AS (VALUES {values}) \
         INSERT INTO groups (id, name, slug, metadata, created_at) \
         SELECT 'taken-' || {suffix}, 'Book Club', 'book-club-' || {suffix}, '{{}}', 0 FROM s a, s b, s c, s d"
    ))
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM groups").await, 31_i64.pow(4));
    for _ in 0..3 {
        let (status, group) = app.post("/groups", Some(&owner), json!({"name": "Book Club"})).await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        assert!(group["slug"].as_str().unwrap().starts_with("book-club-"), "{group}");
    }
    // A slug the caller chose is theirs: taken is still 409.
    let (status, body) =
        app.post("/groups", Some(&owner), json!({"name": "Book Club", "slug": "book-club-abcd"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "slug_taken");
}
