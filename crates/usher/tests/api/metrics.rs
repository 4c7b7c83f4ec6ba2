//! `GET /metrics`: Prometheus text with requests by category and status, latency
//! histograms, redemptions by kind, emails, job runs and pool use. The recorder is
//! process-wide (other tests run beside this one), so each check is on what this test's
//! own actions added.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, eventually};

on_both_backends!(metrics_count_what_the_server_did);

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
