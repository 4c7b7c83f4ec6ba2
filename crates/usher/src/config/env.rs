//! Which `USHER_*` environment variables are configuration. Only those that name a
//! key are read; the others are named in a warning at start, never a refusal.

use std::sync::OnceLock;

use figment::{
    Figment,
    providers::{Env, Serialized},
};

use super::Config;

pub(super) const PREFIX: &str = "USHER_";

/// Every key's name, as serde knows it: the list the derived `Deserialize` gives with
/// the error of an unknown key, asked once.
pub(super) fn keys() -> &'static [&'static str] {
    static KEYS: OnceLock<&'static [&'static str]> = OnceLock::new();
    KEYS.get_or_init(|| match Figment::from(Serialized::default("?", 0)).extract::<Config>().map_err(|e| e.kind) {
        Err(figment::error::Kind::UnknownField(_, keys)) => keys,
        _ => unreachable!("`?` is no key"),
    })
}

/// `USHER_*` variables that name no key and are not Usher's own (the log filter, the
/// test suite's): ignored, and worth a warning. Kubernetes sets `USHER_PORT=tcp://…`,
/// `USHER_SERVICE_HOST` and more in every pod when a Service is called `usher`, so
/// these cannot stop start-up — and no key may be called `port`, `service_host`,
/// `service_port` or `port_*`. A typo in `usher.toml` still does.
pub fn unknown_env() -> Vec<String> {
    const OWN: [&str; 4] = ["log", "test_postgres_url", "require_browser", "bench_postgres_url"];
    let env = Env::prefixed(PREFIX);
    let mut unknown: Vec<String> = env
        .iter()
        .map(|(key, _)| key.as_str().to_ascii_lowercase())
        .filter(|key| !keys().contains(&key.as_str()) && !OWN.contains(&key.as_str()))
        .map(|key| format!("{PREFIX}{}", key.to_ascii_uppercase()))
        .collect();
    unknown.sort();
    unknown
}

#[cfg(test)]
mod tests {
    use super::keys;

    #[test]
    fn keys_are_the_fields_and_none_is_a_kubernetes_service_variable() {
        assert!(keys().contains(&"bind") && keys().contains(&"metrics_token") && keys().len() > 30);
        for key in keys() {
            let service_like = ["port", "service_host", "service_port"].contains(key) || key.starts_with("port_");
            assert!(!service_like, "`USHER_{}` is what Kubernetes sets for a Service", key.to_uppercase());
        }
    }
}
