//! SQLite's WAL is copied into the database file by a checkpointer of Usher's own, off
//! the writer thread (`usher-storage/src/direct.rs`, `Checkpointer`): the writes reach
//! the file without any commit crossing SQLite's own threshold (10,000 pages here).

use serde_json::json;

use crate::harness::{Backend, TestApp, eventually};

#[tokio::test]
async fn committed_writes_reach_the_database_file_without_a_commit_checkpointing() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("SQLite is always available");
    let file = app.config.data_dir.join("usher.db");
    let size = || async { std::fs::metadata(&file).expect("the database file").len() };
    let before = size().await;
    // ~400 invites: a few hundred KiB of pages, far below the 40 MiB at which a commit
    // would checkpoint by itself.
    for i in 0..400 {
        app.create_invite(json!({"description": format!("invite {i} with some words to take room"), "max_uses": 3}))
            .await;
    }
    let grown = eventually("the WAL copied into the database file", size, |now| *now > before).await;
    assert!(grown > before);
}
