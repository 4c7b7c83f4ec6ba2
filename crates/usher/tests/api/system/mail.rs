//! Email through the outbox to a real SMTP server: delivered once, retried while the
//! server is down, failed for good on 550 (and retried by an admin), safe with two
//! instances, and with nothing a user typed turned into a header.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::OsRng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use usher_domain::sealed::SecretKey;
use usher_storage::Store;

use crate::harness::{
    Backend, DeliveryView, InviteView, Serve, SmtpServer, TestApp, TestDb, UsherProcess, assert_problem, eventually,
    launch, mail_env, mail_to, token_in,
};

on_both_backends!(
    backend: an_invitation_email_arrives_once_and_its_link_accepts,
    mail_waits_out_an_smtp_outage_and_arrives_once,
    a_refused_recipient_fails_at_once_and_an_admin_retries_it,
    two_instances_deliver_each_message_once,
    typed_text_never_becomes_a_header,
    mail_queued_when_the_server_is_killed_is_delivered_after_restart,
    a_login_link_can_be_sent_by_email,
    mail_queued_by_the_version_before_typed_mail_is_delivered,
    an_invitation_in_vietnamese_arrives_as_html_and_text_with_a_readable_date,
);

/// An owner's session and a group named "Smith Family".
async fn family(app: &TestApp) -> (String, String) {
    let (owner, _) = app.signed_in("sam").await;
    let group = app.create_group(&owner, "Smith Family").await;
    (owner, group)
}

async fn invite(app: &TestApp, owner: &str, group: &str, email: &str) -> InviteView {
    app.group(owner, group).invite(json!({"email": email, "message": "Welcome!"})).await
}

/// The outbox's (sent, queued, sending) counts.
async fn outbox(store: &Store) -> (i64, i64, i64) {
    let count = async |status| store.count_outbox(status).await.unwrap();
    (count("sent").await, count("queued").await, count("sending").await)
}

/// Waits until the outbox holds `n` sent messages and none queued or being sent (no
/// worker has anything left to send), then checks that the mail server received
/// exactly `n`, and still `n` a little later: nothing is sent twice.
async fn all_sent_once(store: &Store, smtp: &SmtpServer, n: i64) {
    eventually(&format!("{n} messages marked sent, none left"), || outbox(store), |o| *o == (n, 0, 0)).await;
    let n = usize::try_from(n).unwrap();
    assert_eq!(smtp.received().len(), n, "each message once");
    smtp.stays_at(n).await;
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
    assert_eq!(token, invitation.token());

    let (wendy, _) = app.signed_in("wendy").await;
    assert_eq!(app.accept(&wendy, &token).await.0, StatusCode::CREATED);

    // A second invitation, resent: a second email with the new token.
    let second = invite(&app, &owner, &group, "xavier@example.com").await;
    smtp.wait_for(2).await;
    let resent = app.group(&owner, &group).resend(&second.id).await;
    let mails = smtp.wait_for(3).await;
    assert_eq!(mails.len(), 3);
    assert!(mails[2].headers().contains("Subject: Reminder:"), "{}", mails[2].headers());
    assert_eq!(token_in(&mails[2], &app.config.public_url()), resent.token());
    all_sent_once(&app.store, &smtp, 3).await;
    // Sent rows keep no token: both of the second invitation's emails.
    let queued = app.store.queued_emails(second.id.parse().unwrap()).await.unwrap();
    assert_eq!(queued.len(), 2, "the invitation and its reminder: {queued:?}");
    assert!(queued.iter().all(|(_, _, data)| data == &json!({})), "{queued:?}");
    let read = app.group(&owner, &group).invite_state(&second.id).await;
    assert_eq!(read.delivery.expect("an email invitation shows its delivery").status, "sent");
}

