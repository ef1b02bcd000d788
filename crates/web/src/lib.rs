//! biye's HTTP layer: server-rendered pages in Simplified Chinese, the JSON API under `/api/v1`,
//! database-backed sessions with CSRF protection, and authorisation by role and organisation scope.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use store::Db;

pub mod api;
pub mod error;
pub mod ops;
pub mod routes;
pub mod session;
pub mod util;
pub mod views;

pub use error::AppError;
pub use routes::router;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS in production).
    pub secure_cookies: bool,
    /// Largest import upload accepted, in bytes.
    pub import_max_bytes: u64,
    /// Where uploads are spooled while they are checked.
    pub spool_dir: std::path::PathBuf,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            import_max_bytes: 100 * 1024 * 1024,
            spool_dir: std::env::temp_dir(),
        }
    }
}

/// The clock requests read; tests may move it forward.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// The current instant as the application sees it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Moves the clock forward (tests of expiry and locks).
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: Db,
    /// HTTP settings.
    pub config: Arc<WebConfig>,
    /// The application clock.
    pub clock: Arc<Clock>,
}

impl AppState {
    /// A state over `db` with `config`.
    pub fn new(db: Db, config: WebConfig) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            clock: Arc::new(Clock::default()),
        }
    }

    /// Now, per the application clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
