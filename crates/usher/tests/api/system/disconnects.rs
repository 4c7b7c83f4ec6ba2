//! Clients that hang up mid-request (a load tester stopping, a phone losing signal):
//! whatever the handler was doing when it was dropped, no database connection is left
//! inside a transaction, where it would hold its locks and carry its state into the
//! next request that borrows it.

use serde_json::json;
use sqlx::{PgPool, postgres::PgPoolOptions};
use tokio::io::AsyncWriteExt;

use crate::harness::{Backend, TestApp, eventually};

/// Rounds of 64 clients; before the fix one round or two sufficed to leak.
const ROUNDS: usize = 30;
const CLIENTS: usize = 64;

/// PostgreSQL only: there a transaction is the server's session state, which outlives
/// the request future that opened it (SQLite's transactions end with their handle).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_hanging_up_mid_request_leave_no_transaction_open() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else { return };
    // One connection, so the watcher's own backend is the one it leaves out.
    let watcher = PgPoolOptions::new().max_connections(1).connect(&app.config.database_url()).await.unwrap();
    let body = json!({"description": "dropped", "max_uses": 3}).to_string();
    let request = format!(
        "POST /api/v1/admin/invites HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        app.addr,
        app.admin_token,
        body.len()
    );
    for round in 0..ROUNDS {
        // Each client sends a whole request and hangs up without reading the answer.
        let clients = (0..CLIENTS).map(|_| {
            let (addr, request) = (app.addr, request.clone());
            tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                stream.write_all(request.as_bytes()).await.unwrap();
            })
        });
        for client in futures::future::join_all(clients).await {
            client.unwrap();
        }
        // A request that is answered, then every pooled connection back and no backend
        // busy: the server has dealt with the round.
        app.create_invite(json!({"description": "answered"})).await;
        let what = format!("round {round}: every backend done, none left inside a transaction");
        eventually(&what, || backends(&watcher), |b| b.active == 0 && b.in_transaction == 0).await;
    }
}

/// The test database's other backends: how many run a statement, how many sit inside a
/// transaction between statements.
#[derive(Debug)]
struct Backends {
    active: i64,
    in_transaction: i64,
}

async fn backends(watcher: &PgPool) -> Backends {
    let (active, in_transaction): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE state = 'active'), COUNT(*) FILTER (WHERE state LIKE 'idle in transaction%') \
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(watcher)
    .await
    .unwrap();
    Backends { active, in_transaction }
}
