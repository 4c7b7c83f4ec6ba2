//! A real headless Chromium, driven over WebDriver (chromedriver, through fantoccini).
//! Without Chromium and chromedriver the browser tests print a notice and skip, unless
//! prerequisites are required (`USHER_REQUIRE_BROWSER=1`, CI): then their absence fails.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// An executable on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

impl Browser {
    /// A fresh browser (its own profile, so no cookies) with a `width` × 900 window.
    pub async fn start(width: u32) -> Option<Self> {
        let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) else {
            super::prerequisite(false, "chromium or chromedriver (on PATH)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let client = connect(port, &chromium, profile.path(), width).await;
        Some(Self { client, driver, _profile: profile })
    }

    /// Waits (up to 10 s, across a navigation) until the page's text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && let Ok(text) = body.text().await
            {
                if text.contains(needle) {
                    return;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never said {needle:?}; it says: {last}");
    }

    /// Saves a screenshot as `target/screenshots/{name}.png` (for the README's pictures).
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// axe-core's violations of serious or critical impact on the page shown, one line
    /// each: the rule, what it asks, and where.
    pub async fn axe_violations(&self, axe: &str) -> Vec<String> {
        // Scripts a test runs are not the page's: the page's CSP does not apply to them.
        self.client.execute(axe, vec![]).await.expect("axe-core loads");
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']}).then(results => done(results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
                    v.nodes.map(n => n.target.join(' ')).join(', '))));";
        let found = self.client.execute_async(run, vec![]).await.expect("axe-core runs");
        found.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn connect(port: u16, chromium: &Path, profile: &Path, width: u32) -> Client {
    let mut options = json!({
        "binary": chromium,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            format!("--window-size={width},900"), format!("--user-data-dir={}", profile.display()),
        ],
    });
    // A window is at least 500 px wide; narrower screens are a phone's, emulated.
    if width < 500 {
        options["mobileEmulation"] = json!({"deviceMetrics": {"width": width, "height": 844, "pixelRatio": 2.0}});
    }
    let capabilities = json!({"browserName": "chrome", "goog:chromeOptions": options});
    let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
    let mut last_error = None;
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(err) => last_error = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a session: {last_error:?}");
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// axe-core's script (`npm install --prefix target/ci/axe axe-core@4`, as CI does, or
/// `USHER_AXE_JS`); without it the accessibility test skips with a notice, unless
/// prerequisites are required.
pub fn axe_source() -> Option<String> {
    let path = std::env::var_os("USHER_AXE_JS").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ci/axe/node_modules/axe-core/axe.min.js")
    });
    let source = std::fs::read_to_string(&path).ok();
    super::prerequisite(
        source.is_some(),
        &format!("axe-core at {} (npm install --prefix target/ci/axe axe-core@4)", path.display()),
    );
    source
}
