//! `spawn_app()`: the whole application on a random port over a fresh, demo-seeded database.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use store::testkit::{Backend, TestDb};
use web::{AppState, WebConfig};

/// The password of every account in test apps.
pub const PASSWORD: &str = "Test2026pass";

/// The secret test apps share with their payment gateway.
pub const PAYMENT_SECRET: &str = "test-payment-secret";

/// The secret the test server shares with the credential service (学信网).
pub const CREDENTIAL_SECRET: &str = "test-credential-secret";

/// The authenticator secret every demo admin of a test app signs in with (admins must use
/// two-factor sign-in); [`TestApp::totp_code`] computes its codes as the holder's app would.
pub const ADMIN_TOTP_SECRET: &[u8; 20] = b"biye-test-admin-totp";

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| store::repo::password::hash(PASSWORD).unwrap())
        .clone()
}

/// A running application.
pub struct TestApp {
    /// "http://127.0.0.1:PORT".
    pub base: String,
    /// The state the server runs with (clock, database).
    pub state: AppState,
    /// Keeps the database alive.
    pub db: TestDb,
    _spool: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the app over a fresh database on `backend`, seeded with the demo data set.
pub async fn spawn_app(backend: &Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with the configuration adjusted by `adjust` first.
pub async fn spawn_app_with(backend: &Backend, adjust: impl FnOnce(&mut WebConfig)) -> TestApp {
    let db = TestDb::create(backend)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
    store::demo::seed(
        &db.db,
        &store::demo::DemoOptions {
            password_hash: password_hash(),
            extra_candidates: 0,
            bulk_province: None,
            now: chrono::Utc::now(),
        },
    )
    .await
    .unwrap();
    store::demo::enrol_admins(&db.db, ADMIN_TOTP_SECRET, chrono::Utc::now())
        .await
        .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = WebConfig {
        secure_cookies: false,
        import_max_bytes: 100 * 1024 * 1024,
        spool_dir: spool.path().to_owned(),
        objects_url: spool.path().join("objects").to_string_lossy().into_owned(),
        pdf_font: None,
        payment_secret: PAYMENT_SECRET.to_owned(),
        credential_secret: CREDENTIAL_SECRET.to_owned(),
        public_base_url: base.clone(),
        ..WebConfig::default()
    };
    adjust(&mut config);
    let state = AppState::new(db.db.clone(), config).unwrap();
    let shutdown = serve(listener, state.clone());
    TestApp {
        base,
        state,
        db,
        _spool: spool,
        shutdown: Some(shutdown),
    }
}

fn serve(listener: tokio::net::TcpListener, state: AppState) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = web::routes::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    tx
}

/// A second server over the same database and files, as another instance behind a balancer
/// would be: its own connection pool, its own process state.
pub struct Instance {
    /// "http://127.0.0.1:PORT".
    pub base: String,
    /// Its state.
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Instance {
    /// Full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl TestApp {
    /// Starts another instance over this app's database and files.
    pub async fn another_instance(&self) -> Instance {
        let db = store::connect(&self.db.url).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = (*self.state.config).clone();
        let state = AppState::new(db, config).unwrap();
        let shutdown = serve(listener, state.clone());
        Instance {
            base,
            state,
            shutdown: Some(shutdown),
        }
    }
}

impl TestApp {
    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs a page and returns its body.
    pub async fn get_text(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    /// The CSRF token in the forms of a page.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let (_, body) = self.get_text(client, path).await;
        csrf_in(&body).unwrap_or_else(|| panic!("no csrf token on {path}"))
    }

