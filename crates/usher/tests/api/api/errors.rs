//! Every failure is problem+json with a stable code, and bad input changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{PageClient, TestApp, assert_problem};

on_both_backends!(
    a_row_that_does_not_decode_is_an_internal_error,
    an_id_that_is_not_a_uuid_names_nothing,
    every_error_is_problem_json,
    health_and_readiness,
    hostile_bodies_get_4xx_and_passwords_get_argon2id,
    nul_characters_are_refused_at_the_edge,
);

/// A row Usher never wrote (an id that is no UUID) fails the read with 500
/// `internal`; it is never read as a default such as the nil UUID.
async fn a_row_that_does_not_decode_is_an_internal_error(app: TestApp) {
    app.create_user("mallory").await;
    app.execute_sql("UPDATE users SET id = 'not-a-uuid' WHERE username = 'mallory'").await;
    let (status, body) = app.get("/admin/users/mallory", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    let (status, body) = app.get("/admin/users", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::INTERNAL_SERVER_ERROR, "internal");
}

/// Every route with an id in its path answers 404 `not_found` to a segment that is
/// not a UUID, whoever asks (here the instance admin, who may see everything).
async fn an_id_that_is_not_a_uuid_names_nothing(app: TestApp) {
    let group = app.create_group(&app.admin_token, "Ids").await;
    let cases = [
        (Method::GET, "/groups/not-a-uuid".to_owned()),
        (Method::PATCH, "/groups/not-a-uuid".to_owned()),
        (Method::DELETE, "/groups/not-a-uuid".to_owned()),
        (Method::GET, "/groups/not-a-uuid/members".to_owned()),
        (Method::GET, "/groups/not-a-uuid/audit".to_owned()),
        (Method::GET, "/groups/not-a-uuid/invites".to_owned()),
        (Method::DELETE, format!("/groups/{group}/members/not-a-uuid")),
        (Method::GET, format!("/groups/{group}/invites/not-a-uuid")),
        (Method::DELETE, format!("/groups/{group}/invites/not-a-uuid")),
        (Method::GET, format!("/groups/{group}/invites/not-a-uuid/redemptions")),
        (Method::POST, format!("/groups/{group}/invites/not-a-uuid/resend")),
        (Method::POST, format!("/groups/{group}/invites/not-a-uuid/link")),
        (Method::POST, "/admin/outbox/not-a-uuid/retry".to_owned()),
        (Method::DELETE, "/admin/login-links/not-a-uuid".to_owned()),
    ];
    for (method, path) in cases {
        let body = (method == Method::PATCH).then(|| json!({"name": "x"}));
        let (status, body) = app.request(method.clone(), &path, Some(&app.admin_token), body.as_ref()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert_eq!(body["code"], "not_found", "{method} {path}: {body}");
    }
}

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
        bodiless(Method::GET, "/api/v1/no/such/page", StatusCode::NOT_FOUND, "not_found"),
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
        json_post(login, b"{\"login\": \"a\", \"password\": 7}", bad, "invalid_request", Some("password")),
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
    assert_eq!(link.username, "pat");
    let token = app.create_login_link("pat").await;
    assert!(token.url.starts_with("https://usher.example/l/"), "{}", token.url);
    let body =
        json!({"token": token.token, "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "web", "name": "w"}});
    let response = app.send(Method::POST, "/auth/login-link", None, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn hostile_bodies_get_4xx_and_passwords_get_argon2id(app: TestApp) {
    let register = "/api/v1/auth/register";
    let json_ct = Some("application/json");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut huge_password = b"{\"username\": \"mal\", \"email\": \"m@example.com\", \"password\": \"".to_vec();
    huge_password.extend(vec![b'p'; 1024 * 1024]);
    huge_password.extend(b"\"}");
    let hostile: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("deeply nested", json_ct, deep.into_bytes()),
        ("nested objects", json_ct, format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes()),
        ("a 1 MiB password", json_ct, huge_password),
        (
            "NUL in a username",
            json_ct,
            br#"{"username": "a\u0000b", "email": "n@example.com", "password": "long enough"}"#.to_vec(),
        ),
        (
            "an array for a string",
            json_ct,
            br#"{"username": ["x"], "email": "n@example.com", "password": "long enough"}"#.to_vec(),
        ),
        (
            "an object for a string",
            json_ct,
            br#"{"username": "x", "email": {"a": 1}, "password": "long enough"}"#.to_vec(),
        ),
        ("invalid UTF-8 inside a string", json_ct, b"{\"username\": \"\xc3\x28\"}".to_vec()),
        ("form encoding", Some("application/x-www-form-urlencoded"), b"username=x&password=y".to_vec()),
        ("XML", Some("application/xml"), b"<user/>".to_vec()),
    ];
    for (what, content_type, body) in hostile {
        let (status, ct, problem) = raw(&app, Method::POST, register, content_type, body).await;
        assert!(status.is_client_error(), "{what}: {status} {problem}");
        assert_eq!(ct, "application/problem+json", "{what}");
        assert!(problem["code"].is_string(), "{what}: {problem}");
    }
    assert_eq!(app.store.count_users().await.unwrap(), 1, "no hostile body created anything");

    // The stored hash: argon2id at OWASP's minimum or above (m=19456 KiB, t=2, p=1).
    let code = app.create_invite(json!({"max_uses": 1})).await.code().to_owned();
    assert_eq!(app.register("hashed", Some(&code)).await.0, StatusCode::CREATED);
    let user = app.store.user_by_username("hashed").await.unwrap().unwrap();
    let phc = user.password_hash.unwrap();
    let mut parts = phc.split('$').skip(1);
    assert_eq!(parts.next(), Some("argon2id"), "{phc}");
    assert_eq!(parts.next(), Some("v=19"), "{phc}");
    let params: std::collections::HashMap<&str, u32> = parts
        .next()
        .unwrap()
        .split(',')
        .map(|kv| kv.split_once('=').map(|(k, v)| (k, v.parse().unwrap())).unwrap())
        .collect();
    assert!(params["m"] >= 19_456 && params["t"] >= 2 && params["p"] >= 1, "{phc}");
    assert!(!phc.contains("correct horse"), "the password itself is not stored");
}

/// No field can hold a NUL character (and PostgreSQL can neither store nor compare one):
/// in JSON, a query, a form or a path it is refused as bad input, never a 5xx, and
/// nothing is recorded.
async fn nul_characters_are_refused_at_the_edge(app: TestApp) {
    let audit_rows = app.count("SELECT COUNT(*) FROM audit_events").await;
    let body = br#"{"login": "ad\u0000min", "password": "whatever1"}"#;
    let (status, content_type, problem) =
        raw(&app, Method::POST, "/api/v1/auth/login", Some("application/json"), body.to_vec()).await;
    assert_eq!(content_type, "application/problem+json");
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
    // An escaped backslash before `u0000` is plain text, and only a wrong password.
    let body = br#"{"login": "ad\\u0000min", "password": "whatever1"}"#;
    let (status, _, _) = raw(&app, Method::POST, "/api/v1/auth/login", Some("application/json"), body.to_vec()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, audit_rows + 1, "only the failed sign-in");

    let (status, problem) = app.get("/admin/audit?action=a%00b", Some(&app.admin_token)).await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
    let (status, problem) = app.get("/admin/users/ad%00min", Some(&app.admin_token)).await;
    assert_problem(status, &problem, StatusCode::NOT_FOUND, "not_found");

    let browser = PageClient::signed_in(&app, &app.admin_token).await;
    let page = browser.post("/admin/invites", &[("description", "a\0b")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.html.contains("must not contain NUL"), "{}", page.html);
    let (_, invites) = app.get("/admin/invites?status=all", Some(&app.admin_token)).await;
    assert_eq!(invites["items"], json!([]));
}
