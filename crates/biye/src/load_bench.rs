//! `biye bench load`: a real `biye serve` process over a demo-seeded SQLite database, measured
//! from outside as a deadline day and an attacker would meet it: anonymous page views (rows and
//! WAL bytes they add), a burst of parallel password guesses (checks made), and a burst of signed-in
//! page loads far beyond what the server takes at once (share shed, latency of the accepted,
//! the server's memory before, at its peak and after), with load shedding on and, as the baseline
//! of the same run, off.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::accounts;

/// Settings of `biye bench load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Anonymous GET /login requests.
    #[arg(long, default_value_t = 20_000)]
    pub anonymous: u64,
    /// Open connections during the burst.
    #[arg(long, default_value_t = 3_000)]
    pub connections: u64,
    /// Requests in the burst.
    #[arg(long, default_value_t = 30_000)]
    pub requests: u64,
    /// Bursts per setting (the figures are given as min / median / max).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

const PASSWORD: &str = "Bench2026load";

/// The server under test, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(dir: &Path, url: &str, max_in_flight: Option<u64>) -> anyhow::Result<Server> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.current_dir(dir)
            .args(["--config", "none.toml", "serve", "--listen", &listen])
            .env("BIYE_DATABASE_URL", url)
            .env("BIYE_DATA_DIR", dir)
            .env("BIYE_LOG", "error")
            .env("BIYE_PAYMENT_SECRET", "bench")
            .env("BIYE_CREDENTIAL_SECRET", "bench")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(n) = max_in_flight {
            cmd.env("BIYE_MAX_IN_FLIGHT", n.to_string());
        }
        let server = Server {
            child: cmd.spawn().context("cannot start biye serve")?,
            base: format!("http://{listen}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            anyhow::ensure!(Instant::now() < deadline, "biye serve did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resident memory of the server process, in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

fn csrf_in(page: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let at = page.find(marker)? + marker.len();
    let rest = &page[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Signs in on `path` with a fresh cookie jar; returns the status of the POST.
async fn sign_in(base: &str, path: &str, username: &str, password: &str) -> anyhow::Result<u16> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = client
        .get(format!("{base}{path}"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf_in(&page).context("no csrf token on the sign-in page")?;
    let status = client
        .post(format!("{base}{path}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await?
        .status()
        .as_u16();
    Ok(status)
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// min / median / max of some figures.
fn spread(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    match v.as_slice() {
        [] => "-".to_owned(),
        [x] => format!("{x:.1}"),
        _ => format!(
            "{:.1} / {:.1} / {:.1}",
            v[0],
            v[v.len() / 2],
            v[v.len() - 1]
        ),
    }
}

/// Anonymous GET /login from clients without cookies: how many session rows and WAL bytes they
/// add.
async fn anonymous(server: &Server, db: &store::Db, wal: &Path, n: u64) -> anyhow::Result<()> {
    use store::entity::session;
    let rows_before = session::Entity::find().count(db).await?;
    let wal_before = file_len(wal);
    let client = reqwest::Client::builder().build()?;
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (client, next, failed) = (client.clone(), next.clone(), failed.clone());
            let url = format!("{}/login", server.base);
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    match client.get(&url).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    let rows_after = session::Entity::find().count(db).await?;
    println!(
        "anonymous GET /login: {n} requests in {secs:.1} s ({:.0} req/s, {} not 200); \
         session rows {rows_before} → {rows_after} (+{}); WAL {:.2} MB → {:.2} MB",
        n as f64 / secs,
        failed.load(Ordering::Relaxed),
        rows_after.saturating_sub(rows_before),
        wal_before as f64 / 1_048_576.0,
        file_len(wal) as f64 / 1_048_576.0,
    );
    Ok(())
}

/// Thirty sign-ins at once for one account, the right password last: how many were checked.
async fn guesses(server: &Server, db: &store::Db) -> anyhow::Result<()> {
    use store::entity::audit;
    let candidate = store::repo::candidate::by_admission_no(db, accounts::CQ_ONE_COURSE_SHORT)
        .await?
        .context("demo candidate missing")?;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let base = server.base.clone();
            let password = if i == 29 {
                PASSWORD.to_owned()
            } else {
                format!("Guess{i:04}x")
            };
            tokio::spawn(async move {
                sign_in(&base, "/login", accounts::CQ_ONE_COURSE_SHORT, &password).await
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for t in tasks {
        *statuses.entry(t.await??).or_default() += 1;
    }
    let checks = audit::Entity::find()
        .filter(audit::Column::SubjectKind.eq("candidate"))
        .filter(audit::Column::SubjectId.eq(candidate.id))
        .filter(audit::Column::Action.is_in(["login.failed", "login.succeeded"]))
        .count(db)
        .await?;
    println!(
        "30 parallel sign-ins for one account: {checks} passwords checked; answers {statuses:?}"
    );
    Ok(())
}

struct Burst {
    shed_share: f64,
    accepted_p50: f64,
    accepted_p99: f64,
    shed_p99: f64,
    shed_open_p99: f64,
    rss_before: f64,
    rss_peak: f64,
    rss_after: f64,
    errors: u64,
}

/// A burst of signed-in page loads over many connections.
async fn burst(server: &Server, connections: u64, requests: u64) -> anyhow::Result<Burst> {
    let cookie = session_cookie(&server.base).await?;
    let url = format!("{}/candidate/application", server.base);
    // Warm up: the working set of normal load is part of the level before the burst.
    let warm = reqwest::Client::new();
    for _ in 0..200 {
        let _ = warm
            .get(&url)
            .header("cookie", cookie.as_str())
            .send()
            .await?
            .bytes()
            .await;
    }
    drop(warm);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = server.rss_mib();
    let peak = Arc::new(std::sync::Mutex::new(rss_before));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let pid = server.child.id();
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                if let Some(kb) = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                    && let Ok(mut p) = peak.lock()
                {
                    *p = p.max(kb / 1024.0);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    // One connection per task, spoken to in plain HTTP/1.1 with keep-alive: a full client per
    // connection would spend more of the shared processor than the server it measures.
    let per_connection = requests.div_ceil(connections);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let request =
        format!("GET /candidate/application HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, request) = (addr.clone(), request.clone());
            tokio::spawn(async move {
                let mut seen = Vec::with_capacity(per_connection as usize);
                let t = Instant::now();
                let Ok(stream) = tokio::net::TcpStream::connect(&addr).await else {
                    seen.push((0, t.elapsed(), false));
                    return seen;
                };
                let mut stream = tokio::io::BufReader::new(stream);
                let mut t = Some(t);
                for n in 0..per_connection {
                    let started = t.take().unwrap_or_else(Instant::now);
                    let status = exchange(&mut stream, request.as_bytes()).await.unwrap_or(0);
                    // The first request of a connection also waits for the connection itself.
                    seen.push((status, started.elapsed(), n > 0));
                    if status == 0 {
                        break;
                    }
                }
                seen
            })
        })
        .collect();
    let mut accepted = Vec::new();
    let mut shed = Vec::new();
    let mut shed_open = Vec::new();
    let mut errors = 0;
    for t in tasks {
        for (status, took, open) in t.await? {
            match status {
                503 => {
                    shed.push(took);
                    if open {
                        shed_open.push(took);
                    }
                }
                0 => errors += 1,
                _ => accepted.push(took),
            }
        }
    }
    // The connections close with their clients; then the server has a moment to settle.
    tokio::time::sleep(Duration::from_secs(5)).await;
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let rss_after = server.rss_mib();
    accepted.sort();
    shed.sort();
    shed_open.sort();
    let total = (accepted.len() + shed.len()) as f64;
    let rss_peak = peak.lock().map_or(rss_before, |p| *p);
    Ok(Burst {
        shed_share: if total > 0.0 {
            shed.len() as f64 / total * 100.0
        } else {
            0.0
        },
        accepted_p50: ms(percentile(&accepted, 0.50)),
        accepted_p99: ms(percentile(&accepted, 0.99)),
        shed_p99: ms(percentile(&shed, 0.99)),
        shed_open_p99: ms(percentile(&shed_open, 0.99)),
        rss_before,
        rss_peak,
        rss_after,
        errors,
    })
}

/// Sends one request on a kept-alive connection and reads the whole response; returns its status.
async fn exchange(
    stream: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    request: &[u8],
) -> std::io::Result<u16> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    stream.get_mut().write_all(request).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok(status)
}

/// Signs the burst's candidate in and returns the `Cookie` value of the session.
async fn session_cookie(base: &str) -> anyhow::Result<String> {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = c.get(format!("{base}/login")).send().await?;
    let pre = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|kv| kv.starts_with("biye_pre=")))
        .map(str::to_owned)
        .context("no pre-session cookie")?;
    let token = csrf_in(&page.text().await?).context("no csrf token")?;
    let r = c
        .post(format!("{base}/login"))
        .header("cookie", pre.as_str())
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", accounts::CQ_ELIGIBLE_ASSOCIATE),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    anyhow::ensure!(r.status().as_u16() == 303, "sign-in failed");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|kv| kv.starts_with("biye_sid=")))
        .map(str::to_owned)
        .context("no session cookie")
}

/// `biye bench load`.
pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path: PathBuf = dir.path().join("bench.sqlite");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = store::connect(&url).await?;
    store::db::migrate(&db).await?;
    let hash = store::repo::password::hash(PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    store::demo::seed(
        &db,
        &store::demo::DemoOptions {
            password_hash: hash,
            extra_candidates: 0,
            bulk_province: None,
            now: chrono::Utc::now(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let wal = PathBuf::from(format!("{}-wal", path.display()));

    let server = Server::start(dir.path(), &url, None).await?;
    anonymous(&server, &db, &wal, args.anonymous).await?;
    guesses(&server, &db).await?;
    drop(server);

    println!(
        "burst: {} requests over {} connections to /candidate/application (signed in), {} runs each",
        args.requests, args.connections, args.runs
    );
    for (label, limit) in [
        ("shedding on (default bound)", None),
        ("baseline: shedding off", Some(1_000_000)),
    ] {
        let mut runs = Vec::new();
        for _ in 0..args.runs {
            let server = Server::start(dir.path(), &url, limit).await?;
            runs.push(burst(&server, args.connections, args.requests).await?);
        }
        let pick = |f: fn(&Burst) -> f64| spread(runs.iter().map(f).collect());
        println!("  {label} (min / median / max):");
        println!("    shed (503): {} %", pick(|b| b.shed_share));
        println!(
            "    accepted: p50 {} ms, p99 {} ms",
            pick(|b| b.accepted_p50),
            pick(|b| b.accepted_p99)
        );
        println!(
            "    shed: p99 {} ms, on an open connection (not counting the connect) {} ms",
            pick(|b| b.shed_p99),
            pick(|b| b.shed_open_p99)
        );
        println!(
            "    server RSS: before {} MiB, peak {} MiB, after {} MiB; connection errors {}",
            pick(|b| b.rss_before),
            pick(|b| b.rss_peak),
            pick(|b| b.rss_after),
            pick(|b| b.errors as f64)
        );
    }
    Ok(())
}
