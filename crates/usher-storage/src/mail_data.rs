//! Outbox template data at rest. What an email shows — an accept URL or a login link,
//! live tokens both — is sealed with the instance's [`SecretKey`] before it is written
//! (the row id as associated data) and opened by the worker that sends it. No copy of
//! the database (file, WAL, free pages, backup, PostgreSQL row) gives a token away
//! without the key, which lives outside it (DECISIONS.md, "Secrets at rest").

use rand::rngs::OsRng;
use serde_json::Value;
use usher_domain::sealed::{SEALED_PREFIX, SecretKey, Unsealable};
use uuid::Uuid;

use crate::{OutboxMessage, Store, StoreError, model::OutgoingEmail, sql::Conn};

/// What a sent message keeps: the email delivered the data, nothing is left to guard.
pub(crate) const CLEARED: &str = "{}";

/// A message's template data as stored: sealed until sent, then [`CLEARED`].
/// [`Store::template_data`] opens it; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct TemplateData(pub(crate) String);

impl std::fmt::Debug for TemplateData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TemplateData(<sealed>)")
    }
}

/// An email ready for its outbox row: the row's id, its data sealed for that id.
pub(crate) struct SealedEmail {
    pub(crate) id: Uuid,
    pub(crate) recipient: String,
    pub(crate) template: &'static str,
    pub(crate) data: String,
}

impl Store {
    /// Gives the store the key that seals outbox template data. A store without one
    /// queues no mail.
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// `email` sealed for a new outbox row, before its transaction begins.
    pub(crate) fn seal_email(&self, email: OutgoingEmail) -> Result<SealedEmail, StoreError> {
        let key = self.secret_key.as_ref().ok_or_else(|| StoreError::Database("no secret key to seal mail".into()))?;
        let id = Uuid::now_v7();
        let data = key.seal(&mut OsRng, &id.to_string(), email.data.to_string().as_bytes());
        Ok(SealedEmail { id, recipient: email.recipient, template: email.template, data })
    }

    /// What `message`'s template shows. Fails when the data was sealed with another
    /// key (a lost or replaced `usher.key`): that message cannot be sent.
    pub fn template_data(&self, message: &OutboxMessage) -> Result<Value, Unsealable> {
        self.open_data(&message.id.to_string(), &message.data.0)
    }

    pub(crate) fn open_data(&self, id: &str, stored: &str) -> Result<Value, Unsealable> {
        if stored == CLEARED {
            return Ok(Value::Object(serde_json::Map::new()));
        }
        let plain = self.secret_key.as_ref().ok_or(Unsealable)?.open(id, stored)?;
        serde_json::from_slice(&plain).map_err(|_| Unsealable)
    }

    /// Seals the template data that a version before sealing wrote in the clear (mail
    /// queued or failed when it was upgraded); answers how many rows. On a SQLite file
    /// the database is then rewritten (`VACUUM`) and the WAL emptied, so the clear
    /// text does not linger in free pages.
    pub async fn seal_plain_outbox(&self) -> Result<usize, StoreError> {
        let sql = format!("SELECT id, data FROM outbox WHERE data <> '{CLEARED}' AND data NOT LIKE '{SEALED_PREFIX}%'");
        let plain: Vec<(String, String)> = self.read()?.fetch_all(&sql, &[]).await?;
        let key = match (&self.secret_key, plain.is_empty()) {
            (_, true) => return Ok(0),
            (Some(key), false) => key,
            (None, false) => return Err(StoreError::Database("no secret key to seal mail".into())),
        };
        for (id, data) in &plain {
            let sealed = key.seal(&mut OsRng, id, data.as_bytes());
            let sql = "UPDATE outbox SET data = $2 WHERE id = $1 AND data = $3";
            self.single_writes().execute(sql, &[id.into(), sealed.into(), data.into()]).await?;
        }
        if let crate::backend::Pool::Sqlite(pool) = &self.pool {
            sqlx::raw_sql("VACUUM; PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
        }
        Ok(plain.len())
    }
}
