//! How a scenario is run: its requests (endless, or used up once, each run its own
//! share), the driver (wrk when installed, else reqwest), the server's CPU before and
//! after, and the row it makes, with its share of the same driver's floor.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use crate::{
    load::{MAX_ERROR_SHARE, Outcome, Request, drive},
    procs::{self, Server, free_port},
    report::{Report, Row},
    wrk,
};

pub const CONCURRENCY: [usize; 2] = [16, 64];

/// A scenario's requests: request `n` for n = 0, 1, 2, … (`None`: no more).
pub type Requests = Arc<dyn Fn(usize) -> Option<Request> + Send + Sync>;

/// A request generator per run (one per concurrency), each over its own slice of
/// `total` distinct items, so every run starts on fresh data: run `i` makes items
/// `i * total / runs ..`, and answers `None` when its slice is used up (the report
/// then shows the run's real, shorter duration).
pub fn per_run<F>(total: usize, make: F) -> Vec<Requests>
where
    F: Fn(usize) -> Option<Request> + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let slice = total / CONCURRENCY.len();
    (0..CONCURRENCY.len())
        .map(|run| {
            let (make, next) = (make.clone(), Arc::new(AtomicUsize::new(0)));
            Arc::new(move |_| {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= slice { None } else { make(run * slice + k) }
            }) as Requests
        })
        .collect()
}

/// Which load generator drove a row: wrk when it is installed, else reqwest (and
/// reqwest always for the password-hashing scenarios, which no driver limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Wrk,
    Reqwest,
}

impl Driver {
    /// wrk when it is installed, else reqwest.
    pub fn lean() -> Self {
        if wrk::available() { Self::Wrk } else { Self::Reqwest }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Wrk => "wrk",
            Self::Reqwest => "reqwest",
        }
    }
}

/// How a scenario's requests repeat: an endless supply whose first `distinct` the
/// lean driver cycles over (look-ups), or items used up once each (each run then
/// gets its own generator from [`per_run`]).
#[derive(Debug, Clone, Copy)]
pub enum Supply {
    Cycle { distinct: usize },
    Once,
}

/// One server under load, and where its figures go.
pub struct Bench<'a> {
    pub report: &'a mut Report,
    pub backend: &'static str,
    pub server: &'a Server,
    /// The database's own CPU is measured too (PostgreSQL runs as its own processes).
    pub postgres: bool,
    pub duration: Duration,
    pub dir: &'a Path,
    /// The floor per concurrency, by driver (empty for a driver not used).
    pub floors: Floors,
    /// The driver of the scenarios any driver can run: wrk when installed.
    pub lean: Driver,
}

/// The floor per concurrency, by driver.
#[derive(Debug, Default, Clone)]
pub struct Floors {
    reqwest: Vec<f64>,
    wrk: Vec<f64>,
}

