//! Starting Usher: the first-start admin, migrations on older databases, and the
//! `usher` command itself (serve, graceful shutdown, migrate, login-link, invite).

use std::process::Command;

use reqwest::StatusCode;
use usher_storage::Store;

use crate::harness::{Backend, Serve, TestApp, TestDb, UsherProcess, launch};

on_both_backends!(backend: older_databases_are_migrated);
on_both_backends!(only_the_first_start_creates_an_admin, cli_mints_links_and_invites_that_work);

fn usher(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_usher"));
    command.args(args).envs(db.env()).env("USHER_LOG", "warn").current_dir(&db.config.data_dir);
    command
}

fn run(db: &TestDb, args: &[&str]) -> String {
    let output = usher(db, args).output().expect("usher runs");
    assert!(output.status.success(), "usher {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

async fn only_the_first_start_creates_an_admin(app: TestApp) {
    // The harness already made the first start and signed the admin in.
    let again = launch(&app.config, Serve::Nothing).await;
    assert!(again.first_start_link.is_none(), "a later start creates no admin and prints no link");
    assert_eq!(app.store.count_users().await.unwrap(), 1);
    let (status, me) = app.get("/me", Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((me["user"]["username"].as_str(), me["user"]["is_admin"].as_bool()), (Some("admin"), Some(true)));
}

async fn cli_mints_links_and_invites_that_work(app: TestApp) {
    let link = run(&app.db, &["login-link", "admin"]);
    let token = link.trim().rsplit('/').next().unwrap();
    assert!(link.trim().starts_with(&app.config.public_url()), "{link}");
    assert_eq!(app.redeem_login_link(token).await.0, StatusCode::OK, "an admin who lost access gets back in");
    let printed = run(&app.db, &["invite", "create", "--description", "from the shell", "--max-uses", "2"]);
    let code = printed.lines().next().unwrap().trim().to_owned();
    assert_eq!(app.register("shelly", Some(&code)).await.0, StatusCode::CREATED);
    let invite = app.invite(&code).await;
    assert_eq!((invite.uses, invite.max_uses), (1, Some(2)));
    let created = run(&app.db, &["admin", "create-user", "rescue", "rescue@example.com"]);
    let rescue_link = created.lines().find_map(|l| l.strip_prefix("sign-in link: ")).expect("a link is printed");
    let (status, body) = app.redeem_login_link(rescue_link.rsplit('/').next().unwrap()).await;
    assert_eq!((status, body["username"].as_str()), (StatusCode::OK, Some("rescue")));
    let cleaned = run(&app.db, &["cleanup"]);
    assert!(cleaned.starts_with("purged 0 invites, 0 sessions, 0 sent emails"), "{cleaned}");
    let missing = usher(&app.db, &["login-link", "nobody"]).output().unwrap();
    assert!(!missing.status.success());
}

/// An older database (only the first migration) is brought up to date by starting the
/// newer code, keeping its data; `usher migrate` afterwards, twice, changes nothing.
async fn older_databases_are_migrated(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let old = Store::connect(&db.config.database_url()).await.unwrap();
    old.migrate_to(1).await.unwrap();
    assert_eq!(old.applied_migrations().await.unwrap(), 1);
    old.close().await;
    let newer = launch(&db.config, Serve::Nothing).await;
    assert!(newer.first_start_link.is_some(), "the old database had no users yet");
    let latest = newer.store.latest_migration();
    assert_eq!(newer.store.applied_migrations().await.unwrap() as i64, latest);
    assert_eq!(newer.store.count_users().await.unwrap(), 1);
    newer.store.close().await;
    for _ in 0..2 {
        let out = run(&db, &["migrate"]);
        assert!(out.starts_with("applied 0 migration(s)"), "{out}");
    }
    let again = launch(&db.config, Serve::Nothing).await;
    assert!(again.first_start_link.is_none());
    assert_eq!(again.store.count_users().await.unwrap(), 1, "data survived");
}

/// Starts `usher` (no arguments), stops it with SIGTERM, checks it exits cleanly, and
/// answers what it printed on stdout.
fn start_and_stop(db: &TestDb) -> String {
    let usher = UsherProcess::start(db, &[]);
    usher.signal("-TERM");
    let (exit, stdout, _) = usher.wait();
    assert!(exit.success(), "SIGTERM is a clean shutdown: {exit:?}");
    stdout
}

#[test]
fn the_binary_prints_a_link_on_the_first_start_only() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDb::new(Backend::Sqlite)) else {
        return;
    };
    let first = start_and_stop(&db);
    assert!(first.contains("created the admin account \"admin\""), "{first}");
    assert!(first.contains("/l/"), "{first}");
    let second = start_and_stop(&db);
    assert!(!second.contains("/l/"), "later starts print no link: {second}");
}

/// A bad value stops start-up with a message naming its key, from the file or the
/// environment, and nothing is served or written.
#[test]
fn bad_config_values_name_their_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("usher.toml"), "retention_days = \"a month\"\n").unwrap();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "retention_days"),
        (&[("USHER_RETENTION_DAYS", "30"), ("USHER_REGISTRATION", "sometimes")], "registration"),
        (&[("USHER_RETENTION_DAYS", "30"), ("USHER_BIND", "localhost")], "bind"),
        (&[("USHER_RETENTION_DAYS", "30"), ("USHER_PUBLIC_URL", "ftp://x")], "public_url"),
    ];
    for (env, key) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_usher"))
            .current_dir(dir.path())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("config key `{key}`")), "{key}: {stderr}");
    }
    assert!(!dir.path().join("usher.db").exists(), "nothing was created");
}

/// A Kubernetes Service named `usher` puts `USHER_PORT=tcp://…` and friends into every
/// pod: Usher starts and names them in a warning. A typo in `usher.toml`, typed by a
/// person, still stops start-up, naming the key.
#[test]
fn kubernetes_service_variables_warn_but_file_typos_stop_start_up() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDb::new(Backend::Sqlite)) else { return };
    let service = [
        ("USHER_PORT", "tcp://10.96.0.12:8080"),
        ("USHER_SERVICE_HOST", "10.96.0.12"),
        ("USHER_SERVICE_PORT", "8080"),
        ("USHER_PORT_8080_TCP", "tcp://10.96.0.12:8080"),
        ("USHER_PORT_8080_TCP_PROTO", "tcp"),
        ("USHER_PORT_8080_TCP_PORT", "8080"),
        ("USHER_PORT_8080_TCP_ADDR", "10.96.0.12"),
    ];
    let env: Vec<(&str, String)> = service.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    let server = UsherProcess::start(&db, &env);
    server.signal("-TERM");
    let (exit, _, logs) = server.wait();
    assert!(exit.success(), "{exit:?}: {logs}");
    let warning =
        logs.lines().find(|l| l.contains("WARN") && l.contains("USHER_PORT")).unwrap_or_else(|| panic!("{logs}"));
    assert!(service.iter().all(|(name, _)| warning.contains(name)), "{warning}");
    assert!(!warning.contains("10.96.0.12"), "names, not values: {warning}");

    std::fs::write(db.config.data_dir.join("usher.toml"), "retention_dayz = 30\n").unwrap();
    let output = usher(&db, &[]).envs(service).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("retention_dayz"), "{stderr}");
}
