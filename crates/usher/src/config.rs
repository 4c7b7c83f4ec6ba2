//! Configuration: one typed struct, layered defaults → `usher.toml` → `USHER_*`
//! environment (the environment wins). A bad value stops start-up naming its key.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

mod apps;
mod check;
mod env;

pub use apps::DeclaredApp;

pub use env::unknown_env;
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::Deserialize;
use std::time::Duration;
use usher_domain::{role::Roles, token::TokenHash};

use lettre::message::Mailbox;
use usher_app::{Registration, Settings, limits::RateLimitSettings};
use usher_i18n::Locale;
use usher_jobs::{mailer::RetryPolicy, templates::MailLook, transport::Transport};
use usher_storage::SqliteDurability;

/// Every key of SPEC §8, with its default.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; default `sqlite://usher.db` under `data_dir`.
    pub database_url: Option<String>,
    /// Where the SQLite database (and the `log` transport's mail files) live.
    pub data_dir: PathBuf,
    /// What an acknowledged SQLite commit survives: `process` (a crash or kill -9;
    /// the default) or `power_loss` (also a power cut, at one fsync per commit).
    pub sqlite_durability: Durability,
    pub bind: SocketAddr,
    /// Base of every link handed out; default `http://<bind>`.
    pub public_url: Option<String>,
    pub registration: Registration,
    /// Roles, highest first.
    pub roles: Vec<String>,
    /// Lowest role that manages a group's invites.
    pub manage_role: String,
    /// Template of login-link URLs, with `{public_url}` and `{token}`.
    pub login_link_url: String,
    /// `log`, or an `smtp://` / `smtps://` URL (delivery arrives with the outbox).
    pub mail_transport: String,
    pub mail_from: String,
    pub templates_dir: Option<PathBuf>,
    /// The instance's name, at the top of its email (without a logo) and in its footer.
    pub instance_name: String,
    /// An `https://` image shown at the top of its email instead of the name.
    pub logo_url: Option<String>,
    /// The colour of the email's button and links, `#rrggbb`.
    pub accent_color: String,
    /// The IANA time zone email writes times in (e.g. `Europe/Paris`).
    pub time_zone: String,
    /// The language of email whose invitation names none: `en` or `vi`.
    pub default_locale: String,
    /// Cron schedule of the cleanup job (UTC).
    pub cleanup_schedule: String,
    pub retention_days: u32,
    /// Outbox: wait before the second delivery attempt (doubling after), its cap, the
    /// attempts before a message fails, and how long a worker holds a claimed message.
    pub mail_retry_base_ms: u64,
    pub mail_retry_max_ms: u64,
    pub mail_max_attempts: u32,
    pub mail_lease_secs: u64,
    /// Longest pause of the idle job runner: a fallback, as queued mail wakes it and it
    /// wakes itself when a retry or the cleanup falls due.
    pub job_poll_ms: u64,
    pub session_ttl_days: u32,
    pub login_link_expiry_hours: u32,
    pub login_link_max_expiry_hours: u32,
    pub registration_invite_max_expiry_hours: u32,
    /// Group codes: default and longest life in hours.
    pub group_code_expiry_hours: u32,
    pub group_code_max_expiry_hours: u32,
    /// Email invitations: default and longest life in hours.
    pub invitation_expiry_hours: u32,
    pub invitation_max_expiry_hours: u32,
    /// Resends allowed per email invitation.
    pub resend_limit: u32,
    /// Requests per minute (0: no limit): invite look-ups and acceptance per client IP;
    /// sign-in, sign-up and login-link redemption per client IP; invite creation and
    /// resends per user.
    pub rate_limit_invites_per_minute: u32,
    pub rate_limit_auth_per_minute: u32,
    pub rate_limit_invite_writes_per_minute: u32,
    pub rate_limit_app_sign_ins_per_minute: u32,
    pub rate_limit_emails_per_address_per_hour: u32,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the
    /// client; empty: the socket's peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Username and email of the admin created on the very first start.
    pub admin_username: String,
    pub admin_email: String,
    /// `text` (default) or `json` log lines.
    pub log_format: LogFormat,
    /// When set, `/metrics` answers only `Authorization: Bearer <metrics_token>`.
    pub metrics_token: Option<String>,
    /// Base64 of 32 bytes sealing queued mail at rest; default: `<data_dir>/usher.key`.
    pub secret_key: Option<String>,
    /// The session cookie's `Domain` (e.g. `example.com`: one sign-in for every
    /// `*.example.com` application); unset: the cookie is `public_url`'s host's alone.
    pub cookie_domain: Option<String>,
    /// Hosts (`app.example.com`, `*.example.com`) that forward authentication may send
    /// people back to after signing in.
    pub forward_auth_hosts: Vec<String>,
    /// `[[apps]]`: OpenID Connect applications declared as code (`config/apps.rs`).
    pub apps: Vec<DeclaredApp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    #[default]
    Process,
    PowerLoss,
}

