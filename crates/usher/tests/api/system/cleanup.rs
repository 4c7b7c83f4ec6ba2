//! The cleanup job: what stopped being active long ago goes, in batches, while requests
//! keep being answered; what is active, and every redemption, stays.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

on_both_backends!(ten_thousand_dead_invites_are_purged_and_the_living_stay, a_due_run_is_claimed_once);

const DAY_MS: i64 = 86_400_000;

async fn ten_thousand_dead_invites_are_purged_and_the_living_stay(app: TestApp) {
    let now = chrono::Utc::now().timestamp_millis();
    let (long_ago, recently) = (now - 60 * DAY_MS, now - DAY_MS);
    // 10,000 invites that stopped 45 days ago: half revoked, half expired.
    let mut sql = String::from("BEGIN;\n");
    for chunk in 0..20 {
        let rows: Vec<String> = (0..500)
            .map(|i| {
                let n = chunk * 500 + i;
                let (expires, revoked) = if n % 2 == 0 {
                    ((now - 45 * DAY_MS).to_string(), "NULL".to_owned())
                } else {
                    ("NULL".to_owned(), (now - 45 * DAY_MS).to_string())
                };
                format!("('old-{n}', 'registration', 'hash-{n}', 1, 0, {expires}, {long_ago}, {revoked})")
            })
            .collect();
        sql.push_str(&format!(
            "INSERT INTO invites (id, kind, token_hash, max_uses, uses, expires_at, created_at, revoked_at) VALUES {};\n",
            rows.join(",")
        ));
    }
    // Who joined through some of them, long ago; and one revoked only yesterday.
    for n in 0..10 {
        sql.push_str(&format!("INSERT INTO redemptions (id, invite_id, user_id, created_at) VALUES ('r-{n}', 'old-{n}', NULL, {long_ago});\n"));
    }
    sql.push_str(&format!(
        "INSERT INTO invites (id, kind, token_hash, max_uses, uses, created_at, revoked_at) VALUES ('recent', 'registration', 'hash-recent', 1, 0, {recently}, {recently});\nCOMMIT;"
    ));
    app.execute_sql(&sql).await;
    let active = app.create_invite(json!({"max_uses": 5})).await.code().to_owned();
    let before = app.count("SELECT COUNT(*) FROM invites").await;

    // Requests keep being answered while it runs.
    let cleanup = app.post("/admin/jobs/cleanup", Some(&app.admin_token), json!({}));
    let path = format!("/invites/{active}");
    let lookups = join_all((0..40).map(|_| app.get(&path, None)));
    let ((status, purged), answers) = tokio::join!(cleanup, lookups);
    assert_eq!(status, StatusCode::OK, "{purged}");
    assert!(answers.iter().all(|(s, _)| *s == StatusCode::OK), "every look-up answered");
    assert_eq!(purged["invites"], 10_000);
    assert_eq!(app.count("SELECT COUNT(*) FROM invites").await, before - 10_000);
    assert_eq!(app.count("SELECT COUNT(*) FROM invites WHERE id = 'recent'").await, 1, "inside the retention");
    assert_eq!(app.count("SELECT COUNT(*) FROM redemptions WHERE id LIKE 'r-%'").await, 10, "redemptions stay");
    assert_eq!(app.get(&format!("/invites/{active}"), None).await.0, StatusCode::OK, "active invites stay");
    // The admin's first-start link (used) is recent and stays too.
    let (_, again) = app.post("/admin/jobs/cleanup", Some(&app.admin_token), json!({})).await;
    assert_eq!(again, json!({"invites": 0, "sessions": 0, "mail": 0, "tokens": 0}), "a second run is a no-op");
}

/// Many instances polling the schedule at once: exactly one runs the due job.
async fn a_due_run_is_claimed_once(app: TestApp) {
    let now = chrono::Utc::now();
    let (due, next) = (now - chrono::Duration::seconds(1), now + chrono::Duration::hours(24));
    app.store.claim_job("test-job", now, due, next).await.unwrap();
    app.execute_sql(&format!("UPDATE job_runs SET next_run_at = {} WHERE name = 'test-job'", due.timestamp_millis()))
        .await;
    let claims = join_all((0..20).map(|_| app.store.claim_job("test-job", now, next, next))).await;
    assert_eq!(claims.iter().filter(|c| *c.as_ref().unwrap()).count(), 1);
    assert!(!app.store.claim_job("test-job", now, next, next).await.unwrap(), "not due again until tomorrow");
}
