//! An idle Usher leaves its database alone: the job runner reads what is due and writes
//! only to claim it; queued mail wakes the worker, on this instance or (PostgreSQL,
//! `LISTEN`/`NOTIFY`) on another, instead of a fast poll finding it.

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;

use crate::harness::{Backend, Serve, SmtpServer, TestApp, eventually, launch, mail_to};

on_both_backends!(backend: an_idle_server_writes_nothing, queued_mail_wakes_the_mail_worker);

/// The job runner's pause when it has nothing to do, in these tests.
const POLL: Duration = Duration::from_millis(50);

/// The test holds the database's write lock for many polls; an instance that tried to
/// write meanwhile would be seen waiting for it.
async fn an_idle_server_writes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.job_poll_ms = POLL.as_millis() as u64).await else { return };
    // The first pass schedules the cleanup: the one write a new database gets.
    eventually("the cleanup scheduled", || app.count("SELECT COUNT(*) FROM job_runs"), |n| *n == 1).await;
    let mut lock = WriteLock::take(&app).await;
    for poll in 0..40 {
        tokio::time::sleep(POLL).await;
        assert!(!lock.writer_waits(&app).await, "poll {poll}: an idle instance tried to write");
    }
    lock.release().await;
}

/// Mail is sent when it is queued, though the runner's own poll is ten minutes away.
async fn queued_mail_wakes_the_mail_worker(backend: Backend) {
    let smtp = SmtpServer::start();
    let slow_poll = |c: &mut usher::Config| {
        mail_to(smtp.url())(c);
        c.job_poll_ms = 600_000;
    };
    let Some(app) = TestApp::spawn_with(backend, slow_poll).await else { return };
    app.create_user("lotte").await;
    // The runner has looked, found nothing, and gone to sleep.
    eventually("the runner's first pass", || app.count("SELECT COUNT(*) FROM job_runs"), |n| *n == 1).await;
    let by_email = json!({"send_email": true});
    let (status, _) = app.post("/admin/users/lotte/login-links", Some(&app.admin_token), by_email.clone()).await;
    assert_eq!(status.as_u16(), 201);
    assert_eq!(smtp.wait_for(1).await.len(), 1, "queued on this instance: sent at once");
    if backend == Backend::Sqlite {
        return;
    }
    // Another instance without a job runner of its own queues one: its NOTIFY wakes ours.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let server = launch(&app.config, Serve::Http(listener)).await.server.expect("serving");
    let response = app
        .client
        .post(format!("{other}/admin/users/lotte/login-links"))
        .bearer_auth(&app.admin_token)
        .json(&by_email)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(smtp.wait_for(2).await.len(), 2, "queued on another instance: sent at once");
    server.stop().await;
}

/// The database's write lock, held by the test: SQLite's (`BEGIN IMMEDIATE`), or on
/// PostgreSQL a `SHARE` lock on every table, which reads pass and writes wait for.
enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres { holder: sqlx::PgConnection, watcher: sqlx::PgConnection },
}

impl WriteLock {
    async fn take(app: &TestApp) -> Self {
        let url = app.config.database_url();
        match app.backend {
            Backend::Sqlite => {
                let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
                Self::Sqlite(holder)
            }
            Backend::Postgres => {
                let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
                let tables: String = sqlx::query_scalar(
                    "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables WHERE schemaname = 'public'",
                )
                .fetch_one(&mut holder)
                .await
                .unwrap();
                sqlx::raw_sql(&format!("BEGIN; LOCK TABLE {tables} IN SHARE MODE")).execute(&mut holder).await.unwrap();
                let watcher = sqlx::PgConnection::connect(&url).await.unwrap();
                Self::Postgres { holder, watcher }
            }
        }
    }

    /// Whether the app waits for the lock: a PostgreSQL backend of this database waits
    /// for a lock; on SQLite a pooled connection is out (reads use direct connections
    /// on a file, so only a write waiting for SQLite's lock keeps one).
    async fn writer_waits(&mut self, app: &TestApp) -> bool {
        match self {
            Self::Sqlite(_) => {
                let pool = app.store.pool_use();
                pool.size > pool.idle
            }
            Self::Postgres { watcher, .. } => {
                let waiting: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pg_locks WHERE NOT granted \
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                )
                .fetch_one(watcher)
                .await
                .unwrap();
                waiting > 0
            }
        }
    }

    async fn release(self) {
        match self {
            Self::Sqlite(mut holder) => sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.map(drop).unwrap(),
            Self::Postgres { mut holder, .. } => {
                sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.map(drop).unwrap()
            }
        }
    }
}
