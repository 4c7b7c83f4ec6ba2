//! Forward authentication's answers kept in memory until the next commit, on SQLite.
//!
//! `/auth/verify` asks who a session signs in on every request an application
//! receives, for the same few sessions again and again. On SQLite that read costs more
//! in the per-transaction locks (`fcntl`, SQLite's shared-memory mutex) and page reads
//! through the kernel than in its query (docs/PERFORMANCE.md). A kept answer is stamped
//! with the store's count of commits when its read began and served only while that
//! count has not moved: any commit of this process (`DirectTx::commit`) or, seen by the
//! checkpointer's `data_version` poll, of another process (the CLI, `sqlite3`) makes
//! every kept answer stale at once. No write has to say what it touched, so none can
//! forget to; a busy store keeps fewer answers, never a wrong one. Only sessions found
//! are kept, and their end is compared with the clock at each use.

use std::{
    mem::size_of,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use quick_cache::{Weighter, sync::Cache};
use usher_domain::token::TokenHash;

use crate::model::SessionHolder;

/// The memory the kept sessions may take, roughly: ~350 bytes for someone in five
/// groups, so the sessions of ~12,000 people browsing at once.
const SESSION_BYTES: u64 = 4 << 20;

/// The store's commit counter and the sessions read since it last moved.
#[derive(Debug)]
pub(crate) struct HotReads {
    commits: AtomicU64,
    sessions: Kept,
}

impl HotReads {
    pub(crate) fn new() -> Self {
        // quick_cache wants an estimate of the count to size its tables.
        let sessions = Cache::with_weighter((SESSION_BYTES / 350) as usize, SESSION_BYTES, BySize);
        Self { commits: AtomicU64::new(0), sessions: Kept(sessions) }
    }

    /// Something was committed: every kept answer is stale. Called after the commit
    /// is visible, so a read stamped with the new count sees it.
    pub(crate) fn changed(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
    }

    /// The stamp for a read about to begin (taken before it, see [`HotReads::changed`]).
    pub(crate) fn stamp(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// The session kept for `token_hash`, if nothing was committed since it was read.
    pub(crate) fn session(&self, token_hash: &TokenHash) -> Option<Arc<SessionHolder>> {
        let entry = self.sessions.0.get(token_hash)?;
        (entry.stamp == self.stamp()).then_some(entry.holder)
    }

    /// Keeps what a read stamped `stamp` found (if something has been committed since,
    /// it is kept already stale and read again next time).
    pub(crate) fn keep_session(&self, token_hash: TokenHash, stamp: u64, holder: Arc<SessionHolder>) {
        let bytes = footprint(&token_hash, &holder) as u64;
        self.sessions.0.insert(token_hash, Entry { stamp, bytes, holder });
    }
}

/// A kept session: the commit count its read began at, and its size.
#[derive(Clone)]
struct Entry {
    stamp: u64,
    bytes: u64,
    holder: Arc<SessionHolder>,
}

struct Kept(Cache<TokenHash, Entry, BySize>);

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept").field("sessions", &self.0.len()).finish()
    }
}

/// Weighs an entry by its bytes, so that someone in thousands of groups cannot fill
/// memory a thousand sessions at a time.
#[derive(Debug, Clone)]
struct BySize;

impl Weighter<TokenHash, Entry> for BySize {
    fn weight(&self, _: &TokenHash, entry: &Entry) -> u64 {
        entry.bytes
    }
}

/// Roughly the bytes a kept session takes: the cache's slot, the key's text, the
/// holder and its text, and the allocator's overhead on each of its five allocations
/// (the key, the holder, its name, email and groups).
fn footprint(token_hash: &TokenHash, holder: &SessionHolder) -> usize {
    const ALLOCATION: usize = 16;
    size_of::<(TokenHash, Entry)>()
        + token_hash.as_str().len()
        + size_of::<SessionHolder>()
        + holder.text_len()
        + 5 * ALLOCATION
}
