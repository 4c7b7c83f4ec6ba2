//! The real `usher` binary as a child process: started on a fresh port, watched until it
//! listens, stopped with a signal.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use super::{ApiClient, TestDb};

pub struct UsherProcess {
    child: Child,
    pub port: u16,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

/// Lines of a pipe, collected; `signal` fires on each line containing `needle`.
fn collect(
    pipe: impl std::io::Read + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
    needle: &'static str,
    signal: mpsc::Sender<()>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if line.contains(needle) {
                let _ = signal.send(());
            }
            into.lock().unwrap().push(line);
        }
    })
}

impl UsherProcess {
    /// `usher` with no arguments (serve) on `db`, plus `env`; returns once it listens.
    pub fn start(db: &TestDb, env: &[(&str, String)]) -> Self {
        Self::start_with_log(db, env, None)
    }

    /// As [`UsherProcess::start`], its log (stderr) written to the file `log` instead of
    /// collected, as an operator's `usher 2>>usher.log` would.
    pub fn start_logging_to(db: &TestDb, env: &[(&str, String)], log: &Path) -> Self {
        Self::start_with_log(db, env, Some(log))
    }

    fn start_with_log(db: &TestDb, env: &[(&str, String)], log: Option<&Path>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_usher"))
            .envs(db.env())
            .env("USHER_BIND", format!("127.0.0.1:{port}"))
            .env("USHER_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("USHER_LOG", "info")
            // Colour is the binary's choice (none on a pipe), not the caller's.
            .env_remove("NO_COLOR")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(&db.config.data_dir)
            .stdout(Stdio::piped())
            .stderr(match log {
                // Appending, as `2>>` does: every line goes to the end of the file.
                Some(path) => {
                    Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(path).expect("log file"))
                }
                None => Stdio::piped(),
            })
            .spawn()
            .expect("usher starts");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (listening, ready) = mpsc::channel();
        let (printed, _) = mpsc::channel();
        let mut readers = vec![collect(child.stdout.take().unwrap(), stdout.clone(), "/l/", printed)];
        match child.stderr.take() {
            Some(pipe) => {
                readers.push(collect(pipe, stderr.clone(), "usher is listening", listening));
                ready.recv_timeout(Duration::from_secs(60)).expect("usher listens");
            }
            None => {
                let path = log.expect("stderr goes to the log file");
                let listens = || std::fs::read_to_string(path).is_ok_and(|l| l.contains("usher is listening"));
                let deadline = Instant::now() + Duration::from_secs(60);
                while !listens() {
                    assert!(Instant::now() < deadline, "usher listens");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        Self { child, port, stdout, stderr, readers }
    }

    pub fn api(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1", self.port)
    }

    /// Redeems the first-start link through `client` and answers the admin's session.
    pub async fn sign_in_first_admin(&self, client: &reqwest::Client) -> String {
        let link = self.first_start_token().expect("first start link");
        ApiClient::with_http(self.api(), client.clone()).sign_in_by_link(&link).await.session_token
    }

    /// The typed client of this process, signed in as its first-start admin.
    pub async fn admin_client(&self) -> ApiClient {
        let link = self.first_start_token().expect("first start link");
        ApiClient::signed_in_by_first_start(self.api(), &link).await
    }

    /// The token of the first-start link, once printed (waits a little for stdout).
    pub fn first_start_token(&self) -> Option<String> {
        for _ in 0..200 {
            let found =
                self.stdout.lock().unwrap().iter().find_map(|l| l.trim().split_once("/l/").map(|(_, t)| t.to_owned()));
            if found.is_some() {
                return found;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill {signal}");
    }

    /// Waits up to `bound` (a liveness bound, not a measurement) for the process to
    /// end; `None` if it is still running then.
    pub fn exit_within(&mut self, bound: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + bound;
        loop {
            match self.child.try_wait().unwrap() {
                Some(status) => return Some(status),
                None if Instant::now() > deadline => return None,
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Waits for the process to end; answers how, what it printed, and its log.
    pub fn wait(mut self) -> (ExitStatus, String, String) {
        let status = self.child.wait().unwrap();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let stdout = self.stdout.lock().unwrap().join("\n");
        let logs = self.stderr.lock().unwrap().join("\n");
        (status, stdout, logs)
    }
}

impl Drop for UsherProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
