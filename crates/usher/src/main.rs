//! The `usher` command: serve (the default), migrate, and the admin's rescue tools.

use std::{io::IsTerminal, path::PathBuf, process::ExitCode};
use usher_app::error::in_english;

use chrono::{Duration, Utc};
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use usher::{
    Config,
    config::LogFormat,
    launch::{open_app, open_store},
};
use usher_app::{Actor, api_keys::NewKey, apps::AppSettings, links::RegistrationInviteSpec};
use usher_domain::account::{DisplayName, Email, Username};
use usher_storage::model::NewUser;

#[derive(Debug, Parser)]
#[command(name = "usher", version, about = "A self-hosted invitation and membership server")]
struct Cli {
    /// Configuration file (default: usher.toml in the working folder, if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Purge inactive invites, expired sessions and old sent mail now, and exit.
    Cleanup,
    /// Print a fresh one-time login link for a user.
    LoginLink {
        username: String,
        /// Hours the link stays valid (default: login_link_expiry_hours).
        #[arg(long)]
        expires_in_hours: Option<u32>,
    },
    /// Manage accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage registration invites.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Manage the applications Usher signs people in to (OpenID Connect).
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Manage the keys that sign ID tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the API keys application back-ends call the API with.
    #[command(subcommand)]
    ApiKeys(ApiKeysCommand),
}

