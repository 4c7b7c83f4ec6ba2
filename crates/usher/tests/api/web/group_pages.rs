//! A group run from its pages over HTTP, on both backends: created from `/`, a code
//! created (limits at their edges), someone joining through it shown in the member list
//! and on the invite's page, a role changed, an email invitation with its link shown
//! once, a fresh link, a resend, revocation and removal behind confirmations; what
//! members and strangers see.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PageClient, TestApp, between, cookie_pair};

on_both_backends!(
    a_group_is_run_from_its_pages,
    members_and_strangers_see_only_what_they_may,
    expiry_and_uses_are_chosen_from_presets,
);

/// The group's invites as its owner sees them through the API (`status=all`).
async fn invites(app: &TestApp, token: &str, group: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("/groups/{group}/invites?status=all"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().clone()
}

/// The URL in a page's share box.
fn shared_url(html: &str) -> String {
    between(html, "id=\"share-url\" value=\"", "\"").expect("the page shows a link").replace("&#x2f;", "/")
}

async fn a_group_is_run_from_its_pages(app: TestApp) {
    let (owner_token, _) = app.signed_in("olivia").await;
    let owner = PageClient::signed_in(&app, &owner_token).await;

    // Created from the home page; its page lists its owner.
    let created = owner.post("/groups", &[("name", "Book club")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let path = created.location.unwrap();
    let group = path.trim_start_matches("/groups/").to_owned();
    let page = owner.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<h1>Book club</h1>") && page.html.contains("@olivia"), "{}", page.html);
    assert!(owner.get("/").await.html.contains(&format!("href=\"/groups/{group}\"")));

    // A code: 101 uses refused (nothing created), 100 accepted.
    let form =
        |uses: &'static str| [("kind", "code"), ("role", "admin"), ("max_uses", uses), ("expires_in_hours", "24")];
    let refused = owner.post(&format!("{path}/invites"), &form("101")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("max uses:"), "the refusal names the field: {}", refused.html);
    assert!(invites(&app, &owner_token, &group).await.is_empty());
    let made = owner.post(&format!("{path}/invites"), &form("100")).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let invite_path = made.location.unwrap();
    let invite_id = invite_path.rsplit('/').next().unwrap().to_owned();
    let code_page = owner.get(&invite_path).await;
    let join_url = shared_url(&code_page.html);
    let code = join_url.rsplit('/').next().unwrap().to_owned();
    assert_eq!(join_url, format!("http://{}/join/{code}", app.addr));
    assert!(code_page.html.contains("<svg class=\"qr\""));
    let listed = &invites(&app, &owner_token, &group).await[0];
    assert_eq!((listed["max_uses"].as_u64(), listed["role"].as_str()), (Some(100), Some("admin")));

    // Pat joins through it: in the member list, and on the invite's page.
    let (pat_token, pat_id) = app.signed_in("pat").await;
    assert_eq!(app.accept(&pat_token, &code).await.0, StatusCode::CREATED);
    let page = owner.get(&path).await;
    assert!(page.html.contains("@pat") && page.html.contains(&format!("/invites/{invite_id}\">through an invite")));
    let code_page = owner.get(&invite_path).await;
    let joined = between(&code_page.html, "Joined through this invite", "</ul>").expect("a list of who joined");
    assert!(joined.contains("@pat"), "{joined}");

    // Pat's role changed to viewer.
    let changed = owner.post(&format!("{path}/members/{pat_id}/role"), &[("role", "viewer")]).await;
    assert_eq!((changed.status, changed.location.as_deref()), (StatusCode::SEE_OTHER, Some(path.as_str())));
    assert_eq!(app.group(&owner_token, &group).roles().await[&pat_id], "viewer");
    let above = owner.post(&format!("{path}/members/{pat_id}/role"), &[("role", "emperor")]).await;
    assert_eq!(above.status, StatusCode::BAD_REQUEST);

    // An email invitation: the post redirects (a refresh re-sends nothing) to its page,
    // which shows the link once; a fresh link replaces it the same way.
    let sent = owner
        .post(
            &format!("{path}/invites"),
            &[("kind", "email"), ("email", "quinn@example.com"), ("role", "member"), ("message", "Welcome!")],
        )
        .await;
    let invitation = invites(&app, &owner_token, &group).await.into_iter().find(|i| i["email"] == "quinn@example.com");
    let invitation_id = invitation.unwrap()["id"].as_str().unwrap().to_owned();
    let invitation_path = format!("{path}/invites/{invitation_id}");
    assert_eq!((sent.status, sent.location.as_deref()), (StatusCode::SEE_OTHER, Some(invitation_path.as_str())));
    let revealed = sent.cookie("usher_reveal").expect("the link travels to the page, sealed");
    assert!(revealed.contains("HttpOnly") && revealed.contains("SameSite=Strict"), "{revealed}");
    assert!(revealed.contains(&format!("Path={invitation_path}")), "{revealed}");
    let landed = owner.follow(&sent).await;
    assert_eq!(landed.status, StatusCode::OK, "{}", landed.html);
    let first = shared_url(&landed.html);
    assert!(first.starts_with(&format!("http://{}/invite/", app.addr)), "{first}");
    assert!(landed.html.contains("shown only now") && landed.html.contains("email queued"));
    assert!(landed.cookie("usher_reveal").is_some_and(|c| c.contains("Max-Age=0")), "shown, then cleared");
    assert!(!owner.get(&invitation_path).await.html.contains("share-url"), "the link is not shown again");
    let sealed = cookie_pair(revealed);
    assert!(!sealed.contains(first.rsplit('/').next().unwrap()), "the browser never holds the link readable");
    let elsewhere = owner.get_with(&invite_path, &sealed).await;
    assert!(elsewhere.status == StatusCode::OK && !elsewhere.html.contains(&first), "it opens on no other page");
    let fresh = owner.post(&format!("{invitation_path}/link"), &[]).await;
    assert_eq!((fresh.status, fresh.location.as_deref()), (StatusCode::SEE_OTHER, Some(invitation_path.as_str())));
    let second = shared_url(&owner.follow(&fresh).await.html);
    assert_ne!(first, second);
    let (status, _) = app.get(&format!("/invites/{}", first.rsplit('/').next().unwrap()), None).await;
    assert_eq!(status, StatusCode::GONE, "the replaced link stopped working");
    let (status, _) = app.get(&format!("/invites/{}", second.rsplit('/').next().unwrap()), None).await;
    assert_eq!(status, StatusCode::OK);

    // Sent again: counted, and the page says so.
    let resent = owner.post(&format!("{invitation_path}/resend"), &[]).await;
    assert_eq!((resent.status, resent.location.as_deref()), (StatusCode::SEE_OTHER, Some(invitation_path.as_str())));
    assert_eq!(app.group(&owner_token, &group).invite_state(&invitation_id).await.resend_count, 1);
    assert!(owner.get(&invitation_path).await.html.contains("sent again 1 of 3 times"));

    // Revoked after a confirmation.
    let confirm = owner.get(&format!("{invitation_path}/revoke")).await;
    assert!(confirm.status == StatusCode::OK && confirm.html.contains("Revoke this invite?"));
    assert_eq!(app.group(&owner_token, &group).invite_state(&invitation_id).await.status, "active");
    assert_eq!(owner.post(&format!("{invitation_path}/revoke"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.group(&owner_token, &group).invite_state(&invitation_id).await.status, "revoked");

    // Pat removed after a confirmation.
    let confirm = owner.get(&format!("{path}/members/{pat_id}/remove")).await;
    assert!(confirm.html.contains("Remove this member?") && confirm.html.contains("pat will no longer"));
    assert!(app.group(&owner_token, &group).roles().await.contains_key(&pat_id));
    assert_eq!(owner.post(&format!("{path}/members/{pat_id}/remove"), &[]).await.status, StatusCode::SEE_OTHER);
    assert!(!app.group(&owner_token, &group).roles().await.contains_key(&pat_id));
}

async fn members_and_strangers_see_only_what_they_may(app: TestApp) {
    let (owner_token, _) = app.signed_in("olivia").await;
    let group = app.create_group(&owner_token, "Quiet group").await;
    let invite = app.group(&owner_token, &group).invite(serde_json::json!({"role": "member"})).await;
    let (member_token, _) = app.signed_in("mia").await;
    assert_eq!(app.accept(&member_token, invite.code()).await.0, StatusCode::CREATED);

    // A member sees the members, not the invites or their forms, and may not create one.
    let member = PageClient::signed_in(&app, &member_token).await;
    let page = member.get(&format!("/groups/{group}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("@olivia") && page.html.contains("Leave…"));
    assert!(!page.html.contains("Share a code") && !page.html.contains("Open invites"));
    let invite_page = member.get(&format!("/groups/{group}/invites/{}", invite.id.as_str())).await;
    assert_eq!(invite_page.status, StatusCode::FORBIDDEN);
    let refused = member.post(&format!("/groups/{group}/invites"), &[("kind", "code"), ("role", "member")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(invites(&app, &owner_token, &group).await.len(), 1);

    // A stranger gets the same 404 as for a group that does not exist.
    let (stranger_token, _) = app.signed_in("sven").await;
    let stranger = PageClient::signed_in(&app, &stranger_token).await;
    assert_eq!(stranger.get(&format!("/groups/{group}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get("/groups/00000000-0000-0000-0000-000000000000").await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get("/groups/not-a-uuid").await.status, StatusCode::NOT_FOUND);
}

/// The forms offer presets (30 minutes to the kind's maximum; uses 1 to 100, or no
/// limit for registration invites), each one a lifetime the server checks at its edges.
async fn expiry_and_uses_are_chosen_from_presets(app: TestApp) {
    let (owner_token, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner_token, "Book club").await;
    let owner = PageClient::signed_in(&app, &owner_token).await;
    let page = owner.get(&format!("/groups/{group}")).await.html;
    for preset in [
        "<option value=\"30\">30 minutes</option>",
        "<option value=\"1440\" selected>1 day</option>",
        "<option value=\"10080\">7 days</option>",
        "<option value=\"100\">100</option>",
    ] {
        assert!(page.contains(preset), "{preset}: {page}");
    }
    let code_expiry = between(&page, "id=\"code-expiry\"", "</select>").expect("the code's expiry presets");
    assert!(
        code_expiry.contains("7 days") && !code_expiry.contains("30 days"),
        "up to a code's maximum: {code_expiry}"
    );
    let invitation_expiry = between(&page, "id=\"invite-expiry\"", "</select>").expect("the invitation's presets");
    assert!(invitation_expiry.contains("30 days"), "an invitation's go further: {invitation_expiry}");

    fn code(minutes: &str) -> [(&'static str, &str); 4] {
        [("kind", "code"), ("role", "member"), ("max_uses", "25"), ("expires_in_minutes", minutes)]
    }
    let path = format!("/groups/{group}/invites");
    assert_eq!(owner.post(&path, &code("29")).await.status, StatusCode::BAD_REQUEST, "under half an hour");
    assert_eq!(
        owner.post(&path, &code(&(168 * 60 + 1).to_string())).await.status,
        StatusCode::BAD_REQUEST,
        "over the maximum"
    );
    let made = owner.post(&path, &code("30")).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let made = invites(&app, &owner_token, &group).await.remove(0);
    let expires_at: chrono::DateTime<chrono::Utc> = made["expires_at"].as_str().unwrap().parse().unwrap();
    let minutes = (expires_at - chrono::Utc::now()).num_minutes();
    assert!((28..=30).contains(&minutes), "30 minutes: {minutes}");
    assert_eq!(made["max_uses"], 25);

    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let console = admin.get("/admin").await.html;
    assert!(
        console.contains("<option value=\"\">Never</option>")
            && console.contains("<option value=\"\">No limit</option>"),
        "{console}"
    );
    let never = admin.post("/admin/invites", &[("max_uses", ""), ("expires_in_minutes", "")]).await;
    assert_eq!(never.status, StatusCode::SEE_OTHER);
    let (_, list) = app.get("/admin/invites", Some(&app.admin_token)).await;
    assert_eq!(
        (list["items"][0]["max_uses"].is_null(), list["items"][0]["expires_at"].is_null()),
        (true, true),
        "{list}"
    );
}
