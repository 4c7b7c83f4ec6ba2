//! The hosts of the applications behind Usher's forward authentication
//! (`forward_auth_hosts`): where a person may be sent back to after signing in.

use crate::Invalid;

/// One configured host: `app.example.com` (that host only) or `*.example.com` (any
/// host below `example.com`, not `example.com` itself). Any port of a listed host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// The suffix with its leading dot: `.example.com`.
    Below(String),
}

impl HostPattern {
    /// A host name or address as configured, in any case; `*.` only in front.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim().to_ascii_lowercase();
        let (wildcard, name) = match text.strip_prefix("*.") {
            Some(name) => (true, name),
            None => (false, text.as_str()),
        };
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if name.len() > 253 || !name.split('.').all(label_ok) {
            return Err(Invalid::new("invalid-host").with("host", text));
        }
        Ok(if wildcard { Self::Below(format!(".{name}")) } else { Self::Exact(name.to_owned()) })
    }

    /// Whether `host` (a URL's host, lower case, without port) is this one.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(name) => host == name,
            Self::Below(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
        }
    }
}

/// The configured hosts; none by default (nobody is sent to another host).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts(Vec<HostPattern>);

impl AllowedHosts {
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, Invalid> {
        entries.into_iter().map(HostPattern::parse).collect::<Result<_, _>>().map(Self)
    }

    /// Whether `host` is one of them (compared in lower case).
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.0.iter().any(|pattern| pattern.matches(&host))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_hosts_and_hosts_below_a_domain() {
        let hosts = AllowedHosts::parse(["App.Example.com", "*.apps.example.org", "127.0.0.1"]).unwrap();
        for host in ["app.example.com", "APP.example.COM", "a.apps.example.org", "x.y.apps.example.org", "127.0.0.1"] {
            assert!(hosts.allows(host), "{host}");
        }
        let refused = [
            "apps.example.org",
            "evilapps.example.org",
            "app.example.com.evil.example",
            "evil-app.example.com",
            "example.com",
            "127.0.0.2",
            "",
        ];
        for host in refused {
            assert!(!hosts.allows(host), "{host}");
        }
        assert!(AllowedHosts::default().is_empty() && !AllowedHosts::default().allows("localhost"));
    }

    #[test]
    fn only_host_names_are_configured() {
        for bad in ["", "*", "*.", "https://app.example.com", "app.example.com/x", "a..b", "-a.example", "a*.b", "a b"]
        {
            assert!(HostPattern::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(HostPattern::parse(" *.Example.com ").unwrap(), HostPattern::Below(".example.com".into()));
    }
}
