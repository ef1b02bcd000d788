//! `biye bench …`: measurements that print figures (never asserted in tests).

use std::time::Instant;

use clap::Subcommand;

/// What to measure.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Import a synthetic scores CSV into a fresh SQLite database and print rows/s.
    Import {
        /// Score rows in the file.
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Candidates the scores belong to.
        #[arg(long, default_value_t = 50_000)]
        candidates: u64,
    },
    /// Run the graduation eligibility audit over a synthetic province held in memory.
    Audit {
        /// Candidates in the province.
        #[arg(long, default_value_t = 2_000_000)]
        candidates: usize,
        /// Score rows per candidate.
        #[arg(long, default_value_t = 30)]
        rows: usize,
    },
    /// Write an 导出 workbook of synthetic review-queue rows (eight text columns) in constant
    /// memory, three runs each at a baseline of 10,000 rows and at `rows`, printing the time and
    /// the resident memory the run added at its peak (sampled every 5 ms).
    Export {
        /// Rows of the large export.
        #[arg(long, default_value_t = 100_000)]
        rows: u32,
    },
    /// Start `biye serve` over a demo database and measure it from outside: anonymous page
    /// views, parallel password guesses, and a burst far past its bound on requests in flight.
    Load(crate::load_bench::LoadArgs),
    /// Serve the application in this process over a freshly seeded demo database with a bare
    /// axum handler beside it, and drive both with the same load in the same run: each
    /// signed-in page's and the 自我鉴定 save's answers/s, p50, p99 and share of the bare
    /// handler's rate.
    Http(crate::http_bench::HttpArgs),
    /// Fill a graduation batch with synthetic applications (1,000,000 by default) and build its
    /// 统计 page N times per run, printing min / median / p99 / max.
    Stats(crate::stats_bench::StatsArgs),
    /// Over an existing database (e.g. `demo --candidates 2000000 --seed-only`), alternate in
    /// each run a plain scan of the score table, the batch audit's reading alone and the whole
    /// batch audit (which replaces the batch's verdicts), printing each one's time and score
    /// rows/s as min / median / max.
    ProvinceAudit {
        /// The database (`sqlite://FILE` or `postgres://…`).
        #[arg(long)]
        database: String,
        /// The graduation batch to audit.
        #[arg(long)]
        batch: i64,
        /// Runs.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Give N synthetic candidates an application each (1,000,000 by default) and measure the
    /// province office's review queue: first and 1,000th page filtered by 待审核/已审核 and
    /// major, the counts above it (median and p99), and bulk approval of 1,000 applications.
    Queue(crate::queue_bench::QueueArgs),
}

/// Runs one benchmark.
pub async fn run(what: BenchCommand) -> anyhow::Result<()> {
    match what {
        BenchCommand::Import { rows, candidates } => import(rows, candidates).await,
        BenchCommand::Audit { candidates, rows } => {
            audit(candidates, rows);
            Ok(())
        }
        BenchCommand::Load(args) => crate::load_bench::run(args).await,
        BenchCommand::Http(args) => crate::http_bench::run(args).await,
        BenchCommand::Stats(args) => crate::stats_bench::run(args).await,
        BenchCommand::Queue(args) => crate::queue_bench::run(args).await,
        BenchCommand::Export { rows } => export(rows),
        BenchCommand::ProvinceAudit {
            database,
            batch,
            runs,
        } => province_audit(&database, batch, runs).await,
    }
}

async fn province_audit(database: &str, batch: i64, runs: usize) -> anyhow::Result<()> {
    use store::graduation::batch_audit;
    let db = store::connect(database).await?;
    let err = |e: store::repo::RepoError| anyhow::anyhow!("{e}");
    let (mut scan, mut read, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    let rate = |rows: u64, secs: f64| rows as f64 / secs.max(f64::MIN_POSITIVE) / 1e6;
    for run in 1..=runs.max(1) {
        let s = batch_audit::plain_scan(&db).await.map_err(err)?;
        let r = batch_audit::read_only(&db, batch).await.map_err(err)?;
        let w = batch_audit::run(&db, batch, chrono::Utc::now(), |_| {})
            .await
            .map_err(err)?;
        let (s_secs, r_secs, w_secs) = (
            s.elapsed.as_secs_f64(),
            r.elapsed.as_secs_f64(),
            w.elapsed.as_secs_f64(),
        );
        eprintln!(
            "run {run}: plain scan {} rows {s_secs:.2} s; audit's read {} rows {r_secs:.2} s; \
             whole audit {} rows {w_secs:.2} s",
            s.rows, r.rows, w.rows_audited
        );
        scan.push((s_secs, rate(s.rows, s_secs)));
        read.push((r_secs, rate(r.rows, r_secs)));
        whole.push((w_secs, rate(w.rows_audited, w_secs)));
    }
    let spread = crate::http_bench::spread;
    println!("min / median / max of {} runs", scan.len());
    for (what, figures) in [
        ("plain scan of score_records", &scan),
        ("the audit's read", &read),
        ("whole audit (read, audit, write)", &whole),
    ] {
        println!(
            "{what:<34} {:>22} s  {:>22} million score rows/s",
            spread(figures.iter().map(|f| f.0).collect(), 2),
            spread(figures.iter().map(|f| f.1).collect(), 2),
        );
    }
    Ok(())
}

/// Resident memory of this process in MiB (Linux; 0 elsewhere).
/// The database a benchmark seeds and measures: the empty one given (PostgreSQL or MySQL), or
/// else a fresh SQLite file in `dir`.
pub(crate) fn database_url(given: Option<&str>, dir: &std::path::Path) -> String {
    match given {
        Some(u) => u.to_owned(),
        None => format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()),
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |pages| pages * 4096.0 / 1_048_576.0)
}

