//! Secrets at rest: no plain login-link or session token anywhere in the database.

use reqwest::StatusCode;
use usher_domain::token::TokenHash;

use crate::harness::TestApp;

on_both_backends!(plain_tokens_never_reach_the_database);

async fn plain_tokens_never_reach_the_database(app: TestApp) {
    app.create_user("quinn").await;
    let link = app.create_login_link("quinn").await["token"].as_str().unwrap().to_owned();
    let unused = app.create_login_link("quinn").await["token"].as_str().unwrap().to_owned();
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