impl Bench<'_> {
    /// Drives `requests` at `connections` with `driver` and records the row: the
    /// share of the floor (same driver, same run) and the CPU each request cost.
    pub async fn run(
        &mut self,
        scenario: &'static str,
        connections: usize,
        requests: Requests,
        supply: Supply,
        driver: Driver,
    ) {
        let (cpu, db_cpu) = (self.server.cpu_seconds(), self.postgres.then(procs::postgres_cpu_seconds));
        let outcome = match driver {
            Driver::Reqwest => drive(connections, self.duration, requests).await,
            Driver::Wrk => {
                let (list, cycle): (Vec<Request>, bool) = match supply {
                    Supply::Cycle { distinct } => ((0..distinct).filter_map(|n| requests(n)).collect(), true),
                    Supply::Once => (std::iter::from_fn(|| requests(0)).collect(), false),
                };
                wrk::drive(&self.server.base, connections, self.duration, &list, cycle, self.dir)
            }
        };
        let answered = (outcome.successes + outcome.errors).max(1) as f64;
        let cpu_us_per_request = (self.server.cpu_seconds() - cpu) * 1e6 / answered;
        let db_cpu_us_per_request = db_cpu.map(|before| (procs::postgres_cpu_seconds() - before) * 1e6 / answered);
        self.record(scenario, connections, driver, outcome, cpu_us_per_request, db_cpu_us_per_request);
    }

    /// Records a row: failed when its errors pass [`MAX_ERROR_SHARE`], its share of the
    /// same driver's floor at the same concurrency.
    pub fn record(
        &mut self,
        scenario: &'static str,
        connections: usize,
        driver: Driver,
        outcome: Outcome,
        cpu_us_per_request: f64,
        db_cpu_us_per_request: Option<f64>,
    ) {
        if outcome.error_share() > MAX_ERROR_SHARE {
            self.report.failures.push(format!(
                "{} {scenario} at {connections} connections: {} errors of {} requests",
                self.backend,
                outcome.errors,
                outcome.errors + outcome.successes
            ));
        }
        let floors = if driver == Driver::Wrk { &self.floors.wrk } else { &self.floors.reqwest };
        let at = CONCURRENCY.iter().position(|c| *c == connections).expect("known concurrency");
        let of_floor = floors.get(at).map_or(1.0, |floor| outcome.rate() / floor);
        self.report.rows.push(Row {
            backend: self.backend,
            scenario,
            driver: driver.name(),
            connections,
            of_floor,
            peak_rss_mib: self.server.rss_mib().1,
            cpu_us_per_request,
            db_cpu_us_per_request,
            outcome,
        });
    }

    /// Runs a scenario at every concurrency with the lean driver, all runs drawing on
    /// one endless supply.
    pub async fn endless(&mut self, scenario: &'static str, requests: Requests, distinct: usize) {
        for c in CONCURRENCY {
            self.run(scenario, c, requests.clone(), Supply::Cycle { distinct }, self.lean).await;
        }
    }

    /// Runs a scenario at every concurrency with the lean driver, each run using up
    /// its own items.
    pub async fn used_up(&mut self, scenario: &'static str, runs: Vec<Requests>) {
        for (c, requests) in CONCURRENCY.into_iter().zip(runs) {
            self.run(scenario, c, requests, Supply::Once, self.lean).await;
        }
    }
}

/// The hello-world floor at each concurrency, measured now (beside the scenarios it
/// is the measure of: the machine's speed drifts within minutes), with the reqwest
/// driver (the measure of the password-hashing scenarios) and, when installed, wrk.
pub async fn floor(report: &mut Report, backend: &'static str, duration: Duration, dir: &Path) -> Floors {
    let port = free_port();
    let hello = Server::start(&["serve-hello", &port.to_string()], port, "/").await;
    let lean = Driver::lean();
    let mut bench =
        Bench { report, backend, server: &hello, postgres: false, duration, dir, floors: Floors::default(), lean };
    let url = format!("{}/", hello.base);
    let hello_world: Requests = Arc::new(move |_| Some(Request::get(url.clone())));
    let scenario = "(a) hello-world floor";
    let drivers = if lean == Driver::Wrk { vec![Driver::Reqwest, Driver::Wrk] } else { vec![Driver::Reqwest] };
    for driver in drivers {
        for c in CONCURRENCY {
            bench.run(scenario, c, hello_world.clone(), Supply::Cycle { distinct: 1 }, driver).await;
        }
    }
    let mut floors = Floors::default();
    for row in report.rows.iter().filter(|r| r.backend == backend && r.scenario == scenario) {
        let of = if row.driver == Driver::Wrk.name() { &mut floors.wrk } else { &mut floors.reqwest };
        of.push(row.outcome.rate());
    }
    floors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_gets_its_own_slice_of_items_and_stops_at_its_end() {
        let runs = per_run(10, |k| Some(Request::get(k.to_string())));
        let urls = |run: &Requests| std::iter::from_fn(|| run(0)).map(|r| r.url).collect::<Vec<_>>();
        assert_eq!(urls(&runs[0]), ["0", "1", "2", "3", "4"]);
        assert_eq!(urls(&runs[1]), ["5", "6", "7", "8", "9"]);
    }
}
