//! A real SMTP server for the tests, in process, over TCP (mailin-embedded): it records
//! what it receives, can refuse chosen recipients with 550, and can hold every sender at
//! a gate (to see two senders at once).

use std::{
    io,
    net::{IpAddr, TcpListener},
    sync::{Arc, Condvar, Mutex},
};

use mailin_embedded::{Handler, Response, Server, response};
use usher::Config;

/// One message as the server received it: the envelope and the raw data.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The header block, before the first blank line.
    pub fn headers(&self) -> &str {
        self.data.split("\r\n\r\n").next().unwrap_or_default()
    }

    /// The host of its `Message-ID: <id@host>` (the sending instance's public host).
    pub fn message_id_host(&self) -> Option<&str> {
        let line = self.headers().lines().find(|l| l.to_ascii_lowercase().starts_with("message-id:"))?;
        line.rsplit('@').next().map(|host| host.trim().trim_end_matches('>'))
    }

    /// Unfolds quoted-printable soft line breaks, so links read whole.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }
}

/// Senders held before their message's data while closed, and how many wait there.
struct Gate {
    state: Mutex<(bool, usize)>,
    opened: Condvar,
}

impl Gate {
    fn pass(&self) {
        let mut state = self.state.lock().unwrap();
        state.1 += 1;
        while !state.0 {
            state = self.opened.wait(state).unwrap();
        }
        state.1 -= 1;
    }
}

#[derive(Clone)]
struct Capture {
    received: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<Vec<String>>>,
    gate: Arc<Gate>,
    current: Option<Received>,
}

impl Handler for Capture {
    fn rcpt(&mut self, to: &str) -> Response {
        if self.refused.lock().unwrap().iter().any(|r| r == to) { response::NO_MAILBOX } else { response::OK }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.gate.pass();
        self.current = Some(Received { from: from.to_owned(), to: to.to_vec(), data: String::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(done) = self.current.take() {
            self.received.lock().unwrap().push(done);
        }
        response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<Vec<String>>>,
    gate: Arc<Gate>,
}

impl SmtpServer {
    /// A free port with nothing listening on it yet: mail sent there is refused
    /// ("the mail server is down") until [`SmtpServer::start_on`].
    pub fn reserve_port() -> u16 {
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Serves on `port` (0: any) from a background thread for the rest of the test run.
    pub fn start_on(port: u16) -> Self {
        Self::start_refusing(port, None)
    }

    /// [`SmtpServer::start_on`], answering 550 to RCPT for `address` from the first
    /// message on (see [`SmtpServer::refuse`]).
    pub fn start_refusing(port: u16, address: Option<&str>) -> Self {
        Self::serve(port, address, true)
    }

    /// A server that holds every sender before its message's data (each sends one
    /// message at a time, so [`SmtpServer::held`] counts senders) until
    /// [`SmtpServer::open_gate`].
    pub fn start_gated() -> Self {
        Self::serve(0, None, false)
    }

    fn serve(port: u16, address: Option<&str>, open: bool) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("smtp port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(address.map(str::to_owned).into_iter().collect()));
        let gate = Arc::new(Gate { state: Mutex::new((open, 0)), opened: Condvar::new() });
        let handler =
            Capture { received: received.clone(), refused: refused.clone(), gate: gate.clone(), current: None };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            // More threads than senders: a held sender keeps its thread.
            server.with_name("test-smtp").with_num_threads(8).with_tcp_listener(listener);
            let _ = server.serve();
        });
        Self { port, received, refused, gate }
    }

    /// How many senders wait at the gate.
    pub fn held(&self) -> usize {
        self.gate.state.lock().unwrap().1
    }

    pub fn open_gate(&self) {
        self.gate.state.lock().unwrap().0 = true;
        self.gate.opened.notify_all();
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answers 550 to RCPT for `address` (`None`: accept everyone again).
    pub fn refuse(&self, address: Option<&str>) {
        let mut refused = self.refused.lock().unwrap();
        refused.clear();
        refused.extend(address.map(str::to_owned));
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to a minute: a bound, not a measurement) until `n` messages arrived;
    /// fails the test if they do not.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let what = format!("{n} messages");
        super::eventually(&what, || async { self.received() }, |received| received.len() >= n).await
    }

    /// Fails the test if another message arrives a little after `n` have (see
    /// [`super::stays`]): nothing is sent twice.
    pub async fn stays_at(&self, n: usize) {
        super::stays("the number of messages received", &n, || async { self.received().len() }).await;
    }
}

/// Mail to `url`, retried quickly: the tests wait for outcomes, never for wall time.
pub fn mail_to(url: String) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.mail_transport = url;
        c.mail_from = "Family Tree <noreply@example.com>".into();
        c.job_poll_ms = 50;
        c.mail_retry_base_ms = 200;
        c.mail_retry_max_ms = 1_000;
        c.mail_lease_secs = 4;
    }
}

/// `usher` environment for mail to `url`, retried quickly: [`mail_to`] for the binary.
pub fn mail_env(url: String) -> Vec<(&'static str, String)> {
    vec![
        ("USHER_MAIL_TRANSPORT", url),
        ("USHER_MAIL_FROM", "Family Tree <noreply@example.com>".into()),
        ("USHER_JOB_POLL_MS", "50".into()),
        ("USHER_MAIL_RETRY_BASE_MS", "200".into()),
        ("USHER_MAIL_RETRY_MAX_MS", "1000".into()),
        ("USHER_MAIL_LEASE_SECS", "4".into()),
    ]
}

/// Mail that stays in the outbox for a test to read: the mail server is down and the
/// next try is an hour away (the worker sends what is queued at once, and a sent
/// message forgets its template data).
pub fn hold_mail() -> impl FnOnce(&mut Config) {
    let port = SmtpServer::reserve_port();
    move |c: &mut Config| {
        c.mail_transport = format!("smtp://127.0.0.1:{port}");
        c.mail_retry_base_ms = 3_600_000;
    }
}

/// The invitation token in a received email's accept link.
pub fn token_in(mail: &Received, public_url: &str) -> String {
    token_after(mail, &format!("{public_url}/invite/"))
}

/// The token of the first link in a received email that starts with `prefix` (e.g.
/// `{public_url}/l/`).
pub fn token_after(mail: &Received, prefix: &str) -> String {
    let text = mail.text();
    let start = text.find(prefix).unwrap_or_else(|| panic!("a link under {prefix}: {text}")) + prefix.len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}
