//! The one place the tests reach into the server's own crates (rather than speak to it
//! over HTTP or run its binary): the in-process server is composed here, in [`launch`],
//! so a change to how Usher composes itself is a change to this file alone.

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use usher::Config;
use usher_storage::Store;

/// The registration policy, a configuration value the tests set.
pub use usher_app::Registration;

/// `USHER_LOG` that shows the fronts' and the application's DEBUG lines (everyday successes) too.
pub const FRONT_DEBUG_LOG: &str = "info,usher_http=debug,usher_api=debug,usher_web=debug,usher_app=debug";

/// What to run once the database is ready.
pub enum Serve {
    /// Nothing: migrate and bootstrap, as any start does, then stop.
    Nothing,
    /// The HTTP server alone, with no job runner (an instance beside another).
    Http(TcpListener),
    /// The HTTP server and the job runner, as `usher serve` runs them.
    HttpAndJobs(TcpListener),
}

/// A prepared database and, unless [`Serve::Nothing`], the server running on it.
pub struct Launched {
    pub store: Store,
    /// The first-start login link, when this start created the first admin.
    pub first_start_link: Option<String>,
    pub routes: Routes,
    pub server: Option<Server>,
}

/// Composes Usher in process on `config`: `usher::prepare` (connect, migrate,
/// first-start admin), then what `serve` asks for.
pub async fn launch(config: &Config, serve: Serve) -> Launched {
    let (state, first_start) = usher::prepare(config).await.expect("usher prepares");
    let store = state.store.clone();
    let routes = Routes(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let stopped = async {
        let _ = stopped.await;
    };
    let task = match serve {
        Serve::Nothing => None,
        Serve::Http(listener) => Some(tokio::spawn(async move {
            usher::http::serve(state, listener, stopped).await.expect("the server runs");
        })),
        Serve::HttpAndJobs(listener) => {
            let config = config.clone();
            Some(tokio::spawn(async move {
                usher::run(&config, state, listener, stopped).await.expect("the server runs");
            }))
        }
    };
    Launched {
        store,
        first_start_link: first_start.map(|first| first.login_link),
        routes,
        server: task.map(|task| Server { stop: Some(stop), task: Some(task) }),
    }
}

/// The HTTP router of a launched Usher, built on demand (it is not free).
pub struct Routes(usher_app::App);

impl Routes {
    /// The router's route table in its `Debug` form: axum lists its routes nowhere else.
    pub fn table(&self) -> String {
        format!("{:?}", usher::http::router(self.0.clone()))
    }
}

/// A server running in this process; dropping it asks it to stop.
pub struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Stops the server and waits until it has (in-flight requests done, jobs ended).
    pub async fn stop(mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        if let Some(task) = self.task.take() {
            task.await.expect("the server stopped cleanly");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
    }
}