async fn mail_waits_out_an_smtp_outage_and_arrives_once(backend: Backend) {
    let port = SmtpServer::reserve_port();
    let Some(app) = TestApp::spawn_with(backend, mail_to(format!("smtp://127.0.0.1:{port}"))).await else { return };
    let (owner, group) = family(&app).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(invite(&app, &owner, &group, &format!("guest{i}@example.com")).await.id);
    }
    // While the server is down, every invitation shows its failed attempts.
    let family = app.group(&owner, &group);
    for id in &ids {
        let read = || async { family.invite_state(id).await.delivery };
        let retried = |d: &Option<DeliveryView>| d.as_ref().is_some_and(|d| d.attempts > 1);
        let delivery = eventually("a retry while the mail server is down", read, retried).await.unwrap();
        // Waiting for its next try, or in the middle of it.
        assert!(["queued", "sending"].contains(&delivery.status.as_str()), "{delivery:?}");
        assert!(delivery.last_error.is_some(), "{delivery:?}");
    }
    let smtp = SmtpServer::start_on(port);
    let mails = smtp.wait_for(5).await;
    all_sent_once(&app.store, &smtp, 5).await;
    let recipients: BTreeSet<String> = mails.iter().map(|mail| mail.to.join(",")).collect();
    assert_eq!(recipients.len(), 5, "each guest once: {recipients:?}");
    // The list shows each invitation's own latest delivery (read in one query for the page).
    let listed: BTreeMap<String, Option<DeliveryView>> =
        family.invites("").await.items.into_iter().map(|i| (i.id, i.delivery)).collect();
    assert_eq!(listed.len(), 5, "{listed:?}");
    for id in &ids {
        assert_eq!(listed[id].as_ref().map(|d| d.status.as_str()), Some("sent"), "{listed:?}");
        assert_eq!(listed[id], family.invite_state(id).await.delivery);
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
    let family = app.group(&owner, &group);
    let read = || async { family.invite_state(&bounced.id).await.delivery };
    let failed = |d: &Option<DeliveryView>| d.as_ref().is_some_and(|d| d.status == "failed");
    let delivery = eventually("the refused email marked failed", read, failed).await.unwrap();
    assert_eq!(delivery.attempts, 1, "{delivery:?}");
    assert!(delivery.last_error.as_deref().unwrap_or_default().contains("550"), "{delivery:?}");

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
    assert_eq!(status, StatusCode::OK, "{retried}");
    // The answer is the row read after the worker was woken, which may already have
    // claimed it (seen on PostgreSQL): queued, or on its way.
    assert!(["queued", "sending", "sent"].contains(&retried["status"].as_str().unwrap_or_default()), "{retried}");
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails[1].to, vec!["bounce@example.com".to_owned()]);
    let (status, body) = app.post(&format!("/admin/outbox/{outbox_id}/retry"), Some(&app.admin_token), json!({})).await;
    let (store, message_id) = (&app.store, outbox_id.parse().unwrap());
    let read = || async move { store.outbox_message(message_id).await.unwrap().unwrap().status };
    eventually("the retried email marked sent", read, |status| status == "sent").await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "not_applicable");
}

async fn two_instances_deliver_each_message_once(backend: Backend) {
    // Every sender is held at the mail server's gate until both instances hold one; the
    // lease outlasts the wait, so no message changes hands meanwhile.
    let smtp = SmtpServer::start_gated();
    let configure = |c: &mut usher::Config| {
        mail_to(smtp.url())(c);
        c.mail_lease_secs = 60;
    };
    let Some(app) = TestApp::spawn_with(backend, configure).await else { return };
    // A second instance on the same database, with its own job runner. Its public host
    // names its messages (`Message-ID: <id@host>`), so each instance's share is seen.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = app.config.clone();
    config.public_url = Some(format!("http://localhost:{}", listener.local_addr().unwrap().port()));
    let second = launch(&config, Serve::HttpAndJobs(listener)).await;
    let (owner, group) = family(&app).await;
    for i in 0..50 {
        invite(&app, &owner, &group, &format!("many{i}@example.com")).await;
    }
    // A runner sends one message at a time: two held senders are the two runners.
    eventually("both instances' runners sending at once", || async { smtp.held() }, |held| *held == 2).await;
    smtp.open_gate();
    let mails = smtp.wait_for(50).await;
    all_sent_once(&app.store, &smtp, 50).await;
    let recipients: BTreeSet<String> = mails.iter().map(|m| m.to.join(",")).collect();
    assert_eq!(recipients.len(), 50, "each recipient once");
    let senders: BTreeSet<&str> = mails.iter().filter_map(|m| m.message_id_host()).collect();
    assert_eq!(senders, BTreeSet::from(["127.0.0.1", "localhost"]), "each instance delivered");
    second.server.expect("serving").stop().await;
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
    let invitation = json!({"email": "only@example.com", "message": "Hi\nBcc: evil@y.example\nTo: evil@y.example"});
    app.group(&owner, &group).invite(invitation).await;
    let mails = smtp.wait_for(1).await;
    all_sent_once(&app.store, &smtp, 1).await;
    assert_eq!(mails[0].to, vec!["only@example.com".to_owned()], "no extra recipient");
    let headers = mails[0].headers();
    assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{headers}");
    assert_eq!(headers.lines().filter(|l| l.starts_with("To:")).count(), 1, "{headers}");
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
    let admin = first.admin_client().await;
    let group = admin.create_group(&admin.admin_token, "Crashers").await;
    for i in 0..3 {
        admin.group(&admin.admin_token, &group).invite(json!({"email": format!("survivor{i}@example.com")})).await;
    }
    let store = Store::connect(&db.config.database_url()).await.unwrap();
    let sending = || async { store.count_outbox("sending").await.unwrap() };
    eventually("a message being sent when the server dies", sending, |n| *n > 0).await;
    first.signal("-KILL");
    let (exit, _, _) = first.wait();
    assert!(!exit.success());

    let smtp = SmtpServer::start();
    let second = UsherProcess::start(&db, &mail_env(smtp.url()));
    let mails = smtp.wait_for(3).await;
    // None stuck after the lease, none lost, none twice.
    all_sent_once(&store, &smtp, 3).await;
    let recipients: BTreeSet<String> = mails.iter().map(|m| m.to.join(",")).collect();
    assert_eq!(recipients.len(), 3, "none lost, none twice: {recipients:?}");
    second.signal("-TERM");
    assert!(second.wait().0.success());
    store.close().await;
}

