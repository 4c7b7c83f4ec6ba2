//! Where mail goes: `log` (the default: written as a `.eml` file under the data folder
//! and noted in the log, for development and for instances without mail) or an
//! `smtp://` / `smtps://` server through lettre (STARTTLS with `?tls=required`, auth
//! as `user:password@`).

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a message was not delivered, and whether trying again could help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The server refused for good (5xx), or the message cannot be built: no retry.
    pub permanent: bool,
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum Transport {
    Log { dir: PathBuf },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    /// `log`, or an SMTP URL; a URL lettre cannot use is an error naming why. An SMTP
    /// exchange is abandoned after `timeout`, which must stay shorter than the lease a
    /// worker holds on the message.
    pub fn from_config(url: &str, data_dir: &std::path::Path, timeout: Duration) -> Result<Self, String> {
        if url == "log" {
            return Ok(Self::Log { dir: data_dir.join("mail") });
        }
        if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
            return Err("must be `log` or an smtp:// or smtps:// URL".to_owned());
        }
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| e.to_string())?;
        Ok(Self::Smtp(builder.timeout(Some(timeout)).build()))
    }

    /// Sends one message; `name` names the `.eml` file of the log transport.
    pub async fn send(&self, name: &str, message: Message) -> Result<(), SendError> {
        match self {
            Self::Log { dir } => {
                let path = dir.join(format!("{name}.eml"));
                let written = write_private(dir, &path, &message.formatted()).await;
                written.map_err(|e| SendError { permanent: false, message: e.to_string() })?;
                // The file holds the message (and any link in it); the log only says where.
                tracing::info!(file = %path.display(), "email written by the log transport");
                Ok(())
            }
            Self::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError { permanent: e.is_permanent(), message: e.to_string() }),
        }
    }
}

/// Writes `bytes` to `path` in `dir`, readable by the server's user only: the message
/// carries a live link.
async fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    tokio::fs::create_dir_all(dir).await?;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await?;
    file.write_all(bytes).await?;
    file.flush().await
}
