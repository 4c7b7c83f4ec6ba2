//! `GET /metrics`: Prometheus text with requests by category and status, latency
//! histograms, redemptions by kind, emails, job runs and pool use. The recorder is
//! process-wide, so the counting tests run the real binary: every count is of this
//! test's own requests, and is checked exactly.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{ApiClient, Backend, SmtpServer, TestApp, TestDb, UsherProcess, eventually, mail_env};

on_both_backends!(
    backend: metrics_count_what_the_server_did,
    invented_methods_and_paths_add_no_series,
    with_a_metrics_token_only_its_bearer_reads_metrics,
);

async fn scrape(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The sum of `name`'s samples whose labels include every `labels` pair.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name) && line[name.len()..].starts_with(['{', ' ']))
        .filter(|line| labels.iter().all(|(k, v)| line.contains(&format!("{k}=\"{v}\""))))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A `usher` process of its own on a fresh `backend` database, mailing to `smtp`: its
/// admin's client and its `/metrics` URL.
async fn own_server(db: &TestDb, smtp: &SmtpServer) -> (UsherProcess, ApiClient, String) {
    let usher = UsherProcess::start(db, &mail_env(smtp.url()));
    let client = usher.admin_client().await;
    let metrics = format!("http://127.0.0.1:{}/metrics", usher.port);
    (usher, client, metrics)
}

async fn metrics_count_what_the_server_did(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let smtp = SmtpServer::start();
    let (_usher, app, metrics) = own_server(&db, &smtp).await;
    let before = scrape(&app.client, &metrics).await;

    // A 404 look-up, a group code accepted, two login links redeemed, an invitation
    // mailed, a cleanup run.
    let (status, _) = app.get("/invites/ABCDEFGHJ", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (owner, _) = app.signed_in("olga").await;
    let (joiner, _) = app.signed_in("jon").await;
    let group = app.create_group(&owner, "Counted").await;
    let code = app.group(&owner, &group).invite(json!({"role": "member"})).await;
    app.join(&joiner, code.code()).await;
    app.group(&owner, &group).invite(json!({"email": "mia@example.com"})).await;
    let (status, _) = app.post("/admin/jobs/cleanup", Some(&app.admin_token), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let sent = |text: &str| value(text, "usher_emails_total", &[("outcome", "sent")]);
    let mailed = |text: &String| sent(text) > sent(&before);
    let after = eventually("the invitation counted as sent", || scrape(&app.client, &metrics), mailed).await;
    let grew = |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);
    let requests = |category, status| grew("usher_http_requests_total", &[("category", category), ("status", status)]);

    assert_eq!(requests("invites", "404"), 1.0, "the look-up");
    assert_eq!(requests("invites", "201"), 1.0, "the acceptance");
    assert_eq!(requests("groups", "201"), 3.0, "the group and its two invites");
    assert_eq!(requests("auth", "200"), 2.0, "two login links redeemed");
    assert_eq!(grew("usher_http_request_duration_seconds_count", &[("category", "invites")]), 2.0);
    assert!(after.contains("usher_http_request_duration_seconds_bucket{category=\"invites\",le=\"0.005\"}"));
    assert_eq!(grew("usher_redemptions_total", &[("kind", "group_code")]), 1.0);
    assert_eq!(grew("usher_redemptions_total", &[("kind", "login_link")]), 2.0);
    assert_eq!(grew("usher_emails_total", &[("outcome", "sent")]), 1.0);
    assert_eq!(grew("usher_job_runs_total", &[("job", "cleanup"), ("outcome", "ok")]), 1.0);
    assert_eq!(grew("usher_job_duration_seconds_count", &[("job", "cleanup")]), 1.0);
    assert!(value(&after, "usher_db_connections_max", &[]) >= 1.0);
    assert!(after.contains("usher_db_connections{state=\"idle\"}"));
}

/// The series in the exposition: every sample line (not `# HELP` / `# TYPE`) without
/// its value. (The exposition lists them in no fixed order.)
fn series(text: &str) -> BTreeSet<&str> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.rsplit_once(' ').map_or(line, |(series, _)| series))
        .collect()
}

/// Labels come from closed sets: once an invented method and path have been answered
/// (and their category and status have their series), 600 more invented requests add
/// no series and name none of their methods or paths.
async fn invented_methods_and_paths_add_no_series(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let smtp = SmtpServer::start();
    let (usher, app, metrics) = own_server(&db, &smtp).await;
    let base = format!("http://127.0.0.1:{}", usher.port);
    let invented = async |i: usize| {
        let method = Method::from_bytes(format!("M{i:06}X").as_bytes()).unwrap();
        let known = app.client.request(method.clone(), format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(known.status(), StatusCode::METHOD_NOT_ALLOWED);
        let unknown = app.client.request(method, format!("{base}/no/such/{i}")).send().await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    };
    invented(0).await;
    scrape(&app.client, &metrics).await; // the scrape's own series, from here on
    let before = scrape(&app.client, &metrics).await;
    for i in 1..=300 {
        invented(i).await;
    }
    let after = scrape(&app.client, &metrics).await;
    assert!(!after.contains("method=\"M0") && !after.contains("/no/such"), "a label taken from the request");
    assert_eq!(series(&after), series(&before), "600 invented requests added series");
}

/// With `metrics_token` set, `/metrics` answers 401 problem+json to a request without
/// that exact bearer token.
async fn with_a_metrics_token_only_its_bearer_reads_metrics(backend: Backend) {
    let token = "scrape-me-0123456789";
    let Some(app) = TestApp::spawn_with(backend, |c| c.metrics_token = Some(token.into())).await else { return };
    let get = |authorization: Option<String>| {
        let mut request = app.client.get(format!("http://{}/metrics", app.addr));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        async move { request.send().await.unwrap() }
    };
    let refused = [None, Some("Bearer wrong".into()), Some(format!("Bearer {token}x")), Some(format!("Basic {token}"))];
    for authorization in refused {
        let response = get(authorization.clone()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        assert_eq!(response.json::<serde_json::Value>().await.unwrap()["code"], "unauthenticated");
    }
    let response = get(Some(format!("Bearer {token}"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("usher_db_connections_max"));
}
