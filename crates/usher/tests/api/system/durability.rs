//! What an acknowledged write survives: the server killed (`kill -9`) right after
//! answering. On SQLite the hot writes commit through their own connection
//! (`usher-storage/src/direct.rs`), so this checks its durability settings too.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Backend, TestDb, UsherProcess};

on_both_backends!(backend: acknowledged_writes_survive_kill_9);

async fn call(client: &Client, url: String, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.expect("usher answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn acknowledged_writes_survive_kill_9(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let client = Client::new();
    let first = UsherProcess::start(&db, &[]);
    let api = first.api();
    let link = first.first_start_token().expect("first start link");
    let redeem =
        json!({"token": link, "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "t"}});
    let (status, session) = call(&client, format!("{api}/auth/login-link"), None, Some(redeem.clone())).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let admin = session["session_token"].as_str().unwrap().to_owned();
    let (status, invite) =
        call(&client, format!("{api}/admin/invites"), Some(&admin), Some(json!({"max_uses": 2}))).await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let code = invite["code"].as_str().unwrap().to_owned();
    let sign_up =
        json!({"username": "kept", "email": "kept@example.com", "password": "correct horse battery", "invite": code});
    let (status, registered) = call(&client, format!("{api}/auth/register"), None, Some(sign_up)).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let member = registered["session_token"].as_str().unwrap().to_owned();
    first.signal("-KILL");
    assert!(!first.wait().0.success(), "killed, not stopped");

    let second = UsherProcess::start(&db, &[]);
    let api = second.api();
    let (status, me) = call(&client, format!("{api}/me"), Some(&admin), None).await;
    assert_eq!(
        (status, me["user"]["username"].as_str()),
        (StatusCode::OK, Some("admin")),
        "the redemption's session: {me}"
    );
    let (status, again) = call(&client, format!("{api}/auth/login-link"), None, Some(redeem)).await;
    assert_eq!(status, StatusCode::GONE, "the link stays used: {again}");
    let (status, found) = call(&client, format!("{api}/invites/{code}"), None, None).await;
    assert_eq!((status, found["uses_remaining"].as_u64()), (StatusCode::OK, Some(1)), "one of two uses left: {found}");
    let (status, me) = call(&client, format!("{api}/me"), Some(&member), None).await;
    assert_eq!(
        (status, me["user"]["username"].as_str()),
        (StatusCode::OK, Some("kept")),
        "the new account and its session"
    );
    second.signal("-TERM");
    assert!(second.wait().0.success());
}
