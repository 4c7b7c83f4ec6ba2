//! `GET /metrics`: Prometheus text with requests by category and status, latency
//! histograms, redemptions by kind, emails, job runs and pool use. The recorder is
//! process-wide (other tests run beside this one), so each check is on what this test's
//! own actions added.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Backend, TestApp, eventually};

on_both_backends!(metrics_count_what_the_server_did, invented_methods_and_paths_add_no_series);
on_both_backends!(backend: with_a_metrics_token_only_its_bearer_reads_metrics);

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(format!("http://{}/metrics", app.addr)).send().await.unwrap();
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

async fn metrics_count_what_the_server_did(app: TestApp) {
    let before = scrape(&app).await;
    let requests = |text: &str, category, status| {
        value(text, "usher_http_requests_total", &[("category", category), ("status", status)])
    };

    // A 404 look-up, a group code accepted, a login link redeemed, an invitation mailed,
    // a cleanup run.
    let (status, _) = app.get("/invites/ABCDEFGHJ", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (owner, _) = app.signed_in("olga").await;
    let (joiner, _) = app.signed_in("jon").await;
    let group = app.create_group(&owner, "Counted").await;
    let code = app.group_invite(&owner, &group, json!({"role": "member"})).await;
    assert_eq!(app.accept(&joiner, code["code"].as_str().unwrap()).await.0, StatusCode::CREATED);
    app.group_invite(&owner, &group, json!({"email": "mia@example.com"})).await;
    let (status, _) = app.post("/admin/jobs/cleanup", Some(&app.admin_token), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let after = eventually(
        || scrape(&app),
        |text| {
            value(text, "usher_emails_total", &[("outcome", "sent")])
                > value(&before, "usher_emails_total", &[("outcome", "sent")])
        },
    )
    .await;
    let grew = |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);

    assert!(requests(&after, "invites", "404") - requests(&before, "invites", "404") >= 1.0);
    assert!(requests(&after, "invites", "201") - requests(&before, "invites", "201") >= 1.0);
    assert!(requests(&after, "groups", "201") - requests(&before, "groups", "201") >= 3.0);
    assert!(requests(&after, "auth", "200") - requests(&before, "auth", "200") >= 2.0, "two login links redeemed");
    assert!(grew("usher_http_request_duration_seconds_count", &[("category", "invites")]) >= 2.0);
    assert!(after.contains("usher_http_request_duration_seconds_bucket{category=\"invites\",le=\"0.005\"}"));
    assert!(grew("usher_redemptions_total", &[("kind", "group_code")]) >= 1.0);
    assert!(grew("usher_redemptions_total", &[("kind", "login_link")]) >= 2.0);
    assert!(grew("usher_emails_total", &[("outcome", "sent")]) >= 1.0);
    assert!(grew("usher_job_runs_total", &[("job", "cleanup"), ("outcome", "ok")]) >= 1.0);
    assert!(grew("usher_job_duration_seconds_count", &[("job", "cleanup")]) >= 1.0);
    assert!(value(&after, "usher_db_connections_max", &[]) >= 1.0);
    assert!(after.contains("usher_db_connections{state=\"idle\"}"));
}

/// Samples in the exposition (every line but `# HELP` / `# TYPE`): one per series.
fn series(text: &str) -> usize {
    text.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty()).count()
}

/// Labels come from closed sets: requests with 600 invented methods and paths leave
/// the series count where it was (other tests share the recorder, so a small margin
/// for the categories and statuses they reach meanwhile) and name none of them.
async fn invented_methods_and_paths_add_no_series(app: TestApp) {
    let before = series(&scrape(&app).await);
    for i in 0..300 {
        let method = Method::from_bytes(format!("M{i:06}X").as_bytes()).unwrap();
        let known = app.client.request(method.clone(), format!("http://{}/healthz", app.addr)).send().await.unwrap();
        assert_eq!(known.status(), StatusCode::METHOD_NOT_ALLOWED);
        let unknown = app.client.request(method, format!("http://{}/no/such/{i}", app.addr)).send().await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    }
    let after = scrape(&app).await;
    assert!(!after.contains("method=\"M0") && !after.contains("/no/such"), "a label taken from the request");
    let grown = series(&after).saturating_sub(before);
    assert!(grown < 50, "{grown} new series from 600 invented requests");
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
