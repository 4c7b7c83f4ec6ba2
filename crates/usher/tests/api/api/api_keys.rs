//! API keys (SPEC §10.3): each scope opens exactly the routes that declare it, a key
//! limited to a group reaches that group only, a revoked or expired key (or one whose
//! admin is no longer one) signs nothing in, and the key is never readable at rest.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, TestDb, UsherProcess, assert_problem, eventually};

on_both_backends!(backend: keys_are_made_listed_and_revoked_at_the_command_line);
on_both_backends!(
    each_scope_opens_exactly_the_routes_that_declare_it,
    a_key_limited_to_a_group_reaches_that_group_only,
    a_revoked_or_expired_key_signs_nothing_in,
    a_key_is_shown_once_and_kept_as_its_hash,
    a_keys_fields_are_checked_at_their_limits,
);

const SCOPES: [&str; 9] = [
    "users:read",
    "users:write",
    "groups:read",
    "groups:write",
    "members:read",
    "members:write",
    "invites:read",
    "invites:write",
    "audit:read",
];

/// A key with `scopes` (and `group_id`), made by the admin: its id and the key.
async fn make_key(app: &TestApp, scopes: &[&str], group_id: Option<&str>) -> (String, String) {
    let body = json!({"name": "back-end", "scopes": scopes, "group_id": group_id});
    let (status, made) = app.post("/admin/api-keys", Some(&app.admin_token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let key = made["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("usk_"), "{key}");
    (made["id"].as_str().unwrap().to_owned(), key)
}

/// Every operation under `/api/v1` in the OpenAPI document: method, path (with its
/// parameters filled), and the scope it declares for a key, if any.
async fn operations(app: &TestApp) -> Vec<(Method, String, Option<String>, bool)> {
    let doc: Value =
        app.client.get(format!("http://{}/api/openapi.json", app.addr)).send().await.unwrap().json().await.unwrap();
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(path) = path.strip_prefix("/api/v1") else { continue };
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"].as_array().cloned().unwrap_or_default();
            let public = security.iter().any(|r| r.as_object().is_some_and(|r| r.is_empty()));
            let scope = security.iter().find_map(|r| r["api_key"][0].as_str().map(str::to_owned));
            let filled: Vec<&str> = path
                .split('/')
                .map(|s| if s.starts_with('{') { "00000000-0000-0000-0000-000000000000" } else { s })
                .collect();
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            found.push((method, filled.join("/"), scope, public));
        }
    }
    found
}

async fn call(app: &TestApp, method: &Method, path: &str, key: &str) -> (StatusCode, Value) {
    let body = matches!(*method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
    app.request(method.clone(), path, Some(key), body.as_ref()).await
}

/// Whether an answer is the refusal of a key's scope.
fn refused_for_scope(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::FORBIDDEN && body["code"] == "forbidden"
}

async fn each_scope_opens_exactly_the_routes_that_declare_it(app: TestApp) {
    let operations = operations(&app).await;
    let scoped = operations.iter().filter(|(_, _, scope, _)| scope.is_some()).count();
    assert!(scoped >= 30, "the routes declare their scopes: {scoped}");
    let mut keys = Vec::new();
    for scope in SCOPES {
        let (_, only) = make_key(&app, &[scope], None).await;
        let others: Vec<&str> = SCOPES.into_iter().filter(|s| *s != scope).collect();
        let (_, all_but) = make_key(&app, &others, None).await;
        keys.push((scope, only, all_but));
    }
    let (_, every) = make_key(&app, &SCOPES, None).await;
    for (method, path, scope, public) in &operations {
        match scope {
            Some(scope) => {
                let (_, only, all_but) = keys.iter().find(|(s, _, _)| s == scope).expect("a scope of the SPEC");
                let (status, body) = call(&app, method, path, only).await;
                assert!(
                    !refused_for_scope(status, &body) && status != StatusCode::UNAUTHORIZED,
                    "{method} {path} with {scope}: {status} {body}"
                );
                let (status, body) = call(&app, method, path, all_but).await;
                assert!(refused_for_scope(status, &body), "{method} {path} without {scope}: {status} {body}");
            }
            None if *public => {
                let (status, body) = call(&app, method, path, &every).await;
                assert!(!refused_for_scope(status, &body), "{method} {path} is public: {status} {body}");
            }
            None => {
                let (status, body) = call(&app, method, path, &every).await;
                assert!(refused_for_scope(status, &body), "{method} {path} takes no key: {status} {body}");
            }
        }
    }
    // No key makes keys, whatever its scopes.
    let (status, body) =
        app.post("/admin/api-keys", Some(&every), json!({"name": "more", "scopes": ["groups:read"]})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 19, "18 keys above and the one with every scope");
}

async fn a_key_limited_to_a_group_reaches_that_group_only(app: TestApp) {
    let (owner, _) = app.signed_in("olga").await;
    let ours = app.create_group(&owner, "Tree of the Smiths").await;
    let theirs = app.create_group(&owner, "Tree of the Joneses").await;
    let scopes = ["groups:read", "members:read", "invites:write", "invites:read", "users:read"];
    let (key_id, key) = make_key(&app, &scopes, Some(&ours)).await;

    let (status, group) = app.get(&format!("/groups/{ours}"), Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(group["role"], "owner", "a key acts with the top role: {group}");
    let (status, body) = app.get(&format!("/groups/{theirs}"), Some(&key)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, listed) = app.get("/groups", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [ours.as_str()], "{listed}");

    let invite = json!({"role": "member"});
    let (status, body) = app.post(&format!("/groups/{theirs}/invites"), Some(&key), invite.clone()).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, made) = app.post(&format!("/groups/{ours}/invites"), Some(&key), invite).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    // The audit log names the admin the key acts for, and the key.
    let (_, audit) = app.get("/admin/audit?action=invite.created", Some(&app.admin_token)).await;
    let entry = &audit["items"][0];
    assert_eq!((&entry["actor_username"], &entry["details"]["api_key"]), (&json!("admin"), &json!(key_id)), "{audit}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM invites WHERE group_id = '{theirs}'")).await, 0);

    // Nothing of the instance's: not even with the scope for it; no new group either.
    let (status, body) = app.get("/admin/users", Some(&key)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (_, maker) = make_key(&app, &["groups:write"], Some(&ours)).await;
    let (status, body) = app.post("/groups", Some(&maker), json!({"name": "Elsewhere"})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.count("SELECT COUNT(*) FROM groups").await, 2, "no group was made");

    // A key for every group reaches both, and lists every group.
    let (_, wide) = make_key(&app, &["groups:read"], None).await;
    let (status, _) = app.get(&format!("/groups/{theirs}"), Some(&wide)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = app.get("/groups", Some(&wide)).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
}

async fn a_revoked_or_expired_key_signs_nothing_in(app: TestApp) {
    let (id, revoked) = make_key(&app, &["users:read"], None).await;
    let (status, _) = app.get("/admin/users", Some(&revoked)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.delete(&format!("/admin/api-keys/{id}"), Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/admin/users", Some(&revoked)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) = app.delete(&format!("/admin/api-keys/{id}"), Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");

    let (id, expired) = make_key(&app, &["users:read"], None).await;
    app.execute_sql(&format!("UPDATE api_keys SET expires_at = 1000 WHERE id = '{id}'")).await;
    let (status, body) = app.get("/admin/users", Some(&expired)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");

    // A key acts for its admin while they are one.
    let (ada, _) = app.signed_in("ada").await;
    app.update_user("ada", json!({"is_admin": true})).await;
    let (status, made) =
        app.post("/admin/api-keys", Some(&ada), json!({"name": "ada's", "scopes": ["users:read"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let adas = made["key"].as_str().unwrap();
    let (status, _) = app.get("/admin/users", Some(adas)).await;
    assert_eq!(status, StatusCode::OK);
    app.update_user("ada", json!({"is_admin": false})).await;
    let (status, body) = app.get("/admin/users", Some(adas)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    // A key is a bearer token only: not a session cookie.
    let (_, live) = make_key(&app, &["users:read"], None).await;
    let response = app
        .client
        .get(format!("http://{}/api/v1/admin/users", app.addr))
        .header("cookie", format!("usher_session={live}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

async fn a_key_is_shown_once_and_kept_as_its_hash(app: TestApp) {
    let (id, key) = make_key(&app, &["groups:read"], None).await;
    let secret = key.strip_prefix("usk_").unwrap();
    let (status, listed) = app.get("/admin/api-keys", Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(listed[0].get("key").is_none(), "the key is shown once: {}", listed[0]);
    assert_eq!(listed[0]["scopes"], json!(["groups:read"]));
    let (_, audit) = app.get("/admin/audit?action=api_key.created", Some(&app.admin_token)).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    assert!(!audit.to_string().contains(secret), "{audit}");

    // Its use is noted, at most once a minute.
    let (status, _) = app.get("/groups", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let used = format!("SELECT COALESCE(MAX(last_used_at), 0) FROM api_keys WHERE id = '{id}'");
    let first = eventually("the key's use noted", || app.count(&used), |at| *at > 0).await;
    for _ in 0..5 {
        app.get("/groups", Some(&key)).await;
    }
    crate::harness::stays("the key's last use, within the minute", &first, || app.count(&used)).await;

    let database = app.database_contents().await;
    let at_rest = String::from_utf8_lossy(&database);
    assert!(!at_rest.contains(secret), "the key is not readable at rest");
    let hash = usher_domain::token::TokenHash::of(&key);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM api_keys WHERE key_hash = '{}'", hash.as_str())).await, 1);
}

async fn a_keys_fields_are_checked_at_their_limits(app: TestApp) {
    let app = &app;
    let make = |body: Value| async move { app.post("/admin/api-keys", Some(&app.admin_token), body).await };
    let name = |n: usize| "k".repeat(n);
    let (status, _) = make(json!({"name": name(100), "scopes": ["audit:read"], "expires_in_days": 1826})).await;
    assert_eq!(status, StatusCode::CREATED);
    let refused = [
        json!({"name": name(101), "scopes": ["audit:read"]}),
        json!({"name": " ", "scopes": ["audit:read"]}),
        json!({"name": "k", "scopes": ["audit:read"], "expires_in_days": 1827}),
        json!({"name": "k", "scopes": ["audit:read"], "expires_in_days": 0}),
        json!({"name": "k", "scopes": []}),
        json!({"name": "k", "scopes": ["audit:write"]}),
        json!({"name": "k", "scopes": ["audit:read"], "group_id": "00000000-0000-0000-0000-000000000000"}),
    ];
    for body in refused {
        let (status, answer) = make(body.clone()).await;
        assert_problem(status, &answer, StatusCode::BAD_REQUEST, "invalid_request");
        assert!(answer["errors"].as_array().is_some_and(|e| !e.is_empty()), "{body}: {answer}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 1, "nothing refused was kept");
    // Only an admin makes keys.
    let (member, _) = app.signed_in("mel").await;
    let (status, body) =
        app.post("/admin/api-keys", Some(&member), json!({"name": "k", "scopes": ["audit:read"]})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

/// `usher api-keys create|list|revoke`: the operator makes a key for an admin.
async fn keys_are_made_listed_and_revoked_at_the_command_line(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let usher = UsherProcess::start(&db, &[]);
    let admin = usher.admin_client().await;
    let username = admin.me(&admin.admin_token).await.user.username;
    let command = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_usher"))
            .args(args)
            .envs(db.env())
            .env("USHER_LOG", "warn")
            .current_dir(&db.config.data_dir)
            .output()
            .expect("usher runs")
    };
    let made = command(&["api-keys", "create", "--admin", &username, "--name", "Tree", "--scope", "groups:read"]);
    let printed = String::from_utf8_lossy(&made.stdout).into_owned();
    assert!(made.status.success(), "{printed} {}", String::from_utf8_lossy(&made.stderr));
    let line = |name: &str| printed.lines().find_map(|l| l.strip_prefix(name)).map(str::to_owned).unwrap();
    let (id, key) = (line("id: "), line("key: "));
    assert!(key.starts_with("usk_"), "{printed}");
    let (status, _) = admin.get("/groups", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "the key works");

    let listed = String::from_utf8_lossy(&command(&["api-keys", "list"]).stdout).into_owned();
    assert!(listed.contains(&id) && listed.contains("Tree\tgroups:read"), "{listed}");
    assert!(!listed.contains(&key), "never the key itself: {listed}");

    let nobody = command(&["api-keys", "create", "--admin", "nobody", "--name", "X", "--scope", "groups:read"]);
    assert!(!nobody.status.success() && String::from_utf8_lossy(&nobody.stderr).contains("admin"));
    let unknown = command(&["api-keys", "create", "--admin", &username, "--name", "X", "--scope", "groups:admin"]);
    assert!(!unknown.status.success() && String::from_utf8_lossy(&unknown.stderr).contains("scopes"));

    let revoked = command(&["api-keys", "revoke", &id]);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    let (status, body) = admin.get("/groups", Some(&key)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    usher.signal("-TERM");
    usher.wait();
}
