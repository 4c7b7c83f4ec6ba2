//! Email through the outbox to a real SMTP server: delivered once, retried while the
//! server is down, failed for good on 550 (and retried by an admin), safe with two
//! instances, and with nothing a user typed turned into a header.

use std::{collections::BTreeMap, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Backend, SmtpServer, TestApp, TestDb, UsherProcess, assert_problem, eventually, mail_to, token_in,
};

on_both_backends!(
    backend: an_invitation_email_arrives_once_and_its_link_accepts,
    mail_waits_out_an_smtp_outage_and_arrives_once,
    a_refused_recipient_fails_at_once_and_an_admin_retries_it,
    two_instances_deliver_each_message_once,
    typed_text_never_becomes_a_header,
    mail_queued_when_the_server_is_killed_is_delivered_after_restart,
    a_login_link_can_be_sent_by_email,
);

/// An owner's session and a group named "Smith Family".
async fn family(app: &TestApp) -> (String, String) {
    let (owner, _) = app.signed_in("sam").await;
    let (_, group) = app.post("/groups", Some(&owner), json!({"name": "Smith Family"})).await;
    (owner, group["id"].as_str().unwrap().to_owned())
}

async fn invite(app: &TestApp, owner: &str, group: &str, email: &str) -> Value {
    app.group_invite(owner, group, json!({"email": email, "message": "Welcome!"})).await
}