async fn a_login_link_can_be_sent_by_email(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    app.create_user("lotte").await;
    let link = app.mint_login_link("lotte", json!({"send_email": true})).await;
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["lotte@example.com".to_owned()]);
    assert!(mails[0].headers().contains("Subject: Your sign-in link"), "{}", mails[0].headers());
    assert!(mails[0].text().contains(&link.url), "the mail carries the link");
    assert_eq!(app.sign_in_by_link(&link.token).await.username, "lotte");
    all_sent_once(&app.store, &smtp, 1).await;
    // Without send_email, nothing is mailed: the minted link queued nothing.
    app.mint_login_link("lotte", json!({})).await;
    assert_eq!(outbox(&app.store).await, (1, 0, 0), "nothing queued without send_email");
    smtp.stays_at(1).await;
}

/// Outbox rows exactly as the version before `usher_domain::mail::Mail` wrote them
/// (template name, and its `json!` data sealed for the row) are delivered after an
/// upgrade, every field in place.
async fn mail_queued_by_the_version_before_typed_mail_is_delivered(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let store = usher_storage::Store::connect(&db.config.database_url()).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let (key, key_text) = SecretKey::generate(&mut OsRng);
    let invitation = |url: &str, message: Value| {
        json!({"group_name": "Tree", "inviter": "Ann", "role": "member", "message": message,
               "accept_url": url, "expires_at": "2030-01-01T10:00:00.250Z"})
    };
    let rows = [
        ("ivy@example.com", "invitation", invitation("http://u.example/invite/first", json!("Come along"))),
        ("jon@example.com", "invitation_resent", invitation("http://u.example/invite/again", Value::Null)),
        (
            "kim@example.com",
            "login_link",
            json!({"display_name": "Kim", "url": "http://u.example/l/link",
                                               "expires_at": "2030-01-01T10:00:00Z"}),
        ),
    ];
    for (recipient, template, data) in &rows {
        let id = uuid::Uuid::now_v7();
        let sealed = key.seal(&mut OsRng, &id.to_string(), data.to_string().as_bytes());
        db.execute_sql(&format!(
            "INSERT INTO outbox (id, recipient, template, data, status, attempts, next_attempt_at, created_at) \
             VALUES ('{id}', '{recipient}', '{template}', '{sealed}', 'queued', 0, 0, 0)"
        ))
        .await;
    }
    let smtp = SmtpServer::start();
    let _app = TestApp::spawn_on(db, |config| {
        mail_to(smtp.url())(config);
        config.secret_key = Some(key_text);
    })
    .await;
    let mails = smtp.wait_for(3).await;
    let to = |address: &str| mails.iter().find(|m| m.to == [address.to_owned()]).expect("mail to address").clone();
    let ivy = to("ivy@example.com");
    assert!(ivy.headers().contains("Subject: Ann invited you to join Tree"), "{}", ivy.headers());
    let text = ivy.text();
    assert!(text.contains("as member") && text.contains("Come along"), "{text}");
    // The old rows carry the time in RFC 3339; the mail writes it as people read it.
    assert!(text.contains("http://u.example/invite/first") && text.contains("Tuesday 1 January, 10:00"), "{text}");
    let jon = to("jon@example.com");
    assert!(jon.headers().contains("Subject: Reminder: Ann invited you to join Tree"), "{}", jon.headers());
    assert!(jon.text().contains("http://u.example/invite/again"), "{}", jon.text());
    let kim = to("kim@example.com").text();
    assert!(kim.contains("Hello Kim") && kim.contains("http://u.example/l/link"), "{kim}");
}

