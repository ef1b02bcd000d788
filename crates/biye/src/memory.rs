//! Giving memory back after a burst. glibc's allocator keeps what a burst of connections freed
//! in its arenas for reuse, so a server that once held thousands of connections would stay at
//! that size; `malloc_trim` hands the free pages back to the system. Cheap when there is nothing
//! to give back, so it simply runs every few seconds.

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
