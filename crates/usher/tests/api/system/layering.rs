//! The crates depend one way (ARCHITECTURE.md), read from `cargo metadata`: the three
//! fronts never depend on each other, the application layer and below know nothing
//! of HTTP, and the command line and the benchmark reach Usher through the
//! application, never through an HTTP crate.

use std::{collections::BTreeMap, path::Path, process::Command};

use serde_json::Value;

const HTTP: [&str; 6] = ["axum", "usher-http", "usher-api", "usher-web", "usher-gate", "tower-http"];

/// The fronts: the JSON API, the pages, the doors into applications.
const FRONTS: [&str; 3] = ["usher-api", "usher-web", "usher-gate"];

/// Each workspace package and the names of its normal (non-dev) dependencies.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata answers JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|dep| dep["kind"].is_null())
                .map(|dep| dep["name"].as_str().expect("a name").to_owned())
                .collect();
            (package["name"].as_str().expect("a name").to_owned(), deps)
        })
        .collect()
}

#[test]
fn the_fronts_share_the_application_and_never_each_other() {
    let deps = dependencies();
    let of = |name: &str| deps.get(name).unwrap_or_else(|| panic!("{name} is a workspace package"));
    for front in FRONTS {
        assert!(of(front).contains(&"usher-app".to_owned()), "{front} does not go through usher-app");
        let others: Vec<_> = of(front).iter().filter(|dep| FRONTS.contains(&dep.as_str())).collect();
        assert!(others.is_empty(), "{front} depends on {others:?}");
    }
    for below in ["usher-app", "usher-storage", "usher-domain", "usher-jobs"] {
        let http: Vec<_> = of(below).iter().filter(|dep| HTTP.contains(&dep.as_str())).collect();
        assert!(http.is_empty(), "{below} depends on {http:?}");
    }
    // The benchmark serves its own hello-world floor with axum, but drives Usher
    // through the application, never through Usher's HTTP crates.
    let usher_http: Vec<_> =
        of("usher-bench").iter().filter(|dep| dep.starts_with("usher-") && HTTP.contains(&dep.as_str())).collect();
    assert!(usher_http.is_empty(), "usher-bench depends on {usher_http:?}");
}

/// The command line (`main.rs`) is the one part of the `usher` package that is not
/// the server: it imports no HTTP crate and not the composed server.
#[test]
fn the_command_line_imports_no_http_crate() {
    let main = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).expect("main.rs");
    for http in ["usher_http", "usher_api", "usher_web", "axum", "usher::http", "crate::http"] {
        assert!(!main.contains(http), "the command line imports {http}");
    }
}