async fn an_invitation_email_arrives_once_and_its_link_accepts(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    let (owner, group) = family(&app).await;
    let invitation = invite(&app, &owner, &group, "wendy@example.com").await;
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!((mail.from.as_str(), mail.to.clone()), ("noreply@example.com", vec!["wendy@example.com".to_owned()]));
    let headers = mail.headers();
    assert!(
        headers.contains("From: \"Family Tree\" <noreply@example.com>")
            || headers.contains("From: Family Tree <noreply@example.com>"),
        "{headers}"
    );
    assert!(headers.contains("Subject: sam invited you to join Smith Family"), "{headers}");
    assert!(headers.contains("Message-ID: <"), "{headers}");
    let text = mail.text();
    assert!(text.contains("Welcome!") && text.contains("as member"), "{text}");
    let token = token_in(mail, &app.config.public_url());
    assert_eq!(token, invitation["token"].as_str().unwrap());

    let (wendy, _) = app.signed_in("wendy").await;
    assert_eq!(app.accept(&wendy, &token).await.0, StatusCode::CREATED);

    // A second invitation, resent: a second email with the new token.
    let second = invite(&app, &owner, &group, "xavier@example.com").await;
    smtp.wait_for(2).await;
    let (status, resent) = app
        .post(&format!("/groups/{group}/invites/{}/resend", second["id"].as_str().unwrap()), Some(&owner), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mails = smtp.wait_for(3).await;
    assert_eq!(mails.len(), 3);
    assert!(mails[2].headers().contains("Subject: Reminder:"), "{}", mails[2].headers());
    assert_eq!(token_in(&mails[2], &app.config.public_url()), resent["token"].as_str().unwrap());
    // Sent rows keep no token (the mark follows the server's acceptance closely).
    let store = &app.store;
    eventually(|| async move { store.count_outbox("sent").await.unwrap() }, |sent| *sent == 3).await;
    let queued = app.store.queued_emails(second["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
    assert!(queued.iter().all(|(_, _, data)| data == &json!({})), "{queued:?}");
    let read = app.group_invite_state(&owner, &group, second["id"].as_str().unwrap()).await;
    assert_eq!(read["delivery"]["status"], "sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), 3, "nothing is sent twice");
}

async fn mail_waits_out_an_smtp_outage_and_arrives_once(backend: Backend) {
    let port = SmtpServer::reserve_port();
    let Some(app) = TestApp::spawn_with(backend, mail_to(format!("smtp://127.0.0.1:{port}"))).await else { return };
    let (owner, group) = family(&app).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            invite(&app, &owner, &group, &format!("guest{i}@example.com")).await["id"].as_str().unwrap().to_owned(),
        );
    }
    // While the server is down, every invitation shows its failed attempts.
    let (app_ref, owner, group) = (&app, owner.as_str(), group.as_str());
    for id in &ids {
        let read = || async move { app_ref.group_invite_state(owner, group, id).await["delivery"].clone() };
        let delivery = eventually(read, |d| d["attempts"].as_u64().unwrap_or(0) > 1).await;
        assert!(delivery["attempts"].as_u64().unwrap_or(0) > 1, "retried while the server was down: {delivery}");
        // Waiting for its next try, or in the middle of it.
        assert!(["queued", "sending"].contains(&delivery["status"].as_str().unwrap()), "{delivery}");
        assert!(delivery["last_error"].is_string(), "{delivery}");
    }
    let smtp = SmtpServer::start_on(port);
    let mails = smtp.wait_for(5).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut per_recipient: BTreeMap<String, usize> = BTreeMap::new();
    for mail in smtp.received() {
        *per_recipient.entry(mail.to.join(",")).or_default() += 1;
    }
    assert_eq!(mails.len(), 5);
    assert_eq!(per_recipient.len(), 5, "{per_recipient:?}");
    assert!(per_recipient.values().all(|n| *n == 1), "each exactly once: {per_recipient:?}");
    assert_eq!(app.store.count_outbox("sent").await.unwrap(), 5);
    // The list shows each invitation's own latest delivery (read in one query for the page).
    let (_, list) = app.get(&format!("/groups/{group}/invites"), Some(owner)).await;
    let listed: BTreeMap<&str, &Value> =
        list["items"].as_array().unwrap().iter().map(|i| (i["id"].as_str().unwrap(), &i["delivery"])).collect();
    assert_eq!(listed.len(), 5, "{list}");
    for id in &ids {
        assert_eq!(listed[id.as_str()]["status"], "sent", "{list}");
        assert_eq!(*listed[id.as_str()], app.group_invite_state(owner, group, id).await["delivery"]);
    }
}

async fn a_refused_recipient_fails_at_once_and_an_admin_retries_it(backend: Backend) {
    let smtp = SmtpServer::start();
    smtp.refuse(Some("bounce@example.com"));
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    let (owner, group) = family(&app).await;
    let bounced = invite(&app, &owner, &group, "bounce@example.com").await;
    invite(&app, &owner, &group, "fine@example.com").await;
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["fine@example.com".to_owned()]);
    let id = bounced["id"].as_str().unwrap();
    let (app_ref, owner_ref, group_ref) = (&app, owner.as_str(), group.as_str());
    let read = || async move { app_ref.group_invite_state(owner_ref, group_ref, id).await["delivery"].clone() };
    let delivery = eventually(read, |d| d["status"] == "failed").await;
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_u64()), (Some("failed"), Some(1)), "{delivery}");
    assert!(delivery["last_error"].as_str().unwrap().contains("550"), "{delivery}");

    let (status, failed) = app.get("/admin/outbox?status=failed", Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    let items = failed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["recipient"], "bounce@example.com");
    assert!(items[0].get("data").is_none(), "template data (with its token) is not shown");
    let outbox_id = items[0]["id"].as_str().unwrap();
    let (status, body) = app.post(&format!("/admin/outbox/{outbox_id}/retry"), Some(&owner), json!({})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    smtp.refuse(None);
    let (status, retried) =
        app.post(&format!("/admin/outbox/{outbox_id}/retry"), Some(&app.admin_token), json!({})).await;
    assert_eq!((status, retried["status"].as_str()), (StatusCode::OK, Some("queued")), "{retried}");
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails[1].to, vec!["bounce@example.com".to_owned()]);
    let (status, body) = app.post(&format!("/admin/outbox/{outbox_id}/retry"), Some(&app.admin_token), json!({})).await;
    let (store, message_id) = (&app.store, outbox_id.parse().unwrap());
    let read = || async move { store.outbox_message(message_id).await.unwrap().unwrap().status };
    let status_now = eventually(read, |status| status == "sent").await;
    assert_eq!(status_now, "sent");
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "not_applicable");
}

