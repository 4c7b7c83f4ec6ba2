//! The README's curl tour, run exactly as written against the real `usher` binary on a
//! fresh database. Only the two lines a reader pastes (`USHER=`, `TOKEN=`) are filled in.

use std::process::Command;

use crate::harness::{Backend, FRONT_DEBUG_LOG, TestDb, UsherProcess, prerequisite};

fn tool_missing(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().map_or(true, |o| !o.status.success())
}

/// The shell blocks between the tour markers.
fn tour_script() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README.md");
    let start = readme.find("<!-- tour:start -->").expect("tour start marker");
    let end = readme.find("<!-- tour:end -->").expect("tour end marker");
    let mut script = String::new();
    let mut in_block = false;
    for line in readme[start..end].lines() {
        match (in_block, line.trim()) {
            (false, "```sh") => in_block = true,
            (true, "```") => in_block = false,
            (true, _) => {
                script.push_str(line);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

#[test]
fn the_curl_tour_works_as_written() {
    // Skipped with a notice where a tool is missing, unless prerequisites are required.
    for tool in ["bash", "curl", "jq"] {
        if !prerequisite(!tool_missing(tool), &format!("{tool} (for the README tour)")) {
            return;
        }
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDb::new(Backend::Sqlite)) else { return };
    // Everyday successes are logged at DEBUG: look for secrets in those lines too.
    let server = UsherProcess::start(&db, &[("USHER_LOG", FRONT_DEBUG_LOG.into())]);
    let (port, token) = (server.port, server.first_start_token().expect("the first start prints its link"));
    let script = tour_script()
        .replace("USHER=http://127.0.0.1:8080/api/v1", &format!("USHER=http://127.0.0.1:{port}/api/v1"))
        .replace("TOKEN=paste-the-token-from-the-first-start-link", &format!("TOKEN={token}"));
    // Not part of the tour: print the secrets it handled, to look for them in the log.
    let script = format!("{script}\necho \"secrets: $TOKEN $ADMIN $LINK $ALICE $BOB\"\n");
    let output = Command::new("bash").args(["-euo", "pipefail", "-c", &script]).output().unwrap();
    server.signal("-TERM");
    let (_, _, logs) = server.wait();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "tour failed:\n{out}\n{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"\"admin\""), "{out}");
    assert!(out.contains("\"kind\": \"registration\"") && out.contains("\"Book club\""), "{out}");
    assert!(out.contains("\"alice\""), "{out}");
    assert!(out.contains("\"uses\": 1") && out.contains("\"uses_remaining\": 2"), "{out}");
    let secrets = lines.last().and_then(|l| l.strip_prefix("secrets: ")).expect("the secrets line");
    assert!(lines.contains(&"\"invite_used_up\""), "{out}");
    assert!(out.contains("\"name\": \"The Smiths\"") && out.contains("\"uses_remaining\": 5"), "{out}");
    assert!(out.contains("\"email_hint\": \"b***@example.com\""), "{out}");
    let members = r#"[{"user":"admin","role":"member"},{"user":"alice","role":"owner"},{"user":"bob","role":"admin"}]"#;
    assert_eq!(lines[lines.len() - 2], members, "{out}");
    assert!(logs.contains("login link redeemed"), "the log was captured: {logs}");
    for secret in secrets.split(' ') {
        assert!(secret.len() >= 43, "{secret}");
        assert!(!logs.contains(secret), "a token reached the log:\n{logs}");
    }
}