impl From<Durability> for SqliteDurability {
    fn from(d: Durability) -> Self {
        match d {
            Durability::Process => Self::Process,
            Durability::PowerLoss => Self::PowerLoss,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            data_dir: PathBuf::from("."),
            sqlite_durability: Durability::Process,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            registration: Registration::InviteOnly,
            roles: ["owner", "admin", "member", "viewer"].map(String::from).to_vec(),
            manage_role: "admin".to_owned(),
            login_link_url: "{public_url}/l/{token}".to_owned(),
            mail_transport: "log".to_owned(),
            mail_from: "Usher <noreply@localhost>".to_owned(),
            templates_dir: None,
            instance_name: "Usher".to_owned(),
            logo_url: None,
            accent_color: "#2f5bd3".to_owned(),
            time_zone: "UTC".to_owned(),
            default_locale: "en".to_owned(),
            cleanup_schedule: "0 2 * * *".to_owned(),
            retention_days: 30,
            mail_retry_base_ms: 10_000,
            mail_retry_max_ms: 3_600_000,
            mail_max_attempts: 10,
            mail_lease_secs: 60,
            job_poll_ms: 30_000,
            session_ttl_days: 30,
            login_link_expiry_hours: 4,
            login_link_max_expiry_hours: 168,
            registration_invite_max_expiry_hours: 8760,
            group_code_expiry_hours: 24,
            group_code_max_expiry_hours: 168,
            invitation_expiry_hours: 168,
            invitation_max_expiry_hours: 720,
            resend_limit: 3,
            rate_limit_invites_per_minute: RateLimitSettings::default().invites_per_minute,
            rate_limit_auth_per_minute: RateLimitSettings::default().auth_per_minute,
            rate_limit_invite_writes_per_minute: RateLimitSettings::default().invite_writes_per_minute,
            rate_limit_app_sign_ins_per_minute: RateLimitSettings::default().app_sign_ins_per_minute,
            rate_limit_emails_per_address_per_hour: RateLimitSettings::default().emails_per_address_per_hour,
            trusted_proxies: Vec::new(),
            admin_username: "admin".to_owned(),
            admin_email: "admin@localhost.localdomain".to_owned(),
            log_format: LogFormat::Text,
            metrics_token: None,
            secret_key: None,
            cookie_domain: None,
            forward_auth_hosts: Vec::new(),
            apps: Vec::new(),
        }
    }
}

/// A configuration value that cannot be used, naming its key.
#[derive(Debug, thiserror::Error)]
#[error("config key `{key}`: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self { key: key.to_owned(), message: message.into() }
    }
}

