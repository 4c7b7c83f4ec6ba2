use super::*;

#[test]
fn defaults_are_valid() {
    let config = Config::default();
    config.check().unwrap();
    assert_eq!(config.public_url(), "http://127.0.0.1:8080");
    assert!(config.database_url().starts_with("sqlite://") && config.database_url().ends_with("usher.db"));
}

#[test]
fn passwords_are_redacted() {
    assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    assert_eq!(redact("smtp://h:25"), "smtp://h:25");
    let config = Config {
        database_url: Some("postgres://u:hunter2@h/db".into()),
        metrics_token: Some("correct-horse-battery-staple".into()),
        ..Config::default()
    };
    assert!(!format!("{config:?}").contains("hunter2"));
    assert!(
        !format!("{config:?}").contains("correct-horse") && !format!("{:?}", config.settings()).contains("correct")
    );
}

#[test]
fn trusted_proxies_take_addresses_and_ranges() {
    let config = Config { trusted_proxies: vec!["10.0.0.0/8".into(), " 127.0.0.1".into()], ..Config::default() };
    config.check().unwrap();
    let nets = config.settings().trusted_proxies;
    assert!(nets[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
    assert_eq!(nets[1].to_string(), "127.0.0.1/32");
}

#[test]
fn bad_values_name_their_key() {
    let cases: [(&str, Config); 19] = [
        ("accent_color", Config { accent_color: "blue".into(), ..Config::default() }),
        // Too light for white text on it: 1.9:1.
        ("accent_color", Config { accent_color: "#9db4ff".into(), ..Config::default() }),
        ("instance_name", Config { instance_name: " ".into(), ..Config::default() }),
        ("instance_name", Config { instance_name: "Two\nlines".into(), ..Config::default() }),
        ("logo_url", Config { logo_url: Some("http://example.com/logo.png".into()), ..Config::default() }),
        ("time_zone", Config { time_zone: "Mars/Olympus".into(), ..Config::default() }),
        ("default_locale", Config { default_locale: "fr".into(), ..Config::default() }),
        ("cookie_domain", Config { cookie_domain: Some("https://example.com".into()), ..Config::default() }),
        // The default public URL is on 127.0.0.1: a cookie for example.com never comes back.
        ("cookie_domain", Config { cookie_domain: Some("example.com".into()), ..Config::default() }),
        ("forward_auth_hosts", Config { forward_auth_hosts: vec!["app.example.com/x".into()], ..Config::default() }),
        ("metrics_token", Config { metrics_token: Some("short".into()), ..Config::default() }),
        ("mail_transport", Config { mail_transport: "smtp://bad host:x".into(), ..Config::default() }),
        ("mail_from", Config { mail_from: "nobody".into(), ..Config::default() }),
        ("cleanup_schedule", Config { cleanup_schedule: "every day".into(), ..Config::default() }),
        ("public_url", Config { public_url: Some("ftp://x".into()), ..Config::default() }),
        ("roles", Config { manage_role: "boss".into(), ..Config::default() }),
        ("login_link_url", Config { login_link_url: "{public_url}/l/".into(), ..Config::default() }),
        ("mail_transport", Config { mail_transport: "carrier-pigeon".into(), ..Config::default() }),
        ("trusted_proxies", Config { trusted_proxies: vec!["10.0.0.0/8".into(), "proxy".into()], ..Config::default() }),
    ];
    for (key, config) in cases {
        assert_eq!(config.check().unwrap_err().key, key);
    }
}

#[test]
fn the_look_of_mail_and_pages_is_configured() {
    let config = Config {
        instance_name: "  Gia phả  ".into(),
        logo_url: Some("https://example.com/logo.png".into()),
        accent_color: "#B03A2E".into(),
        time_zone: "Asia/Ho_Chi_Minh".into(),
        default_locale: "vi-VN".into(),
        ..Config::default()
    };
    config.check().unwrap();
    let look = config.mail_look().unwrap();
    assert_eq!((look.name.as_str(), look.accent.as_str()), ("Gia phả", "#b03a2e"));
    assert_eq!((look.time_zone.name(), look.default_locale.tag()), ("Asia/Ho_Chi_Minh", "vi"));
}

#[test]
fn the_cookie_domain_covers_the_public_url_and_forward_hosts_parse() {
    let config = Config {
        public_url: Some("https://usher.example.com/".into()),
        cookie_domain: Some(".Example.com".into()),
        forward_auth_hosts: vec!["app.example.com".into(), "*.apps.example.com".into()],
        ..Config::default()
    };
    config.check().unwrap();
    let settings = config.settings();
    assert_eq!(settings.cookie_domain.as_deref(), Some("example.com"));
    assert!(
        settings.forward_auth_hosts.allows("app.example.com")
            && settings.forward_auth_hosts.allows("x.apps.example.com")
    );
    assert!(!settings.forward_auth_hosts.allows("evil.example"));
    let exact = Config { cookie_domain: Some("usher.example.com".into()), ..config.clone() };
    exact.check().unwrap();
    let other = Config { cookie_domain: Some("sample.com".into()), ..config };
    assert_eq!(other.check().unwrap_err().key, "cookie_domain");
}
