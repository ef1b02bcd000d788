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
    /// Start `biye serve` over a demo database and measure it from outside: anonymous page
    /// views, parallel password guesses, and a burst far past its bound on requests in flight.
    Load(crate::load_bench::LoadArgs),
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
    }
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
