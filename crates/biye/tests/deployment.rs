//! The deployment of the README's "Running a province", started for real on loopback: `biye serve`
//! processes on one PostgreSQL database with their files in an S3-compatible server (moto_server)
//! under a prefix, behind nginx configured with `deploy/nginx/biye-proxy.conf`.
//!
//! Needs nginx (Debian), moto_server (PyPI `moto[server]`) and `BIYE_TEST_POSTGRES`; without one
//! of them a test prints that it was skipped, unless `BIYE_REQUIRE_DEPLOY=1` (set by `.ci/run` on
//! CI) makes that a failure. Every process a test starts is killed when the test ends, however it
//! ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use store::demo::accounts;
use store::testkit::s3::{S3Server, find_in_path, free_port, skip_or_fail};
use store::testkit::{Backend, TestDb, app_backends};

const BUCKET: &str = "biye-province";
const PREFIX: &str = "chongqing/files";
const PASSWORD: &str = "Deploy2026pass";
const PAYMENT_SECRET: &str = "deployment-test-payment-secret";
const CREDENTIAL_SECRET: &str = "deployment-test-credential-secret";
/// nginx names the instance that answered in this header (test configuration only), so the test
/// knows which one to kill and which one to ask directly.
const UPSTREAM_HEADER: &str = "x-biye-upstream";

/// A child process killed (SIGKILL) and reaped when dropped; its output goes to a log file.
struct Proc {
    name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &str, mut cmd: Command, log: PathBuf) -> Proc {
        let out = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            name: name.to_owned(),
            child: Some(child),
            log,
        }
    }

    /// SIGKILL, then wait until the process is gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Panics with the log when the process has exited.
    fn assert_running(&mut self) {
        if let Some(child) = self.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!("{} exited with {status}:\n{}", self.name, self.logs());
        }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `biye serve` process.
struct Instance {
    addr: String,
    proc: Proc,
    _dir: tempfile::TempDir,
}

