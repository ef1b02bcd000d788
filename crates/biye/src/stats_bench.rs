//! `biye bench stats`: a demo database whose newest Chongqing graduation batch is filled with a
//! million synthetic applications (stages, organisations, days, decisions, payments, refunds
//! spread as in a real batch), then its 统计 page built N times per run: the counts the page
//! and the API share and the page's HTML, as `GET /staff/batches/{id}/stats` builds them after
//! the session check.

use std::time::Instant;

use clap::Args;
use sea_orm::ConnectionTrait;

/// Settings of `biye bench stats`.
#[derive(Args)]
pub struct StatsArgs {
    /// Applications in the batch.
    #[arg(long, default_value_t = 1_000_000)]
    applications: u64,
    /// Page builds per run.
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Runs.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// An empty PostgreSQL (or MySQL) database to use instead of a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

/// The p-th percentile (0–100) of sorted figures, nearest rank.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `biye bench stats`.
pub async fn run(args: StatsArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = crate::bench::database_url(args.database_url.as_deref(), dir.path());
    let db = store::connect(&url).await?;
    let backend = format!("{:?}", db.get_database_backend());
    store::db::migrate(&db).await?;
    let hash = store::repo::password::hash("bench-password").map_err(|e| anyhow::anyhow!(e))?;
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
    let started = Instant::now();
    let chongqing = domain::Province::from_code("chongqing")
        .ok_or_else(|| anyhow::anyhow!("no Chongqing definition"))?;
    let seeded = store::graduation::stats::seed::fill_batch(&db, chongqing, args.applications)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {} applications, {} review events, {} payments, {} refunds in {secs:.1} s ({:.0} applications/s, {backend})",
        seeded.applications,
        seeded.events,
        seeded.payments,
        seeded.refunds,
        seeded.applications as f64 / secs
    );
    // The planner's statistics, as a database that has run for a while has them.
    db.execute_unprepared("ANALYZE").await?;

    let mut all = Vec::new();
    for run in 1..=args.runs {
        let mut ms = Vec::with_capacity(args.requests);
        let mut bytes = 0;
        for _ in 0..args.requests {
            let t = Instant::now();
            let html = web::views::graduation::stats::render_for_bench(&db, seeded.batch_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes = html.len();
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "run {run}: 统计 page of {} applications ({:.0} KB HTML), {} builds: min {:.0} ms, median {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            seeded.applications,
            bytes as f64 / 1024.0,
            ms.len(),
            ms[0],
            percentile(&ms, 50.0),
            percentile(&ms, 99.0),
            ms[ms.len() - 1]
        );
        all.extend(ms);
    }
    all.sort_by(f64::total_cmp);
    if let (Some(min), Some(max)) = (all.first(), all.last()) {
        println!(
            "all runs ({} builds): min {min:.0} ms, median {:.0} ms, p99 {:.0} ms, max {max:.0} ms",
            all.len(),
            percentile(&all, 50.0),
            percentile(&all, 99.0)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
