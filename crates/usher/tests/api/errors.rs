//! Every failure is problem+json with a stable code, and bad input changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_problem};

on_both_backends!(every_error_is_problem_json, health_and_readiness);

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String, Value) {
    let mut request = app.client.request(method, format!("http://{}{path}", app.addr)).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let ct = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
    (status, ct, value)
}

/// One malformed request and the problem it must get.
struct Case {
    method: Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
}

fn bodiless(method: Method, path: &'static str, status: StatusCode, code: &'static str) -> Case {
    Case { method, path, content_type: None, body: vec![], status, code, field: None }
}

fn json_post(
    path: &'static str,
    body: &[u8],
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
) -> Case {
    Case {
        method: Method::POST,
        path,
        content_type: Some("application/json"),
        body: body.to_vec(),
        status,
        code,
        field,
    }
}

async fn every_error_is_problem_json(app: TestApp) {
    let json_ct = Some("application/json");
    let bad = StatusCode::BAD_REQUEST;
    let login = "/api/v1/auth/login";
    let cases = vec![
        bodiless(Method::GET, "/api/v1/nothing-here", StatusCode::NOT_FOUND, "not_found"),
        bodiless(Method::GET, "/", StatusCode::NOT_FOUND, "not_found"),
        Case {
            content_type: json_ct,
            body: b"{}".to_vec(),
            ..bodiless(Method::PUT, "/api/v1/auth/register", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        },
        json_post(login, b"{\"login\": ", bad, "invalid_request", Some("body")),
        json_post(login, b"[1, 2]", bad, "invalid_request", Some("body")),
        json_post(login, b"{\"login\": [\"a\"], \"password\": \"x\"}", bad, "invalid_request", Some("login")),
        json_post(login, b"{\"login\": \"a\"}", bad, "invalid_request", Some("password")),
        json_post(login, b"\xff\xfe", bad, "invalid_request", Some("body")),
        json_post(login, b"{\"login\": \"a\\u0000\", \"password\": 7}", bad, "invalid_request", Some("password")),
        json_post(
            "/api/v1/auth/login-link",
            b"{\"token\": \"t\", \"device\": {\"uuid\": 5}}",
            bad,
            "invalid_request",
            Some("device.uuid"),
        ),
        json_post(
            "/api/v1/auth/register",
            &vec![b' '; 64 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            None,
        ),
        Case {
            content_type: Some("text/plain"),
            ..json_post(login, b"{}", StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", None)
        },
        Case {
            content_type: None,
            ..json_post(login, b"{}", StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", None)
        },
    ];
    for case in cases {
        let (status, content_type, problem) =
            raw(&app, case.method.clone(), case.path, case.content_type, case.body).await;
        assert_eq!(content_type, "application/problem+json", "{} {}", case.method, case.path);
        assert_problem(status, &problem, case.status, case.code);
        for key in ["type", "title", "detail"] {
            assert!(problem[key].is_string(), "{key} in {problem}");
        }
        if let Some(field) = case.field {
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
    }
    // A body just under the limit is read (and refused for what it says, not its size).
    let mut near = b"{\"login\": \"".to_vec();
    near.extend(vec![b'a'; 64 * 1024 - 40]);
    near.extend(b"\", \"password\": \"x\"}");
    let (status, _, problem) = raw(&app, Method::POST, "/api/v1/auth/login", json_ct, near).await;
    assert_problem(status, &problem, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(app.store.count_users().await.unwrap(), 1, "nothing was created");
    let (status, body) = app
        .post("/auth/register", None, json!({"username": "a", "email": "b", "password": "c", "invite": "nope"}))
        .await;
    assert!(status.is_client_error(), "{body}");
}

async fn health_and_readiness(app: TestApp) {
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(format!("http://{}{path}", app.addr)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

/// With an https public URL the session cookie is `Secure` (the server itself may sit
/// behind a TLS-terminating proxy, so the test speaks plain http to it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secure_cookie_under_https() {
    let app =
        TestApp::spawn_with(crate::harness::Backend::Sqlite, |c| c.public_url = Some("https://usher.example".into()))
            .await
            .expect("sqlite is always there");
    let link = app.create_user("pat").await;
    assert_eq!(link["username"], "pat");
    let token = app.create_login_link("pat").await;
    assert!(token["url"].as_str().unwrap().starts_with("https://usher.example/l/"));
    let body = json!({"token": token["token"], "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "web", "name": "w"}});
    let response = app.send(Method::POST, "/auth/login-link", None, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