/// The environment every instance of one deployment shares: one database, one bucket and
/// prefix, the same secrets, the balancer's address as the public one.
fn shared_env(database_url: &str, s3: &S3Server, public_base_url: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("BIYE_DATABASE_URL", database_url.to_owned()),
        ("BIYE_OBJECTS_URL", format!("s3://{BUCKET}/{PREFIX}")),
        ("BIYE_PAYMENT_SECRET", PAYMENT_SECRET.to_owned()),
        ("BIYE_CREDENTIAL_SECRET", CREDENTIAL_SECRET.to_owned()),
        ("BIYE_PUBLIC_BASE_URL", public_base_url.to_owned()),
        // nginx runs on this host: its X-Forwarded-For is believed.
        ("BIYE_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
        ("BIYE_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(s3.env());
    env
}

impl Instance {
    fn start(name: &str, env: &[(String, String)]) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let addr = format!("127.0.0.1:{}", free_port().unwrap());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_biye"));
        cmd.current_dir(dir.path())
            .arg("--config")
            .arg(dir.path().join("none.toml"))
            .args(["serve", "--listen", &addr]);
        // Only what this deployment says: nothing inherited from the shell running the tests.
        for (k, _) in std::env::vars() {
            if k.starts_with("BIYE_") || k.starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)))
            .env("BIYE_DATA_DIR", dir.path());
        let proc = Proc::spawn(name, cmd, dir.path().join("biye.log"));
        Instance {
            addr,
            proc,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Polls `/readyz` until it answers 200.
    async fn wait_ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            self.proc.assert_running();
            let last = match client.get(self.url("/readyz")).send().await {
                Ok(r) if r.status() == 200 => return,
                Ok(r) => format!("{}: {}", r.status(), r.text().await.unwrap_or_default()),
                Err(e) => e.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "{} not ready within 90 s ({last}):\n{}",
                self.proc.name,
                self.proc.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// nginx's binary: in PATH, or where Debian puts it (not in a non-root PATH).
fn nginx_binary() -> Option<PathBuf> {
    find_in_path("nginx").or_else(|| {
        let debian = PathBuf::from("/usr/sbin/nginx");
        debian.is_file().then_some(debian)
    })
}

/// nginx in the foreground over a generated configuration: one listener on loopback, the
/// instances as the upstream (with the passive health parameters of `deploy/nginx/biye.conf`),
/// and the proxy settings of `deploy/nginx/biye-proxy.conf` as shipped.
struct Nginx {
    addr: String,
    proc: Proc,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(bin: &Path, addr: &str, upstreams: &[&str]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        // Worker processes drop to an unprivileged user when started as root; they must reach
        // the temporary paths.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let shipped =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/biye-proxy.conf");
        let shipped = shipped.canonicalize().unwrap();
        let d = dir.path().display();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("        server {u} max_fails=2 fail_timeout=10s;\n"))
            .collect();
        let conf = format!(
            "daemon off;
# One process: the test's SIGKILL on drop leaves no worker behind.
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream biye {{
{servers}        keepalive 16;
    }}
    server {{
        listen {addr};
        add_header X-Biye-Upstream $upstream_addr always;
        include {shipped};
        location / {{
            proxy_pass http://biye;
        }}
    }}
}}
",
            shipped = shipped.display()
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut cmd = Command::new(bin);
        cmd.arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf_path);
        let proc = Proc::spawn("nginx", cmd, dir.path().join("nginx.out"));
        Nginx {
            addr: addr.to_owned(),
            proc,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Polls `/healthz` through nginx until an instance answers.
    async fn wait_ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.proc.assert_running();
            if let Ok(r) = client.get(self.url("/healthz")).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not answer within 30 s:\n{}\n{}",
                self.proc.logs(),
                std::fs::read_to_string(self._dir.path().join("error.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 255) as u8, (y * 3 % 255) as u8, shade])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

/// Finds `name="csrf_token" value="…"` in a page.
fn csrf_in(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let rest = &body[body.find(marker)? + marker.len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The attribute value that follows `marker` in a page.
fn attr_after(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let rest = &page[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// What nginx says answered a request: the last address it tried.
fn answered_by(r: &reqwest::Response) -> String {
    r.headers()
        .get(UPSTREAM_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// A person using the site through the balancer: one cookie jar for every address.
struct Person {
    client: reqwest::Client,
    base: String,
}

/// One request as a form would send it.
enum Body {
    Fields(Vec<(String, String)>),
    Upload {
        fields: Vec<(String, String)>,
        name: String,
        bytes: Vec<u8>,
    },
}

impl Person {
    async fn page(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts a form with the CSRF token of `form_page`, pressing again (as a person would) when
    /// the balancer answers 502/503/504, which means the request was not acknowledged. Returns
    /// the status and the instance that answered.
    async fn post(&self, form_page: &str, path: &str, body: Body) -> (u16, String, String) {
        for _ in 0..3 {
            let (_, page) = self.page(form_page).await;
            let token = csrf_in(&page).unwrap_or_else(|| panic!("no csrf token on {form_page}"));
            let req = self.client.post(format!("{}{path}", self.base));
            let req = match &body {
                Body::Fields(fields) => {
                    let mut all = vec![("csrf_token".to_owned(), token)];
                    all.extend(fields.iter().cloned());
                    req.form(&all)
                }
                Body::Upload {
                    fields,
                    name,
                    bytes,
                } => {
                    let mut form = Form::new().text("csrf_token", token);
                    for (k, v) in fields {
                        form = form.text(k.clone(), v.clone());
                    }
                    req.multipart(
                        form.part(
                            "file",
                            Part::bytes(bytes.clone())
                                .file_name(name.clone())
                                .mime_str("image/jpeg")
                                .unwrap(),
                        ),
                    )
                }
            };
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let by = answered_by(&r);
            let text = r.text().await.unwrap();
            if !matches!(status, 502..=504) {
                return (status, by, text);
            }
        }
        panic!("{path}: the balancer answered 5xx three times");
    }
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn seeded_database(server: &str) -> TestDb {
    let db = TestDb::create(&Backend::Postgres(server.to_owned()))
        .await
        .unwrap();
    let hash = store::repo::password::hash(PASSWORD).unwrap();
    store::demo::seed(
        &db.db,
        &store::demo::DemoOptions::new(hash, chrono::Utc::now()),
    )
    .await
    .unwrap();
    db
}

/// One uploaded file as the database records it.
struct Saved {
    id: i64,
    key: String,
    sha256: String,
}

async fn saved_file(db: &TestDb, slot: &str) -> Saved {
    let cand = store::repo::candidate::by_admission_no(&db.db, accounts::CQ_ELIGIBLE_ASSOCIATE)
        .await
        .unwrap()
        .unwrap();
    let a = store::graduation::application::of_candidate(&db.db, cand.id)
        .await
        .unwrap()
        .remove(0);
    let f = store::graduation::application::files(&db.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.slot == slot)
        .unwrap_or_else(|| panic!("no {slot} file recorded"));
    Saved {
        id: f.id,
        key: f.object_key,
        sha256: f.sha256,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_share_postgres_and_s3_and_survive_a_sigkill() {
    const WHAT: &str = "the multi-instance deployment test";
    let Some(nginx_bin) = nginx_binary() else {
        skip_or_fail(WHAT, "nginx is not installed (apt-get install nginx)");
        return;
    };
    let Some(pg) = std::env::var("BIYE_TEST_POSTGRES")
        .ok()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
    else {
        skip_or_fail(WHAT, "BIYE_TEST_POSTGRES is not set");
        return;
    };
    let Some(s3) = S3Server::start(WHAT).unwrap() else {
        return;
    };
    s3.create_bucket(BUCKET).unwrap();
    let db = seeded_database(&pg).await;

    let nginx_addr = format!("127.0.0.1:{}", free_port().unwrap());
    let env = shared_env(&db.url, &s3, &format!("http://{nginx_addr}"));
    let mut a = Instance::start("biye serve (a)", &env);
    let mut b = Instance::start("biye serve (b)", &env);
    let probe = client();
    a.wait_ready(&probe).await;
    b.wait_ready(&probe).await;
    let mut nginx = Nginx::start(&nginx_bin, &nginx_addr, &[&a.addr, &b.addr]);
    nginx.wait_ready(&probe).await;

    // Sign in through the balancer: the form from one instance, the POST possibly to the other.
    let person = Person {
        client: client(),
        base: nginx.url(""),
    };
    let (status, _, _) = person
        .post(
            "/login",
            "/login",
            Body::Fields(fields(&[
                ("username", accounts::CQ_ELIGIBLE_ASSOCIATE),
                ("password", PASSWORD),
            ])),
        )
        .await;
    assert_eq!(status, 303, "sign-in through nginx");

    // 申请毕业, then the first sections.
    let (_, page) = person.page("/candidate/graduation").await;
    let major = attr_after(&page, "name=\"major_id\" value=\"");
    let batch = attr_after(&page, "<option value=\"");
    let (status, _, body) = person
        .post(
            "/candidate/graduation",
            "/candidate/application/open",
            Body::Fields(fields(&[
                ("major_id", &major),
                ("batch_id", &batch),
                ("acknowledged", "1"),
            ])),
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let (status, form) = person.page("/candidate/application").await;
    assert_eq!(status, 200);
    let major = attr_after(&form, "<option value=\"");
    let (status, _, body) = person
        .post(
            "/candidate/application",
            "/candidate/application/major",
            Body::Fields(fields(&[("major_id", &major)])),
        )
        .await;
    assert_eq!(status, 303, "{body}");

    // An upload: the object is in the bucket under the prefix, with the recorded hash.
    let front = jpeg(320, 200, 90);
    let (status, uploaded_by, body) = person
        .post(
            "/candidate/application",
            "/candidate/application/files",
            Body::Upload {
                fields: fields(&[("slot", "id_front")]),
                name: "front.jpg".to_owned(),
                bytes: front,
            },
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let front = saved_file(&db, "id_front").await;
    let in_bucket = s3
        .get(BUCKET, &format!("{PREFIX}/{}", front.key))
        .unwrap()
        .unwrap_or_else(|| panic!("{} is not under {PREFIX}/ in the bucket", front.key));
    assert_eq!(sha256_hex(&in_bucket), front.sha256);
    let keys = s3.keys(BUCKET).unwrap();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k.starts_with(&format!("{PREFIX}/"))),
        "every object under the prefix: {keys:?}"
    );

    // The instance that did not take the upload serves the file, asked directly.
    let (uploader, other) = if uploaded_by == a.addr {
        (&mut a, &mut b)
    } else {
        assert_eq!(
            uploaded_by, b.addr,
            "nginx names the instance that answered"
        );
        (&mut b, &mut a)
    };
    let r = person
        .client
        .get(other.url(&format!("/candidate/application/files/{}", front.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{} serves the file", other.addr);
    assert_eq!(r.bytes().await.unwrap().as_ref(), in_bucket.as_slice());

    // SIGKILL the instance that just acknowledged the upload, in the middle of the form; the rest
    // of the flow goes through nginx as before and lands on the survivor.
    uploader.proc.kill();
    let survivor = other;
    let resume = fields(&[
        ("from", "2012-09"),
        ("to", "2015-06"),
        ("unit", "重庆市第八中学"),
        ("role", "学生"),
        ("from", "2015-07"),
        ("to", "至今"),
        ("unit", "重庆某科技公司"),
        ("role", "职员"),
    ]);
    let appraisal = "踏实".repeat(160);
    let statement = "多实例部署测试：实例被强制结束后继续填写。".to_owned();
    let steps: Vec<(&str, &str, Body)> = vec![
        (
            "resume",
            "/candidate/application/resume",
            Body::Fields(resume),
        ),
        (
            "self-appraisal",
            "/candidate/application/self-appraisal",
            Body::Fields(fields(&[("text", &appraisal)])),
        ),
        (
            "id_back",
            "/candidate/application/files",
            Body::Upload {
                fields: fields(&[("slot", "id_back")]),
                name: "back.jpg".to_owned(),
                bytes: jpeg(320, 200, 30),
            },
        ),
        (
            "photo",
            "/candidate/application/files",
            Body::Upload {
                fields: fields(&[("slot", "photo")]),
                name: "photo.jpg".to_owned(),
                bytes: jpeg(300, 400, 160),
            },
        ),
        (
            "signature",
            "/candidate/application/signature",
            Body::Upload {
                fields: fields(&[("x", "20"), ("y", "30"), ("w", "200"), ("h", "80")]),
                name: "sign.jpg".to_owned(),
                bytes: jpeg(400, 300, 200),
            },
        ),
        (
            "statement",
            "/candidate/application/statement",
            Body::Fields(fields(&[("text", &statement)])),
        ),
        (
            "submit",
            "/candidate/application/submit",
            Body::Fields(vec![]),
        ),
    ];
    for (name, path, body) in steps {
        let (status, by, text) = person.post("/candidate/application", path, body).await;
        assert_eq!(
            status, 303,
            "{name} through nginx after the SIGKILL: {text}"
        );
        assert_eq!(by, survivor.addr, "{name} answered by the survivor");
    }

    // Everything acknowledged is there, read back through the survivor directly: the form's
    // text, and every file from S3 under the prefix with the recorded hash.
    let direct = Person {
        client: person.client.clone(),
        base: survivor.url(""),
    };
    let (status, page) = direct.page("/candidate/application").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("审核中") && page.contains("资料不能修改"),
        "submitted"
    );
    for text in ["重庆市第八中学", "重庆某科技公司", &appraisal, &statement] {
        assert!(page.contains(text), "{text} kept");
    }
    for slot in ["id_front", "id_back", "photo", "signature"] {
        let f = saved_file(&db, slot).await;
        let r = direct
            .client
            .get(survivor.url(&format!("/candidate/application/files/{}", f.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{slot} served by the survivor");
        let served = r.bytes().await.unwrap();
        assert_eq!(sha256_hex(&served), f.sha256, "{slot}");
        let in_bucket = s3
            .get(BUCKET, &format!("{PREFIX}/{}", f.key))
            .unwrap()
            .unwrap_or_else(|| panic!("{slot} not under the prefix"));
        assert_eq!(in_bucket, served.as_ref(), "{slot}");
    }
    let cand = store::repo::candidate::by_admission_no(&db.db, accounts::CQ_ELIGIBLE_ASSOCIATE)
        .await
        .unwrap()
        .unwrap();
    let app = store::graduation::application::of_candidate(&db.db, cand.id)
        .await
        .unwrap()
        .remove(0);
    assert!(app.submitted_at.is_some(), "submitted: {}", app.status);
    assert_eq!(app.statement.as_deref(), Some(statement.as_str()));
    assert_eq!(app.self_appraisal.as_deref(), Some(appraisal.as_str()));
    survivor.proc.assert_running();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_the_storage_that_is_down() {
    const WHAT: &str = "the /readyz object storage test";
    let probe = client();
    for backend in app_backends() {
        let Some(mut s3) = S3Server::start(WHAT).unwrap() else {
            return;
        };
        s3.create_bucket(BUCKET).unwrap();
        let db = TestDb::create(&backend).await.unwrap();
        let env = shared_env(&db.url, &s3, "http://127.0.0.1:1");
        let mut instance = Instance::start("biye serve", &env);
        instance.wait_ready(&probe).await;
        let r = probe.get(instance.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", backend.name());
        let body = r.text().await.unwrap();
        assert!(
            body.contains("数据库：正常") && body.contains("文件存储：正常"),
            "{body}"
        );

        // Object storage gone: 503 naming it, the database still fine.
        s3.stop();
        let r = probe.get(instance.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), 503, "{}", backend.name());
        let body = r.text().await.unwrap();
        assert!(
            body.contains("文件存储：不可用") && body.contains("数据库：正常"),
            "{}: {body}",
            backend.name()
        );

        // The database gone too (PostgreSQL: dropped under the instance): both named.
        if let Backend::Postgres(server) = &backend {
            let name = db.url.rsplit('/').next().unwrap().to_owned();
            let admin = store::connect(&format!("{server}/postgres")).await.unwrap();
            use store::sea_orm::ConnectionTrait;
            admin
                .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await
                .unwrap();
            let r = probe.get(instance.url("/readyz")).send().await.unwrap();
            assert_eq!(r.status(), 503);
            let body = r.text().await.unwrap();
            assert!(
                body.contains("数据库：不可用") && body.contains("文件存储：不可用"),
                "{body}"
            );
        }
        instance.proc.assert_running();
    }
}
