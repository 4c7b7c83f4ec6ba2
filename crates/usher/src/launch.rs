//! Starting Usher: connect, migrate, bootstrap the first admin, serve.

use std::{future::Future, sync::Arc};

use chrono::{Duration, Utc};
use tokio::{net::TcpListener, sync::watch};
use usher_app::{Actor, App, apps::AppSettings};
use usher_domain::account::{DisplayName, Email, Username};
use usher_http::AppState;
use usher_jobs::{
    mailer::Mailer,
    runner::{self, Schedule},
    templates::Templates,
};
use usher_storage::{Store, StoreError, model::NewUser};

use crate::{Config, config::DeclaredApp};

/// What the very first start created: the admin, and a one-time link to sign in.
#[derive(Debug)]
pub struct FirstStart {
    pub username: String,
    pub login_link: String,
}

/// Connects to the configured database and applies pending migrations.
pub async fn open_store(config: &Config) -> Result<Store, StoreError> {
    Ok(migrate(config).await?.0)
}

/// Connects and migrates, saying how many migrations ran.
pub async fn migrate(config: &Config) -> Result<(Store, usize), StoreError> {
    if config.database_url.is_none() || config.secret_key.is_none() {
        // The default SQLite file and the key file live in data_dir.
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let key = crate::secret_key::load(config)?;
    let store =
        Store::connect_with(&config.database_url(), config.sqlite_durability.into()).await?.with_secret_key(key);
    let applied = store.migrate().await?;
    if applied > 0 {
        tracing::info!(applied, "database migrated");
    }
    let sealed = store.seal_plain_outbox().await?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed queued mail written in the clear by an older version");
    }
    Ok((store, applied))
}

/// Opens the store and, on a database with no users yet, creates the admin and a
/// login link for it. Returns the app state and, on that first start only, the link.
pub async fn prepare(
    config: &Config,
) -> Result<(AppState, Option<FirstStart>), Box<dyn std::error::Error + Send + Sync>> {
    let store = open_store(config).await?;
    let templates = Templates::load(config.templates_dir.as_deref(), config.mail_look()?)?;
    let state = AppState::new(store, config.settings()).with_mail_templates(Arc::new(templates));
    let first_start = bootstrap_admin(&state, config).await?;
    declare_apps(&state, &config.apps).await?;
    Ok((state, first_start))
}

/// Registers the `[[apps]]` of the configuration, or brings them in line with it.
async fn declare_apps(app: &App, declared: &[DeclaredApp]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    for declared in declared {
        let settings = AppSettings {
            name: Some(declared.name.clone()),
            redirect_uris: Some(declared.redirect_uris.clone()),
            public: Some(declared.public),
            first_party: Some(declared.first_party),
            allowed_groups: None,
            home_url: Some(declared.home_url.clone()),
            post_logout_redirect_uris: Some(declared.post_logout_redirect_uris.clone()),
        };
        let secret = declared.secret()?;
        let operator = Actor::operator();
        app.declare_app(&operator, &declared.client_id, settings, secret.as_deref())
            .await
            .map_err(|e| format!("config key `apps` ({}): {}", declared.client_id, e.explain()))?;
        tracing::info!(client_id = declared.client_id, "app declared in the configuration is registered");
    }
    Ok(())
}

/// Opens the store and the application on it, for the command line.
pub async fn open_app(config: &Config) -> Result<App, StoreError> {
    Ok(App::new(open_store(config).await?, config.settings()))
}

async fn bootstrap_admin(app: &App, config: &Config) -> Result<Option<FirstStart>, usher_app::Error> {
    let store = &app.store;
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let username = Username::parse(&config.admin_username).expect("checked with the config");
    let new = NewUser {
        display_name: DisplayName::from_username(&username),
        email: Email::parse(&config.admin_email).expect("checked with the config"),
        username,
        password_hash: None,
        is_admin: true,
    };
    let operator = Actor::operator();
    let admin = match app.create_user(&operator, new).await {
        Ok(admin) => admin,
        // Another instance got there first.
        Err(usher_app::Error::Refused(usher_app::Reason::Conflict(
            usher_app::error::Conflict::UsernameTaken | usher_app::error::Conflict::EmailTaken,
        ))) => return Ok(None),
        Err(err) => return Err(err),
    };
    let expires_at = Utc::now() + Duration::hours(i64::from(app.settings.login_link_default_hours));
    let minted = app.mint_login_link(&operator, &admin, expires_at, false).await?;
    Ok(Some(FirstStart { username: admin.username, login_link: minted.url }))
}

/// The outbox worker this configuration describes.
pub fn mailer(config: &Config, app: &App) -> Result<Mailer, Box<dyn std::error::Error + Send + Sync>> {
    let public_url = config.public_url();
    let host = public_url.split("://").nth(1).unwrap_or("localhost").split(['/', ':']).next().unwrap_or("localhost");
    Ok(Mailer {
        store: app.store.clone(),
        templates: app.mail_templates.clone(),
        transport: config.transport()?,
        from: config.mail_from()?,
        host: host.to_owned(),
        retry: config.retry_policy(),
    })
}

/// Serves the API and runs the background jobs until `shutdown`; then lets in-flight
/// requests finish and the job runner end its pass.
pub async fn run(
    config: &Config,
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let schedule = Schedule {
        cleanup: Schedule::parse_cron(&config.cleanup_schedule)?,
        retention_days: config.retention_days,
        poll: std::time::Duration::from_millis(config.job_poll_ms),
    };
    let (stop_jobs, stopped) = watch::channel(false);
    let jobs = runner::spawn(Arc::new(mailer(config, &state)?), schedule, stopped);
    let served = crate::http::serve(state, listener, async move {
        shutdown.await;
        let _ = stop_jobs.send(true);
    })
    .await;
    jobs.await?;
    Ok(served?)
}

/// Everything `usher serve` does after parsing arguments: prepare, announce the
/// first-start link on stdout (never in the log), serve until `shutdown`, close.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (state, first_start) = prepare(&config).await?;
    if let Some(first) = first_start {
        println!(
            "\nFirst start: created the admin account \"{}\".\n\
             Sign in with this one-time link (valid {} hours):\n\n    {}\n\n\
             Lost it? `usher login-link {}` prints a new one.\n",
            first.username, config.login_link_expiry_hours, first.login_link, first.username
        );
    }
    let store = state.store.clone();
    tracing::info!(addr = %listener.local_addr()?, backend = ?store.backend(), "usher is listening");
    run(&config, state, listener, shutdown).await?;
    store.close().await;
    tracing::info!("usher stopped");
    Ok(())
}
