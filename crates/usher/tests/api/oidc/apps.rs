//! Apps as instance admins register them (`/admin/apps`): the secret shown once and
//! rotated, redirect URIs held to the current best practice, limits at their edges.

use reqwest::StatusCode;
use serde_json::json;

use super::{CALLBACK, code_for, exchange, post_form, register_app};
use crate::harness::{Backend, TestApp, TestDb, UsherProcess, assert_problem};

on_both_backends!(backend: apps_are_declared_in_the_configuration_and_made_at_the_command_line);
on_both_backends!(
    admins_register_apps_and_see_the_secret_once,
    redirect_uris_follow_the_best_practice_and_the_limits,
    only_instance_admins_manage_apps,
);

async fn admins_register_apps_and_see_the_secret_once(app: TestApp) {
    let rp = register_app(&app, json!({"home_url": "https://tree.example.com/"})).await;
    let secret = rp.secret.clone().expect("a confidential app's secret, this once");
    let path = format!("/admin/apps/{}", rp.id);
    let (status, read) = app.get(&path, Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(read.get("client_secret").is_none(), "never again: {read}");
    assert_eq!(read["home_url"], "https://tree.example.com/");
    let (_, list) = app.get("/admin/apps", Some(&app.admin_token)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));

    let (status, changed) =
        app.patch(&path, Some(&app.admin_token), json!({"name": "Family Tree 2", "home_url": null})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["name"].as_str(), changed["home_url"].is_null()), (Some("Family Tree 2"), true));
    assert_eq!(changed["redirect_uris"], json!([CALLBACK]), "absent fields stay");
    let (status, body) = app.patch(&path, Some(&app.admin_token), json!({"public": true})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");

    // Rotating: the old secret stops working at once.
    let (status, rotated) = app.post(&format!("{path}/secret"), Some(&app.admin_token), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let introspect = |secret: String| {
        let client_id = rp.client_id.clone();
        let app = &app;
        async move { post_form(app, "introspect", &[("token", "x")], Some((&client_id, &secret))).await.0 }
    };
    assert_eq!(introspect(secret.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(introspect(new_secret.to_owned()).await, StatusCode::OK);

    // Deleting: its tokens stop working.
    let (session, _) = app.signed_in("alice").await;
    let rp = super::RegisteredApp { secret: Some(new_secret.to_owned()), ..rp };
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let (_, tokens) = exchange(&app, &rp, &code, &[]).await;
    let (status, _) = app.delete(&path, Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path, Some(&app.admin_token)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(super::userinfo(&app, tokens["access_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);

    let public = register_app(&app, json!({"public": true})).await;
    let (status, body) =
        app.post(&format!("/admin/apps/{}/secret", public.id), Some(&app.admin_token), json!({})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "not_applicable");
}

async fn redirect_uris_follow_the_best_practice_and_the_limits(app: TestApp) {
    let create = |body: serde_json::Value| {
        let app = &app;
        async move { app.post("/admin/apps", Some(&app.admin_token), body).await }
    };
    for refused in [
        json!({"name": "A", "redirect_uris": ["http://tree.example.com/cb"]}),
        json!({"name": "A", "redirect_uris": ["https://tree.example.com/cb#x"]}),
        json!({"name": "A", "redirect_uris": ["javascript:alert(1)"]}),
        json!({"name": "A", "redirect_uris": ["/cb"]}),
        json!({"name": "A", "redirect_uris": []}),
        json!({"name": "A"}),
        json!({"redirect_uris": [CALLBACK]}),
        json!({"name": "", "redirect_uris": [CALLBACK]}),
        json!({"name": "x".repeat(101), "redirect_uris": [CALLBACK]}),
        json!({"name": "A", "redirect_uris": [CALLBACK], "home_url": "ftp://x.example/"}),
        json!({"name": "A", "redirect_uris": (0..21).map(|i| format!("https://a.example/{i}")).collect::<Vec<_>>()}),
    ] {
        let (status, body) = create(refused.clone()).await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM apps").await, 0, "nothing was registered");
    for accepted in [
        json!({"name": "x".repeat(100), "redirect_uris": (0..20).map(|i| format!("https://a.example/{i}")).collect::<Vec<_>>()}),
        json!({"name": "Native", "redirect_uris": ["com.example.tree:/oauth2redirect", "http://[::1]:8123/cb"], "public": true}),
    ] {
        let (status, body) = create(accepted).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

async fn only_instance_admins_manage_apps(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let (status, body) = app.get("/admin/apps", Some(&session)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.post(&format!("/admin/apps/{}/secret", rp.id), Some(&session), json!({})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.get("/admin/apps", None).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}

/// `[[apps]]` in `usher.toml` (the secret from the environment), brought in line on
/// each start; `usher apps create|list` and `usher keys rotate`.
async fn apps_are_declared_in_the_configuration_and_made_at_the_command_line(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let toml = format!(
        "[[apps]]\nclient_id = \"family-tree\"\nname = \"Family Tree\"\nredirect_uris = [\"{CALLBACK}\"]\n\
         first_party = true\nclient_secret_env = \"TREE_SECRET\"\n"
    );
    std::fs::write(db.config.data_dir.join("usher.toml"), &toml).unwrap();
    let secret = "s".repeat(43);
    let usher = UsherProcess::start(&db, &[("TREE_SECRET", secret.clone())]);
    let admin = usher.admin_client().await;
    let (_, apps) = admin.get("/admin/apps", Some(&admin.admin_token)).await;
    assert_eq!(apps["items"][0]["client_id"], "family-tree", "{apps}");
    assert_eq!(apps["items"][0]["first_party"], true);
    let introspect = |secret: String| introspect_as(usher.port, "family-tree", secret);
    assert_eq!(introspect(secret.clone()).await, StatusCode::OK, "the secret from the environment works");
    assert_eq!(introspect("t".repeat(43)).await, StatusCode::UNAUTHORIZED);
    usher.signal("-TERM");
    usher.wait();

    // A new secret and name in the next start replace the old ones.
    std::fs::write(db.config.data_dir.join("usher.toml"), toml.replace("Family Tree", "Family Tree 2")).unwrap();
    let usher = UsherProcess::start(&db, &[("TREE_SECRET", "t".repeat(43))]);
    let introspect = |secret: String| introspect_as(usher.port, "family-tree", secret);
    assert_eq!(introspect("t".repeat(43)).await, StatusCode::OK);
    assert_eq!(introspect(secret.clone()).await, StatusCode::UNAUTHORIZED, "the old secret stopped working");
    usher.signal("-TERM");
    usher.wait();

    let command = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_usher"))
            .args(args)
            .envs(db.env())
            .env("USHER_LOG", "warn")
            .env("TREE_SECRET", "t".repeat(43))
            .current_dir(&db.config.data_dir)
            .output()
            .expect("usher runs")
    };
    let created = command(&["apps", "create", "--name", "Shell App", "--redirect-uri", "https://shell.example.com/cb"]);
    let printed = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success() && printed.contains("client_secret: "), "{printed}");
    let listed = String::from_utf8_lossy(&command(&["apps", "list"]).stdout).into_owned();
    assert!(listed.contains("Shell App") && listed.contains("Family Tree 2"), "{listed}");
    let refused = command(&["apps", "create", "--name", "Bad", "--redirect-uri", "http://shell.example.com/cb"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("redirect_uris"), "the refusal names the field");
    let invite = command(&["invite", "create", "--return-to", "https://shell.example.com/cb/welcome"]);
    assert!(invite.status.success(), "{}", String::from_utf8_lossy(&invite.stderr));
    let refused = command(&["invite", "create", "--return-to", "https://evil.example/"]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--return-to"));
    let rotated = command(&["keys", "rotate"]);
    assert!(String::from_utf8_lossy(&rotated.stdout).starts_with("new signing key: "));

    // Without the secret's variable, start-up stops naming the key.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_usher"))
        .envs(db.env())
        .env_remove("TREE_SECRET")
        .current_dir(&db.config.data_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("TREE_SECRET"), "{stderr}");
}

/// The status introspection answers the app `client_id` proving itself with `secret`.
async fn introspect_as(port: u16, client_id: &str, secret: String) -> StatusCode {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/oauth2/introspect"))
        .basic_auth(client_id, Some(secret))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap()
        .status()
}