    /// Signs in on a portal's sign-in page; returns the response.
    pub async fn login_as(
        &self,
        client: &reqwest::Client,
        login_path: &str,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let token = self.csrf(client, login_path).await;
        client
            .post(self.url(login_path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A client signed in on a portal; a staff account with two-factor sign-in also gives the
    /// code its app shows.
    pub async fn signed_in(&self, login_path: &str, username: &str) -> reqwest::Client {
        let client = self.client();
        let r = self.login_as(&client, login_path, username, PASSWORD).await;
        assert_eq!(r.status().as_u16(), 303, "sign-in of {username} failed");
        if r.headers()["location"] == "/staff/login/totp" {
            let r = self.second_factor(&client, username).await;
            assert_eq!(
                r.status().as_u16(),
                303,
                "the second factor of {username} failed: {}",
                r.text().await.unwrap_or_default()
            );
        }
        client
    }

    /// A code of `username`'s authenticator app not used yet, at the app clock's time.
    pub async fn totp_code(&self, username: &str) -> String {
        let staff = store::repo::staff::by_username(&self.db.db, username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no staff account {username}"));
        // Two codes are open at a time; a third sign-in within the step waits for the next.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(65);
        loop {
            match store::accounts::totp::unused_code_for_tests(
                &self.db.db,
                staff.id,
                self.state.now(),
            )
            .await
            {
                Ok(code) => return code,
                Err(e) => {
                    assert!(std::time::Instant::now() < deadline, "{e}");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// Whether `username` signs in with two factors.
    pub async fn has_totp(&self, username: &str) -> bool {
        let staff = store::repo::staff::by_username(&self.db.db, username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no staff account {username}"));
        store::accounts::totp::is_enabled(&self.db.db, staff.id)
            .await
            .unwrap()
    }

    /// The second step of a staff sign-in, on a client whose password was accepted: posts the
    /// app's current code; returns the response.
    pub async fn second_factor(
        &self,
        client: &reqwest::Client,
        username: &str,
    ) -> reqwest::Response {
        let code = self.totp_code(username).await;
        self.post_second_factor(client, &code).await
    }

    /// Posts `code` on the second sign-in step; returns the response.
    pub async fn post_second_factor(
        &self,
        client: &reqwest::Client,
        code: &str,
    ) -> reqwest::Response {
        let token = self.csrf(client, "/staff/login/totp").await;
        client
            .post(self.url("/staff/login/totp"))
            .form(&[("csrf_token", token.as_str()), ("code", code)])
            .send()
            .await
            .unwrap()
    }
}

impl TestApp {
    /// A demo candidate by 准考证号.
    pub async fn candidate(&self, admission_no: &str) -> store::entity::candidate::Model {
        store::repo::candidate::by_admission_no(&self.db.db, admission_no)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no candidate {admission_no}"))
    }

    /// A demo student by 学号.
    pub async fn student(&self, student_no: &str) -> store::entity::student::Model {
        store::repo::student::by_student_no(&self.db.db, student_no)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no student {student_no}"))
    }

    /// The organisation of a staff account.
    pub async fn org_of(&self, username: &str) -> store::entity::organisation::Model {
        let staff = store::repo::staff::by_username(&self.db.db, username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no staff account {username}"));
        store::repo::org::get(&self.db.db, staff.org_id)
            .await
            .unwrap()
    }
}

/// Six digits that are none of the codes `secret` opens at `at` (the step and one either side).
pub fn wrong_totp_code(secret: &[u8], at: chrono::DateTime<chrono::Utc>) -> String {
    let open: Vec<String> = (-1..=1)
        .map(|d| domain::totp::code_at(secret, at + chrono::Duration::seconds(30 * d)).unwrap())
        .collect();
    (0..10)
        .map(|d| d.to_string().repeat(6))
        .find(|c| !open.contains(c))
        .unwrap()
}

/// Finds `name="csrf_token" value="…"` in a page.
pub fn csrf_in(body: &str) -> Option<String> {
    let at = body.find("name=\"csrf_token\" value=\"")?;
    let rest = &body[at + "name=\"csrf_token\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The attribute value that follows `marker` in a page, up to the closing quote.
pub fn attr_after(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let rest = &page[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// How many files the test app's object storage holds (uploads, archives).
pub fn stored_objects(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() { count(&p) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(std::path::Path::new(&app.state.config.objects_url))
}

/// Asks `probe` again and again, 50 ms apart, until it answers `Some`, for at most ten seconds;
/// for what the server does in the background (a gateway's notification, a 学信网 push). Panics
/// naming `what` if it never happens.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// One round of the background jobs, as an instance of `biye serve` runs them every 15 seconds,
/// with the application's document builder; returns the jobs that ran.
pub async fn run_jobs(app: &TestApp) -> Vec<jobs::Job> {
    let ctx = jobs::Context::new(
        app.state.db.clone(),
        app.state.gateway.clone(),
        Some(std::sync::Arc::new(web::services::archive::ArchiveJob(
            app.state.clone(),
        ))),
        Some(app.state.senders()),
    );
    jobs::run_due(&ctx, app.state.now()).await
}

/// Who a test client signs in as: the portal follows from the kind of account.
#[derive(Debug, Clone, Copy)]
pub enum User<'a> {
    /// A self-study candidate, by 准考证号 (`/login`).
    Candidate(&'a str),
    /// A continuing-education student, by 学号 (`/student/login`).
    Student(&'a str),
    /// A member of staff, by user name (`/staff/login`).
    Staff(&'a str),
}

impl TestApp {
    /// A client signed in as `user` on the portal for that kind of account.
    pub async fn with_user(&self, user: User<'_>) -> reqwest::Client {
        let (login, name) = match user {
            User::Candidate(n) => ("/login", n),
            User::Student(n) => ("/student/login", n),
            User::Staff(n) => ("/staff/login", n),
        };
        self.signed_in(login, name).await
    }
}

/// The `X-CSRF-Token` a signed-in API client sends with state-changing calls (`GET /api/v1/me`).
pub async fn api_token(app: &TestApp, client: &reqwest::Client) -> String {
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["csrf_token"].as_str().unwrap().to_owned()
}

/// Sends an API request with the CSRF header: (status, the JSON body, or `null` when empty).
pub async fn api_send(r: reqwest::RequestBuilder, token: &str) -> (u16, serde_json::Value) {
    let r = r.header("x-csrf-token", token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// A 学位外语 application of student `s` in batch `batch_id` as applying leaves it (CET-4, 512,
/// waiting at the first stage); a test sets over it what a review would leave.
pub fn language_application(
    s: &store::entity::student::Model,
    batch_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> store::entity::language_application::ActiveModel {
    use sea_orm::Set;
    store::entity::language_application::ActiveModel {
        student_id: Set(s.id),
        batch_id: Set(batch_id),
        active_batch_id: Set(Some(batch_id)),
        subject: Set("foreign_language".into()),
        certificate_type: Set("other_language".into()),
        exam_kind: Set("cet".into()),
        exam_level: Set(Some("CET-4".into())),
        language: Set("english".into()),
        obtained_on: Set(chrono::NaiveDate::from_ymd_opt(2023, 6, 20).unwrap()),
        transcript_no: Set(format!("2310{}", s.student_no)),
        score: Set("512".into()),
        score_status: Set("qualified".into()),
        average_hundredths: Set(9195),
        status: Set("pending".into()),
        stage: Set(Some(0)),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
}
