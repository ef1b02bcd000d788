//! biye's HTTP layer: server-rendered pages in Simplified Chinese, the JSON API under `/api/v1`,
//! database-backed sessions with CSRF protection, and authorisation by role and organisation scope.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use store::Db;

pub mod api;
pub mod client_addr;
pub mod error;
pub mod export;
pub mod headers;
pub mod ops;
pub mod overload;
pub mod paging;
pub mod routes;
pub mod services;
pub mod session;
pub mod upload;
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
    /// Where uploaded files are kept: a directory, `file:///…` or `s3://bucket/prefix`.
    pub objects_url: String,
    /// A CJK font file or directory for printouts; the system's fonts-noto-cjk otherwise.
    pub pdf_font: Option<std::path::PathBuf>,
    /// The secret the payment gateway signs its notifications with (shared with the gateway).
    pub payment_secret: String,
    /// The secret the credential service (学信网) signs its pushes with.
    pub credential_secret: String,
    /// How the outside world reaches this server, e.g. `https://biye.example.cn`; the payment
    /// gateway's notify and return URLs are built from it.
    pub public_base_url: String,
    /// Proxies (load balancers) whose `Forwarded` / `X-Forwarded-For` headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Requests handled at once; past it a request is answered 503 at once instead of queueing.
    pub max_in_flight: usize,
    /// How long a sign-in waits for a free password hasher before it is answered 503.
    pub hash_wait: std::time::Duration,
    /// Serve the local payment gateway and the local 学信网 (development stand-ins through which
    /// anyone can "pay" or "authorise"): the demo and tests do, a province's `serve` only when
    /// configured to.
    pub local_services: bool,
}

/// The default bound on requests in flight: enough to keep every core and database connection
/// busy, few enough that an accepted request does not wait long behind the others.
pub fn default_max_in_flight() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (64 * cores).max(128)
}

impl WebConfig {
    /// A fresh random secret (256 bits, hex) for signed notifications, for demos and tests; a
    /// deployment with several instances must configure one shared secret instead.
    pub fn random_payment_secret() -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            import_max_bytes: 100 * 1024 * 1024,
            spool_dir: std::env::temp_dir(),
            objects_url: std::env::temp_dir()
                .join("biye-objects")
                .to_string_lossy()
                .into_owned(),
            pdf_font: None,
            payment_secret: Self::random_payment_secret(),
            credential_secret: Self::random_payment_secret(),
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            trusted_proxies: Vec::new(),
            max_in_flight: default_max_in_flight(),
            hash_wait: std::time::Duration::from_secs(10),
            local_services: true,
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

/// Everything a request handler needs; cheap to clone: one shared [`Shared`], so that the
/// several copies a request makes (each middleware's and its handler's) cost one reference count
/// each rather than one for every service the state holds.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every copy of an [`AppState`] shares.
#[derive(Clone)]
pub struct Shared {
    /// The database pool.
    pub db: Db,
    /// HTTP settings.
    pub config: Arc<WebConfig>,
    /// The application clock.
    pub clock: Arc<Clock>,
    /// Uploaded files.
    pub objects: store::objects::Objects,
    /// The prior-education check (学信网; locally a registry of verified diplomas).
    pub credentials: Arc<dyn store::credential::CredentialService>,
    /// The PDF engine, built on first use: loading fonts takes a moment that most requests
    /// never need.
    printer: Arc<std::sync::OnceLock<Arc<printout::Printer>>>,
    /// The payment gateway (支付平台; locally the 模拟支付平台 served under `/gateway/local/`).
    pub gateway: Arc<dyn store::payment::PaymentGateway>,
    /// Text messages (短信; locally the log and the development outbox at `/dev/sms`).
    pub sms: Arc<dyn store::sms::SmsSender>,
    /// E-mail (locally the log and the development outbox at `/dev/mail`).
    pub mail: Arc<dyn store::mail::EmailSender>,
    /// The key that signs anonymous forms' CSRF tokens, read from the database once.
    form_key: Arc<tokio::sync::OnceCell<String>>,
    /// Password hashes computed at once: each argon2 hash takes 19 MiB and a core.
    pub hash_permits: Arc<tokio::sync::Semaphore>,
    /// Requests in flight (see [`WebConfig::max_in_flight`]).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Where accepted requests run (see [`WorkRuntime`]).
    pub work: Arc<WorkRuntime>,
    /// This instance's copy of the reference data, checked against the version each request
    /// reads with its session.
    pub refs: Arc<store::refcache::ReferenceCache>,
    /// The pool of the connections requests read through (see [`AppState::reader`]), opened
    /// on first use: it needs the runtime, which a state may be built before.
    reads: Arc<std::sync::OnceLock<store::reader::ReadPool>>,
    /// Called after each statement sent through a reader (`biye bench http` counts them).
    read_metric: Option<store::reader::Metric>,
}

/// The runtime accepted requests run on, apart from the one that accepts connections, reads
/// requests and sheds the excess. Under a flood of connections the accepting runtime has
/// thousands of tasks ready at once; a request's every database round trip would wait its turn
/// behind all of them, and the few requests let in would crawl. On threads of their own, the
/// requests let in keep their share of the processor however many are turned away.
pub struct WorkRuntime(Option<tokio::runtime::Runtime>);

impl WorkRuntime {
    /// A runtime with one worker per core.
    pub fn new() -> std::io::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores)
            .thread_name("biye-work")
            .enable_all()
            .build()
            .map(|rt| WorkRuntime(Some(rt)))
    }

    /// Its handle, to spawn on.
    pub fn handle(&self) -> Option<&tokio::runtime::Handle> {
        self.0.as_ref().map(tokio::runtime::Runtime::handle)
    }
}