#[derive(Debug, Subcommand)]
enum ApiKeysCommand {
    /// Make a key acting for an instance admin and print it (shown this once).
    Create {
        /// The admin the key acts for.
        #[arg(long)]
        admin: String,
        #[arg(long)]
        name: String,
        /// A scope (`groups:read`, `members:write`, …; repeat for several).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The one group it acts on, by slug (default: every group).
        #[arg(long)]
        group: Option<String>,
        /// Days until it expires (default: never).
        #[arg(long)]
        days: Option<i64>,
    },
    /// List the keys (never the keys themselves).
    List,
    /// Revoke a key by its id.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Subcommand)]
enum AppsCommand {
    /// Register an app and print its client id (and, for a confidential app, its secret).
    Create {
        #[arg(long)]
        name: String,
        /// A URL the app may be sent back to (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A public app (SPA, native): no secret, PKCE required.
        #[arg(long)]
        public: bool,
        /// Trusted by the instance: nobody is asked to consent.
        #[arg(long)]
        first_party: bool,
        #[arg(long)]
        home_url: Option<String>,
    },
    /// List the registered apps.
    List,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make a new signing key; the old one stays published until its ID tokens expire.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user without a password and print a login link for them.
    CreateUser {
        username: String,
        email: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Make the user an instance admin.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum InviteCommand {
    /// Create a registration invite and print its code and link.
    Create {
        #[arg(long)]
        description: Option<String>,
        /// How many people it admits; 0 means unlimited.
        #[arg(long, default_value_t = 1)]
        max_uses: u32,
        /// Hours until it expires (default: never).
        #[arg(long)]
        expires_in_hours: Option<u32>,
        /// Where whoever signs up with it lands: a URL under a registered app's home
        /// page or redirect URIs.
        #[arg(long)]
        return_to: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("usher: {err}");
            return ExitCode::from(2);
        }
    };
    init_tracing(config.log_format);
    let ignored = usher::config::unknown_env();
    if !ignored.is_empty() {
        tracing::warn!(variables = %ignored.join(", "), "ignoring environment variables that name no configuration key");
    }
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("usher: {err}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

async fn run(command: Command, config: Config) -> Result<(), AnyError> {
    match command {
        Command::Serve => {
            if config.metrics_token.is_none() && !config.bind.ip().is_loopback() {
                tracing::warn!(bind = %config.bind, "/metrics is open to whoever reaches this address (see metrics_token)");
            }
            let listener = TcpListener::bind(config.bind).await?;
            usher::serve(config, listener, shutdown_signal()).await
        }
        Command::Migrate => {
            let (store, applied) = usher::launch::migrate(&config).await?;
            println!("applied {applied} migration(s); schema at version {}", store.latest_migration());
            Ok(())
        }
        Command::Cleanup => {
            let store = open_store(&config).await?;
            let purged = usher_jobs::cleanup::run(&store, config.retention_days, Utc::now()).await?;
            println!(
                "purged {} invites, {} sessions, {} sent emails, {} OpenID Connect tokens and codes",
                purged.invites, purged.sessions, purged.mail, purged.tokens
            );
            Ok(())
        }
        Command::LoginLink { username, expires_in_hours } => {
            let app = open_app(&config).await?;
            let operator = Actor::operator();
            let user = app.user_named(&operator, &username).await.map_err(|_| format!("no user named {username:?}"))?;
            let hours = expires_in_hours.unwrap_or(config.login_link_expiry_hours);
            let minted =
                app.mint_login_link(&operator, &user, Utc::now() + Duration::hours(hours.into()), false).await?;
            println!("{}", minted.url);
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser { username, email, display_name, admin }) => {
            let app = open_app(&config).await?;
            let username = Username::parse(&username).map_err(|e| format!("username: {}", in_english(&e)))?;
            let display_name = match display_name {
                Some(name) => DisplayName::parse(&name).map_err(|e| format!("display name: {}", in_english(&e)))?,
                None => DisplayName::from_username(&username),
            };
            let email = Email::parse(&email).map_err(|e| format!("email: {}", in_english(&e)))?;
            let operator = Actor::operator();
            let new = NewUser { username, email, display_name, password_hash: None, is_admin: admin };
            let user = app.create_user(&operator, new).await?;
            let expires_at = Utc::now() + Duration::hours(app.settings.login_link_default_hours.into());
            let minted = app.mint_login_link(&operator, &user, expires_at, false).await?;
            println!("created {} ({})\nsign-in link: {}", user.username, user.id, minted.url);
            Ok(())
        }
        Command::Apps(AppsCommand::Create { name, redirect_uris, public, first_party, home_url }) => {
            let app = open_app(&config).await?;
            let settings = AppSettings {
                name: Some(name),
                redirect_uris: Some(redirect_uris),
                public: Some(public),
                first_party: Some(first_party),
                home_url: Some(home_url),
                ..AppSettings::default()
            };
            let registered = app.create_app(&Actor::operator(), settings, None).await.map_err(|e| e.explain())?;
            println!("client_id: {}", registered.app.client_id);
            if let Some(secret) = registered.client_secret {
                println!(
                    "client_secret: {}\n(shown this once: keep it in the application's configuration)",
                    secret.expose()
                );
            }
            Ok(())
        }
        Command::Apps(AppsCommand::List) => {
            let app = open_app(&config).await?;
            for registered in app.store.apps(None).await? {
                let kind = if registered.public { "public" } else { "confidential" };
                println!(
                    "{}\t{}\t{kind}\t{}",
                    registered.client_id,
                    registered.name,
                    registered.redirect_uris.join(" ")
                );
            }
            Ok(())
        }
        Command::ApiKeys(command) => api_keys(&config, command).await,
        Command::Keys(KeysCommand::Rotate) => {
            let app = open_app(&config).await?;
            println!("new signing key: {}", app.rotate_signing_key().await?);
            Ok(())
        }
        Command::Invite(InviteCommand::Create { description, max_uses, expires_in_hours, return_to }) => {
            let app = open_app(&config).await?;
            let now = Utc::now();
            let return_to = match return_to {
                Some(url) => Some(app.app_url(&url).await?.map_err(|e| format!("--return-to: {}", in_english(&e)))?),
                None => None,
            };
            let spec = RegistrationInviteSpec {
                description,
                max_uses: (max_uses > 0).then_some(max_uses),
                expires_at: expires_in_hours.map(|h| now + Duration::hours(h.into())),
                return_to,
            };
            let invite = app.mint_registration_invite(&Actor::operator(), spec).await?;
            let code = invite.code.map(|c| c.to_string()).unwrap_or_default();
            println!("{code}\n{}", config.settings().registration_url(&code));
            Ok(())
        }
    }
}

/// Log lines to stderr: colour only on a terminal (and not under `NO_COLOR`), as a
/// file or a log collector would keep the escape codes; JSON for machines.
fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("USHER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(usher::DEFAULT_LOG_FILTER));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colour = format == LogFormat::Text && std::io::stderr().is_terminal() && !no_color;
    // A log line that cannot be written (a full disk under `2>>usher.log`) is dropped.
    // By default tracing-subscriber reports it with `eprintln!`, which panics when stderr
    // fails too: requests that logged got no answer, and the shutdown never finished.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .log_internal_errors(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed now, before the server
/// announces it is ready, so a signal that arrives right after is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    };
    async move {
        #[cfg(unix)]
        match streams {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            _ => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// `usher api-keys …`, as the operator.
async fn api_keys(config: &Config, command: ApiKeysCommand) -> Result<(), AnyError> {
    let app = open_app(config).await?;
    let operator = Actor::operator();
    match command {
        ApiKeysCommand::Create { admin, name, scopes, group, days } => {
            let new = NewKey { name, scopes, group_id: None, group_slug: group, expires_in_days: days };
            let made = app.create_api_key_for(&operator, &admin, new).await.map_err(|e| e.explain())?;
            println!(
                "id: {}
key: {}
(shown this once: keep it in the back-end's configuration)",
                made.info.id, made.key
            );
        }
        ApiKeysCommand::List => {
            for key in app.api_keys(&operator).await? {
                let group = key.group_id.map_or_else(|| "every group".to_owned(), |id| id.to_string());
                let expires = key.expires_at.map_or_else(|| "never".to_owned(), |at| at.to_rfc3339());
                println!(
                    "{}	{}	{}	{group}	@{}	expires {expires}",
                    key.id,
                    key.name,
                    key.scopes.to_stored(),
                    key.created_by.username
                );
            }
        }
        ApiKeysCommand::Revoke { id } => {
            app.revoke_api_key(&operator, id).await.map_err(|e| e.explain())?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