/// An invitation with `locale: "vi"`: the mail server receives one message with a
/// plain-text and an HTML part, both in Vietnamese, the expiry written as people read
/// it in the instance's time zone, the instance's brand, and `Reply-To` the inviter
/// (who asked for it).
async fn an_invitation_in_vietnamese_arrives_as_html_and_text_with_a_readable_date(backend: Backend) {
    let smtp = SmtpServer::start();
    let mail = mail_to(smtp.url());
    let configure = |c: &mut usher::Config| {
        mail(c);
        c.time_zone = "Asia/Ho_Chi_Minh".into();
        c.instance_name = "Gia phả nhà Smith".into();
        c.accent_color = "#B03A2E".into();
    };
    let Some(app) = TestApp::spawn_with(backend, configure).await else { return };
    let (owner, group) = family(&app).await;
    let body = json!({"email": "lan@example.com", "locale": "vi", "reply_to_inviter": true, "message": "Chào Lan!"});
    let invitation = app.group(&owner, &group).invite(body).await;
    assert_eq!(invitation.locale.as_deref(), Some("vi"));
    let (status, refused) = app
        .post(&format!("/groups/{group}/invites"), Some(&owner), json!({"email": "x@example.com", "locale": "fr"}))
        .await;
    assert_problem(status, &refused, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(refused.to_string().contains("en, vi"), "{refused}");

    let received = smtp.wait_for(1).await.remove(0);
    let parsed = mailparse::parse_mail(received.data.as_bytes()).unwrap();
    let header =
        |name: &str| parsed.headers.iter().find(|h| h.get_key_ref().eq_ignore_ascii_case(name)).map(|h| h.get_value());
    assert_eq!(header("Subject").as_deref(), Some("sam mời bạn tham gia Smith Family"));
    assert_eq!(header("Reply-To").as_deref(), Some("sam@example.com"), "the inviter asked for replies");
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let part = |mimetype: &str| {
        let part = parsed
            .subparts
            .iter()
            .find(|p| p.ctype.mimetype == mimetype)
            .unwrap_or_else(|| panic!("a {mimetype} part"));
        part.get_body().unwrap()
    };
    let (text, html) = (part("text/plain"), part("text/html"));
    let expires_at: chrono::DateTime<chrono::Utc> = invitation.expires_at.unwrap();
    let readable = usher_i18n::Locale::Vi.long_date(expires_at, "Asia/Ho_Chi_Minh".parse().unwrap());
    assert!(readable.starts_with("Thứ ") || readable.starts_with("Chủ Nhật"), "{readable}");
    for body in [&text, &html] {
        assert!(body.contains("mời bạn tham gia Smith Family với vai trò member"), "{body}");
        assert!(body.contains(&readable), "the date as people read it: {body}");
        assert!(!body.contains(&expires_at.to_rfc3339()[..16]), "never RFC 3339: {body}");
        assert!(body.contains("Chào Lan!") && body.contains("Gia phả nhà Smith"), "{body}");
    }
    assert!(text.contains(&format!("{}/invite/{}", app.config.public_url(), invitation.token())), "{text}");
    assert!(html.contains("Nhận lời mời") && html.contains("lang=\"vi\"") && html.contains("#b03a2e"), "{html}");
    assert!(html.contains("name=\"viewport\"") && !html.contains("<img"), "no image needed: {html}");

    // Resent: still in Vietnamese, still replying to the inviter.
    app.group(&owner, &group).resend(&invitation.id).await;
    let resent = smtp.wait_for(2).await.remove(1);
    let parsed = mailparse::parse_mail(resent.data.as_bytes()).unwrap();
    let subject = parsed.headers.iter().find(|h| h.get_key_ref() == "Subject").map(|h| h.get_value()).unwrap();
    assert!(subject.starts_with("Nhắc lại:"), "{subject}");
}
