//! `biye bench http`: the real application served in this process over a freshly seeded demo
//! database, with a bare axum handler (`GET /__bench/bare`, a static "hello" behind none of the
//! application's layers) mounted beside it, and both driven with the same load in the same run.
//! Each page is measured between two measurements of the bare handler at the same number of
//! connections, and its throughput is given as a share of theirs, so that whatever else the
//! shared machine is doing weighs on both. The pages are those of issue 15: the candidate's
//! 毕业申请 pages, the reviewer's queue, two JSON reads and a write case, 自我鉴定 saved by
//! several candidates at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use store::demo::accounts;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Settings of `biye bench http`.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Seconds each target is measured for in each run (after a warm-up of at most half a
    /// second on the same connections' count).
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Concurrent clients for the page reads, each with one kept-alive connection.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Candidates saving their 自我鉴定 at once in the write case, one connection each.
    #[arg(long, default_value_t = 8)]
    pub writers: usize,
    /// Runs of the whole set; each figure is given as min / median / max over them.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// An empty PostgreSQL (or MySQL) database to seed and serve instead of a fresh SQLite file
    /// in a temporary directory, e.g. `postgres://postgres@127.0.0.1:5432/biye_bench` after
    /// `createdb biye_bench`.
    #[arg(long)]
    pub database_url: Option<String>,
    /// After the table, each target's statements by the time the database spent on them (the
    /// first place to look when a page is slow).
    #[arg(long)]
    pub statements: bool,
    /// Measure only the targets whose label contains this text (e.g. `graduation`), to profile
    /// one page with `perf record -p` while it is driven.
    #[arg(long)]
    pub only: Option<String>,
}

/// The statements the served application sent while one target was measured: how many, and per
/// statement text how often and for how long (as the pool's caller waited for each).
#[derive(Default)]
struct StatementLog {
    count: std::sync::atomic::AtomicU64,
    /// Whether each statement's text is logged (`--statements`). Otherwise only the count is
    /// kept: copying and hashing each text under one lock shared by every request thread cost
    /// the pages about 2 % of their rate, a cost of the measurement that `biye serve` never pays.
    by_text_on: bool,
    by_text: std::sync::Mutex<std::collections::HashMap<String, (u64, Duration)>>,
}

impl StatementLog {
    fn record(&self, info: &sea_orm::metric::Info<'_>) {
        self.count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !self.by_text_on {
            return;
        }
        if let Ok(mut map) = self.by_text.lock() {
            let entry = map.entry(info.statement.sql.clone()).or_default();
            entry.0 += 1;
            entry.1 += info.elapsed;
        }
    }

    /// Empties the log; returns what it held, the most time first.
    fn take(&self) -> (u64, Vec<(String, u64, Duration)>) {
        let count = self.count.swap(0, std::sync::atomic::Ordering::Relaxed);
        let mut rows: Vec<_> = self
            .by_text
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
            .into_iter()
            .map(|(sql, (n, t))| (sql, n, t))
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.2));
        (count, rows)
    }
}

const PASSWORD: &str = "Bench2026http";

/// Where the bare handler is mounted; only this benchmark mounts it.
const BARE_PATH: &str = "/__bench/bare";

/// One sentence of a plausible 自我鉴定; repeated to a length within the allowed 300–500.
const APPRAISAL_SENTENCE: &str =
    "本人在自学考试期间认真学习各门课程，遵守考试纪律，按时完成实践环节，";

/// Something to measure: the same request bytes sent on every connection (or, for the writers,
/// each connection its own candidate's), and the status a successful answer has.
#[derive(Clone)]
struct Target {
    label: String,
    requests: Arc<Vec<Vec<u8>>>,
    expect: u16,
    connections: usize,
}

impl Target {
    fn bare(addr: SocketAddr, connections: usize) -> Target {
        Target {
            label: format!("bare GET {BARE_PATH}"),
            requests: Arc::new(vec![get_request(addr, BARE_PATH, None)]),
            expect: 200,
            connections,
        }
    }
}

fn get_request(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Vec<u8> {
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}\r\n").into_bytes()
}

