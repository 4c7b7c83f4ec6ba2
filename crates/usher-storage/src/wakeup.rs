//! Waking the mail worker when mail is queued, so that it need not poll for it: a
//! signal in this process, fired after the commit that queued the mail, and on
//! PostgreSQL the `usher_outbox` notification the outbox's trigger sends at that commit
//! (migration 0006), which every instance listens for.

use std::{sync::Arc, time::Duration};

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgListener, PgPoolOptions},
};
use tokio::{sync::Notify, task::JoinHandle};

use crate::{Store, engine::Engine};

/// The channel the outbox's trigger notifies.
const CHANNEL: &str = "usher_outbox";

/// How long the listener waits before connecting again after a failure.
const RECONNECT: Duration = Duration::from_secs(1);

/// Wake-ups of the mail worker: one is kept while nobody waits, so none is lost.
pub(crate) type Signal = Arc<Notify>;

/// What wakes a mail worker. Dropping it stops listening.
#[derive(Debug)]
pub struct MailWakeups {
    signal: Signal,
    listener: Option<JoinHandle<()>>,
}

impl MailWakeups {
    /// Resolves when mail may have been queued since the last call (at once if it was
    /// meanwhile).
    pub async fn next(&self) {
        self.signal.notified().await;
    }
}

impl Drop for MailWakeups {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }
}

impl Store {
    /// Wakes this process's mail worker; called after the commit that queued mail.
    pub(crate) fn mail_queued(&self) {
        self.mail_signal.notify_one();
    }

    /// Wake-ups for the mail worker: mail queued by this process, and on PostgreSQL by
    /// any instance, heard on a connection of its own (not one of the pool's).
    pub fn mail_wakeups(&self) -> MailWakeups {
        let listener = match &self.engine {
            Engine::Postgres(pg) => Some(tokio::spawn(listen(pg.pool.connect_options(), self.mail_signal.clone()))),
            Engine::Sqlite(_) => None,
        };
        MailWakeups { signal: self.mail_signal.clone(), listener }
    }
}

/// Passes every notification on to `signal`, connecting again whenever the connection
/// is lost; each (re)connection wakes the worker too, for what was queued meanwhile.
async fn listen(options: Arc<PgConnectOptions>, signal: Signal) {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with((*options).clone());
    loop {
        if let Err(err) = forward(&pool, &signal).await {
            tracing::warn!(error = %err, "listening for queued mail failed; retrying");
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

async fn forward(pool: &PgPool, signal: &Notify) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        signal.notify_one();
        // `None`: the connection was lost and made again; notifications may be lost.
        listener.try_recv().await?;
    }
}
