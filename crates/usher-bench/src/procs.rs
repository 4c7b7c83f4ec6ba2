//! The servers under test run as separate processes (this same binary, in a hidden
//! mode), so their memory is their own and the load driver's is not counted.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct Server {
    child: Child,
    pub base: String,
    /// Spawn to first successful `/readyz` (or `/`).
    pub ready_after: Duration,
}

impl Server {
    /// Starts `usher-bench <args>` and waits until `probe` answers 200.
    pub async fn start(args: &[&str], port: u16, probe: &str) -> Self {
        let exe = std::env::current_exe().expect("own path");
        let started = Instant::now();
        let child =
            Command::new(exe).args(args).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().expect("server starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        loop {
            let answer = client.get(format!("{base}{probe}")).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Self { ready_after: started.elapsed(), child, base }
    }

    /// CPU time the server has used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        process_cpu_seconds(self.child.id()).unwrap_or(0.0)
    }

    /// Resident memory now, and at its peak (VmRSS, VmHWM), in MiB.
    pub fn rss_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// User + system CPU time of process `pid` in seconds (`/proc/<pid>/stat` fields 14
/// and 15, in clock ticks of 1/100 s, the kernel's `USER_HZ` on Linux).
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    stat_ticks(pid, [11, 12])
}

/// The sum of two clock-tick fields of `/proc/<pid>/stat`, in seconds; `at` counts from
/// field 3, the state (fields 14 and 15 are at 11 and 12).
fn stat_ticks(pid: u32, at: [usize; 2]) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    Some((ticks(at[0])? + ticks(at[1])?) / 100.0)
}

/// CPU time used so far by every PostgreSQL process on this machine (its backends and
/// helpers), in seconds: the database's own cost of a scenario, beside Usher's. Backends
/// that exited count through the postmaster, which reaped them (its children's time).
pub fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim_end() == "postgres")
        })
        .filter_map(|pid| Some(process_cpu_seconds(pid)? + reaped_children_cpu_seconds(pid)?))
        .sum()
}

/// User + system CPU time of the exited children `pid` waited for (fields 16 and 17).
fn reaped_children_cpu_seconds(pid: u32) -> Option<f64> {
    stat_ticks(pid, [13, 14])
}
