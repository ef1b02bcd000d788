//! Giving memory back after a burst. The program's own allocations live in jemalloc, whose
//! background thread returns unused pages (see `main.rs`); what the C libraries allocate, SQLite's
//! page caches and statements above all, lives in glibc's allocator, which keeps what a burst
//! freed in its arenas for reuse, so a server that once held thousands of connections would stay
//! at that size. `malloc_trim` hands those free pages back to the system. Cheap when there is
//! nothing to give back, so it simply runs every few seconds.

use std::time::Duration;

/// How often free memory is handed back.
const EVERY: Duration = Duration::from_secs(5);

/// Runs the trimming until the returned handle is aborted (a no-op outside glibc).
pub fn spawn_trim() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks the allocator's own free lists; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
