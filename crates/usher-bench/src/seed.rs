//! Realistic data, written straight into the database in large transactions (seeding
//! through the API would measure the seeding): 10,000 users with sessions, 1,000
//! groups, 142,000 invites of every kind. Secrets are generated here, so the load
//! driver can present them; only their hashes are stored, as Usher would.

use rand::{Rng, rngs::OsRng};
use sqlx::Connection;
use usher_domain::{code::InviteCode, token::TokenHash};
use uuid::Uuid;

pub const USERS: usize = 10_000;
pub const GROUPS: usize = 1_000;
/// One group code per group with this much room: (d) accepts distinct users into them.
pub const GROUP_CODE_USES: usize = 100;
pub const REGISTRATION_CODES: usize = 40_000;
pub const EMAIL_INVITATIONS: usize = 20_000;
/// Enough for each of the two (c) runs to redeem for its whole time (40,000 each).
pub const LOGIN_LINKS: usize = 80_000;
/// Authorization codes for the token endpoint's runs (j), and refresh tokens for (k):
/// each is used once. Signing bounds both at a few thousand a second.
pub const OAUTH_CODES: usize = 40_000;
pub const REFRESH_TOKENS: usize = 40_000;
/// Where the bench's app sends people back to (its codes are bound to it).
pub const REDIRECT_URI: &str = "https://bench.example/callback";

/// What the scenarios need to know about the seeded data.
#[derive(Debug)]
pub struct Seeded {
    pub admin_session: String,
    /// Session of user `i`.
    pub sessions: Vec<String>,
    /// Group `g`'s code (room for [`GROUP_CODE_USES`]).
    pub group_codes: Vec<String>,
    /// Active single-use registration codes, for look-ups.
    pub registration_codes: Vec<String>,
    /// An unlimited registration code, for registrations.
    pub open_code: String,
    /// Unused login-link tokens.
    pub login_links: Vec<String>,
    /// A code with `max_uses = 100` for the race, in a group none of the users is in.
    pub race_code: String,
    /// A confidential OpenID Connect app: its client id and secret.
    pub client: (String, String),
    /// Unused authorization codes of that app, each for one user.
    pub oauth_codes: Vec<String>,
    /// Live refresh tokens of that app, each its own grant.
    pub refresh_tokens: Vec<String>,
}

impl Seeded {
    /// How many group-code accepts the seed has room for (every slot of every code).
    pub fn accepts(&self) -> usize {
        self.group_codes.len() * GROUP_CODE_USES
    }

    /// Accept `k`'s code and session: group k mod 1,000 (consecutive accepts hit
    /// different codes, as real traffic would), by the (k div 1,000)-th of that group's
    /// 100 distinct users.
    pub fn accept(&self, k: usize) -> (&str, &str) {
        let groups = self.group_codes.len();
        let (group, nth) = (k % groups, k / groups);
        (&self.group_codes[group], &self.sessions[(group * GROUP_CODE_USES + nth) % USERS])
    }
}

/// Migrates `database_url` as Usher would and seeds it (see [`seed`]).
pub async fn prepare(data_dir: &std::path::Path, database_url: &str) -> Seeded {
    let config = usher::Config {
        data_dir: data_dir.to_owned(),
        database_url: Some(database_url.to_owned()),
        ..usher::Config::default()
    };
    usher::launch::migrate(&config).await.expect("migrations").0.close().await;
    seed(database_url).await.expect("seed")
}

fn token() -> String {
    let bytes: [u8; 24] = OsRng.r#gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn code() -> String {
    InviteCode::generate(&mut OsRng).as_str().to_owned()
}

/// Rows of one table, flushed every thousand as one multi-row `INSERT`.
struct Batch<'a> {
    sql: &'a mut String,
    head: &'static str,
    rows: Vec<String>,
}

impl<'a> Batch<'a> {
    fn new(sql: &'a mut String, head: &'static str) -> Self {
        Self { sql, head, rows: Vec::new() }
    }