async fn two_instances_deliver_each_message_once(backend: Backend) {
    let port = SmtpServer::reserve_port();
    let Some(app) = TestApp::spawn_with(backend, mail_to(format!("smtp://127.0.0.1:{port}"))).await else { return };
    // A second instance on the same database, with its own job runner.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (second, _) = usher::prepare(&app.config).await.unwrap();
    let config = app.config.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let other = tokio::spawn(async move {
        usher::run(&config, second, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let (owner, group) = family(&app).await;
    for i in 0..50 {
        invite(&app, &owner, &group, &format!("many{i}@example.com")).await;
    }
    // Everything is queued behind a down server; both runners pounce when it comes up.
    let smtp = SmtpServer::start_on(port);
    let mails = smtp.wait_for(50).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let received = smtp.received();
    let mut recipients: Vec<String> = received.iter().map(|m| m.to.join(",")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!((mails.len(), received.len(), recipients.len()), (50, 50, 50));
    let _ = stop.send(());
    other.await.unwrap();
}

async fn typed_text_never_becomes_a_header(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    let (owner, group) = family(&app).await;
    // Line breaks cannot get into names at all...
    for (path, body) in [
        ("/admin/users/sam", json!({"display_name": "Sam\r\nBcc: x@y.example"})),
        ("/admin/users/sam", json!({"display_name": "Sam\nBcc: x@y.example"})),
    ] {
        let (status, problem) = app.request(reqwest::Method::PATCH, path, Some(&app.admin_token), Some(&body)).await;
        assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let (status, _) = app
        .request(
            reqwest::Method::PATCH,
            &format!("/groups/{group}"),
            Some(&owner),
            Some(&json!({"name": "Smiths\r\nBcc: x@y.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // ...and header-looking text elsewhere stays text.
    let (status, _) = app
        .request(
            reqwest::Method::PATCH,
            "/admin/users/sam",
            Some(&app.admin_token),
            Some(&json!({"display_name": "Sam Bcc: x@y.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.group_invite(
        &owner,
        &group,
        json!({"email": "only@example.com", "message": "Hi\nBcc: evil@y.example\nTo: evil@y.example"}),
    )
    .await;
    let mails = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(mails[0].to, vec!["only@example.com".to_owned()], "no extra recipient");
    let headers = mails[0].headers();
    assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{headers}");
    assert_eq!(headers.lines().filter(|l| l.starts_with("To:")).count(), 1, "{headers}");
}

/// `usher` env for fast retries towards `url` (the binary's twin of [`mail_to`]).
fn mail_env(url: String) -> Vec<(&'static str, String)> {
    vec![
        ("USHER_MAIL_TRANSPORT", url),
        ("USHER_JOB_POLL_MS", "50".into()),
        ("USHER_MAIL_RETRY_BASE_MS", "200".into()),
        ("USHER_MAIL_RETRY_MAX_MS", "1000".into()),
        ("USHER_MAIL_LEASE_SECS", "4".into()),
    ]
}

/// An SMTP "server" that accepts connections and never answers: a send hangs until the
/// client gives up, leaving the message claimed (`sending`) meanwhile.
fn black_hole() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            held.push(stream);
        }
    });
    port
}

async fn mail_queued_when_the_server_is_killed_is_delivered_after_restart(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let first = UsherProcess::start(&db, &mail_env(format!("smtp://127.0.0.1:{}", black_hole())));
    let client = reqwest::Client::new();
    let api = first.api();
    let admin = first.sign_in_first_admin(&client).await;
    let group: Value = client
        .post(format!("{api}/groups"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Crashers"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let group = group["id"].as_str().unwrap();
    for i in 0..3 {
        let response = client
            .post(format!("{api}/groups/{group}/invites"))
            .bearer_auth(&admin)
            .json(&json!({"email": format!("survivor{i}@example.com")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let store = usher_storage::Store::connect(&db.config.database_url()).await.unwrap();
    let store_ref = &store;
    let sending = eventually(|| async move { store_ref.count_outbox("sending").await.unwrap() }, |n| *n > 0).await;
    assert!(sending > 0, "a message was being sent when the server died");
    first.signal("-KILL");
    let (exit, _, _) = first.wait();
    assert!(!exit.success());

    let smtp = SmtpServer::start();
    let second = UsherProcess::start(&db, &mail_env(smtp.url()));
    let mails = smtp.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let mut recipients: Vec<String> = smtp.received().iter().map(|m| m.to.join(",")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!((mails.len(), recipients.len()), (3, 3), "none lost, none twice");
    assert_eq!(store.count_outbox("sending").await.unwrap(), 0, "none stuck after the lease");
    assert_eq!(store.count_outbox("sent").await.unwrap(), 3);
    second.signal("-TERM");
    assert!(second.wait().0.success());
    store.close().await;
}

async fn a_login_link_can_be_sent_by_email(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    app.create_user("lotte").await;
    let path = "/admin/users/lotte/login-links";
    let (status, link) = app.post(path, Some(&app.admin_token), json!({"send_email": true})).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["lotte@example.com".to_owned()]);
    assert!(mails[0].headers().contains("Subject: Your sign-in link"), "{}", mails[0].headers());
    let url = link["url"].as_str().unwrap();
    assert!(mails[0].text().contains(url), "the mail carries the link");
    assert_eq!(app.redeem_login_link(link["token"].as_str().unwrap()).await.0, StatusCode::OK);
    // Without send_email, nothing is mailed.
    app.post(path, Some(&app.admin_token), json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), 1);
}
