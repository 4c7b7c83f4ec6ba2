//! The key that seals the outbox's template data at rest: `secret_key` from the
//! configuration (instances sharing a PostgreSQL database must share it), else
//! `<data_dir>/usher.key`, created on the first start and never overwritten.
//! Losing it makes mail still queued unreadable (it fails, saying why); nothing else.

use std::{
    fs, io,
    path::{Path, PathBuf},
};
use usher_app::error::in_english;

use rand::{RngCore, rngs::OsRng};
use usher_domain::sealed::SecretKey;

use crate::Config;

/// The configured key, or the key file's (created if missing).
pub fn load(config: &Config) -> io::Result<SecretKey> {
    match &config.secret_key {
        Some(text) => {
            SecretKey::parse(text).map_err(|e| io::Error::other(format!("config key `secret_key`: {}", in_english(&e))))
        }
        None => read_or_create(&config.data_dir.join("usher.key")),
    }
}

fn read_or_create(path: &Path) -> io::Result<SecretKey> {
    match read(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => create(path),
        read => read,
    }
}

fn read(path: &Path) -> io::Result<SecretKey> {
    let text = fs::read_to_string(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if fs::metadata(path)?.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the secret key file can be read by other users; chmod 600 it");
        }
    }
    SecretKey::parse(&text).map_err(|e| io::Error::other(format!("{}: {}", path.display(), in_english(&e))))
}

/// Writes a fresh key to a temporary file (mode 0600), then links it in place: the
/// link fails if the file exists, so a key is never overwritten and never seen half
/// written. Another instance that got there first wins; its key is read.
fn create(path: &Path) -> io::Result<SecretKey> {
    let (key, text) = SecretKey::generate(&mut OsRng);
    let temp = PathBuf::from(format!("{}.{:016x}.tmp", path.display(), OsRng.next_u64()));
    let named = |err: io::Error| io::Error::new(err.kind(), format!("creating {}: {err}", path.display()));
    let written = write_private(&temp, &text);
    let linked = written.and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            if let Some(dir) = path.parent() {
                fs::File::open(dir).and_then(|d| d.sync_all()).map_err(named)?;
            }
            tracing::info!(path = %path.display(), "wrote a new secret key that seals queued mail; back it up");
            Ok(key)
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => read(path),
        Err(err) => Err(named(err)),
    }
}

fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{text}\n").as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_owned(), ..Config::default() };
        let first = load(&config).unwrap();
        let path = dir.path().join("usher.key");
        let text = fs::read_to_string(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let sealed = first.seal(&mut OsRng, "row", b"data");
        assert_eq!(load(&config).unwrap().open("row", &sealed).unwrap(), b"data", "the same key on the next start");
        assert_eq!(fs::read_to_string(&path).unwrap(), text, "never overwritten");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        fs::write(&path, "garbage").unwrap();
        assert!(load(&config).unwrap_err().to_string().contains("usher.key"), "a bad file names itself");
    }

    #[test]
    fn a_configured_key_is_checked_used_and_never_printed() {
        let text = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";
        let config = Config { secret_key: Some(text.into()), data_dir: "/nonexistent".into(), ..Config::default() };
        config.check().unwrap();
        let sealed = load(&config).unwrap().seal(&mut OsRng, "row", b"data");
        assert_eq!(SecretKey::parse(text).unwrap().open("row", &sealed).unwrap(), b"data", "no key file needed");
        assert!(!format!("{config:?}").contains(text));
        let short = Config { secret_key: Some("c2hvcnQ=".into()), ..Config::default() };
        assert_eq!(short.check().unwrap_err().key, "secret_key");
    }
}
