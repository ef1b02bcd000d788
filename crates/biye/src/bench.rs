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
}

/// Runs one benchmark.
pub async fn run(what: BenchCommand) -> anyhow::Result<()> {
    match what {
        BenchCommand::Import { rows, candidates } => import(rows, candidates).await,
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
