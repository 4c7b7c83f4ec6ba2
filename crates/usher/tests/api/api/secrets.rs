//! Secrets at rest: no plain login-link, invitation or session token anywhere in the
//! database, mail in the outbox included (its template data is sealed).

use reqwest::StatusCode;
use serde_json::json;
use usher_domain::token::TokenHash;

use usher_storage::Store;

use crate::harness::{Backend, SmtpServer, TestApp, TestDb, eventually, mail_to, token_in};

on_both_backends!(plain_tokens_never_reach_the_database);

async fn plain_tokens_never_reach_the_database(app: TestApp) {
    app.create_user("quinn").await;
    let link = app.create_login_link("quinn").await.token.as_str().to_owned();
    let unused = app.create_login_link("quinn").await.token.as_str().to_owned();
    let (status, session) = app.redeem_login_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    let session = session["session_token"].as_str().unwrap().to_owned();
    let contents = app.database_contents().await;
    let hay = String::from_utf8_lossy(&contents);
    // The probe is real: the hashes are there, so the search would find a token too.
    assert!(hay.contains(TokenHash::of(&session).as_str()), "the session's hash is stored");
    assert!(hay.contains(TokenHash::of(&unused).as_str()), "the link's hash is stored");
    for secret in [&link, &unused, &session, &app.admin_token] {
        assert!(!hay.contains(secret.as_str()), "a plain token is stored");
    }
}

on_both_backends!(backend: queued_failed_and_sent_mail_leaves_no_plain_token_at_rest);

/// Asserts that no byte of the database (SQLite: the file, WAL and shm; PostgreSQL:
/// every row) holds any of `tokens`; the probe sees the outbox (its recipients are there).
async fn assert_no_plain_token(app: &TestApp, tokens: &[String], when: &str) {
    let contents = app.database_contents().await;
    let hay = String::from_utf8_lossy(&contents);
    assert!(hay.contains("rex@example.com"), "{when}: the probe reads the outbox rows");
    for token in tokens {
        assert!(!hay.contains(token.as_str()), "{when}: a plain token is in the database");
    }
}

async fn queued_failed_and_sent_mail_leaves_no_plain_token_at_rest(backend: Backend) {
    // The mail server is down at first: everything waits in the outbox.
    let port = SmtpServer::reserve_port();
    let Some(app) = TestApp::spawn_with(backend, mail_to(format!("smtp://127.0.0.1:{port}"))).await else { return };
    let (owner, _) = app.signed_in("sam").await;
    let group = app.create_group(&owner, "Smith Family").await;
    let invitation = app.group(&owner, &group).invite(json!({"email": "wendy@example.com"})).await;
    let mut tokens = vec![invitation.token().to_owned()];
    for user in ["lotte", "rex"] {
        app.create_user(user).await;
        tokens.push(app.mint_login_link(user, json!({"send_email": true})).await.token);
    }
    assert_no_plain_token(&app, &tokens, "queued").await;

    // The server comes up refusing rex for good: two messages are sent, one fails.
    let smtp = SmtpServer::start_refusing(port, Some("rex@example.com"));
    let store = &app.store;
    let outcome =
        || async move { (store.count_outbox("sent").await.unwrap(), store.count_outbox("failed").await.unwrap()) };
    eventually("two messages sent and one failed", outcome, |done| *done == (2, 1)).await;
    assert_no_plain_token(&app, &tokens, "failed and sent").await;

    // The tokens still work, and the mail that was sent carries working links.
    let mails = smtp.received();
    let to = |address: &str| mails.iter().find(|m| m.to == [address.to_owned()]).expect("mail to address").clone();
    assert_eq!(token_in(&to("wendy@example.com"), &app.config.public_url()), tokens[0]);
    let (wendy, _) = app.signed_in("wendy").await;
    assert_eq!(app.accept(&wendy, &tokens[0]).await.0, StatusCode::CREATED);
    let lotte = to("lotte@example.com").text();
    let url = format!("{}/l/{}", app.config.public_url(), tokens[1]);
    assert!(lotte.contains(&url), "the login-link mail carries the link");
    for token in &tokens[1..] {
        assert_eq!(app.redeem_login_link(token).await.0, StatusCode::OK);
    }
}

on_both_backends!(backend: mail_queued_in_the_clear_by_an_older_version_is_sealed_at_start);

async fn mail_queued_in_the_clear_by_an_older_version_is_sealed_at_start(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let old = Store::connect(&db.config.database_url()).await.unwrap();
    old.migrate().await.unwrap();
    old.close().await;
    // A row as the version before sealing wrote it, still waiting for the mail server.
    let url = "http://127.0.0.1/l/PlainTokenOfAnOlderVersion0123456789abcdefg";
    let data = json!({"display_name": "Rex", "url": url, "expires_at": "2030-01-01T00:00:00Z"});
    let insert = format!(
        "INSERT INTO outbox (id, recipient, template, data, status, attempts, next_attempt_at, created_at) \
         VALUES ('{}', 'rex@example.com', 'login_link', '{data}', 'queued', 0, 0, 0)",
        uuid::Uuid::now_v7()
    );
    db.execute_sql(&insert).await;
    // The newer version starts while the mail server is down: the row waits, sealed.
    let port = SmtpServer::reserve_port();
    let app = TestApp::spawn_on(db, mail_to(format!("smtp://127.0.0.1:{port}"))).await;
    assert_no_plain_token(&app, &[url.to_owned()], "after the upgrade").await;
    let smtp = SmtpServer::start_on(port);
    let mails = smtp.wait_for(1).await;
    assert!(mails[0].text().contains(url), "the mail still carries its link");
}
