//! What serde's types alone cannot check in a configuration: every value a start-up
//! refuses, naming its key.

use usher_app::error::in_english;
use usher_domain::{
    account::{Email, Username},
    hosts::{AllowedHosts, HostPattern},
    sealed::SecretKey,
};
use usher_jobs::runner::Schedule;

use super::{Config, ConfigError, apps};

impl Config {
    /// `trusted_proxies` as networks; a bare address is a network of one.
    pub(super) fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError::new("trusted_proxies", format!("`{entry}` is not an IP address or CIDR range"))
                    })
            })
            .collect()
    }

    /// Checks what serde's types alone cannot.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.trusted_proxies()?;
        let db = self.database_url();
        usher_storage::Backend::of_url(&db).map_err(|e| ConfigError::new("database_url", e.to_string()))?;
        let public_url = self.public_url();
        let scheme_ok = public_url.starts_with("http://") || public_url.starts_with("https://");
        if !scheme_ok || public_url.contains(char::is_whitespace) || public_url.len() <= "https://".len() {
            return Err(ConfigError::new("public_url", "must be an http:// or https:// URL"));
        }
        self.roles().map_err(|e| ConfigError::new("roles", in_english(&e)))?;
        if !self.login_link_url.contains("{token}") {
            return Err(ConfigError::new("login_link_url", "must contain {token}"));
        }
        self.transport().map_err(|e| ConfigError::new("mail_transport", e))?;
        self.mail_from().map_err(|e| ConfigError::new("mail_from", e))?;
        self.mail_look()?;
        Schedule::parse_cron(&self.cleanup_schedule).map_err(|e| ConfigError::new("cleanup_schedule", e))?;
        positive("mail_max_attempts", self.mail_max_attempts)?;
        if self.mail_lease_secs < 2 {
            return Err(ConfigError::new("mail_lease_secs", "must be at least 2"));
        }
        positive("retention_days", self.retention_days)?;
        positive("session_ttl_days", self.session_ttl_days)?;
        positive("login_link_max_expiry_hours", self.login_link_max_expiry_hours)?;
        positive("registration_invite_max_expiry_hours", self.registration_invite_max_expiry_hours)?;
        let expiries = [
            ("login_link_expiry_hours", self.login_link_expiry_hours, self.login_link_max_expiry_hours),
            ("group_code_expiry_hours", self.group_code_expiry_hours, self.group_code_max_expiry_hours),
            ("invitation_expiry_hours", self.invitation_expiry_hours, self.invitation_max_expiry_hours),
        ];
        for (key, default, max) in expiries {
            if !(1..=max).contains(&default) {
                return Err(ConfigError::new(key, format!("must be from 1 to {max} (its maximum)")));
            }
        }
        Username::parse(&self.admin_username).map_err(|e| ConfigError::new("admin_username", in_english(&e)))?;
        Email::parse(&self.admin_email).map_err(|e| ConfigError::new("admin_email", in_english(&e)))?;
        if self.metrics_token.as_ref().is_some_and(|t| t.len() < 16 || !t.bytes().all(|b| b.is_ascii_graphic())) {
            return Err(ConfigError::new("metrics_token", "must be at least 16 visible ASCII characters"));
        }
        if let Some(key) = &self.secret_key {
            SecretKey::parse(key).map_err(|e| ConfigError::new("secret_key", in_english(&e)))?;
        }
        self.cookie_domain(&public_url)?;
        self.forward_auth_hosts()?;
        apps::check(&self.apps)?;
        Ok(())
    }

    /// `cookie_domain`, lower case: a host name that `public_url`'s host is, or is
    /// below (a browser drops a cookie for any other domain).
    pub(super) fn cookie_domain(&self, public_url: &str) -> Result<Option<String>, ConfigError> {
        let Some(domain) = &self.cookie_domain else { return Ok(None) };
        let key = "cookie_domain";
        let domain = domain.trim().trim_start_matches('.');
        let Ok(HostPattern::Exact(domain)) = HostPattern::parse(domain) else {
            return Err(ConfigError::new(key, format!("`{domain}` is not a host name like `example.com`")));
        };
        let host = url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        let covered = host.is_some_and(|h| h == domain || h.ends_with(&format!(".{domain}")));
        if !covered {
            return Err(ConfigError::new(key, format!("`public_url` ({public_url}) is not on `{domain}` or below it")));
        }
        Ok(Some(domain))
    }

    pub(super) fn forward_auth_hosts(&self) -> Result<AllowedHosts, ConfigError> {
        AllowedHosts::parse(self.forward_auth_hosts.iter().map(String::as_str))
            .map_err(|e| ConfigError::new("forward_auth_hosts", in_english(&e)))
    }
}

fn positive(key: &str, value: u32) -> Result<(), ConfigError> {
    if value == 0 { Err(ConfigError::new(key, "must be at least 1")) } else { Ok(()) }
}