fn post_form_request(addr: SocketAddr, path: &str, cookie: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What one measurement of one target gave.
#[derive(Debug, Clone, Default)]
struct Sample {
    /// Answers with the expected status per second.
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// Answers with another status, and connections that failed.
    errors: u64,
    /// Answers with the expected status.
    answers: u64,
    /// Their mean body size in bytes: what each answer costs to send and to read.
    body_bytes: f64,
}

/// The p-th quantile (0–1) of sorted latencies in microseconds, nearest rank, in ms.
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

/// Reads one HTTP/1.1 response (length-delimited or chunked) into `body`; returns its status
/// and whether the server will close the connection after it.
async fn read_response(
    stream: &mut BufReader<TcpStream>,
    line: &mut String,
    body: &mut Vec<u8>,
) -> std::io::Result<(u16, bool)> {
    line.clear();
    stream.read_line(line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let mut length = 0usize;
    let mut chunked = false;
    let mut close = false;
    loop {
        line.clear();
        if stream.read_line(line).await? == 0 {
            return Err(std::io::Error::other("connection closed in the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
    }
    body.clear();
    if !chunked {
        body.resize(length, 0);
        stream.read_exact(body).await?;
        return Ok((status, close));
    }
    loop {
        line.clear();
        stream.read_line(line).await?;
        let size = line.trim_end().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size.trim(), 16)
            .map_err(|_| std::io::Error::other("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                line.clear();
                if stream.read_line(line).await? == 0 || line.trim_end().is_empty() {
                    return Ok((status, close));
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        stream.read_exact(&mut body[start..]).await?;
        line.clear();
        stream.read_line(line).await?;
    }
}

async fn connect(addr: SocketAddr) -> std::io::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(BufReader::new(stream))
}

/// Sends one request on `stream` and reads the answer.
async fn exchange(
    stream: &mut BufReader<TcpStream>,
    request: &[u8],
    line: &mut String,
    body: &mut Vec<u8>,
) -> std::io::Result<(u16, bool)> {
    stream.get_mut().write_all(request).await?;
    read_response(stream, line, body).await
}

/// Drives `target` for `duration`, each of its connections sending its next request as soon
/// as the previous one is answered (a closed loop, as the pages' users wait for their page).
async fn drive(addr: SocketAddr, target: &Target, duration: Duration) -> anyhow::Result<Sample> {
    // Connections are opened first, so that the clock measures requests, not handshakes.
    let mut streams = Vec::with_capacity(target.connections);
    for _ in 0..target.connections {
        streams.push(
            connect(addr)
                .await
                .with_context(|| format!("cannot connect to {addr}"))?,
        );
    }
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, mut stream)| {
            let requests = target.requests.clone();
            let expect = target.expect;
            tokio::spawn(async move {
                let request = &requests[i % requests.len()];
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let mut line = String::new();
                let mut body = Vec::new();
                let mut bytes = 0u64;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match exchange(&mut stream, request, &mut line, &mut body).await {
                        Ok((status, close)) => {
                            if status == expect {
                                let us = sent.elapsed().as_micros();
                                latencies.push(u32::try_from(us).unwrap_or(u32::MAX));
                                bytes += body.len() as u64;
                            } else {
                                errors += 1;
                            }
                            if close {
                                match connect(addr).await {
                                    Ok(s) => stream = s,
                                    Err(_) => break,
                                }
                            }
                        }
                        Err(_) => {
                            errors += 1;
                            match connect(addr).await {
                                Ok(s) => stream = s,
                                Err(_) => break,
                            }
                        }
                    }
                }
                (latencies, errors, bytes)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    let mut bytes = 0u64;
    for t in tasks {
        let (latencies, e, b) = t.await?;
        all.extend(latencies);
        errors += e;
        bytes += b;
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok(Sample {
        answers: all.len() as u64,
        rate: all.len() as f64 / secs,
        p50_ms: quantile_ms(&all, 0.50),
        p99_ms: quantile_ms(&all, 0.99),
        max_ms: all.last().map_or(0.0, |&us| f64::from(us) / 1000.0),
        errors,
        body_bytes: if all.is_empty() {
            0.0
        } else {
            bytes as f64 / all.len() as f64
        },
    })
}

/// A warm-up on fresh connections, then the measurement.
async fn measure(
    addr: SocketAddr,
    target: &Target,
    warm_up: Duration,
    duration: Duration,
) -> anyhow::Result<Sample> {
    drive(addr, target, warm_up).await?;
    drive(addr, target, duration).await
}

/// [`measure`], with the statements the application sent during the measurement (not the
/// warm-up).
async fn measure_logged(
    addr: SocketAddr,
    target: &Target,
    warm_up: Duration,
    duration: Duration,
    log: &StatementLog,
) -> anyhow::Result<(Sample, (u64, Vec<(String, u64, Duration)>))> {
    drive(addr, target, warm_up).await?;
    log.take();
    let sample = drive(addr, target, duration).await?;
    Ok((sample, log.take()))
}

/// The application in this process on its own runtime, as `biye serve` runs it (the accepting
/// runtime apart from the one the load is generated on), stopped when dropped.
struct Served {
    runtime: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    /// What the served application sent to the database.
    log: Arc<StatementLog>,
}

impl Drop for Served {
    fn drop(&mut self) {
        // Dropped from async code: a runtime may not block there.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Served {
    fn start(mut db: store::Db, dir: &std::path::Path, statements: bool) -> anyhow::Result<Served> {
        let log = Arc::new(StatementLog {
            by_text_on: statements,
            ..StatementLog::default()
        });
        let sink = log.clone();
        db.set_metric_callback(move |info| sink.record(info));
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let spool_dir = dir.join("spool");
        std::fs::create_dir_all(&spool_dir)?;
        let config = web::WebConfig {
            spool_dir,
            objects_url: dir.join("objects").to_string_lossy().into_owned(),
            public_base_url: format!("http://{addr}"),
            ..web::WebConfig::default()
        };
        let read_sink = log.clone();
        let state = web::AppState::new(db, config)
            .context("cannot build the application")?
            .with_read_metric(Arc::new(move |info| read_sink.record(info)));
        // As in `serve`: the metrics recorder installed, so requests pay for their metrics.
        web::ops::metrics_handle();
        let bare = axum::Router::new().route(BARE_PATH, axum::routing::get(|| async { "hello" }));
        let app = web::routes::router(state).merge(bare);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores)
            .thread_name("bench-serve")
            .enable_all()
            .build()?;
        runtime.spawn(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen");
                    return;
                }
            };
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, service).await {
                tracing::error!(error = %e, "the benchmark's server stopped");
            }
        });
        Ok(Served {
            runtime: Some(runtime),
            addr,
            log,
        })
    }
}

fn csrf_in(page: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let at = page.find(marker)? + marker.len();
    let rest = &page[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn cookie_named(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.starts_with(name))
        .map(str::to_owned)
}

/// Signs `username` in on the sign-in page at `path`; returns the session's `Cookie` value.
async fn sign_in(base: &str, path: &str, username: &str) -> anyhow::Result<String> {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = c.get(format!("{base}{path}")).send().await?;
    let pre = cookie_named(&page, "biye_pre=").context("no pre-session cookie")?;
    let token = csrf_in(&page.text().await?).context("no csrf token on the sign-in page")?;
    let r = c
        .post(format!("{base}{path}"))
        .header("cookie", pre.as_str())
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        r.status().as_u16() == 303,
        "sign-in of {username} answered {}",
        r.status()
    );
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    anyhow::ensure!(
        !location.starts_with("/staff/login/totp"),
        "{username} signs in with a second factor; the benchmark uses accounts without one"
    );
    cookie_named(&r, "biye_sid=").context("no session cookie after sign-in")
}

/// The CSRF token of a signed-in session, from its form page.
async fn session_token(base: &str, cookie: &str) -> anyhow::Result<String> {
    let page = reqwest::Client::new()
        .get(format!("{base}/candidate/application"))
        .header("cookie", cookie)
        .send()
        .await?
        .text()
        .await?;
    csrf_in(&page).context("no csrf token on /candidate/application")
}

/// Opens a 毕业申请 for `candidate` in its province's open batch, for its first enrolled major,
/// as the 申请毕业 page does after the eligibility audit (not run here: the writers are synthetic
/// candidates whose results need not suffice).
async fn open_application(
    db: &store::Db,
    candidate: &store::entity::candidate::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use store::graduation::application as apps;
    use store::graduation::batches::Phase;
    let batch = apps::batches_of_province(db, &candidate.province)
        .await?
        .into_iter()
        .find(|b| Phase::of(b, now) == Phase::Open)
        .with_context(|| format!("no open batch in {}", candidate.province))?;
    let major = store::repo::reference::enrolled_majors(db, candidate.id)
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("{} has no enrolled major", candidate.admission_no))?;
    apps::open(
        db,
        apps::NewApplication {
            candidate,
            batch: &batch,
            major: &major.major,
            prior_check: apps::PRIOR_NOT_NEEDED,
            prior_check_message: None,
        },
        now,
        None,
    )
    .await?;
    Ok(())
}

/// A 自我鉴定 within the allowed length.
fn appraisal_text() -> anyhow::Result<String> {
    let mut text = String::new();
    while text.chars().count() < 320 {
        text.push_str(APPRAISAL_SENTENCE);
    }
    domain::files::self_appraisal_length(&text).map_err(|e| anyhow::anyhow!(e.0))?;
    Ok(text)
}

/// Seeds the demo (and `writers` synthetic Chongqing candidates) into an empty database.
async fn seed(db: &store::Db, writers: usize) -> anyhow::Result<()> {
    store::db::migrate(db).await?;
    let hash = store::repo::password::hash(PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    store::demo::seed(
        db,
        &store::demo::DemoOptions {
            password_hash: hash,
            extra_candidates: u64::try_from(writers)?,
            bulk_province: domain::Province::from_code("chongqing"),
            now: chrono::Utc::now(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// Signs the accounts in, opens the applications and builds the targets, each checked once.
async fn targets(db: &store::Db, addr: SocketAddr, args: &HttpArgs) -> anyhow::Result<Vec<Target>> {
    use store::entity::candidate;
    let base = format!("http://{addr}");
    let now = chrono::Utc::now();
    let reader = store::repo::candidate::by_admission_no(db, accounts::CQ_ELIGIBLE_ASSOCIATE)
        .await?
        .context("demo candidate missing")?;
    // The reader has an application too, so that its form page shows the whole form.
    open_application(db, &reader, now).await?;
    let reader_cookie = sign_in(&base, "/login", accounts::CQ_ELIGIBLE_ASSOCIATE).await?;
    // A reviewer without a second factor (demo admins have one).
    let staff_cookie = sign_in(&base, "/staff/login", accounts::STAFF_CQ_UNIVERSITY).await?;

    // The synthetic candidates are the newest: the demo's named ones come first.
    let writers = candidate::Entity::find()
        .filter(candidate::Column::Province.eq("chongqing"))
        .order_by_desc(candidate::Column::Id)
        .limit(u64::try_from(args.writers)?)
        .all(db)
        .await?;
    anyhow::ensure!(
        writers.len() == args.writers,
        "{} synthetic candidates seeded, {} wanted",
        writers.len(),
        args.writers
    );
    let body = format!("text={}", form_encode(&appraisal_text()?));
    let mut saves = Vec::with_capacity(writers.len());
    for w in &writers {
        open_application(db, w, now).await?;
        let cookie = sign_in(&base, "/login", &w.admission_no).await?;
        let token = session_token(&base, &cookie).await?;
        saves.push(post_form_request(
            addr,
            "/candidate/application/self-appraisal",
            &cookie,
            &format!("csrf_token={}&{body}", form_encode(&token)),
        ));
    }

    let read = |path: String, cookie: &str| Target {
        label: format!("GET {path}"),
        requests: Arc::new(vec![get_request(addr, &path, Some(cookie))]),
        expect: 200,
        connections: args.connections,
    };
    let list = vec![
        read("/candidate/graduation".to_owned(), &reader_cookie),
        read("/candidate/application".to_owned(), &reader_cookie),
        read("/staff/reviews".to_owned(), &staff_cookie),
        read(format!("/api/v1/candidates/{}", reader.id), &reader_cookie),
        read(
            format!("/api/v1/candidates/{}/scores", reader.id),
            &reader_cookie,
        ),
        Target {
            label: "POST /candidate/application/self-appraisal".to_owned(),
            requests: Arc::new(saves),
            expect: 303,
            connections: args.writers,
        },
    ];
    // Each request answered as a signed-in person's would be, once, before anything is timed:
    // a sign-in page or a refusal measured instead would make every figure meaningless.
    let mut line = String::new();
    let mut answer = Vec::new();
    for t in &list {
        for request in t.requests.iter() {
            let mut stream = connect(addr).await?;
            let (status, _) = exchange(&mut stream, request, &mut line, &mut answer).await?;
            anyhow::ensure!(
                status == t.expect,
                "{} answered {status}, not {}: {}",
                t.label,
                t.expect,
                String::from_utf8_lossy(&answer)
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
        }
    }
    Ok(list)
}

/// The figures of one target in one run.
struct Measured {
    sample: Sample,
    /// Statements sent per answer, and by text (the most time first).
    statements: f64,
    by_text: Vec<(String, u64, Duration)>,
    /// The mean rate of the bare handler measured just before and just after it.
    bare_rate: f64,
}

/// min / median / max.
pub(crate) fn spread(mut v: Vec<f64>, decimals: usize) -> String {
    v.sort_by(f64::total_cmp);
    match v.as_slice() {
        [] => "-".to_owned(),
        [x] => format!("{x:.decimals$}"),
        _ => format!(
            "{:.decimals$} / {:.decimals$} / {:.decimals$}",
            v[0],
            v[v.len() / 2],
            v[v.len() - 1]
        ),
    }
}

/// The run whose rate is the median of the runs'.
fn median_run<T>(runs: &[T], rate: impl Fn(&T) -> f64) -> Option<&T> {
    let mut order: Vec<&T> = runs.iter().collect();
    order.sort_by(|a, b| rate(a).total_cmp(&rate(b)));
    order.get(order.len() / 2).copied()
}

/// `biye bench http`.
pub async fn run(args: HttpArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.seconds > 0.0 && args.seconds.is_finite(),
        "--seconds must be positive"
    );
    anyhow::ensure!(
        args.connections > 0 && args.writers > 0 && args.runs > 0,
        "--connections, --writers and --runs must be at least 1"
    );
    let duration = Duration::from_secs_f64(args.seconds);
    let warm_up = Duration::from_secs_f64((args.seconds / 4.0).min(0.5));
    let dir = tempfile::tempdir()?;
    let url = crate::bench::database_url(args.database_url.as_deref(), dir.path());
    let db = store::connect(&url).await?;
    let backend = format!("{:?}", sea_orm::ConnectionTrait::get_database_backend(&db));
    let started = Instant::now();
    seed(&db, args.writers).await?;
    println!(
        "seeded the demo and {} synthetic candidates in {:.1} s ({backend})",
        args.writers,
        started.elapsed().as_secs_f64()
    );
    let served = Served::start(db.clone(), dir.path(), args.statements)?;
    let addr = served.addr;
    let mut list = targets(&db, addr, &args).await?;
    if let Some(only) = &args.only {
        list.retain(|t| t.label.contains(only.as_str()));
        anyhow::ensure!(!list.is_empty(), "no target's label contains “{only}”");
    }
    println!(
        "serving on {addr}; {} runs, each target {:.1} s after a {:.1} s warm-up, between two \
         measurements of the bare handler at its number of connections",
        args.runs,
        duration.as_secs_f64(),
        warm_up.as_secs_f64()
    );

    // per_target[t][run]; bare[connections][run] holds every bare measurement of that run.
    let mut per_target: Vec<Vec<Measured>> = list.iter().map(|_| Vec::new()).collect();
    let mut bare: std::collections::BTreeMap<usize, Vec<Vec<Sample>>> = Default::default();
    for run in 0..args.runs {
        let mut last_bare: Option<(usize, Sample)> = None;
        for (i, t) in list.iter().enumerate() {
            let bare_target = Target::bare(addr, t.connections);
            let runs_bare = bare.entry(t.connections).or_default();
            runs_bare.resize_with(run + 1, Vec::new);
            let before = match last_bare.take() {
                Some((c, s)) if c == t.connections => s,
                _ => {
                    let s = measure(addr, &bare_target, warm_up, duration).await?;
                    runs_bare[run].push(s.clone());
                    s
                }
            };
            let (sample, (count, by_text)) =
                measure_logged(addr, t, warm_up, duration, &served.log).await?;
            let after = measure(addr, &bare_target, warm_up, duration).await?;
            runs_bare[run].push(after.clone());
            println!(
                "  run {}: {:<48} {:>9.0} /s (bare {:.0} before, {:.0} after)",
                run + 1,
                t.label,
                sample.rate,
                before.rate,
                after.rate
            );
            per_target[i].push(Measured {
                bare_rate: (before.rate + after.rate) / 2.0,
                statements: count as f64 / sample.answers.max(1) as f64,
                by_text,
                sample,
            });
            last_bare = Some((t.connections, after));
        }
    }
    drop(served);

    println!();
    println!(
        "{:<48} {:>5}  {:>24}  {:>8} {:>8} {:>8}  {:>22}  {:>6}  {:>6}  {:>6}",
        "target",
        "conns",
        "answers/s min / med / max",
        "p50 ms",
        "p99 ms",
        "max ms",
        "% of bare",
        "errors",
        "stmts",
        "KB"
    );
    let row = |label: &str,
               connections: usize,
               runs: Vec<(Sample, Option<f64>)>,
               statements: Option<f64>| {
        let rates: Vec<f64> = runs.iter().map(|(s, _)| s.rate).collect();
        let shares: Vec<f64> = runs
            .iter()
            .filter_map(|(s, b)| b.filter(|b| *b > 0.0).map(|b| s.rate / b * 100.0))
            .collect();
        let errors: u64 = runs.iter().map(|(s, _)| s.errors).sum();
        let mid = median_run(&runs, |(s, _)| s.rate)
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        println!(
            "{label:<48} {connections:>5}  {:>24}  {:>8.2} {:>8.2} {:>8.2}  {:>22}  {errors:>6}  {:>6}  {:>6.1}",
            spread(rates, 0),
            mid.p50_ms,
            mid.p99_ms,
            mid.max_ms,
            if shares.is_empty() {
                "-".to_owned()
            } else {
                spread(shares, 1)
            },
            statements.map_or("-".to_owned(), |n| format!("{n:.1}")),
            mid.body_bytes / 1024.0,
        );
    };
    for (connections, runs) in &bare {
        // A run's bare figure: its median measurement at this number of connections.
        let runs: Vec<(Sample, Option<f64>)> = runs
            .iter()
            .filter_map(|samples| median_run(samples, |s| s.rate).cloned())
            .map(|s| (s, None))
            .collect();
        row(&format!("bare GET {BARE_PATH}"), *connections, runs, None);
    }
    let mut logs = Vec::new();
    for (t, runs) in list.iter().zip(per_target) {
        let statements = median_run(&runs, |m| m.sample.rate).map(|m| m.statements);
        if let Some(m) = median_run(&runs, |m| m.sample.rate) {
            logs.push((t.label.clone(), m.sample.answers, m.by_text.clone()));
        }
        let runs = runs
            .into_iter()
            .map(|m| (m.sample, Some(m.bare_rate)))
            .collect();
        row(&t.label, t.connections, runs, statements);
    }
    println!(
        "p50 / p99 / max are those of the run with the median rate; % of bare compares each run's \
         rate with the bare handler's measured around it at the same connections. Issue 15's goals: \
         signed-in pages at ≥ 10 % of bare with p99 < 50 ms at 64 connections; saves with 8 \
         writers at p99 < 20 ms. stmts: statements sent to the database per answer. KB: an \
         answer's mean body size."
    );
    if args.statements {
        for (label, answers, by_text) in logs {
            println!();
            println!(
                "{label}: statements per answer, mean µs each (waiting for the pool included)"
            );
            let answers = answers.max(1) as f64;
            for (sql, n, total) in by_text.iter().take(15) {
                let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                // The column list says little and hides the table and the filter.
                let sql = match (sql.strip_prefix("SELECT "), sql.find(" FROM ")) {
                    (Some(_), Some(from)) if !sql[..from].contains('(') => {
                        format!("SELECT …{}", &sql[from..])
                    }
                    _ => sql,
                };
                println!(
                    "  {:>5.2} × {:>7.0} µs  {}",
                    *n as f64 / answers,
                    total.as_secs_f64() * 1e6 / (*n).max(1) as f64,
                    sql.chars().take(200).collect::<String>()
                );
            }
        }
    }
    Ok(())
}