impl std::fmt::Debug for WorkRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkRuntime")
    }
}

impl Drop for WorkRuntime {
    fn drop(&mut self) {
        // Dropped from async code (the last AppState of a test server): never block there.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Why the application state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The object store named by `objects_url` could not be opened.
    #[error(transparent)]
    Objects(#[from] store::objects::ObjectError),
    /// The request runtime could not be started.
    #[error("cannot start the request runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

impl AppState {
    /// A state over `db` with `config`, files in `config.objects_url`, the local credential
    /// registry and the local payment gateway at `config.public_base_url`.
    pub fn new(db: Db, config: WebConfig) -> Result<Self, StateError> {
        let objects = store::objects::Objects::from_url(&config.objects_url)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AppState(Arc::new(Shared {
            form_key: Arc::new(tokio::sync::OnceCell::new()),
            hash_permits: Arc::new(tokio::sync::Semaphore::new(cores)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
            work: Arc::new(WorkRuntime::new()?),
            refs: Arc::new(store::refcache::ReferenceCache::new()),
            reads: Arc::new(std::sync::OnceLock::new()),
            read_metric: None,
            credentials: Arc::new(store::credential::LocalRegistry::new(
                db.clone(),
                &config.public_base_url,
            )),
            sms: Arc::new(store::sms::local::LogSender::new(db.clone())),
            mail: Arc::new(store::mail::local::LogMailer::new(db.clone())),
            gateway: Arc::new(store::payment::local::LocalGateway::new(
                db.clone(),
                &config.public_base_url,
                &config.payment_secret,
            )),
            db,
            config: Arc::new(config),
            clock: Arc::new(Clock::default()),
            objects,
            printer: Arc::new(std::sync::OnceLock::new()),
        })))
    }

    /// This state, sending text messages through `sms` instead of the local log.
    pub fn with_sms(self, sms: Arc<dyn store::sms::SmsSender>) -> Self {
        let mut shared = (*self.0).clone();
        shared.sms = sms;
        AppState(Arc::new(shared))
    }

    /// This state, sending e-mail through `mail` instead of the local log.
    pub fn with_mail(self, mail: Arc<dyn store::mail::EmailSender>) -> Self {
        let mut shared = (*self.0).clone();
        shared.mail = mail;
        AppState(Arc::new(shared))
    }

    /// The senders the notification job uses, with this state's public address for links.
    pub fn senders(&self) -> store::notifications::Senders {
        store::notifications::Senders {
            sms: self.sms.clone(),
            mail: self.mail.clone(),
            public_base_url: self.config.public_base_url.clone(),
        }
    }

    /// The PDF engine.
    pub fn printer(&self) -> Arc<printout::Printer> {
        self.printer
            .get_or_init(|| Arc::new(printout::Printer::new(self.config.pdf_font.as_deref())))
            .clone()
    }

    /// The key that signs anonymous forms, shared by every instance through the database.
    pub async fn form_key(&self) -> Result<&str, sea_orm::DbErr> {
        self.form_key
            .get_or_try_init(|| async {
                store::repo::secret::get_or_create(
                    &self.db,
                    store::repo::secret::FORM_KEY,
                    self.now(),
                )
                .await
            })
            .await
            .map(String::as_str)
    }

    /// A reader for one request's reads: one connection, taken at the first statement and held
    /// until the reader is dropped, instead of one checked out and tested per statement (see
    /// [`store::reader`]). Not for use inside a transaction, nor held across a call to another
    /// service.
    pub fn reader(&self) -> store::reader::Reader {
        self.reads
            .get_or_init(|| {
                let pool = store::reader::ReadPool::beside(&self.db);
                match &self.read_metric {
                    Some(m) => pool.with_metric(m.clone()),
                    None => pool,
                }
            })
            .reader()
    }

    /// This state, calling `metric` after each statement its readers send, as `db`'s metric
    /// callback is called after each of its own.
    pub fn with_read_metric(self, metric: store::reader::Metric) -> Self {
        let mut shared = (*self.0).clone();
        shared.read_metric = Some(metric);
        AppState(Arc::new(shared))
    }

    /// Now, per the application clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