impl Config {
    /// Loads `path` (or `usher.toml` in the working folder, if present), then the
    /// environment, then checks every value.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let file = path.unwrap_or(Path::new("usher.toml"));
        if path.is_some() && !file.exists() {
            return Err(ConfigError::new("config", format!("{} does not exist", file.display())));
        }
        // Only variables that name a key: a platform may set others (see `unknown_env`).
        let env = Env::prefixed(env::PREFIX).filter(|key| env::keys().iter().any(|k| key == *k));
        let figment = Figment::new().merge(Toml::file(file)).merge(env);
        let config: Self = figment.extract().map_err(|err| {
            let key = if err.path.is_empty() { "config".to_owned() } else { err.path.join(".") };
            let source = err.metadata.as_ref().map(|m| format!(" (from {})", m.name)).unwrap_or_default();
            ConfigError::new(&key, format!("{}{source}", err.kind))
        })?;
        config.check()?;
        Ok(config)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("usher.db").display()))
    }

    pub fn public_url(&self) -> String {
        let url = self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.bind));
        url.trim_end_matches('/').to_owned()
    }

    /// The sender of every email, e.g. `Family Tree <noreply@example.com>`.
    /// How this instance's mail looks and reads.
    pub fn mail_look(&self) -> Result<MailLook, ConfigError> {
        let accent = &self.accent_color;
        if !(accent.len() == 7 && accent.starts_with('#') && accent[1..].bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(ConfigError::new("accent_color", "must be a colour like #2f5bd3"));
        }
        // White text on it (buttons), and it as text on white (links): 4.5:1 both ways.
        if contrast_with_white(accent) < 4.5 {
            return Err(ConfigError::new(
                "accent_color",
                "must be dark enough for white text on it (4.5:1), e.g. #2f5bd3",
            ));
        }
        let name = self.instance_name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ConfigError::new("instance_name", "must be 1 to 100 characters on one line"));
        }
        if let Some(logo) = &self.logo_url
            && !url::Url::parse(logo).is_ok_and(|u| u.scheme() == "https" && u.host().is_some())
        {
            return Err(ConfigError::new("logo_url", "must be an https:// URL"));
        }
        let time_zone = self
            .time_zone
            .parse()
            .map_err(|_| ConfigError::new("time_zone", "must be an IANA time zone such as Europe/Paris or UTC"))?;
        let default_locale = Locale::parse(&self.default_locale).ok_or_else(|| {
            let shipped: Vec<_> = Locale::ALL.iter().map(|l| l.tag()).collect();
            ConfigError::new("default_locale", format!("must be one of: {}", shipped.join(", ")))
        })?;
        Ok(MailLook {
            name: name.to_owned(),
            logo_url: self.logo_url.clone(),
            accent: accent.to_ascii_lowercase(),
            time_zone,
            default_locale,
        })
    }

    pub fn mail_from(&self) -> Result<Mailbox, String> {
        self.mail_from.parse().map_err(|e| format!("must be an address like `Name <noreply@example.com>`: {e}"))
    }

    /// Where mail goes. An SMTP exchange may take half the lease at most, so a message
    /// is never claimed by a second worker while the first is still sending it.
    pub fn transport(&self) -> Result<Transport, String> {
        Transport::from_config(&self.mail_transport, &self.data_dir, Duration::from_secs(self.mail_lease_secs) / 2)
    }

    /// The outbox worker's retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(self.mail_retry_base_ms),
            max: Duration::from_millis(self.mail_retry_max_ms),
            max_attempts: self.mail_max_attempts,
            lease: Duration::from_secs(self.mail_lease_secs),
        }
    }

    pub fn roles(&self) -> Result<Roles, usher_domain::Invalid> {
        Roles::new(self.roles.clone(), &self.manage_role)
    }

    /// What the HTTP layer needs. Call after [`Config::check`].
    pub fn settings(&self) -> Settings {
        Settings {
            registration: self.registration,
            login_link_url: self.login_link_url.clone(),
            session_ttl: chrono::Duration::days(i64::from(self.session_ttl_days)),
            login_link_default_hours: self.login_link_expiry_hours,
            login_link_max_hours: self.login_link_max_expiry_hours,
            registration_invite_max_hours: self.registration_invite_max_expiry_hours,
            roles: self.roles().unwrap_or_default(),
            group_code_default_hours: self.group_code_expiry_hours,
            group_code_max_hours: self.group_code_max_expiry_hours,
            invitation_default_hours: self.invitation_expiry_hours,
            invitation_max_hours: self.invitation_max_expiry_hours,
            resend_limit: self.resend_limit,
            retention_days: self.retention_days,
            rate_limits: RateLimitSettings {
                invites_per_minute: self.rate_limit_invites_per_minute,
                auth_per_minute: self.rate_limit_auth_per_minute,
                invite_writes_per_minute: self.rate_limit_invite_writes_per_minute,
                app_sign_ins_per_minute: self.rate_limit_app_sign_ins_per_minute,
                emails_per_address_per_hour: self.rate_limit_emails_per_address_per_hour,
            },
            trusted_proxies: self.trusted_proxies().unwrap_or_default(),
            metrics_token: self.metrics_token.as_deref().map(TokenHash::of),
            cookie_domain: self.cookie_domain(&self.public_url()).unwrap_or_default(),
            forward_auth_hosts: self.forward_auth_hosts().unwrap_or_default(),
            ..Settings::new(self.public_url())
        }
    }
}

/// Hides the password of `scheme://user:password@host` URLs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Secrets in URLs (database and SMTP passwords) are redacted.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact(&self.database_url()))
            .field("data_dir", &self.data_dir)
            .field("bind", &self.bind)
            .field("public_url", &self.public_url())
            .field("registration", &self.registration)
            .field("roles", &self.roles)
            .field("manage_role", &self.manage_role)
            .field("login_link_url", &self.login_link_url)
            .field("mail_transport", &redact(&self.mail_transport))
            .field("mail_from", &self.mail_from)
            .field("templates_dir", &self.templates_dir)
            .field("instance_name", &self.instance_name)
            .field("logo_url", &self.logo_url)
            .field("accent_color", &self.accent_color)
            .field("time_zone", &self.time_zone)
            .field("default_locale", &self.default_locale)
            .field("cleanup_schedule", &self.cleanup_schedule)
            .field("retention_days", &self.retention_days)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cookie_domain", &self.cookie_domain)
            .field("forward_auth_hosts", &self.forward_auth_hosts)
            .field("apps", &self.apps)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

/// WCAG's contrast ratio of `#rrggbb` against white.
fn contrast_with_white(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    1.05 / (luminance + 0.05)
}
