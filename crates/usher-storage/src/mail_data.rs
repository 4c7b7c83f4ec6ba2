//! Outbox mail at rest. A [`Mail`] is stored as two columns: `template` (its
//! variant's name) and `data` (its fields as JSON, the form the outbox has always
//! had, so mail queued by an older version still decodes; DECISIONS.md, "Mail in the
//! outbox"). What an email shows — an accept URL or a login link,
//! live tokens both — is sealed with the instance's [`SecretKey`] before it is written
//! (the row id as associated data) and opened by the worker that sends it. No copy of
//! the database (file, WAL, free pages, backup, PostgreSQL row) gives a token away
//! without the key, which lives outside it (DECISIONS.md, "Secrets at rest").

use rand::rngs::OsRng;
use serde_json::{Value, json};
use usher_domain::{
    mail::Mail,
    sealed::{SEALED_PREFIX, SecretKey, Unsealable},
};
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

/// Why a message's mail cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    /// Sealed with another key (a lost or replaced `usher.key`).
    #[error(transparent)]
    Sealed(#[from] Unsealable),
    /// A template no version of Usher has, or data that does not fit it.
    #[error("template {template:?}: {error}")]
    Data { template: String, error: serde_json::Error },
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
        let (template, data) = stored_form(&email.mail).map_err(|e| StoreError::Database(Box::new(e)))?;
        let data = key.seal(&mut OsRng, &id.to_string(), data.to_string().as_bytes());
        Ok(SealedEmail { id, recipient: email.recipient, template, data })
    }

    /// The mail `message` carries. Fails when the data was sealed with another key (a
    /// lost or replaced `usher.key`) or does not fit its template: that message cannot
    /// be sent.
    pub fn mail(&self, message: &OutboxMessage) -> Result<Mail, Unreadable> {
        let data = self.open_data(&message.id.to_string(), &message.data.0)?;
        decode(&message.template, data).map_err(|error| Unreadable::Data { template: message.template.clone(), error })
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
            self.write_one(sql, vec![id.clone().into(), sealed.into(), data.clone().into()]).await?;
        }
        if let crate::engine::Engine::Sqlite(sqlite) = &self.engine {
            sqlite.vacuum().await?;
        }
        Ok(plain.len())
    }
}

/// The outbox's two columns for `mail`: its template's name, and the data it shows.
fn stored_form(mail: &Mail) -> Result<(&'static str, Value), serde_json::Error> {
    let mut tagged = serde_json::to_value(mail)?;
    Ok((mail.template(), tagged["data"].take()))
}

/// A mail back from its two columns, as [`stored_form`] or an older version wrote them.
fn decode(template: &str, data: Value) -> Result<Mail, serde_json::Error> {
    serde_json::from_value(json!({"template": template, "data": data}))
}

#[cfg(test)]
mod tests {
    use usher_domain::mail::Invitation;

    use super::*;

    /// Rows exactly as the version before [`Mail`] sealed them (`json!` maps, keys in
    /// order, chrono's time format): still delivered after an upgrade.
    #[test]
    fn rows_queued_before_the_enum_decode() {
        let expires_at = "2026-12-01T10:00:00.250Z".parse().unwrap();
        let invitation = Invitation {
            group_name: "Tree".into(),
            inviter: "Ann".into(),
            role: "member".into(),
            message: None,
            accept_url: "https://u.example/invite/tok".into(),
            expires_at,
            locale: None,
            reply_to: None,
        };
        let invitation_data = r#"{"accept_url":"https://u.example/invite/tok","expires_at":"2026-12-01T10:00:00.250Z","group_name":"Tree","inviter":"Ann","message":null,"role":"member"}"#;
        let link_data =
            r#"{"display_name":"Ann","expires_at":"2026-12-01T10:00:00.250Z","url":"https://u.example/l/tok"}"#;
        let rows = [
            ("invitation", invitation_data, Mail::Invitation(invitation.clone())),
            ("invitation_resent", invitation_data, Mail::InvitationResent(invitation)),
            (
                "login_link",
                link_data,
                Mail::LoginLink {
                    display_name: "Ann".into(),
                    url: "https://u.example/l/tok".into(),
                    expires_at,
                    locale: None,
                },
            ),
        ];
        for (template, data, mail) in rows {
            let decoded = decode(template, serde_json::from_str(data).unwrap()).unwrap();
            assert_eq!(decoded, mail, "{template}");
            assert_eq!(stored_form(&mail).unwrap(), (template, serde_json::from_str(data).unwrap()), "written alike");
        }
    }

    #[test]
    fn data_that_does_not_fit_its_template_is_refused() {
        assert!(decode("login_link", json!({"url": "https://u.example/l/tok"})).is_err(), "fields missing");
        assert!(decode("newsletter", json!({})).is_err(), "no such template");
        assert!(decode("login_link", Value::Object(serde_json::Map::new())).is_err(), "cleared once sent");
    }
}
