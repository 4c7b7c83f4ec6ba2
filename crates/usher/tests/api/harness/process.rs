//! The real `usher` binary as a child process: started on a fresh port, watched until it
//! listens, stopped with a signal.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread::JoinHandle,
    time::Duration,
};

use super::TestDb;

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
            .stderr(Stdio::piped())
            .spawn()
            .expect("usher starts");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (listening, ready) = mpsc::channel();
        let (printed, _) = mpsc::channel();
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone(), "/l/", printed),
            collect(child.stderr.take().unwrap(), stderr.clone(), "usher is listening", listening),
        ];
        ready.recv_timeout(Duration::from_secs(60)).expect("usher listens");
        Self { child, port, stdout, stderr, readers }
    }

    pub fn api(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1", self.port)
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
