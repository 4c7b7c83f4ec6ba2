//! `cargo run --release -p usher-bench`: Usher's benchmark. See docs/PERFORMANCE.md.
//!
//! It starts a bare axum hello-world (the floor) and Usher as separate processes (this
//! same binary in a hidden mode), seeds a fresh SQLite database — and a PostgreSQL one
//! when `USHER_BENCH_POSTGRES_URL` is set — and drives each scenario over real HTTP with
//! keep-alive connections, at 16 and at 64 connections, for a fixed time.

mod load;
mod procs;
mod report;
mod runner;
mod scenarios;
mod seed;
mod wrk;

use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Usher's benchmark")]
struct Cli {
    /// Seconds per scenario and concurrency.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// (internal) serve a bare axum hello-world on PORT.
    #[command(hide = true)]
    ServeHello { port: u16 },
    /// (internal) serve Usher on PORT over DATABASE_URL.
    #[command(hide = true)]
    ServeUsher { data_dir: String, database_url: String, port: u16 },
    /// Migrate and seed DATABASE_URL as the bench does, and write the registration
    /// codes, login-link tokens and group-code accepts (code, tab, session token) to
    /// DATA_DIR/codes.txt, login-links.txt and accepts.txt (one per line): for profiling
    /// one scenario by hand (docs/PERFORMANCE.md).
    Seed { data_dir: String, database_url: String },
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    match cli.mode {
        Some(Mode::ServeHello { port }) => runtime.block_on(serve_hello(port)),
        Some(Mode::ServeUsher { data_dir, database_url, port }) => {
            runtime.block_on(serve_usher(data_dir, database_url, port))
        }
        Some(Mode::Seed { data_dir, database_url }) => runtime.block_on(seed_only(data_dir, database_url)),
        None => {
            let report = runtime.block_on(scenarios::run_all(Duration::from_secs(cli.seconds)));
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&report.json()).expect("json"));
            } else {
                print!("{}", report.table());
            }
            if !report.failures.is_empty() {
                eprintln!("{} scenario(s) failed: more than 1% errors", report.failures.len());
                std::process::exit(1);
            }
        }
    }
}

async fn serve_hello(port: u16) {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    axum::serve(listener, app).await.expect("hello serves");
}

async fn seed_only(data_dir: String, database_url: String) {
    let dir = std::path::Path::new(&data_dir);
    let seeded = seed::prepare(dir, &database_url).await;
    let accepts: Vec<String> = (0..seeded.accepts())
        .map(|k| {
            let (code, session) = seeded.accept(k);
            format!("{code}\t{session}")
        })
        .collect();
    for (name, lines) in
        [("codes.txt", &seeded.registration_codes), ("login-links.txt", &seeded.login_links), ("accepts.txt", &accepts)]
    {
        std::fs::write(dir.join(name), lines.join("\n")).expect("seeded secrets written");
    }
    println!("{}", dir.display());
}

async fn serve_usher(data_dir: String, database_url: String, port: u16) {
    // The filter a deployment runs with (per-request work done for the log counts;
    // nothing is logged per request at it), or `USHER_LOG`'s.
    let filter = tracing_subscriber::EnvFilter::try_from_env("USHER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(usher::DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let config = usher::Config {
        data_dir: data_dir.into(),
        database_url: Some(database_url),
        bind: ([127, 0, 0, 1], port).into(),
        // One load driver is one client address: measure the work, not the limiter.
        rate_limit_invites_per_minute: 0,
        rate_limit_auth_per_minute: 0,
        rate_limit_invite_writes_per_minute: 0,
        rate_limit_app_sign_ins_per_minute: 0,
        rate_limit_emails_per_address_per_hour: 0,
        ..usher::Config::default()
    };
    let listener = tokio::net::TcpListener::bind(config.bind).await.expect("bind");
    usher::serve(config, listener, std::future::pending()).await.expect("usher serves");
}
