//! The log of the real binary on a pipe: no colour codes, one JSON object a line with
//! `log_format = "json"`, and everyday successes (sign-up, sign-in by link, creating and
//! accepting invites) below INFO — the audit log records them; at INFO they would be
//! most of the log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Backend, TestDb, UsherProcess};

/// Words of the log lines of everyday successes.
const EVERYDAY: &[&str] = &["redeemed", "registered", "created", "accepted"];

#[test]
fn logs_on_a_pipe_are_plain_json_on_request_and_quiet_about_successes() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDb::new(Backend::Sqlite)) else { return };

    let usher = UsherProcess::start(&db, &[]);
    let token = usher.first_start_token().expect("the first start prints its link");
    let admin = runtime.block_on(everyday(&usher.api(), Some(&token), None, "ann"));
    usher.signal("-TERM");
    let (_, _, text) = usher.wait();
    let listening = text.lines().any(|line| line.contains(" INFO ") && line.contains("usher is listening"));
    assert!(listening, "the log was captured, levels as words: {text}");
    assert!(!text.contains('\x1b'), "colour codes on a pipe:\n{text}");
    for line in text.lines().filter(|line| line.contains(" INFO ")) {
        assert!(!EVERYDAY.iter().any(|word| line.contains(word)), "an everyday success at INFO: {line}");
    }

    let usher = UsherProcess::start(&db, &[("USHER_LOG_FORMAT", "json".into())]);
    runtime.block_on(everyday(&usher.api(), None, Some(&admin), "bea"));
    usher.signal("-TERM");
    let (_, _, json_log) = usher.wait();
    assert!(!json_log.contains('\x1b'), "colour codes on a pipe:\n{json_log}");
    let lines: Vec<Value> = json_log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.iter().any(|l| l["fields"]["message"] == "usher is listening"), "{json_log}");
    for line in lines.iter().filter(|l| l["level"] == "INFO") {
        let message = line["fields"]["message"].as_str().unwrap_or_default();
        assert!(!EVERYDAY.iter().any(|word| message.contains(word)), "an everyday success at INFO: {line}");
    }
}

/// Signs the admin in (by the first-start link) unless a session is given, creates a
/// registration invite, signs `username` up with it, and has them accept a group code of
/// a new group. Answers the admin's session.
async fn everyday(api: &str, link_token: Option<&str>, session: Option<&str>, username: &str) -> String {
    let client = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut request = client.post(format!("{api}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert!(status.is_success(), "{status} {body}");
            body
        }
    };
    let admin = match session {
        Some(session) => session.to_owned(),
        None => {
            let device = json!({"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "test"});
            let body = post("/auth/login-link", None, json!({"token": link_token.unwrap(), "device": device})).await;
            body["session_token"].as_str().unwrap().to_owned()
        }
    };
    let invite = post("/admin/invites", Some(&admin), json!({})).await;
    let account = json!({"username": username, "email": format!("{username}@example.com"),
        "password": "correct horse battery", "invite": invite["code"]});
    let registered = post("/auth/register", None, account).await;
    let user = registered["session_token"].as_str().expect("sign-up answers a session");
    let group = post("/groups", Some(&admin), json!({"name": "Logged"})).await;
    let code = post(&format!("/groups/{}/invites", group["id"].as_str().unwrap()), Some(&admin), json!({})).await;
    let accepted = client
        .post(format!("{api}/invites/{}/accept", code["code"].as_str().unwrap()))
        .bearer_auth(user)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);
    admin
}

/// At `USHER_LOG=debug` each request's lines carry a span naming its route template —
/// never the path, which can carry a code or a token. (At the default level the layer
/// is not installed: a span per request cost CPU and logged nothing.)
#[test]
fn request_spans_name_the_route_at_debug_and_never_the_path() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDb::new(Backend::Sqlite)) else { return };
    let secret = "SECRETCODE42";
    let look_up = |usher: &UsherProcess| {
        let url = format!("{}/invites/{secret}", usher.api());
        let status = runtime.block_on(async { reqwest::get(url).await.unwrap().status() });
        assert_eq!(status, StatusCode::NOT_FOUND);
    };

    let json = ("USHER_LOG_FORMAT", "json".to_owned());
    let usher = UsherProcess::start(&db, &[json, ("USHER_LOG", "debug,sqlx=warn".into())]);
    look_up(&usher);
    usher.signal("-TERM");
    let (_, _, log) = usher.wait();
    let lines: Vec<Value> = log.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let in_span =
        lines.iter().find(|l| l["span"]["name"] == "request").unwrap_or_else(|| panic!("no request span: {log}"));
    assert_eq!(in_span["span"]["route"], "/api/v1/invites/{code_or_token}", "{in_span}");
    assert_eq!(in_span["span"]["method"], "GET");
    assert!(!log.contains(secret), "the path reached the log:\n{log}");
}