fn export_once(rows: u32) -> anyhow::Result<(f64, f64, u64)> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tabular::export::{Cell, XlsxExport};
    let before = rss_mib();
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let running = running.clone();
        std::thread::spawn(move || {
            let mut peak = before;
            while running.load(Ordering::Relaxed) {
                peak = peak.max(rss_mib());
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            peak
        })
    };
    let start = Instant::now();
    let mut x = XlsxExport::new(
        "毕业审核",
        &[
            "准考证号",
            "姓名",
            "身份证号",
            "专业",
            "批次",
            "当前环节",
            "状态",
            "提交时间",
        ],
    )?;
    for i in 0..rows {
        let no = format!("50240{i:07}");
        let id = format!("500106********{:03}X", i % 1000);
        let at = format!("2026-11-{:02} 10:{:02}", 1 + i % 28, i % 60);
        x.push(&[
            Cell::Text(&no),
            Cell::Text("陈思雨"),
            Cell::Text(&id),
            Cell::Text("610201 计算机应用技术"),
            Cell::Text("2026年下半年毕业申请"),
            Cell::Text("主考学校初审"),
            Cell::Text("审核中"),
            Cell::Text(&at),
        ])?;
    }
    let mut file = tempfile::tempfile()?;
    x.finish(&mut file)?;
    let secs = start.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    let peak = sampler.join().unwrap_or(before);
    Ok((secs, peak - before, file.metadata()?.len()))
}

fn export(rows: u32) -> anyhow::Result<()> {
    for n in [10_000, rows] {
        let mut times = Vec::new();
        let mut mems = Vec::new();
        let mut size = 0;
        for _ in 0..3 {
            let (secs, added, bytes) = export_once(n)?;
            times.push(secs);
            mems.push(added);
            size = bytes;
        }
        times.sort_by(f64::total_cmp);
        mems.sort_by(f64::total_cmp);
        println!(
            "export {n} rows ({:.1} MB .xlsx): {:.2}/{:.2}/{:.2} s min/median/max, \
             RSS added at peak {:.1}/{:.1}/{:.1} MiB",
            size as f64 / 1_048_576.0,
            times[0],
            times[1],
            times[2],
            mems[0],
            mems[1],
            mems[2]
        );
    }
    Ok(())
}

async fn import(rows: u64, candidates: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.sqlite").display()
    );
    let db = store::connect(&url).await?;
    store::db::migrate(&db).await?;
    let (admission_nos, courses) = store::import::synthetic::seed_for_bench(&db, candidates)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let file = dir.path().join("scores.csv");
    store::import::synthetic::write_scores_csv(&file, rows, &admission_nos, &courses)?;
    let size = std::fs::metadata(&file)?.len();
    let start = Instant::now();
    let report = store::import::import_file(
        &db,
        store::import::ImportRequest {
            kind: store::import::ImportKind::Scores,
            path: &file,
            format: tabular::Format::Csv,
            file_name: "scores.csv",
            actor: store::repo::audit::Actor::SYSTEM,
            ip: None,
            now: chrono::Utc::now(),
            scope: None,
            school: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let secs = start.elapsed().as_secs_f64();
    println!("{}", report.summary());
    println!(
        "import scores: {} rows ({:.1} MB CSV) in {:.2} s = {:.0} rows/s (SQLite)",
        report.rows,
        size as f64 / 1_048_576.0,
        secs,
        report.rows as f64 / secs
    );
    anyhow::ensure!(report.succeeded(), "the benchmark import was rejected");
    Ok(())
}

fn audit(candidates: usize, rows: usize) {
    use domain::graduation::bench;
    let started = Instant::now();
    let province = bench::synthetic_province(candidates, rows, 2026);
    println!(
        "synthetic province: {candidates} candidates x {rows} score rows built in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for threads in [1, 2] {
        let f = if threads == 1 {
            bench::run(&province)
        } else {
            bench::run_parallel(&province, threads)
        };
        println!(
            "audit: {} rows in {:.3} s = {:.0} rows/s ({} thread{}, {} of {} eligible)",
            f.rows,
            f.elapsed.as_secs_f64(),
            f.rows_per_sec,
            threads,
            if threads == 1 { "" } else { "s" },
            f.eligible,
            f.candidates
        );
    }
    let e = bench::explained_latency(&province, 10_000.min(candidates));
    println!(
        "explained audit of one candidate: p50 {:.1} us, p99 {:.1} us, max {:.1} us ({} samples)",
        e.p50.as_secs_f64() * 1e6,
        e.p99.as_secs_f64() * 1e6,
        e.max.as_secs_f64() * 1e6,
        e.samples
    );
}