    fn push(&mut self, row: String) {
        self.rows.push(row);
        if self.rows.len() == 1000 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.rows.is_empty() {
            self.sql.push_str(&format!("{} VALUES {};\n", self.head, self.rows.join(",")));
            self.rows.clear();
        }
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The app, its codes (living a year, not a minute: they wait for their run) and its
/// refresh tokens.
fn seed_oauth(sql: &mut String, seeded: &mut Seeded, user_ids: &[String], now: i64, far: i64) {
    let app_id = Uuid::now_v7();
    let (client_id, secret) = &seeded.client;
    sql.push_str(&format!(
        "INSERT INTO apps (id, client_id, name, secret_hash, public, first_party, redirect_uris, created_at, \
         updated_at) VALUES ('{app_id}', '{client_id}', 'Bench', '{}', FALSE, TRUE, '[\"{REDIRECT_URI}\"]', {now}, {now});\n",
        TokenHash::of(secret).as_str()
    ));
    let scope = "openid profile email groups offline_access";
    {
        let mut codes = Batch::new(
            sql,
            "INSERT INTO oauth_codes (code_hash, grant_id, app_id, user_id, redirect_uri, scope, auth_time, expires_at)",
        );
        for i in 0..OAUTH_CODES {
            let code = token();
            let user = &user_ids[i % USERS];
            codes.push(format!(
                "('{}', '{}', '{app_id}', '{user}', '{REDIRECT_URI}', '{scope}', {now}, {far})",
                TokenHash::of(&code).as_str(),
                Uuid::now_v7()
            ));
            seeded.oauth_codes.push(code);
        }
    }
    let mut tokens = Batch::new(
        sql,
        "INSERT INTO oauth_tokens (token_hash, kind, grant_id, app_id, user_id, scope, auth_time, created_at, expires_at)",
    );
    for i in 0..REFRESH_TOKENS {
        let refresh = token();
        let user = &user_ids[i % USERS];
        tokens.push(format!(
            "('{}', 'refresh', '{}', '{app_id}', '{user}', '{scope}', {now}, {now}, {far})",
            TokenHash::of(&refresh).as_str(),
            Uuid::now_v7()
        ));
        seeded.refresh_tokens.push(refresh);
    }
}

pub async fn seed(database_url: &str) -> Result<Seeded, Box<dyn std::error::Error>> {
    let now = chrono::Utc::now().timestamp_millis();
    let far = now + 365 * 86_400_000;
    let mut sql = String::from("BEGIN;\n");
    let admin_id = Uuid::now_v7().to_string();
    let admin_session = token();
    let mut user_ids = Vec::with_capacity(USERS);
    let mut sessions = Vec::with_capacity(USERS);
    {
        let mut users = Batch::new(
            &mut sql,
            "INSERT INTO users (id, username, email, email_normalized, display_name, is_admin, created_at)",
        );
        users.push(format!(
            "('{admin_id}', 'benchadmin', 'admin@bench.test', 'admin@bench.test', 'Bench Admin', TRUE, {now})"
        ));
        for i in 0..USERS {
            let id = Uuid::now_v7().to_string();
            users.push(format!(
                "('{id}', 'user{i}', 'user{i}@bench.test', 'user{i}@bench.test', 'User {i}', FALSE, {now})"
            ));
            user_ids.push(id);
        }
    }
    {
        let mut rows = Batch::new(&mut sql, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)");
        rows.push(format!("('{}', '{admin_id}', {now}, {far})", TokenHash::of(&admin_session).as_str()));
        for id in &user_ids {
            let session = token();
            rows.push(format!("('{}', '{id}', {now}, {far})", TokenHash::of(&session).as_str()));
            sessions.push(session);
        }
    }
    let group_ids: Vec<String> = (0..=GROUPS).map(|_| Uuid::now_v7().to_string()).collect();
    {
        let mut groups = Batch::new(&mut sql, "INSERT INTO groups (id, name, slug, metadata, created_at)");
        for (g, id) in group_ids.iter().enumerate() {
            groups.push(format!("('{id}', 'Group {g}', 'group-{g}', '{{}}', {now})"));
        }
    }
    {
        // Group g is owned by the admin, so none of the users starts as a member.
        let mut members = Batch::new(&mut sql, "INSERT INTO memberships (group_id, user_id, role, joined_at)");
        for id in &group_ids {
            members.push(format!("('{id}', '{admin_id}', 'owner', {now})"));
        }
    }
    let mut seeded = Seeded {
        admin_session,
        sessions,
        group_codes: Vec::new(),
        registration_codes: Vec::new(),
        open_code: code(),
        login_links: Vec::new(),
        race_code: code(),
        client: ("bench-app".to_owned(), token()),
        oauth_codes: Vec::new(),
        refresh_tokens: Vec::new(),
    };
    seed_oauth(&mut sql, &mut seeded, &user_ids, now, far);
    {
        let mut invites = Batch::new(
            &mut sql,
            "INSERT INTO invites (id, kind, code, token_hash, user_id, group_id, role, email, email_normalized, \
             max_uses, uses, expires_at, created_by, created_at)",
        );
        let mut row = |kind: &str,
                       code: Option<&str>,
                       hash: Option<String>,
                       user: Option<&str>,
                       group: Option<&str>,
                       email: Option<String>,
                       max: Option<usize>| {
            let q = |v: Option<&str>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
            let role = if group.is_some() { "'member'" } else { "NULL" };
            let email = q(email.as_deref());
            let max = max.map_or("NULL".to_owned(), |m| m.to_string());
            invites.push(format!(
                "('{}', '{kind}', {}, {}, {}, {}, {role}, {email}, {email}, {max}, 0, {far}, '{admin_id}', {now})",
                Uuid::now_v7(),
                q(code),
                q(hash.as_deref()),
                q(user),
                q(group)
            ));
        };
        for group in &group_ids[..GROUPS] {
            let c = code();
            row("group_code", Some(&c), None, None, Some(group), None, Some(GROUP_CODE_USES));
            seeded.group_codes.push(c);
        }
        row("group_code", Some(&seeded.race_code), None, None, Some(&group_ids[GROUPS]), None, Some(100));
        row("registration", Some(&seeded.open_code), None, None, None, None, None);
        for _ in 0..REGISTRATION_CODES {
            let c = code();
            row("registration", Some(&c), None, None, None, None, Some(1));
            seeded.registration_codes.push(c);
        }
        for i in 0..EMAIL_INVITATIONS {
            let group = &group_ids[i % GROUPS];
            row(
                "email_invitation",
                None,
                Some(TokenHash::of(&token()).as_str().to_owned()),
                None,
                Some(group),
                Some(format!("guest{i}@bench.test")),
                Some(1),
            );
        }
        for i in 0..LOGIN_LINKS {
            let t = token();
            row(
                "login_link",
                None,
                Some(TokenHash::of(&t).as_str().to_owned()),
                Some(&user_ids[i % USERS]),
                None,
                None,
                Some(1),
            );
            seeded.login_links.push(t);
        }
    }
    sql.push_str("COMMIT;\n");
    if database_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await?;
        sqlx::raw_sql(&sql).execute(&mut conn).await?;
        // The seed is one large transaction: its ~75 MB stay in the WAL until a
        // checkpoint, and every read would look there first. A database that has been
        // running has had its WAL checkpointed (SQLite does it every 1,000 pages).
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(database_url).await?;
        sqlx::raw_sql(&sql).execute(&mut conn).await?;
        // As autovacuum would have by now on a running database: statistics for the
        // planner, and the new rows' visibility settled (else the first reads of each
        // page write it back).
        sqlx::raw_sql("VACUUM ANALYZE").execute(&mut conn).await?;
    }
    Ok(seeded)
}
