//! The admin console over HTTP, on both backends: who may open it, registration
//! invites (limits at their edges, link and QR code, revoke behind a confirmation),
//! users and login links, failed mail and its retry; CSRF on API calls made by cookie;
//! unknown pages. Every action is checked through the API afterwards.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::harness::{Backend, PageClient, SmtpServer, TestApp, assert_problem, between, eventually, mail_to};

on_both_backends!(
    the_console_is_for_admins_only,
    registration_invites_are_created_shown_and_revoked,
    users_and_login_links_are_managed,
    api_calls_made_by_cookie_need_the_csrf_header,
    a_cookie_call_needs_the_csrf_header_whatever_other_authorization_it_carries,
    unknown_pages_answer_a_page,
    apps_are_registered_their_secret_shown_once_rotated_and_deleted,
    every_email_is_previewed_with_sample_data_in_each_language,
    users_and_invites_are_searched_and_filtered,
);

on_both_backends!(backend: failed_mail_is_listed_and_retried);

async fn registration_invites(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/admin/invites?status=all", Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    list["items"].as_array().unwrap().clone()
}

async fn the_console_is_for_admins_only(app: TestApp) {
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = anonymous.get(format!("http://{}/admin/users", app.addr)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/login?next=%2Fadmin%2Fusers", "back here after signing in");

    let (token, _) = app.signed_in("bob").await;
    let bob = PageClient::signed_in(&app, &token).await;
    for path in ["/admin", "/admin/users", "/admin/apps", "/admin/mail", "/admin/audit"] {
        let page = bob.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.html.contains("Only instance admins"), "{}", page.html);
    }
    let refused = bob.post("/admin/invites", &[("description", "mine"), ("max_uses", "5")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = bob.post("/admin/users/bob/disabled", &[("disabled", "true")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(registration_invites(&app).await.is_empty());
    let (_, me) = app.get("/admin/users/bob", Some(&app.admin_token)).await;
    assert_eq!(me["disabled_at"], Value::Null);

    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let console = admin.get("/admin").await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.html.contains("Registration invites") && console.html.contains("aria-current=\"page\""));
}

async fn registration_invites_are_created_shown_and_revoked(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;

    // Refused at the edges, beside the field, the form kept; nothing created.
    for (uses, hours, field) in
        [("0", "", "max_uses"), ("1000001", "", "max_uses"), ("two", "", "max_uses"), ("1", "0", "expires_in_hours")]
    {
        let page = admin
            .post("/admin/invites", &[("description", "Edge"), ("max_uses", uses), ("expires_in_hours", hours)])
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uses}/{hours}");
        assert!(page.html.contains("class=\"field-error\""), "{field}: {}", page.html);
        assert!(page.html.contains("value=\"Edge\""), "the form keeps what was typed");
    }
    assert!(registration_invites(&app).await.is_empty(), "a refused form created an invite");

    // 1,000,000 uses is the largest accepted; empty expiry never expires.
    let most = admin.post("/admin/invites", &[("max_uses", "1000000"), ("expires_in_hours", "")]).await;
    assert_eq!(most.status, StatusCode::SEE_OTHER, "{}", most.html);
    let code = most.location.unwrap().trim_start_matches("/admin/invites/").to_owned();
    let invite = app.get(&format!("/admin/invites/{code}"), Some(&app.admin_token)).await.1;
    assert_eq!((invite["max_uses"].as_u64(), &invite["expires_at"]), (Some(1_000_000), &Value::Null));

    // Empty uses: unlimited; 48 hours.
    let created = admin
        .post("/admin/invites", &[("description", "Book club"), ("max_uses", ""), ("expires_in_hours", "48")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let path = created.location.unwrap();
    let code = path.trim_start_matches("/admin/invites/");
    let invite = app.get(&format!("/admin/invites/{code}"), Some(&app.admin_token)).await.1;
    assert_eq!((&invite["max_uses"], invite["description"].as_str()), (&Value::Null, Some("Book club")));
    let expires: chrono::DateTime<chrono::Utc> = invite["expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes();
    assert!((47 * 60..=48 * 60).contains(&hours), "expires in {hours} minutes");

    // Its page: the link to copy and its QR code; the list shows it with its uses.
    let shown = admin.get(&path).await;
    assert_eq!(shown.status, StatusCode::OK);
    let url = format!("http://{}/register?invite={code}", app.addr);
    assert_eq!(between(&shown.html, "id=\"share-url\" value=\"", "\""), Some(url.replace('/', "&#x2f;").as_str()));
    assert!(shown.html.contains("<svg class=\"qr\"") && shown.html.contains("data-copy=\"share-url\""));
    let list = admin.get("/admin").await;
    assert!(list.html.contains("Book club") && list.html.contains(code) && list.html.contains("0 of unlimited"));

    // Revoke: the confirmation page changes nothing; its button revokes.
    let confirm = admin.get(&format!("{path}/revoke")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.html.contains("Revoke this invite?"), "{}", confirm.html);
    assert_eq!(app.invite(code).await.status, "active");
    let forged = reqwest::Client::new()
        .post(format!("http://{}{path}/revoke", app.addr))
        .header(header::COOKIE, format!("usher_session={}", app.admin_token))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.invite(code).await.status, "active");
    let revoked = admin.post(&format!("{path}/revoke"), &[]).await;
    assert_eq!((revoked.status, revoked.location.as_deref()), (StatusCode::SEE_OTHER, Some(path.as_str())));
    let state = app.get(&format!("/admin/invites/{code}"), Some(&app.admin_token)).await.1;
    assert_eq!(state["status"], "revoked");
    let after = admin.get(&path).await;
    assert!(after.html.contains(">revoked<") && !after.html.contains("share-url"), "no link to share once revoked");

    // The audit log says who did what in words, searched by action, person and days.
    let log = admin.get("/admin/audit?action=invite.revoked").await;
    assert_eq!(log.status, StatusCode::OK);
    let row = between(&log.html, "<tbody>", "</tbody>").expect("a table of events");
    assert!(row.contains("@admin") && row.contains("revoked an invite") && !row.contains("created an invite"), "{row}");
    assert!(row.contains("title=\"invite.revoked\""), "the action's code on hover: {row}");
    assert!(log.html.contains("value=\"invite.revoked\" selected"), "the search stays in its field");
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let found = admin.get(&format!("/admin/audit?action=invite.revoked&actor=admin&since={today}&until={today}")).await;
    assert!(found.html.contains("revoked an invite"), "{}", found.html);
    let none = admin.get(&format!("/admin/audit?action=invite.revoked&since={tomorrow}")).await;
    assert!(none.html.contains("Nothing recorded that matches."), "{}", none.html);
    let someone_else = admin.get("/admin/audit?action=invite.revoked&actor=nobody").await;
    assert!(someone_else.html.contains("Nothing recorded that matches."));
    assert_eq!(admin.get("/admin/audit?since=yesterday").await.status, StatusCode::BAD_REQUEST);
}

async fn users_and_login_links_are_managed(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;

    // A user without a password; refused fields and taken names show on the form.
    let bad = admin.post("/admin/users", &[("username", "X"), ("email", "nope")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.html.matches("class=\"field-error\"").count() >= 2, "{}", bad.html);
    let created = admin
        .post("/admin/users", &[("username", "carol"), ("email", "carol@example.com"), ("display_name", "Carol")])
        .await;
    assert_eq!((created.status, created.location.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/users")));
    let taken = admin.post("/admin/users", &[("username", "carol"), ("email", "other@example.com")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let (_, carol) = app.get("/admin/users/carol", Some(&app.admin_token)).await;
    assert_eq!((carol["has_password"].as_bool(), carol["display_name"].as_str()), (Some(false), Some("Carol")));
    assert!(admin.get("/admin/users").await.html.contains("carol@example.com"));

    // A login link, shown once with its QR code; it signs Carol in.
    let minted = admin.post("/admin/users/carol/login-link", &[("expires_in_hours", "2")]).await;
    let link_page = minted.location.clone().expect("on to the link's page");
    assert!(link_page.starts_with("/admin/login-links/"), "{link_page}");
    let shown = admin.follow(&minted).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.html);
    assert!(shown.html.contains("<svg class=\"qr\"") && shown.html.contains("shown only now"));
    let url = between(&shown.html, "id=\"share-url\" value=\"", "\"").unwrap().replace("&#x2f;", "/");
    let again = admin.get(&link_page).await;
    assert!(again.status == StatusCode::OK && !again.html.contains("share-url") && again.html.contains("shown once"));
    let token = url.rsplit('/').next().unwrap();
    let (status, session) = app.redeem_login_link(token).await;
    assert_eq!((status, session["username"].as_str()), (StatusCode::OK, Some("carol")));

    // Another link, listed as active, revoked after a confirmation.
    assert_eq!(admin.post("/admin/users/carol/login-link", &[]).await.status, StatusCode::SEE_OTHER);
    let users = admin.get("/admin/users").await;
    let id = between(&users.html, "/admin/login-links/", "/revoke").expect("an active link is listed").to_owned();
    assert_eq!(admin.get(&format!("/admin/login-links/{id}/revoke")).await.status, StatusCode::OK);
    let (_, link) = app.get(&format!("/admin/login-links/{id}"), Some(&app.admin_token)).await;
    assert_eq!(link["status"], "active", "the confirmation page revoked nothing");
    let revoked = admin.post(&format!("/admin/login-links/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let (_, link) = app.get(&format!("/admin/login-links/{id}"), Some(&app.admin_token)).await;
    assert_eq!(link["status"], "revoked");

    // Disable (her session ends) and enable; an admin cannot disable themselves.
    let session = session["session_token"].as_str().unwrap();
    assert_eq!(admin.post("/admin/users/carol/disabled", &[("disabled", "true")]).await.status, StatusCode::SEE_OTHER);
    let (_, carol) = app.get("/admin/users/carol", Some(&app.admin_token)).await;
    assert!(carol["disabled_at"].is_string(), "{carol}");
    assert_eq!(app.get("/me", Some(session)).await.0, StatusCode::UNAUTHORIZED);
    assert!(admin.get("/admin/users").await.html.contains(">Enable<"));
    assert_eq!(admin.post("/admin/users/carol/disabled", &[("disabled", "false")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/admin/users/carol", Some(&app.admin_token)).await.1["disabled_at"], Value::Null);
    let myself = admin.post("/admin/users/admin/disabled", &[("disabled", "true")]).await;
    assert_eq!(myself.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/admin/users/admin", Some(&app.admin_token)).await.1["disabled_at"], Value::Null);

    // Delete, after a confirmation.
    let confirm = admin.get("/admin/users/carol/delete").await;
    assert!(confirm.status == StatusCode::OK && confirm.html.contains("Delete this user?"));
    assert_eq!(app.get("/admin/users/carol", Some(&app.admin_token)).await.0, StatusCode::OK);
    assert_eq!(admin.post("/admin/users/carol/delete", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/admin/users/carol", Some(&app.admin_token)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(admin.get("/admin/users/nobody/delete").await.status, StatusCode::NOT_FOUND);
}

async fn failed_mail_is_listed_and_retried(backend: Backend) {
    let smtp = SmtpServer::start();
    smtp.refuse(Some("dora@example.com"));
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    app.create_user("dora").await;
    app.mint_login_link("dora", json!({"send_email": true})).await;
    let read = || app.read::<Value>("/admin/outbox?status=failed", Some(&app.admin_token));
    let failed = eventually("the refused email listed as failed", read, |list| list["items"][0].is_object()).await;
    let id = failed["items"][0]["id"].as_str().unwrap().to_owned();

    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let page = admin.get("/admin/mail").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("dora@example.com") && page.html.contains("550"), "{}", page.html);
    assert!(page.html.contains(&format!("/admin/mail/{id}/retry")));

    smtp.refuse(None);
    let retried = admin.post(&format!("/admin/mail/{id}/retry"), &[]).await;
    assert_eq!((retried.status, retried.location.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/mail")));
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["dora@example.com".to_owned()]);
    let (store, message_id) = (&app.store, id.parse().unwrap());
    let status = || async move { store.outbox_message(message_id).await.unwrap().unwrap().status };
    eventually("the retried email marked sent", status, |s| s == "sent").await;
    assert!(admin.get("/admin/mail").await.html.contains("No failed mail"));
    let again = admin.post(&format!("/admin/mail/{id}/retry"), &[]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "only failed mail is retried");
}

async fn api_calls_made_by_cookie_need_the_csrf_header(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let url = format!("{}/admin/invites", app.api);
    let body = json!({"description": "by cookie"});

    // By cookie, without the header (what a forged cross-site request looks like): refused.
    let refused = admin.request(Method::POST, &url).json(&body).send().await.unwrap();
    let status = refused.status();
    assert_problem(status, &refused.json().await.unwrap(), StatusCode::FORBIDDEN, "forbidden");
    let wrong = admin.request(Method::POST, &url).header("x-csrf-token", "guess").json(&body).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let cross = admin.request(Method::POST, &url).header("x-csrf-token", &admin.csrf);
    let cross = cross.header("sec-fetch-site", "cross-site").json(&body).send().await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert!(registration_invites(&app).await.is_empty(), "a refused call created an invite");

    // With the page's token: done. Reads by cookie need nothing; bearer calls are exempt.
    let ok = admin.request(Method::POST, &url).header("x-csrf-token", &admin.csrf).json(&body).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(admin.request(Method::GET, &url).send().await.unwrap().status(), StatusCode::OK);
    let (status, _) = app.post("/admin/invites", Some(&app.admin_token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(registration_invites(&app).await.len(), 2);
    // The token is in the pages, for their scripts.
    assert!(admin.get("/admin").await.html.contains(&format!("<meta name=\"usher-csrf\" content=\"{}\">", admin.csrf)));
}

/// A browser behind a Basic-auth proxy attaches `Authorization: Basic …` to every
/// request, forged ones too: when the cookie is what signs the call in, the CSRF header
/// is still required. A bearer token is what signs a call in whenever one is sent.
async fn a_cookie_call_needs_the_csrf_header_whatever_other_authorization_it_carries(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let url = format!("{}/admin/invites", app.api);
    let body = json!({"description": "by cookie"});
    let call = |authorization: &str| {
        admin.request(Method::POST, &url).header(header::AUTHORIZATION, authorization.to_owned()).json(&body).send()
    };
    for basic in ["Basic cHJveHk6c2VjcmV0", "Digest username=\"proxy\"", "Bearer"] {
        let refused = call(basic).await.unwrap();
        let status = refused.status();
        assert_problem(status, &refused.json().await.unwrap(), StatusCode::FORBIDDEN, "forbidden");
    }
    assert!(registration_invites(&app).await.is_empty(), "a refused call created an invite");
    let by_bearer = call(&format!("Bearer {}", app.admin_token)).await.unwrap();
    assert_eq!(by_bearer.status(), StatusCode::CREATED, "a bearer call needs no CSRF header");
    let bad_bearer = call("Bearer not-a-session").await.unwrap();
    assert_eq!(bad_bearer.status(), StatusCode::UNAUTHORIZED, "a bad bearer token is not saved by the cookie");
    assert_eq!(registration_invites(&app).await.len(), 1);
}

async fn unknown_pages_answer_a_page(app: TestApp) {
    let page = app.client.get(format!("http://{}/nope/deeper", app.addr)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("Page not found"));
    let (status, body) = app.get("/nope", None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

async fn apps_are_registered_their_secret_shown_once_rotated_and_deleted(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let refused = admin.post("/admin/apps", &[("name", "Tree"), ("redirect_uris", "http://tree.example.com/cb")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("use https"), "the refusal beside the field: {}", refused.html);
    assert!(refused.html.contains("tree.example.com"), "the form kept");

    let uris = "https://tree.example.com/cb\n\nhttps://tree.example.com/cb2\n";
    let created = admin.post("/admin/apps", &[("name", "Tree"), ("redirect_uris", uris), ("first_party", "on")]).await;
    let landed = admin.follow(&created).await;
    let secret = between(&landed.html, "id=\"client-secret\" value=\"", "\"").expect("the secret, shown once");
    assert!(landed.html.contains("The app was registered."), "{}", landed.html);
    let (_, apps) = app.get("/admin/apps", Some(&app.admin_token)).await;
    let registered = &apps["items"][0];
    assert_eq!(registered["redirect_uris"], json!(["https://tree.example.com/cb", "https://tree.example.com/cb2"]));
    assert_eq!(registered["first_party"], true);
    let id = registered["id"].as_str().unwrap().to_owned();
    assert_eq!(created.location, Some(format!("/admin/apps/{id}")));
    assert!(!admin.get(&format!("/admin/apps/{id}")).await.html.contains(secret), "a refresh shows it no more");
    let list = admin.get("/admin/apps").await;
    assert!(list.html.contains("Tree") && !list.html.contains(secret), "listed, the secret never again");

    // Its settings: the groups it is limited to, by slug.
    let group = app.new_group(&app.admin_token, json!({"name": "Smith Tree"})).await;
    let settings = admin.get(&format!("/admin/apps/{id}")).await;
    assert_eq!(settings.status, StatusCode::OK);
    let path = format!("/admin/apps/{id}");
    let refused = admin.post(&path, &app_settings("no-such-group")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("no group with the slug no-such-group"), "{}", refused.html);
    let saved = admin.post(&path, &app_settings(&group.slug)).await;
    assert_eq!(saved.location.as_deref(), Some("/admin/apps"), "{saved:?}");
    let (_, changed) = app.get(&format!("/admin/apps/{id}"), Some(&app.admin_token)).await;
    assert_eq!((changed["name"].as_str(), &changed["allowed_groups"]), (Some("Tree 2"), &json!([group.id])));
    assert_eq!(changed["first_party"], false, "an unchecked box");
    assert!(admin.get(&path).await.html.contains(&group.slug), "shown by slug");

    assert_eq!(admin.get(&format!("/admin/apps/{id}/secret")).await.status, StatusCode::OK, "asked first");
    let rotated = admin.follow(&admin.post(&format!("/admin/apps/{id}/secret"), &[]).await).await;
    let new_secret = between(&rotated.html, "id=\"client-secret\" value=\"", "\"").expect("a new secret");
    assert_ne!(new_secret, secret);
    assert_eq!(admin.get(&format!("/admin/apps/{id}/delete")).await.status, StatusCode::OK, "asked first");
    let deleted = admin.post(&format!("/admin/apps/{id}/delete"), &[]).await;
    assert_eq!(deleted.location.as_deref(), Some("/admin/apps"));
    assert_eq!(app.get(&format!("/admin/apps/{id}"), Some(&app.admin_token)).await.0, StatusCode::NOT_FOUND);
}

/// The app settings form, limited to the groups `groups` names.
fn app_settings(groups: &str) -> [(&'static str, &str); 3] {
    [("name", "Tree 2"), ("redirect_uris", "https://tree.example.com/cb"), ("allowed_groups", groups)]
}

/// The console previews every email in each shipped language; the HTML part is a page
/// of its own, with a CSP that lets its inline styles through and no script.
async fn every_email_is_previewed_with_sample_data_in_each_language(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let english = admin.get("/admin/mail/previews").await;
    assert_eq!(english.status, StatusCode::OK);
    for subject in
        ["admin invited you to join The Smiths", "Reminder:", "Your sign-in link", "Confirm your email address"]
    {
        assert!(english.html.contains(subject), "{subject}: {}", english.html);
    }
    let vietnamese = admin.get("/admin/mail/previews?locale=vi").await;
    assert!(vietnamese.html.contains("Liên kết đăng nhập của bạn") && vietnamese.html.contains("mời bạn tham gia"));

    let response = admin
        .request(Method::GET, &format!("http://{}/admin/mail/previews/invitation?locale=vi", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("style-src 'unsafe-inline'") && !csp.contains("script-src"), "{csp}");
    let html = response.text().await.unwrap();
    assert!(html.contains("lang=\"vi\"") && html.contains("Nhận lời mời"), "{html}");
    assert_eq!(admin.get("/admin/mail/previews/no_such_mail").await.status, StatusCode::NOT_FOUND);

    let (bob, _) = app.signed_in("bob").await;
    let bob = PageClient::signed_in(&app, &bob).await;
    assert_eq!(bob.get("/admin/mail/previews").await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.get("/admin/mail/previews/invitation").await.status, StatusCode::FORBIDDEN);
}

/// The console's lists are searched (any case; `%` and `_` are plain characters) and
/// filtered by status; the next page keeps the search.
async fn users_and_invites_are_searched_and_filtered(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    app.create_user("carol").await;
    app.create_user("dave_d").await;
    app.update_user("dave_d", json!({"disabled": true})).await;
    let users = |query: &'static str| {
        let admin = &admin;
        async move {
            between(&admin.get(&format!("/admin/users?{query}")).await.html, "<tbody>", "</tbody>")
                .unwrap_or("")
                .to_owned()
        }
    };
    let found = users("q=CAR").await;
    assert!(found.contains("carol@example.com") && !found.contains("dave_d@"), "{found}");
    let disabled = users("show=disabled").await;
    assert!(disabled.contains("dave_d@") && !disabled.contains("carol@"), "{disabled}");
    let admins = users("show=admins").await;
    assert!(admins.contains("@admin") && !admins.contains("carol@"), "{admins}");
    let underscore = users("q=_").await;
    assert!(
        underscore.contains("dave_d@") && !underscore.contains("carol@"),
        "`_` is a character, not a wildcard: {underscore}"
    );
    assert!(admin.get("/admin/users?q=100%25").await.html.contains("Nobody matches."));
    let long = "x".repeat(101);
    assert_eq!(admin.get(&format!("/admin/users?q={long}")).await.status, StatusCode::BAD_REQUEST);

    let book = app.create_invite(json!({"description": "Book club"})).await;
    let chess = app.create_invite(json!({"description": "Chess night"})).await;
    app.revoke_invite(chess.code()).await;
    let invites = |query: String| {
        let admin = &admin;
        async move { admin.get(&format!("/admin?{query}")).await.html }
    };
    let found = invites("q=book".into()).await;
    assert!(found.contains("Book club") && !found.contains("Chess night"), "{found}");
    let by_code = invites(format!("q={}", &chess.code()[..7])).await;
    assert!(by_code.contains("Chess night") && !by_code.contains("Book club"), "{by_code}");
    let active = invites("show=active".into()).await;
    assert!(active.contains("Book club") && !active.contains("Chess night"), "{active}");
    assert!(invites("q=zebra".into()).await.contains("No invite matches."));
    assert!(book.code().len() == 11);
}
